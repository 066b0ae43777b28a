"""Long sentences are heard in windows of whole clauses (Whisper-base stops part-way otherwise)."""

from __future__ import annotations

import pytest

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


class _EarOnValues:
    """A stand-in listener that 'hears' the tone values in what it is given: each sentence of the
    test audio is a constant level, mapped to a word. It records what it was asked to hear."""

    name = "values"

    def __init__(self, words: dict[int, str]) -> None:
        self.words = words
        self.calls: list[tuple[int, bool]] = []

    def hear(self, samples, whole: bool = False) -> str:  # type: ignore[no-untyped-def]
        import numpy as np

        levels = [int(v) for v in np.unique(np.round(samples * 10)) if v]
        self.calls.append((len(samples), whole))
        return "".join(self.words[v] for v in levels)


def _audio(spans: list[tuple[int, int, int]]):  # type: ignore[no-untyped-def]
    """16 kHz audio of `spans` (start ms, end ms, level 1..9), silence elsewhere."""
    import numpy as np

    x = np.zeros(spans[-1][1] * 16 + 16_000, np.float32)
    for a, b, level in spans:
        x[a * 16 : b * 16] = level / 10
    return x


def test_each_sentence_is_heard_from_its_own_times_only() -> None:
    pytest.importorskip("pypinyin")
    pytest.importorskip("rapidfuzz")
    from audiostudy.listen import listen_sentences

    ear = _EarOnValues({1: "同志们", 2: "今天开会", 3: "散会"})
    samples = _audio([(300, 1000, 1), (1400, 3000, 2), (3400, 4000, 3)])
    said = [Spoken("a", "同志们：", 300, 1000), Spoken("b", "今天开会。", 1400, 3000),
            Spoken("c", "散会。", 3400, 4000)]  # fmt: skip
    report = listen_sentences(samples, said, ear)  # type: ignore[arg-type]
    assert [h.heard_text for h in report.sentences] == ["同志们", "今天开会", "散会"]
    assert report.error == 0.0 and not any(whole for _, whole in ear.calls)


def test_whole_file_hearing_is_aligned_to_the_same_sentences() -> None:
    pytest.importorskip("pypinyin")
    pytest.importorskip("rapidfuzz")
    from audiostudy.listen import listen_whole

    ear = _EarOnValues({1: "同志们", 3: "散会"})  # the middle sentence is never heard
    samples = _audio([(300, 1000, 1), (3400, 4000, 3)])
    said = [Spoken("a", "同志们：", 300, 1000), Spoken("b", "今天开会。", 1400, 3000),
            Spoken("c", "散会。", 3400, 4000)]  # fmt: skip
    report = listen_whole(samples, said, ear)  # type: ignore[arg-type]
    assert ear.calls == [(len(samples), True)]
    assert [h.errors for h in report.sentences] == [0, 4, 0]
    assert [h.start_ms for h in report.sentences] == [300, 1400, 3400]
