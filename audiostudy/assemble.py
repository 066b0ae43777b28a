"""Stitch cached clips into section files and whole-document files, then write subtitles, the
manifest and the player page.

Every output is written under a temporary name and renamed into place; the manifest goes last, so
its fingerprint vouches for a complete set of files.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from .audio import SAMPLE_RATE, EncodeOptions, concat_inputs, encode, remux, samples_to_ms, write_silence_wav
from .cache import ClipCache
from .chapters import Tags, cover_png, ffmetadata, tag_mp4
from .folder import (
    atomic_path,
    clean_stale,
    ensure_dir,
    folder_lock,
    opus_name,
    read_manifest,
    remove_partials,
    remove_tree,
    write_manifest,
)
from .frames import AAC_PRIMING, MP3_DECODER_DELAY, READERS, Frames, join, read_adts, read_mp3
from .manifest import Reading, make_manifest
from .model import Chapter, Document, Section, Sentence
from .names import safe_filename
from .options import BuildOptions
from .opus import write_opus
from .plan import Plan
from .player import write_player
from .stitch import Placed, stitch_section
from .summary import build_summary
from .timeline import SectionAudio, Timeline, make_timeline
from .writers import WRITERS, get_writer

_STREAM = {"mp3": "mp3", "m4b": "adts"}  # what each whole file is joined from


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


class _Encoder:
    """The audio outputs of one build: section files and whole-document files, each an ffmpeg run."""

    def __init__(
        self,
        doc: Document,
        timeline: Timeline,
        work: Path,
        out_dir: Path,
        opts: BuildOptions,
        old: dict[str, Any] | None,
        cache: ClipCache,
    ) -> None:
        self.cache = cache
        self.doc, self.timeline, self.work, self.out_dir, self.opts = doc, timeline, work, out_dir, opts
        self.enc = encode_options(opts)
        self.kept = {s.get("file"): s.get("fingerprint") for s in (old or {}).get("sections", [])}
        self.n = len(timeline.sections)

    def _unchanged(self, k: int, target: Path) -> bool:
        sa = self.timeline.sections[k].audio
        return self.kept.get(sa.file) == sa.fingerprint and target.is_file()

    def section_mp3(self, k: int) -> None:
        ps = self.timeline.sections[k]
        target = self.out_dir / ps.audio.file
        if self._unchanged(k, target):
            return  # same audio as the file already there: keep it, skip the encode
        sec = ps.audio.section
        tags = Tags(
            title=sec.title,
            album=self.doc.title,
            artist=self.doc.author or "audiostudy",
            track=(k + 1, self.n),
        )
        meta = self.work / f"{k:03d}.ffmeta"
        meta.write_text(ffmetadata(list(ps.chapters), tags), encoding="utf-8")
        with atomic_path(target) as tmp:
            encode(["-i", str(ps.audio.wav)], tmp, "mp3", self.enc, metadata_file=meta)

    def section_opus(self, k: int) -> None:
        ps = self.timeline.sections[k]
        target = self.out_dir / opus_name(ps.audio.file)
        if self._unchanged(k, target):
            return
        tags = Tags(title=ps.audio.section.title, album=self.doc.title, track=(k + 1, self.n))
        with atomic_path(target) as tmp:
            meta = self.work / f"{k:03d}.opus.ffmeta"
            write_opus(["-i", str(ps.audio.wav)], tmp, meta, self.enc, tags, list(ps.chapters))

    def _segment(self, k: int) -> Path:
        return self.cache.encode_path(self.timeline.sections[k].audio.fingerprint, "aac")

    def section_aac(self, k: int) -> None:
        """The section's AAC frames for the M4B, kept between builds in the cache."""
        target = self._segment(k)
        if target.is_file():
            os.utime(target)  # in use: keep it (ClipCache.prune_encodes)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            encode(["-i", str(self.timeline.sections[k].audio.wav)], tmp, "adts", self.enc)

    def prepare_whole(self) -> None:
        """The tags of the whole-document files; for Opus, the concat list of the section WAVs."""
        work, doc = self.work, self.doc
        silence = work / "section-pause.wav"
        write_silence_wav(silence, self.opts.pauses.section_ms)
        parts: list[Path] = []
        for k, ps in enumerate(self.timeline.sections):
            parts += [silence, ps.audio.wav] if k else [ps.audio.wav]
        self.inputs = concat_inputs(work / "concat.txt", parts)
        # The book's own cover when it has one (an EPUB), else a plain one made from the title.
        cover = doc.cover if _is_image(doc.cover) else cover_png(doc.title)
        self.doc_tags = Tags(title=doc.title, album=doc.title, artist=doc.author or "audiostudy", cover=cover)

    def _silence(self, kind: str) -> Frames:
        """Enough encoded silence for the longest gap between two sections (plus slack)."""
        wav = self.work / f"gap-{kind}.wav"
        write_silence_wav(wav, round(self.opts.pauses.section_ms / self.opts.speed) + 300)
        out = self.work / f"gap-{kind}.{_STREAM[kind]}"
        encode(["-i", str(wav)], out, _STREAM[kind], replace(self.enc, speed=1.0, loudnorm=None))
        return READERS[_STREAM[kind]](out)

    def whole_opus(self) -> None:
        with atomic_path(self.out_dir / f"{self.out_dir.name}.opus") as tmp:
            chapters = list(self.timeline.chapters)
            write_opus(self.inputs, tmp, self.work / "opus.ffmeta", self.enc, self.doc_tags, chapters)

    def whole_joined(self, kind: str) -> None:
        """The whole MP3/M4B: the section encodes joined frame by frame with the section pause between
        them (audio/frames.py), chapters where each section actually landed; nothing re-encoded."""
        sections = self.timeline.sections
        if kind == "mp3":
            parts = [read_mp3(self.out_dir / ps.audio.file) for ps in sections]
        else:
            parts = [read_adts(self._segment(k)) for k in range(len(sections))]
        # What a player drops from the start: an MP3 decoder's own delay; the AAC priming, which the
        # M4B's edit list skips (remux). Everything plays that much earlier than the frames say.
        skip = MP3_DECODER_DELAY if kind == "mp3" else AAC_PRIMING
        starts = [ps.start_ms * SAMPLE_RATE // 1000 + skip for ps in sections]
        end = self.timeline.duration_ms * SAMPLE_RATE // 1000 + skip
        data, landed, total = join(parts, starts, self._silence(kind), end)
        raw = self.work / f"whole.{_STREAM[kind]}"
        raw.write_bytes(data)
        meta = self.work / f"whole-{kind}.ffmeta"
        chapters = _landed_chapters(self.timeline, [x - skip for x in landed], total - skip)
        meta.write_text(ffmetadata(chapters, self.doc_tags), "utf-8")
        with atomic_path(self.out_dir / f"{self.out_dir.name}.{kind}") as tmp:
            remux(raw, "mp3" if kind == "mp3" else "aac", tmp, kind, meta, skip if kind == "m4b" else 0)
            if kind == "m4b":
                tag_mp4(tmp, self.doc_tags)

    def run(self) -> None:
        """Every encode is an ffmpeg subprocess, so two threads keep both cores busy. Longest first
        (the whole Opus, then each section's MP3 and AAC by length), so neither core idles long at
        the end; then the whole MP3 and M4B are joined from those encodes in a moment."""
        self.prepare_whole()
        formats = self.opts.formats
        jobs: list[tuple[int, Callable[[], None]]] = []
        if "opus" in formats:
            jobs.append((2 * sum(ps.audio.samples for ps in self.timeline.sections), self.whole_opus))
        for k, ps in enumerate(self.timeline.sections):
            jobs.append((ps.audio.samples, functools.partial(self.section_mp3, k)))
            if "m4b" in formats:
                jobs.append((ps.audio.samples * 2, functools.partial(self.section_aac, k)))
            if "opus" in formats:
                jobs.append((ps.audio.samples, functools.partial(self.section_opus, k)))
        jobs.sort(key=lambda j: -j[0])
        with ThreadPoolExecutor(2) as pool:
            for fut in [pool.submit(fn) for _, fn in jobs]:
                fut.result()
            joins = [pool.submit(self.whole_joined, kind) for kind in ("mp3", "m4b") if kind in formats]
            for fut in joins:
                fut.result()
        self.cache.prune_encodes()


def _landed_chapters(timeline: Timeline, landed: list[int], total: int) -> list[Chapter]:
    """The whole file's chapters (one per section) from where each section actually landed."""
    starts = [0] + [samples_to_ms(x) for x in landed[1:]]
    ends = [*starts[1:], samples_to_ms(total)]
    return [Chapter(ch.title, a, b) for ch, a, b in zip(timeline.chapters, starts, ends, strict=True)]


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
            _Encoder(doc, timeline, work, out_dir, opts, old, cache).run()
            summary = None
            if opts.summary:
                summary = build_summary(
                    doc, sentences, plan, cache, out_dir, work, opts, encode_options(opts)
                )
            manifest = make_manifest(doc, timeline, opts, reading, fp, summary, out_dir.name).to_json()
            write_texts(out_dir, manifest, timeline, doc.title)
            clean_stale(out_dir, old, manifest["outputs"])
            write_manifest(out_dir, manifest)
            return manifest
        finally:
            remove_tree(work)


def write_texts(out_dir: Path, manifest: dict[str, Any], timeline: Timeline, title: str) -> None:
    """Subtitles and lyrics (the writers table) and the player page."""
    files = manifest["files"]
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
