"""Outline detection and input errors for document.load / document.parse."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from audiostudy.document import load, outline_lines, parse
from audiostudy.errors import InputError
from audiostudy.model import SectionKind

SAMPLE_SECTIONS = [
    ("开场", SectionKind.OPENING, []),
    (
        "一、提高政治站位，深刻认识全面从严治党的重大意义",
        SectionKind.BODY,
        ["一是在深入学习上狠下功夫", "二是在宣传引导上狠下功夫", "三是在推动落实上狠下功夫"],
    ),
    (
        "二、做到“三个坚持”，持续推动工作高质量发展",
        SectionKind.BODY,
        ["一是坚持政治建设永远在路上", "二是坚持组织建设永远在路上", "三是坚持作风建设永远在路上"],
    ),
    (
        "三、把握“三个重点”，坚持把全面从严治党向纵深推进",
        SectionKind.BODY,
        [
            "一是坚定不移讲政治，自觉接受和深化政治监督",
            "二是坚持惩防并举，强化不敢、不能、不想一体推进",
            "三是加强作风建设，锲而不舍纠“四风”树新风",
        ],
    ),
    ("结束语", SectionKind.CLOSING, []),
]


def outline(doc):
    return [(s.title, s.kind, [p.title for p in s.points]) for s in doc.sections]


def test_sample_speech_outline(sample_speech_path: Path) -> None:
    doc = load(sample_speech_path)
    assert doc.title == "speech"
    assert outline(doc) == SAMPLE_SECTIONS
    assert [s.number for s in doc.sections] == [1, 2, 3, 4, 5]
    assert doc.encoding == "utf-8"
    assert doc.source == str(sample_speech_path)


def test_sample_speech_paragraph_details(sample_speech_path: Path) -> None:
    doc = load(sample_speech_path)
    opening, first, *_, closing = doc.sections
    assert [p.text for p in opening.paragraphs][0] == "同志们："
    assert len(opening.paragraphs) == 2
    assert first.paragraphs[0].heading and first.paragraphs[0].text.startswith("一、提高政治站位")
    assert [p.point for p in first.paragraphs] == [None, None, 1, 2, 3]
    assert [p.paragraph for p in first.points] == [2, 3, 4]
    assert closing.paragraphs[0].text.startswith("同志们，做好新形势下")
    assert len(closing.paragraphs) == 1
    # Nothing is lost: every non-blank line of the file is in exactly one paragraph.
    lines = [ln.strip() for ln in sample_speech_path.read_text("utf-8").splitlines() if ln.strip()]
    assert [p.text for s in doc.sections for p in s.paragraphs] == lines


def test_heading_with_more_sentences_titles_first_sentence_only() -> None:
    doc = parse("同志们：\n开场白。\n一、抓好落实。这是第二句。\n正文。\n二、加强领导！\n正文二。\n")
    assert [s.title for s in doc.sections] == ["开场", "一、抓好落实", "二、加强领导"]


def test_title_line_is_detected() -> None:
    doc = parse("在全县工作会议上的讲话\n同志们：\n今天开会。\n一、第一件事。\n内容。\n", title="stem")
    assert doc.title == "在全县工作会议上的讲话"
    assert doc.sections[0].kind == SectionKind.OPENING
    assert doc.sections[0].paragraphs[0].text == "同志们："


def test_no_title_line_uses_given_title() -> None:
    doc = parse("同志们：\n今天开会。\n一、第一件事。\n内容。\n", title="stem")
    assert doc.title == "stem"


def test_document_without_headings_is_one_whole_section() -> None:
    doc = parse("今天天气很好。我们去公园。\n第二段。\n", title="随笔")
    assert len(doc.sections) == 1
    s = doc.sections[0]
    assert (s.number, s.title, s.kind) == (1, "随笔", SectionKind.WHOLE)
    assert [p.text for p in s.paragraphs] == ["今天天气很好。我们去公园。", "第二段。"]


def test_closing_needs_a_cue() -> None:
    text = "一、第一。\n一是甲。\n二是乙。\n补充说明一段。\n总之，要抓好落实。\n谢谢大家。\n"
    doc = parse(text)
    assert [s.title for s in doc.sections] == ["一、第一", "结束语"]
    assert doc.sections[0].paragraphs[-1].text == "补充说明一段。"
    assert [p.text for p in doc.sections[1].paragraphs] == ["总之，要抓好落实。", "谢谢大家。"]


def test_outline_lines(sample_speech_path: Path) -> None:
    lines = outline_lines(load(sample_speech_path))
    assert lines[0].startswith("speech")
    assert lines[1].startswith(" 1. 开场")
    assert any(line.strip().startswith("2.1 一是在深入学习上狠下功夫") for line in lines)
    assert lines[-1].startswith(" 5. 结束语")
    assert len(lines) == 1 + 5 + 9


# ---- bad input -------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "nope.txt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        load(tmp_path)


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  \r\n", "\u3000\n".encode()])
def test_empty_or_blank_file(tmp_path: Path, content: bytes) -> None:
    f = tmp_path / "empty.txt"
    f.write_bytes(content)
    with pytest.raises(InputError):
        load(f)


def test_binary_file(tmp_path: Path) -> None:
    f = tmp_path / "data.txt"
    f.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="binary|decode"):
        load(f)


def test_nothing_speakable(tmp_path: Path) -> None:
    f = tmp_path / "punct.txt"
    f.write_text("。。。\n——……\n！？\n", "utf-8")
    with pytest.raises(InputError, match="nothing to read"):
        load(f)


def test_parse_empty_text() -> None:
    with pytest.raises(InputError):
        parse("  \n ")


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    for target in (tmp_path / "missing.txt", tmp_path):
        with pytest.raises(InputError) as info:
            load(target)
        assert "\n" not in str(info.value)


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO("同志们：\n开会。\n一、事项。\n内容。\n".encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    doc = load("-")
    assert doc.source == "-"
    assert [s.title for s in doc.sections] == ["开场", "一、事项"]


# ---- part B: other conventions, formats and encodings ------------------------------------------

DATA = Path(__file__).parent / "data"


def test_dispatch_notice_with_paren_points_meta_and_signature() -> None:
    doc = load(DATA / "diaodu.txt")
    assert doc.title == "全市安全生产调度会情况通报"
    assert outline(doc) == [
        ("一、总体情况", SectionKind.BODY, ["（一）重点行业领域", "（二）港口与外贸"]),
        ("二、下一步工作", SectionKind.BODY, ["（一）加强值班值守", "（二）抓好隐患整改"]),
    ]
    assert doc.meta == (
        ("时间", "2023年1月5日 16：30-17：30"),
        ("地点", "市政府三楼会议室"),
        ("主持", "市应急管理局局长"),
        ("落款", "市安全生产委员会办公室"),
        ("落款", "2023年1月6日"),
    )
    text = "".join(s.text for s in doc.sections)
    assert "http" not in text and "落款" not in text and "2023年1月6日" not in text
    assert "Rotterdam" in text


def test_dispatch_notice_tricky_tokens_read_correctly() -> None:
    from audiostudy.normalize import to_reading
    from audiostudy.segment import split_document

    doc = load(DATA / "diaodu.txt")
    reading = "".join(to_reading(c) for s in split_document(doc, 40) for c in s.chunks)
    for expected in [
        "一月以来",
        "十四起",
        "死亡八人",
        "百分之二十六点三二和百分之二十",
        "三宗",
        "百分之三百六十六",
        "鹿特丹、汉堡",
        "一点五至二倍",
        "二月六日十五时",
        "幺三八幺二三四五六七八",
        "十至二十处",
        "第八天",
    ]:
        assert expected in reading


def test_markdown_speech() -> None:
    doc = load(DATA / "speech.md")
    assert doc.title == "在青年干部培训班上的讲话"
    assert doc.meta == (("时间", "2023年3月1日"),)
    assert outline(doc) == [
        ("开场", SectionKind.OPENING, []),
        (
            "一、深刻认识学习的重要意义",
            SectionKind.BODY,
            ["1. 坚持学思结合，做到学以致用", "2. 坚持知行合一，推动工作落实"],
        ),
        ("二、切实提高履职能力", SectionKind.BODY, ["1. 在实践中锻炼", "2. 在斗争中成长", "3. 在学习中提升"]),
        ("结束语", SectionKind.CLOSING, []),
    ]
    opening = doc.sections[0]
    # Soft-wrapped lines join; link text is kept; the image, URL and markup are gone.
    assert opening.paragraphs[1].text == "今天我们召开培训班开班式，主要任务是学习和部署。"
    assert doc.sections[1].paragraphs[1].text == "学习是干部成长的阶梯。"
    assert doc.sections[2].paragraphs[1].text == "能力不是天生的。"


def test_docx_with_heading_styles(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("学习贯彻会议精神的讲话", level=0)
    d.add_paragraph("同志们：")
    d.add_paragraph("今天召开会议。")
    d.add_heading("加强理论学习", level=1)
    d.add_paragraph("一是原原本本学。要读原著。")
    d.add_paragraph("二是联系实际学。")
    d.add_heading("狠抓工作落实", level=1)
    d.add_heading("压实责任", level=2)
    d.add_paragraph("责任到人。")
    d.add_heading("强化督查", level=2)
    d.add_paragraph("同志们，让我们行动起来！")
    path = tmp_path / "讲话.docx"
    d.save(str(path))
    doc = load(path)
    assert doc.title == "学习贯彻会议精神的讲话"
    assert doc.encoding == "docx"
    assert outline(doc) == [
        ("开场", SectionKind.OPENING, []),
        # A heading without sub-headings: the Chinese rules find its points (as in an EPUB chapter).
        ("加强理论学习", SectionKind.BODY, ["一是原原本本学", "二是联系实际学"]),
        ("狠抓工作落实", SectionKind.BODY, ["压实责任", "强化督查"]),
        ("结束语", SectionKind.CLOSING, []),
    ]


@pytest.mark.parametrize(("name", "encoding"), [("gbk.txt", "gb18030"), ("utf16.txt", "utf-16")])
def test_legacy_encodings(name: str, encoding: str) -> None:
    doc = load(DATA / name)
    assert doc.encoding == encoding
    assert doc.title == "学习心得"
    assert outline(doc) == [
        ("开场", SectionKind.OPENING, []),
        ("一、提高认识", SectionKind.BODY, ["一是加强学习", "二是加强实践"]),
        ("二、狠抓落实", SectionKind.BODY, ["一是抓责任"]),
        ("结束语", SectionKind.CLOSING, []),
    ]
    assert all("\r" not in p.text for s in doc.sections for p in s.paragraphs)


def test_utf8_bom_and_crlf(tmp_path: Path) -> None:
    f = tmp_path / "bom.txt"
    f.write_bytes("\ufeff同志们：\r\n开会。\r\n一、事项。\r\n内容。\r\n".encode())
    doc = load(f)
    assert doc.encoding == "utf-8-sig"
    assert [s.title for s in doc.sections] == ["开场", "一、事项"]
    assert doc.sections[0].paragraphs[0].text == "同志们："


@pytest.mark.parametrize("suffix", [".odt", ".png", ".doc"])
def test_unsupported_extension(tmp_path: Path, suffix: str) -> None:
    f = tmp_path / f"x{suffix}"
    f.write_bytes(b"%PDF-1.4 whatever")
    with pytest.raises(InputError, match=r"\.txt, \.md, \.docx"):
        load(f)


def test_broken_docx(tmp_path: Path) -> None:
    f = tmp_path / "broken.docx"
    f.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="docx"):
        load(f)


def test_chapters_and_sections_two_levels() -> None:
    text = (
        "第一章 总则\n第一节 目的\n为了规范管理。\n第二节 范围\n适用于全体。\n"
        "第二章 附则\n本办法自发布之日起施行。\n"
    )
    doc = parse(text, title="办法")
    assert outline(doc) == [
        ("第一章 总则", SectionKind.BODY, ["第一节 目的", "第二节 范围"]),
        ("第二章 附则", SectionKind.BODY, []),
    ]


def test_arabic_numbered_sections_with_paren_points() -> None:
    text = "1. 背景\n（1）历史。\n（2）现状。\n2、目标\n（1）近期。\n"
    doc = parse(text, title="方案")
    assert outline(doc) == [
        ("1. 背景", SectionKind.BODY, ["（1）历史", "（2）现状"]),
        ("2、目标", SectionKind.BODY, ["（1）近期"]),
    ]


def test_first_then_points_in_whole_document() -> None:
    doc = parse("学习体会。\n首先，要读原著。\n其次，要联系实际。\n最后，要持之以恒。\n", title="体会")
    (s,) = doc.sections
    assert s.kind == SectionKind.WHOLE
    assert [p.title for p in s.points] == ["首先，要读原著", "其次，要联系实际", "最后，要持之以恒"]


def test_byline_and_subtitle_go_to_meta() -> None:
    doc = parse(
        "坚定信心 砥砺前行\n——在全县经济工作会议上的讲话\n张三（2023年1月5日）\n"
        "同志们：\n开会。\n一、形势。\n内容。\n"
    )
    assert doc.title == "坚定信心 砥砺前行"
    assert doc.meta == (("副标题", "在全县经济工作会议上的讲话"), ("署名", "张三（2023年1月5日）"))
    assert doc.sections[0].paragraphs[0].text == "同志们："


def test_html_and_urls_stripped_from_text() -> None:
    doc = parse("详见<b>附件</b>，网址 https://a.example.cn/x?y=1 。\n", title="t")
    assert doc.sections[0].paragraphs[0].text == "详见附件，网址 。"


@pytest.mark.timeout(120)
def test_million_char_file_parses_and_segments_quickly(tmp_path: Path) -> None:
    import time

    from audiostudy.segment import split_document

    unit = "一、提高站位。\n" + "一是学习。全面从严治党永远在路上，党的自我革命永远在路上。\n" * 30
    text = unit * (1_000_000 // len(unit) + 1)
    f = tmp_path / "big.txt"
    f.write_text(text, "utf-8")
    start = time.perf_counter()
    doc = load(f)
    sentences = split_document(doc, 40)
    assert time.perf_counter() - start < 30
    assert doc.chars >= 950_000
    assert len(sentences) > 60_000
