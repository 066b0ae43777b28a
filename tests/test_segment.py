"""Sentence and chunk splitting properties."""

from __future__ import annotations

import re
from pathlib import Path

import jieba
import pytest

from audiostudy.document import load, parse
from audiostudy.model import Boundary
from audiostudy.segment import chunk_sentence, is_speakable, split_document, split_sentences


def word_starts(text: str) -> set[int]:
    """Offsets where jieba starts a word; a chunk boundary must be one of these."""
    return {start for _, start, _ in jieba.tokenize(text)} | {len(text)}


def nonspace(text: str) -> str:
    return re.sub(r"\s+", "", text)


def speakable_only(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


@pytest.fixture
def sample_doc(sample_speech_path: Path):  # type: ignore[no-untyped-def]
    return load(sample_speech_path)


@pytest.mark.parametrize("max_chars", [8, 20, 40, 80])
def test_sample_properties(sample_doc, max_chars: int) -> None:  # type: ignore[no-untyped-def]
    sentences = split_document(sample_doc, max_chars)
    assert sentences
    for s in sentences:
        compact = nonspace(s.text)
        assert s.chunks, s
        # Round trip: the sample has no punctuation-only pieces, so nothing may be dropped.
        assert "".join(s.chunks) == compact
        starts = word_starts(compact)
        pos = 0
        for c in s.chunks:
            assert 0 < len(c) <= max_chars, (c, max_chars)
            assert is_speakable(c), c
            pos += len(c)
            assert pos in starts, f"chunk boundary inside a word at {pos}: {compact}"
    whole = "".join(p.text for sec in sample_doc.sections for p in sec.paragraphs)
    assert "".join("".join(s.chunks) for s in sentences) == nonspace(whole)


def test_sample_ids_boundaries_points(sample_doc) -> None:  # type: ignore[no-untyped-def]
    sentences = split_document(sample_doc, 40)
    assert [s.id for s in sentences[:3]] == ["s01-0001", "s01-0002", "s01-0003"]
    assert len({s.id for s in sentences}) == len(sentences)
    assert all(s.id == f"s{s.section:02d}-{i:04d}" for i, s in enumerate(sentences, 1))
    by_section: dict[int, list] = {}
    for s in sentences:
        by_section.setdefault(s.section, []).append(s)
    assert sorted(by_section) == [1, 2, 3, 4, 5]
    for group in by_section.values():
        assert group[0].boundary == Boundary.FIRST
        assert all(s.boundary != Boundary.FIRST for s in group[1:])
    body = by_section[2]
    assert body[0].text.startswith("一、") and body[0].point is None
    point_starts = [s for s in body if s.boundary == Boundary.POINT]
    assert [s.point for s in point_starts] == [1, 2, 3]
    assert point_starts[0].text == "一是在深入学习上狠下功夫。"
    # Sentences after a point's first one keep its number; those before the first point have none.
    assert all(s.point == 1 for s in body if s.paragraph == 2)
    assert all(s.point is None for s in body if s.paragraph == 1)
    assert by_section[1][1].boundary == Boundary.PARAGRAPH
    assert by_section[1][2].boundary == Boundary.SENTENCE
    assert all(s.point is None for s in by_section[5])


def test_sentence_ends_keep_closing_quotes() -> None:
    text = "他说：“我们要学习。”然后离开了！真的吗？是的；好……结束"
    assert split_sentences(text) == [
        "他说：“我们要学习。”",
        "然后离开了！",
        "真的吗？",
        "是的；",
        "好……",
        "结束",
    ]


def test_brackets_after_sentence_end() -> None:
    assert split_sentences("（详见附件。）下一句。") == ["（详见附件。）", "下一句。"]


def test_is_speakable() -> None:
    assert is_speakable("中")
    assert is_speakable("a")
    assert is_speakable("7")
    assert not is_speakable("。，“”——……")
    assert not is_speakable(" \u3000\n")


def test_long_line_without_punctuation_splits_at_words() -> None:
    line = "全面从严治党永远在路上党的自我革命永远在路上" * 455  # ~10,000 chars
    assert len(line) >= 10000
    chunks = chunk_sentence(line, 50)
    assert "".join(chunks) == line
    assert all(len(c) <= 50 for c in chunks)
    starts = word_starts(line)
    pos = 0
    for c in chunks:
        pos += len(c)
        assert pos in starts


def test_clause_split_preferred_over_words() -> None:
    chunks = chunk_sentence("第一部分的内容比较长，第二部分的内容也比较长。", 12)
    assert chunks == ("第一部分的内容比较长，", "第二部分的内容也比较长。")


def test_punctuation_only_sentences_are_dropped() -> None:
    doc = parse("第一句。\n——\n第二句。\n")
    sentences = split_document(doc, 30)
    assert [s.text for s in sentences] == ["第一句。", "第二句。"]
    assert sentences[1].paragraph == 2


def test_whitespace_removed_from_chunks() -> None:
    doc = parse("我们 要 学习 AI technology。\n")
    (s,) = split_document(doc, 100)
    assert s.text == "我们 要 学习 AI technology。"
    assert s.chunks == ("我们要学习AItechnology。",)


def test_bad_max_chars() -> None:
    with pytest.raises(ValueError):
        split_document(parse("你好。"), 0)


@pytest.mark.timeout(240)  # a quadratic split would take hours; no wall-clock goal on a shared machine
def test_million_char_line_without_punctuation() -> None:
    line = "全面从严治党永远在路上党的自我革命永远在路上" * 45455
    (s,) = split_document(parse(line, title="x"), 50)
    assert "".join(s.chunks) == line
    assert max(len(c) for c in s.chunks) <= 50


@pytest.mark.parametrize("number", ["10:30", "16：30", "1,234,567", "12:00:05"])
def test_a_number_with_colon_or_comma_is_never_split(number):
    """The normaliser reads 10:30 as 十点三十分 only if it gets both halves in one chunk."""
    text = "这是一个相当长的句子需要在某处分开会议时间定为" + number + "请大家准时参加不要迟到谢谢配合"
    for limit in (12, 20, 30):
        chunks = chunk_sentence(text, limit)
        assert any(number in c for c in chunks), (limit, chunks)


CLAUSY = "今天，我们召开会议，主要任务是：总结工作、部署任务——狠抓落实。会议于16:30开始，比分3:1。"


@pytest.mark.parametrize("max_chars", [8, 18, 60])
def test_clause_chunks_end_at_every_clause_mark_and_never_inside_a_word(max_chars: int) -> None:
    for text in split_sentences(CLAUSY):
        chunks = chunk_sentence(text, max_chars, by_clause=True)
        assert "".join(chunks) == nonspace(text)
        starts = word_starts(nonspace(text))
        pos = 0
        for c in chunks[:-1]:
            pos += len(c)
            assert pos in starts, (c, chunks)  # a boundary falls between jieba words
        for c in chunks:
            assert len(c) <= max_chars
            inner = c[:-1]
            # No clause mark inside a chunk, except inside a number (16:30, 3:1).
            assert not re.search(r"[，、；：]|——|(?<!\d)[:,]|[:,](?!\d)", inner.rstrip("—")), (c, chunks)
    assert chunk_sentence("今天，我们召开会议，主要任务是：", 60, by_clause=True) == (
        "今天，",
        "我们召开会议，",
        "主要任务是：",
    )
    assert chunk_sentence("会议于16:30开始，比分3:1。", 60, by_clause=True) == (
        "会议于16:30开始，",
        "比分3:1。",
    )


def test_whole_sentences_without_by_clause() -> None:
    (text,) = split_sentences("今天，我们召开会议，主要任务是：总结工作。")
    assert chunk_sentence(text, 60) == (text,)
