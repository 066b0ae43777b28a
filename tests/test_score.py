"""Scoring of listen-back transcripts (no speech model): pinyin, digits, edit distance, alignment."""

from __future__ import annotations

import pytest

pytest.importorskip("pypinyin")
pytest.importorskip("rapidfuzz")

from audiostudy.listen import format_report, score_text, split_sentences  # noqa: E402
from audiostudy.score import align, distance, rate, syllables  # noqa: E402


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("学习很重要。", "xue xi hen zhong yao"),
        ("學習很重要", "xue xi hen zhong yao"),  # traditional characters read the same
        ("同志们：今天，开个短会！", "tong zhi men jin tian kai ge duan hui"),  # punctuation dropped
        ("2022年", "er ling er er nian"),  # a year is read digit by digit
        ("增长5%", "zeng zhang bai fen zhi wu"),
        ("16:30开会", "shi liu dian san shi fen kai hui"),
        ("共3个", "gong san ge"),
        ("Hello！", "ha lou"),  # a Latin word as a Chinese reader says it
        ("", ""),
        ("，。！", ""),
    ],
)
def test_syllables(text: str, expected: str) -> None:
    assert " ".join(syllables(text)) == expected


def test_digits_and_numerals_are_the_same_sound() -> None:
    assert syllables("2022年增长了百分之五") == syllables("二零二二年增长了5%")
    assert syllables("二是要") == syllables("2是要")


def test_distance_counts_syllables_not_characters() -> None:
    assert distance(syllables("学习很重要"), syllables("学习很重要")) == 0
    assert distance(syllables("学习很重要"), syllables("学习真重要")) == 1  # one substitution
    assert distance(syllables("学习很重要"), syllables("学习重要")) == 1  # one deletion
    assert distance(syllables("学习很重要"), syllables("学习很很重要啊")) == 2  # two insertions
    assert distance(syllables("学习"), []) == 2


def test_align_shares_edits_out_to_sentences() -> None:
    groups = [["a", "b", "c"], ["d", "e"], ["f"]]
    parts = align(groups, ["a", "x", "c", "d", "e", "g", "f"])
    assert [p.errors for p in parts] == [1, 1, 0]  # b->x in the first; g inserted after the second
    assert [p.heard for p in parts] == [("a", "x", "c"), ("d", "e", "g"), ("f",)]
    assert sum(p.errors for p in parts) == distance([s for g in groups for s in g], list("axcdegf"))


def test_align_a_skipped_sentence_is_all_errors() -> None:
    parts = align([["a", "b"], ["c", "d", "e"], ["f"]], ["a", "b", "f"])
    assert [p.errors for p in parts] == [0, 3, 0]
    assert parts[1].heard == ()


def test_align_extra_speech_at_the_end_goes_to_the_last_sentence() -> None:
    parts = align([["a"], ["b"]], ["a", "b", "z", "z"])
    assert [p.errors for p in parts] == [0, 2]


def test_rate() -> None:
    assert rate(1, 4) == 0.25
    assert rate(0, 0) == 0.0
    assert rate(2, 0) == 1.0  # nothing meant, something heard


def test_score_text_reports_the_worst_sentence_first() -> None:
    text = "同志们：\n今天开个短会。学习很重要。\n"
    assert split_sentences(text) == ["同志们：", "今天开个短会。", "学习很重要。"]
    report = score_text(split_sentences(text), "同志们今天开个短会学习真的重要")
    assert report.syllables == 3 + 6 + 5
    assert report.errors == 2
    worst = report.worst()
    assert [h.text for h in worst] == ["学习很重要。"]
    assert worst[0].error == pytest.approx(2 / 5)
    lines = list(format_report(report))
    assert lines[0].startswith("syllable error 14.3% (2/14)")
    assert "expected: xue xi hen zhong yao" in lines[2]
    assert "heard:    xue xi zhen de zhong yao" in lines[3]
