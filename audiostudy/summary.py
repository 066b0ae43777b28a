"""`--summary`: a separate key-points track, the skeleton of the speech in a few minutes.

It is stitched from clips already in the cache: the document's spoken title (when the build says
it), then each section's heading sentence followed by the first sentence of each of its points
(一是…, 二是…). Nothing new is synthesised. Sections with
neither a heading nor points (the opening salutation, the closing words) have no key points and are
left out. The track gets its own chapters, one per section, and a `summary` block in the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audio import EncodeOptions, WavAssembler, encode
from .cache import ClipCache
from .chapters import Tags, ffmetadata
from .folder import atomic_path
from .model import Chapter, Document, Role, Section, Sentence
from .options import BuildOptions
from .plan import Plan
from .stitch import say, sentence_audio
from .timeline import Clock


@dataclass(frozen=True)
class SummaryItem:
    section: Section
    sentences: tuple[int, ...]  # indexes into the sentence list: heading first, then point openers


def summary_file(stem: str) -> str:
    return f"{stem}-summary.mp3"


def key_sentences(doc: Document, sentences: list[Sentence], plan: Plan) -> list[SummaryItem]:
    """Per section, the heading sentence and the first sentence of every point (speakable ones); the
    spoken title first."""
    items = []
    for sec in doc.sections:
        heading = {i for i, p in enumerate(sec.paragraphs) if p.heading}
        chosen: list[int] = []
        seen_heading = False
        seen_points: set[int] = set()
        for i, s in enumerate(sentences):
            if s.section != sec.number or not plan[i]:
                continue
            if s.paragraph in heading and not seen_heading:
                chosen.append(i)
                seen_heading = True
            elif s.point is not None and s.point not in seen_points and s.paragraph not in heading:
                chosen.append(i)
                seen_points.add(s.point)
        if chosen:
            items.append(SummaryItem(sec, tuple(chosen)))
    title = next((i for i, s in enumerate(sentences) if s.role is Role.TITLE and plan[i]), None)
    if items and title is not None:  # the track opens as the reading does, with what it is
        items[0] = SummaryItem(items[0].section, (title, *items[0].sentences))
    return items


_Record = tuple[SummaryItem, int, int, list[tuple[int, int, int]]]  # item, start, end, (sentence, a, b)


def _stitch(
    items: list[SummaryItem],
    sentences: list[Sentence],
    plan: Plan,
    cache: ClipCache,
    wav_path: Path,
    opts: BuildOptions,
) -> tuple[list[_Record], int]:
    """Headings and point openers with the point pause between them and the section pause between
    sections. Returns where each landed (samples) and the total."""
    wav = WavAssembler(wav_path)
    records: list[_Record] = []
    try:
        for k, item in enumerate(items):
            if k:
                wav.add_silence(opts.pauses.section_ms)
            sec_start = wav.samples
            placed = []
            for n, i in enumerate(item.sentences):
                if n:
                    wav.add_silence(opts.pauses.point_ms)
                start = wav.samples
                say(wav, sentence_audio(plan[i], sentences[i].id, cache), plan[i], opts.pauses)
                placed.append((i, start, wav.samples))
            records.append((item, sec_start, wav.samples, placed))
        return records, wav.samples
    finally:
        wav.close()


def build_summary(
    doc: Document,
    sentences: list[Sentence],
    plan: Plan,
    cache: ClipCache,
    out_dir: Path,
    work: Path,
    opts: BuildOptions,
    enc: EncodeOptions,
) -> dict[str, Any] | None:
    """Write `<stem>-summary.mp3` into out_dir; return the manifest's summary block (None when the
    document has no headings or points to summarise)."""
    items = key_sentences(doc, sentences, plan)
    if not items:
        return None
    ms = Clock(opts.speed)
    records, total = _stitch(items, sentences, plan, cache, work / "summary.wav", opts)
    chapters = []
    sections_out = []
    for k, (item, start, end, placed) in enumerate(records):
        # A chapter runs up to the next one, so the pause between sections belongs to the earlier.
        ch_end = records[k + 1][1] if k + 1 < len(records) else total
        chapters.append(Chapter(item.section.title, ms(start), ms(ch_end)))
        sections_out.append(
            {
                "title": item.section.title,
                "section": item.section.number,
                "start_ms": ms(start),
                "end_ms": ms(end),
                "sentences": [
                    {"id": sentences[i].id, "text": sentences[i].text, "start_ms": ms(a), "end_ms": ms(b)}
                    for i, a, b in placed
                ],
            }
        )
    name = summary_file(out_dir.name)
    meta = work / "summary.ffmeta"
    tags = Tags(title=f"{doc.title}（要点）", album=doc.title)
    meta.write_text(ffmetadata(chapters, tags), encoding="utf-8")
    with atomic_path(out_dir / name) as tmp:
        encode(["-i", str(work / "summary.wav")], tmp, "mp3", enc, metadata_file=meta)
    return {"file": name, "duration_ms": ms(total), "sections": sections_out}
