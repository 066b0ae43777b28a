"""Subtitles a player can show: at most two lines (36 characters) a cue, long sentences cut at clause
boundaries and timed from the clause clips; the manifest keeps every sentence's clauses."""

from __future__ import annotations

import json
from pathlib import Path

from fakes import MS_PER_CHAR, FakeBackend
from media import assert_subtitles_match, parse_srt

from audiostudy.pauses import Pauses
from audiostudy.pipeline import BuildOptions, build

LONG = (
    "讲话\n一、总体要求。\n"
    "这一重大判断揭示了我们党历经百年依然风华正茂的奥秘所在，充分彰显了我们党一以贯之坚持自我革命、"
    "确保党永远不变质不变色不变味的政治决心，标志着我们党对建设长期执政的马克思主义政党的规律性认识达到新高度。"
    "短句一句。\n"
)


class SentenceFake(FakeBackend):
    """Shaped like edge: whole sentences in one clip."""

    max_chars = 300


class ClauseFake(FakeBackend):
    """Shaped like the offline voice: one chunk per clause, its padding kept."""

    name = "fake-clauses"
    max_chars = 60
    clause_chunks = True
    trim_silence = False


def _build(tmp: Path, backend: FakeBackend) -> tuple[Path, dict]:
    src = tmp / "long.txt"
    src.write_text(LONG, encoding="utf-8")
    opts = BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", formats=("mp3", "srt", "vtt", "lrc"))
    r = build(src, opts, backend=backend)
    return r.out_dir, r.manifest


def test_long_sentence_becomes_cues_cut_where_clauses_start(tmp_path: Path) -> None:
    out, m = _build(tmp_path, ClauseFake())
    assert_subtitles_match(out, "long", m)
    long = next(s for s in m["sentences"] if len(s["text"]) > 36)
    cues = [
        c
        for c in parse_srt((out / "long.srt").read_text(encoding="utf-8"))
        if long["start_ms"] <= c[0] < long["end_ms"]
    ]
    assert len(cues) >= 3
    # The clauses in the manifest are the sentence's pieces, in order, with the pause their mark asks for.
    clauses = long["clauses"]
    assert "".join(c["text"] for c in clauses) == long["text"]
    pauses = Pauses()
    for a, b in zip(clauses, clauses[1:], strict=False):
        gap = b["start_ms"] - a["end_ms"]
        assert abs(gap - pauses.clause_pause_ms(a["text"])) <= 2, (a, b)
        # The fake engine's clip: its tone plus 120 ms of padding each side, kept (no trimming).
        assert abs((a["end_ms"] - a["start_ms"]) - (len(a["text"]) * MS_PER_CHAR + 240)) <= 2


def test_one_clip_sentence_is_cut_by_characters(tmp_path: Path) -> None:
    """An engine that reads whole sentences (edge): the cues of a long sentence share its time by
    characters, still cut at clause marks and at most two lines each."""
    out, m = _build(tmp_path, SentenceFake())
    assert_subtitles_match(out, "long", m)
    long = next(s for s in m["sentences"] if len(s["text"]) > 36)
    assert len(long["clauses"]) == 1
    cues = [
        c
        for c in parse_srt((out / "long.srt").read_text(encoding="utf-8"))
        if long["start_ms"] <= c[0] < long["end_ms"]
    ]
    assert len(cues) >= 3 and all(t.endswith(("，", "、", "。")) for _, _, t in cues)
    per_char = (long["end_ms"] - long["start_ms"]) / len(long["text"])
    for a, b, t in cues:
        assert abs((b - a) - per_char * len(t)) <= 2
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sentences"][0]["clauses"]


def test_no_stub_cue_after_a_full_one(tmp_path: Path) -> None:
    """A 40-character sentence is two cues of similar length, not 35 characters and then 知行合一。
    alone for a second."""
    src = tmp_path / "stub.txt"
    sentence = "坚持原原本本学、方方面面学从严治党各项制度，做到学深学透、融会贯通、知行合一。"
    src.write_text(f"讲话\n一、学习。\n{sentence}\n", encoding="utf-8")
    formats = ("mp3", "srt", "vtt", "lrc")
    opts = BuildOptions(out_root=tmp_path / "audio", cache_dir=tmp_path / "cache", formats=formats)
    r = build(src, opts, backend=ClauseFake())
    assert_subtitles_match(r.out_dir, "stub", r.manifest)
    said = next(s for s in r.manifest["sentences"] if s["text"] == sentence)
    cues = [
        t
        for a, _, t in parse_srt((r.out_dir / "stub.srt").read_text(encoding="utf-8"))
        if said["start_ms"] <= a < said["end_ms"]
    ]
    assert "".join(cues) == sentence
    assert len(cues) == 2 and all(12 <= len(t) <= 36 for t in cues), cues
