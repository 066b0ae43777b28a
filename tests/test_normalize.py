"""Table-driven checks of the reading normalisation used for the offline engine."""

from __future__ import annotations

import pytest

from audiostudy.normalize import LETTERS, reading_changes, to_reading

CASES = [
    # years and dates
    ("2022年", "二零二二年"),
    ("2022年的各项部署", "二零二二年的各项部署"),
    ("1月31日", "一月三十一日"),
    ("2月6日15时", "二月六日十五时"),
    ("2023年1月5日", "二零二三年一月五日"),
    ("2022-01-05", "二零二二年一月五日"),
    ("2022—2023年", "二零二二至二零二三年"),
    ("23时", "二十三时"),
    # Roman numerals (one character each)
    ("达到Ⅲ类标准", "达到三类标准"),
    ("Ⅱ期工程", "二期工程"),
    ("第Ⅻ章", "第十二章"),
    ("ⅳ级", "四级"),
    # clock times
    ("16：30-17：30", "十六点三十分至十七点三十分"),
    ("16:30", "十六点三十分"),
    ("9:05", "九点零五分"),
    ("12:00", "十二点"),
    ("2:30", "两点三十分"),
    # percentages and decimals
    ("26.32%", "百分之二十六点三二"),
    ("366%", "百分之三百六十六"),
    ("约30%-40%", "约百分之三十至百分之四十"),
    ("下降5‰", "下降千分之五"),
    ("0.5", "零点五"),
    ("3.14", "三点一四"),
    ("３６６％", "百分之三百六十六"),
    # ranges and units
    ("1.5—2米", "一点五至二米"),
    ("10-20", "十至二十"),
    ("共10-20人", "共十至二十人"),
    ("5km", "五千米"),
    ("5 km", "五千米"),
    ("3kg", "三千克"),
    ("10ns", "十纳秒"),
    ("120km/h", "一百二十千米每小时"),
    ("-5℃", "负五摄氏度"),
    ("30万元", "三十万元"),
    ("1,000,000元", "一百万元"),
    ("¥30", "三十元"),
    ("3/4", "四分之三"),
    # counters and ordinals
    ("14起", "十四起"),
    ("3宗", "三宗"),
    ("8人", "八人"),
    ("2人", "两人"),
    ("第8天", "第八天"),
    ("第2名", "第二名"),
    ("2000元", "两千元"),
    # identifiers read digit by digit
    ("13812345678", "幺三八幺二三四五六七八"),
    ("010-12345678", "零幺零幺二三四五六七八"),
    ("110101199003076630", "幺幺零幺零幺幺九九零零三零七六六三零"),
    ("编号007", "编号零零七"),
    # Latin
    ("AI", "诶爱"),
    ("人工智能AI技术", "人工智能诶爱技术"),
    ("5G网络", "五吉网络"),
    ("GDP增长", "吉迪屁增长"),
    ("Beijing", "北京"),
    ("New York港", "纽约港"),
    ("Rotterdam", "鹿特丹"),
    ("xyz", "艾克斯歪贼德"),
    # Latin words that are Hanyu Pinyin: said as those syllables (place names in real briefings)
    ("Shengjiang", "生江"),
    ("Nanjiangkou", "难江口"),
    ("Rencun", "人存"),
    ("Hekou", "河口"),
    ("Xi'an", "西安"),
    ("Zhangjiakou", "张家口"),
    ("Shengjiang镇", "生江镇"),
    # brands and common words, as Chinese speakers say them; acronyms letter by letter
    ("iPhone", "爱疯"),
    ("App", "诶屁屁"),
    ("Wi-Fi", "歪飞"),
    ("WiFi", "歪飞"),
    ("WeChat", "微信"),
    ("PPT", "屁屁提"),
    ("CPU", "西屁优"),
    ("A股", "诶股"),
    ("Thx", "提艾尺艾克斯"),
    ("COVID-19", "西欧维爱迪十九"),
    # ratios and scores; clock times stay times
    ("比例1:2", "比例一比二"),
    ("3:1获胜", "三比一获胜"),
    ("以3：1胜出", "以三比一胜出"),
    ("比分2:10", "比分二比十"),
    ("比例为1:50000", "比例为一比五万"),
    ("按1:1配套", "按一比一配套"),
    ("10:30开会", "十点三十分开会"),
    ("16：30", "十六点三十分"),
    # Chinese text and numerals untouched
    ("二十三个", "二十三个"),
    ("同志们，要抓好落实。", "同志们，要抓好落实。"),
    ("一是坚持", "一是坚持"),
    ("二〇二三年", "二零二三年"),
]


@pytest.mark.parametrize(("text", "reading"), CASES)
def test_reading(text: str, reading: str) -> None:
    assert to_reading(text) == reading


def _engine_ok(text: str) -> bool:
    punct = set("，。！？；：、“”‘’（）《》【】〈〉「」『』—…·,.!?;:'\"()[]")
    return all("\u4e00" <= c <= "\u9fa5" or c in punct for c in text)


@pytest.mark.parametrize(
    "text",
    [c[0] for c in CASES]
    + ["温度23.5°C，湿度80%。", "访问 https 网站 © 2023 ™ 😀", "R&D投入+15%", "a=b×2", "单价$5"],
)
def test_output_is_speakable_by_engine(text: str) -> None:
    out = to_reading(text)
    assert _engine_ok(out), out
    assert not any(c.isascii() and c.isalnum() for c in out)


def test_letter_table_complete_and_chinese() -> None:
    assert sorted(LETTERS) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert all(_engine_ok(v) and v for v in LETTERS.values())
    assert len(set(LETTERS.values())) == 26


def test_reading_changes_lists_tokens_in_order() -> None:
    changes = reading_changes("2022年完成26.32%，AI项目14起。")
    assert changes == [("2022", "二零二二"), ("26.32%", "百分之二十六点三二"), ("AI", "诶爱"), ("14", "十四")]


def test_reading_changes_empty_for_plain_chinese() -> None:
    assert reading_changes("全面从严治党永远在路上。") == []


def test_pinyin_table_characters_have_that_reading() -> None:
    """Each syllable's character is read as that syllable by pypinyin, which the offline front end uses."""
    from pypinyin import Style, pinyin

    from audiostudy.latin import pinyin_chars

    table = pinyin_chars()
    assert len(table) > 380
    for syllable, char in table.items():
        assert pinyin(char, style=Style.NORMAL, v_to_u=False)[0][0] == syllable, (syllable, char)


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("nanjiangkou", ["nan", "jiang", "kou"]),
        ("xian", ["xian"]),  # one syllable: xi'an would need the apostrophe
        ("fangan", ["fan", "gan"]),  # not fang-an: a syllable starting with a vowel needs an apostrophe
        ("zhuangzu", ["zhuang", "zu"]),
        ("strength", None),
        ("qwerty", None),
    ],
)
def test_pinyin_segmentation(word: str, syllables: list[str] | None) -> None:
    from audiostudy.latin import pinyin_syllables

    assert pinyin_syllables(word) == syllables


def test_word_table_is_speakable_by_engine() -> None:
    from audiostudy.latin import WORDS

    assert all(_engine_ok(v) and v for v in WORDS.values())
