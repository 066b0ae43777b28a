"""Stitch cached clips into section files and whole-document files, then write subtitles, the
manifest and the player page.

Every output is written under a temporary name and renamed into place; the manifest goes last, so
its fingerprint vouches for a complete set of files.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .audio import EncodeOptions
from .audiofiles import Encoding, encode_all
from .cache import ClipCache
from .chapters import Tags, cover_png
from .folder import (
    atomic_path,
    clean_stale,
    ensure_dir,
    folder_lock,
    read_manifest,
    remove_partials,
    remove_tree,
    write_manifest,
)
from .manifest import Manifest, Reading, make_manifest
from .model import Document, Section, Sentence
from .names import safe_filename
from .options import BuildOptions
from .plan import Plan
from .player import write_player
from .stitch import Placed, stitch_section
from .summary import build_summary
from .timeline import SectionAudio, Timeline, make_timeline
from .writers import WRITERS, get_writer


def _section_fingerprint(
    section: Section,
    placed: list[Placed],
    sentences: list[Sentence],
    plan: Plan,
    opts: BuildOptions,
    labels: tuple[str, ...],
) -> str:
    """Everything that goes into a section file: each sentence's audio (keys) and where it sits
    (which fixes the pauses), the points (its chapters), tags and encode settings. Equal
    fingerprints let a rebuild keep the file already there."""
    h = hashlib.sha256()
    h.update(repr(labels).encode())
    h.update(repr([(p.number, p.title) for p in section.points]).encode())
    h.update(
        repr(
            [(p.start, p.end, sentences[p.index].point, [j.key for j in plan[p.index]]) for p in placed]
        ).encode()
    )
    h.update(repr((asdict(opts.study), opts.speed, opts.loudnorm, opts.mp3_kbps)).encode())
    return h.hexdigest()


def stitch_sections(
    doc: Document, sentences: list[Sentence], plan: Plan, cache: ClipCache, work: Path, opts: BuildOptions
) -> list[SectionAudio]:
    """One WAV per section that has something to say, numbered and named in reading order."""
    by_section: dict[int, list[int]] = {}
    for i, s in enumerate(sentences):
        by_section.setdefault(s.section, []).append(i)
    speaking = [s for s in doc.sections if any(plan[i] for i in by_section.get(s.number, []))]
    out = []
    for n, sec in enumerate(speaking, start=1):
        wav = work / f"{n:03d}.wav"
        samples, placed = stitch_section(
            by_section.get(sec.number, []), sentences, plan, cache, wav, opts.pauses, opts.study
        )
        name = f"{n:02d}-{safe_filename(sec.title, fallback='section')}.mp3"
        labels = (sec.title, name, doc.title, f"{n}/{len(speaking)}")
        sfp = _section_fingerprint(sec, placed, sentences, plan, opts, labels)
        out.append(SectionAudio(sec, name, wav, samples, tuple(placed), sfp))
    return out


def encode_options(opts: BuildOptions) -> EncodeOptions:
    return EncodeOptions(
        mp3_kbps=opts.mp3_kbps, aac_kbps=opts.mp3_kbps, speed=opts.speed, loudnorm=opts.loudnorm
    )


def _encoding(
    doc: Document,
    timeline: Timeline,
    work: Path,
    out_dir: Path,
    opts: BuildOptions,
    old: dict[str, Any] | None,
    cache: ClipCache,
) -> Encoding:
    kept = {s.get("file"): s.get("fingerprint") for s in (old or {}).get("sections", [])}
    # The book's own cover when it has one (an EPUB), else a plain one made from the title.
    cover = doc.cover if _is_image(doc.cover) else cover_png(doc.title)
    tags = Tags(title=doc.title, album=doc.title, artist=doc.author or "audiostudy", cover=cover)
    return Encoding(
        doc, timeline, work, out_dir, encode_options(opts), opts.pauses.section_ms, cache, kept, tags
    )


def assemble(
    doc: Document,
    sentences: list[Sentence],
    plan: Plan,
    cache: ClipCache,
    out_dir: Path,
    opts: BuildOptions,
    reading: Reading,
    fp: str,
) -> dict[str, Any]:
    ensure_dir(out_dir)
    with folder_lock(out_dir):
        old = read_manifest(out_dir)
        work = out_dir / ".work"
        remove_tree(work)
        remove_partials(out_dir)
        work.mkdir()
        try:
            stitched = stitch_sections(doc, sentences, plan, cache, work, opts)
            timeline = make_timeline(stitched, sentences, plan, opts.speed, opts.pauses.section_ms)
            encode_all(_encoding(doc, timeline, work, out_dir, opts, old, cache), opts.formats)
            summary = None
            if opts.summary:
                summary = build_summary(
                    doc, sentences, plan, cache, out_dir, work, opts, encode_options(opts)
                )
            record = make_manifest(doc, timeline, opts, reading, fp, summary, out_dir.name)
            manifest = record.to_json()
            write_texts(out_dir, record, timeline, doc.title)
            clean_stale(out_dir, old, manifest["outputs"])
            write_manifest(out_dir, manifest)
            return manifest
        finally:
            remove_tree(work)


def write_texts(out_dir: Path, manifest: Manifest, timeline: Timeline, title: str) -> None:
    """Subtitles and lyrics (the writers table) and the player page."""
    files = manifest.files
    for fmt, name in files.items():
        if fmt == "html":
            with atomic_path(out_dir / name) as tmp, tmp.open("w", encoding="utf-8") as f:
                write_player(manifest, f)
        elif fmt in WRITERS:
            with atomic_path(out_dir / name) as tmp, tmp.open("w", encoding="utf-8") as f:
                get_writer(fmt).write(timeline.sentences, f, title=title)


def _is_image(data: bytes | None) -> bool:
    """Only JPEG and PNG go into an MP4 cover atom."""
    return bool(data) and (data or b"").startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
