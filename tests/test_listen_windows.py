"""Long sentences are heard in windows of whole clauses (Whisper-base stops part-way otherwise)."""

from __future__ import annotations

from audiostudy.listen import WINDOW_MS, Spoken, _windows


def test_short_sentence_is_one_window() -> None:
    s = Spoken("s1", "短句，短句。", 0, 5000, ((0, 2000), (2200, 5000)))
    assert _windows(s) == [(0, 5000)]


def test_long_sentence_is_cut_between_clauses_and_covers_them_all() -> None:
    clauses = tuple((k * 3000, k * 3000 + 2800) for k in range(10))
    s = Spoken("s1", "长句", 0, clauses[-1][1], clauses)
    windows = _windows(s)
    assert len(windows) > 1
    assert windows[0][0] == 0 and windows[-1][1] == s.end_ms
    starts = {a for a, _ in clauses}
    ends = {b for _, b in clauses}
    for a, b in windows:
        assert a in starts and b in ends and b - a <= WINDOW_MS
    assert all(w1[1] < w2[0] for w1, w2 in zip(windows, windows[1:], strict=False))


def test_long_sentence_without_clauses_is_heard_whole() -> None:
    assert _windows(Spoken("s1", "长句", 0, 30_000)) == [(0, 30_000)]
