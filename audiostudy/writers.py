"""Text output writers, one small class per format in a table (the shape openai-whisper's
`get_writer` uses): each writes the placed sentences of a Timeline to a TextIO. SRT and VTT share one
class and differ only by attributes. A new text format is one class here plus one WRITERS line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TextIO

from .model import PlacedClause, PlacedSentence


def format_timestamp(ms: int, decimal_marker: str = ".") -> str:
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    seconds, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_marker}{ms:03d}"


# Two lines of a phone or TV subtitle: about 18 Chinese characters each.
CUE_MAX_CHARS = 36
_CLAUSE_END = re.compile(r"(?<=[，、；：,;:—])(?![，、；：,;:—”’）》」』】])")


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def _group(pieces: list[tuple[int, int, str]], limit: int) -> list[Cue]:
    """Consecutive pieces joined into as few cues within `limit` as possible, balanced: of the ways
    to make that many cues, the one whose longest cue is shortest. Filling each cue greedily would
    leave a stub like 知行合一。 on screen for a second after a full two-line cue."""
    if not pieces:
        return []
    count = _greedy_count([len(t) for _, _, t in pieces], limit)
    cuts = _balanced_cuts([len(t) for _, _, t in pieces], count)
    groups = [pieces[a:b] for a, b in zip([0, *cuts], [*cuts, len(pieces)], strict=True)]
    return [Cue(g[0][0], g[-1][1], "".join(t for _, _, t in g)) for g in groups]


def _greedy_count(sizes: list[int], limit: int) -> int:
    count, filled = 0, limit + 1
    for n in sizes:
        if filled + n <= limit:
            filled += n
        else:
            count, filled = count + 1, n
    return count


def _balanced_cuts(sizes: list[int], count: int) -> list[int]:
    """Where to cut `sizes` into `count` runs so that the largest run sum is smallest (the linear
    partition problem; a sentence has a few dozen pieces at most)."""
    n = len(sizes)
    ends = [0]
    for x in sizes:
        ends.append(ends[-1] + x)
    inf = float("inf")
    # best[k][i]: the smallest largest run when the first i pieces make k runs; cut[k][i]: its last cut
    best = [[inf] * (n + 1) for _ in range(count + 1)]
    cut = [[0] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0
    for k in range(1, count + 1):
        for i in range(k, n + 1):
            for j in range(k - 1, i):
                worst = max(best[k - 1][j], ends[i] - ends[j])
                if worst < best[k][i]:
                    best[k][i], cut[k][i] = worst, j
    cuts, i = [], n
    for k in range(count, 1, -1):
        i = cut[k][i]
        cuts.append(i)
    return cuts[::-1]


def _proportional(a: int, b: int, text: str, limit: int) -> list[tuple[int, int, str]]:
    """text said between a and b, cut at clause marks (or every `limit` characters when a clause is
    longer), each piece timed by its share of the characters."""
    parts = [p for p in _CLAUSE_END.split(text) if p]
    parts = [p[i : i + limit] for p in parts for i in range(0, len(p), limit)]
    total = sum(len(p) for p in parts) or 1
    out, pos = [], 0
    for p in parts:
        start = a + (b - a) * pos // total
        pos += len(p)
        out.append((start, a + (b - a) * pos // total, p))
    return out


def cues_of(placed: PlacedSentence, limit: int = CUE_MAX_CHARS) -> list[Cue]:
    """A sentence's cues: one when it fits in two lines, else several cut at clause boundaries and
    timed from its clause clips (or by characters inside a clip that holds several clauses)."""
    text = " ".join(placed.sentence.text.split())  # a blank line would end the cue
    if len(text) <= limit:
        return [Cue(placed.doc_start_ms, placed.doc_end_ms, text)]
    clauses = placed.clauses or (PlacedClause(text, placed.doc_start_ms, placed.doc_end_ms),)
    pieces: list[tuple[int, int, str]] = []
    for c in clauses:
        t = " ".join(c.text.split())
        if len(clauses) > 1 and len(t) <= limit:
            pieces.append((c.doc_start_ms, c.doc_end_ms, t))
        else:
            pieces.extend(_proportional(c.doc_start_ms, c.doc_end_ms, t, limit))
    return _group(pieces, limit)


class Writer(Protocol):
    extension: str

    def write(self, sentences: Iterable[PlacedSentence], out: TextIO, title: str = "") -> None: ...


class SubtitlesWriter:
    """Cues of at most two lines, timed on the whole-document file (see cues_of)."""

    extension = "srt"
    header = ""
    decimal_marker = ","
    numbered = True

    def write(self, sentences: Iterable[PlacedSentence], out: TextIO, title: str = "") -> None:
        out.write(self.header)
        cues = (c for p in sentences for c in cues_of(p))
        for i, c in enumerate(cues, start=1):
            if self.numbered:
                out.write(f"{i}\n")
            start = format_timestamp(c.start_ms, self.decimal_marker)
            end = format_timestamp(c.end_ms, self.decimal_marker)
            out.write(f"{start} --> {end}\n{c.text}\n\n")


class SRTWriter(SubtitlesWriter):
    pass


class VTTWriter(SubtitlesWriter):
    extension = "vtt"
    header = "WEBVTT\n\n"
    decimal_marker = "."
    numbered = False


class LRCWriter:
    """Lyrics-style lines ([mm:ss.xx]) that music players on phones show in step with the audio."""

    extension = "lrc"

    def write(self, cues: Iterable[PlacedSentence], out: TextIO, title: str = "") -> None:
        if title:
            out.write(f"[ti:{title}]\n")
        for c in (c for p in cues for c in cues_of(p)):
            minutes, rest = divmod(c.start_ms, 60_000)
            # LRC has centisecond resolution; minutes may exceed 99 in long documents.
            text = c.text
            out.write(f"[{minutes:02d}:{rest // 1000:02d}.{rest % 1000 // 10:02d}]{text}\n")


WRITERS: dict[str, type[Writer]] = {w.extension: w for w in (SRTWriter, VTTWriter, LRCWriter)}


def get_writer(fmt: str) -> Writer:
    return WRITERS[fmt]()
