"""Long sentences are heard in windows of whole clauses (Whisper-base stops part-way otherwise)."""

from __future__ import annotations

from audiostudy.listen import WINDOW_MS, _windows


def test_short_sentence_is_one_window() -> None:
    s = {
        "start_ms": 0,
        "end_ms": 5000,
        "clauses": [{"start_ms": 0, "end_ms": 2000}, {"start_ms": 2200, "end_ms": 5000}],
    }
    assert _windows(s) == [(0, 5000)]


def test_long_sentence_is_cut_between_clauses_and_covers_them_all() -> None:
    clauses = [{"start_ms": k * 3000, "end_ms": k * 3000 + 2800} for k in range(10)]
    s = {"start_ms": 0, "end_ms": clauses[-1]["end_ms"], "clauses": clauses}
    windows = _windows(s)
    assert len(windows) > 1
    assert windows[0][0] == 0 and windows[-1][1] == s["end_ms"]
    starts = {c["start_ms"] for c in clauses}
    ends = {c["end_ms"] for c in clauses}
    for a, b in windows:
        assert a in starts and b in ends and b - a <= WINDOW_MS
    assert all(w1[1] < w2[0] for w1, w2 in zip(windows, windows[1:], strict=False))


def test_long_sentence_without_clauses_is_heard_whole() -> None:
    assert _windows({"start_ms": 0, "end_ms": 30_000}) == [(0, 30_000)]
