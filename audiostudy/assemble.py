"""Stitch cached clips into section files and whole-document files, then write subtitles, the
manifest and the player page.

Every output is written under a temporary name and renamed into place; the manifest goes last, so
its fingerprint vouches for a complete set of files.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .audio import EncodeOptions, concat_inputs, encode, write_silence_wav
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
from .manifest import Reading, make_manifest
from .model import Document, Section, Sentence
from .names import safe_filename
from .options import BuildOptions
from .opus import write_opus
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
    ) -> None:
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

    def prepare_whole(self) -> None:
        """The concat list (sections with the section pause between) and the chapters and tags."""
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
        self.meta = work / "chapters.ffmeta"
        self.meta.write_text(ffmetadata(list(self.timeline.chapters), self.doc_tags), encoding="utf-8")

    def whole(self, kind: str) -> None:
        with atomic_path(self.out_dir / f"{self.out_dir.name}.{kind}") as tmp:
            if kind == "opus":
                chapters = list(self.timeline.chapters)
                write_opus(self.inputs, tmp, self.work / "opus.ffmeta", self.enc, self.doc_tags, chapters)
                return
            encode(self.inputs, tmp, kind, self.enc, metadata_file=self.meta)
            if kind == "m4b":
                tag_mp4(tmp, self.doc_tags)

    def run(self) -> None:
        """Every encode is an ffmpeg subprocess, so two threads keep both cores busy. Longest first
        (the whole-document files, then sections by length): the last job to start is then a short
        one and neither core idles long at the end."""
        self.prepare_whole()
        formats = self.opts.formats
        total = sum(ps.audio.samples for ps in self.timeline.sections)
        jobs: list[tuple[int, Callable[[], None]]] = [
            (total * (3 if kind == "m4b" else 2), functools.partial(self.whole, kind))
            for kind in ("m4b", "mp3", "opus")
            if kind in formats
        ]
        for k, ps in enumerate(self.timeline.sections):
            jobs.append((ps.audio.samples, functools.partial(self.section_mp3, k)))
            if "opus" in formats:
                jobs.append((ps.audio.samples, functools.partial(self.section_opus, k)))
        jobs.sort(key=lambda j: -j[0])
        with ThreadPoolExecutor(2) as pool:
            for fut in [pool.submit(fn) for _, fn in jobs]:
                fut.result()


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
            _Encoder(doc, timeline, work, out_dir, opts, old).run()
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
