"""Where everything landed: the stitched sections laid end to end with the section pause between
them, and every section, point, sentence and clause placed in ms of the encoded files (atempo has
scaled time by 1/speed). Chapters, subtitles, the manifest and the player all read this one record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .audio import SAMPLE_RATE, ms_to_samples
from .model import Chapter, PlacedClause, PlacedPoint, PlacedSentence, Section, Sentence
from .plan import Plan
from .segment import display_pieces
from .stitch import Placed


@dataclass(frozen=True)
class SectionAudio:
    """One stitched section, before encoding."""

    section: Section
    file: str  # its MP3's name
    wav: Path
    samples: int
    placed: tuple[Placed, ...]
    fingerprint: str  # everything that goes into its file (equal: the file there can be kept)


@dataclass(frozen=True)
class PlacedSection:
    number: int  # 1-based among the sections that have something to say
    audio: SectionAudio
    start_ms: int  # in the whole-document file
    end_ms: int
    duration_ms: int
    chapters: tuple[Chapter, ...]  # the section file's chapters: its points (none without points)
    points: tuple[PlacedPoint, ...]
    sentences: tuple[PlacedSentence, ...]


@dataclass(frozen=True)
class Timeline:
    sections: tuple[PlacedSection, ...]
    chapters: tuple[Chapter, ...]  # the whole-document file's: one per section
    duration_ms: int

    @property
    def sentences(self) -> list[PlacedSentence]:
        return [s for sec in self.sections for s in sec.sentences]


class Clock:
    """Raw (1x) samples -> ms in the encoded file."""

    def __init__(self, speed: float) -> None:
        self.speed = speed

    def __call__(self, samples: int) -> int:
        return round(samples * 1000 / SAMPLE_RATE / self.speed)


def _point_starts(sa: SectionAudio, sentences: list[Sentence]) -> list[tuple[int | None, str, int]]:
    """(point number, title, start sample) of each point heard, behind the section's own opening
    when the first point does not start the file."""
    starts: list[tuple[int | None, str, int]] = []
    for pt in sa.section.points:
        first = next((p for p in sa.placed if sentences[p.index].point == pt.number), None)
        if first is not None:
            starts.append((pt.number, pt.title, first.start))
    if starts and starts[0][2] > 0:
        starts.insert(0, (None, sa.section.title, 0))
    return starts


def _points(
    sa: SectionAudio, sentences: list[Sentence], ms: Clock, base: int
) -> tuple[tuple[Chapter, ...], tuple[PlacedPoint, ...]]:
    starts = _point_starts(sa, sentences)
    chapters, points = [], []
    for k, (number, title, st) in enumerate(starts):
        end = starts[k + 1][2] if k + 1 < len(starts) else sa.samples
        ch = Chapter(title, ms(st), ms(end))
        chapters.append(ch)
        if number is not None:
            points.append(
                PlacedPoint(
                    number, title, ch.start_ms + ms(base), ch.end_ms + ms(base), ch.start_ms, ch.end_ms
                )
            )
    return tuple(chapters), tuple(points)


def _sentences(
    sa: SectionAudio, sentences: list[Sentence], plan: Plan, ms: Clock, base: int
) -> tuple[PlacedSentence, ...]:
    out = []
    for p in sa.placed:
        s = sentences[p.index]
        pieces = display_pieces(s.text, [j.display for j in plan[p.index]])
        clauses = tuple(
            PlacedClause(text, ms(base + a), ms(base + b))
            for text, (a, b) in zip(pieces, p.spans, strict=True)
        )
        spoken = tuple(j.spoken for j in plan[p.index])
        out.append(
            PlacedSentence(s, ms(p.start), ms(p.end), ms(base + p.start), ms(base + p.end), clauses, spoken)
        )
    return tuple(out)


def make_timeline(
    stitched: list[SectionAudio], sentences: list[Sentence], plan: Plan, speed: float, section_ms: int
) -> Timeline:
    ms = Clock(speed)
    gap = ms_to_samples(section_ms)
    offsets, pos = [], 0
    for k, sa in enumerate(stitched):
        pos += gap if k else 0
        offsets.append(pos)
        pos += sa.samples
    placed, doc_chapters = [], []
    for k, sa in enumerate(stitched):
        base = offsets[k]
        chapters, points = _points(sa, sentences, ms, base)
        placed.append(
            PlacedSection(
                k + 1,
                sa,
                ms(base),
                ms(base + sa.samples),
                ms(sa.samples),
                chapters,
                points,
                _sentences(sa, sentences, plan, ms, base),
            )
        )
        end = offsets[k + 1] if k + 1 < len(stitched) else pos
        doc_chapters.append(Chapter(sa.section.title, ms(base), ms(end)))
    return Timeline(tuple(placed), tuple(doc_chapters), ms(pos))
