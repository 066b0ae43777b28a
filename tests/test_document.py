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
