"""The audio files of a build: each section's MP3, then one small class per extra format, picked
from `AUDIO_FORMATS` by its `--format` name (as `writers.WRITERS` does for the text formats).

A format says what it encodes per section and how it makes the whole-document file. MP3 and M4B
encode each section once and join the whole file from those encodes frame by frame (frames.py), so
no audio is encoded twice and a small edit re-encodes one section; Opus encodes its whole file from
the section WAVs. Every encode is an ffmpeg subprocess: two threads keep both cores busy.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from .audio import SAMPLE_RATE, EncodeOptions, concat_inputs, encode, remux, samples_to_ms, write_silence_wav
from .cache import ClipCache
from .chapters import Tags, ffmetadata, tag_mp4
from .folder import atomic_path, opus_name
from .frames import AAC_PRIMING, MP3_DECODER_DELAY, Frames, join, read_adts, read_mp3
from .model import Chapter, Document
from .opus import write_opus
from .timeline import Timeline


@dataclass(frozen=True)
class Encoding:
    """What every audio format needs: where things land, where they go, how they are encoded."""

    doc: Document
    timeline: Timeline
    work: Path  # scratch folder of this build
    out_dir: Path
    enc: EncodeOptions
    section_ms: int  # the pause between sections in the whole file (at 1x)
    cache: ClipCache
    kept: dict[str, str]  # section file -> fingerprint of the build that wrote it
    doc_tags: Tags

    def unchanged(self, k: int, target: Path) -> bool:
        sa = self.timeline.sections[k].audio
        return self.kept.get(sa.file) == sa.fingerprint and target.is_file()

    def whole_path(self, extension: str) -> Path:
        return self.out_dir / f"{self.out_dir.name}.{extension}"


def section_mp3(e: Encoding, k: int) -> None:
    """The section's own MP3 with its points as chapters (kept when its audio is unchanged)."""
    ps = e.timeline.sections[k]
    target = e.out_dir / ps.audio.file
    if e.unchanged(k, target):
        return
    sec = ps.audio.section
    artist = e.doc.author or "audiostudy"
    tags = Tags(title=sec.title, album=e.doc.title, artist=artist, track=(k + 1, len(e.timeline.sections)))
    meta = e.work / f"{k:03d}.ffmeta"
    meta.write_text(ffmetadata(list(ps.chapters), tags), encoding="utf-8")
    with atomic_path(target) as tmp:
        encode(["-i", str(ps.audio.wav)], tmp, "mp3", e.enc, metadata_file=meta)


class AudioFormat:
    """One extra audio output. `section` runs per section with the section MP3s; `whole` after them,
    unless `whole_is_encode` (a long encode of its own, started first alongside)."""

    name: ClassVar[str]
    whole_is_encode: ClassVar[bool] = False

    def section(self, e: Encoding, k: int) -> None:
        pass

    def whole(self, e: Encoding) -> None:
        raise NotImplementedError


class _Joined(AudioFormat):
    """A whole file joined from per-section encodes with encoded silence between (frames.py)."""

    stream: ClassVar[str]  # the encode each section gives: "mp3" or "adts"
    # What a player drops from the start of the joined file: everything plays that much earlier
    # than the frames say.
    skip: ClassVar[int]

    def parts(self, e: Encoding) -> list[Frames]:
        raise NotImplementedError

    def wrap(self, e: Encoding, raw: Path, tmp: Path, meta: Path) -> None:
        raise NotImplementedError

    def _silence(self, e: Encoding) -> Frames:
        """Enough encoded silence for the longest gap between two sections (plus slack)."""
        wav = e.work / f"gap-{self.name}.wav"
        write_silence_wav(wav, round(e.section_ms / e.enc.speed) + 300)
        out = e.work / f"gap-{self.name}.{self.stream}"
        encode(["-i", str(wav)], out, self.stream, replace(e.enc, speed=1.0, loudnorm=None))
        return read_mp3(out) if self.stream == "mp3" else read_adts(out)

    def whole(self, e: Encoding) -> None:
        """Sections where the timeline puts them (within half a frame), chapters where they landed."""
        sections = e.timeline.sections
        starts = [ps.start_ms * SAMPLE_RATE // 1000 + self.skip for ps in sections]
        end = e.timeline.duration_ms * SAMPLE_RATE // 1000 + self.skip
        data, landed, total = join(self.parts(e), starts, self._silence(e), end)
        raw = e.work / f"whole.{self.stream}"
        raw.write_bytes(data)
        chapters = _landed_chapters(e.timeline, [x - self.skip for x in landed], total - self.skip)
        meta = e.work / f"whole-{self.name}.ffmeta"
        meta.write_text(ffmetadata(chapters, e.doc_tags), "utf-8")
        with atomic_path(e.whole_path(self.name)) as tmp:
            self.wrap(e, raw, tmp, meta)


class Mp3(_Joined):
    """The whole MP3: the section MP3s' frames, an MP3 decoder's own delay dropped by players."""

    name = "mp3"
    stream = "mp3"
    skip = MP3_DECODER_DELAY

    def parts(self, e: Encoding) -> list[Frames]:
        return [read_mp3(e.out_dir / ps.audio.file) for ps in e.timeline.sections]

    def wrap(self, e: Encoding, raw: Path, tmp: Path, meta: Path) -> None:
        remux(raw, "mp3", tmp, "mp3", meta)


class M4b(_Joined):
    """The audiobook: each section's AAC, kept in the cache between builds; the M4B's edit list
    skips the first encode's priming."""

    name = "m4b"
    stream = "adts"
    skip = AAC_PRIMING

    @staticmethod
    def _encode_path(e: Encoding, k: int) -> Path:
        return e.cache.encode_path(e.timeline.sections[k].audio.fingerprint, "aac")

    def section(self, e: Encoding, k: int) -> None:
        target = self._encode_path(e, k)
        if target.is_file():
            os.utime(target)  # in use: keep it (ClipCache.prune_encodes)
            return
        with e.cache.writing_encode(e.timeline.sections[k].audio.fingerprint, "aac") as tmp:
            encode(["-i", str(e.timeline.sections[k].audio.wav)], tmp, "adts", e.enc)

    def parts(self, e: Encoding) -> list[Frames]:
        return [read_adts(self._encode_path(e, k)) for k in range(len(e.timeline.sections))]

    def wrap(self, e: Encoding, raw: Path, tmp: Path, meta: Path) -> None:
        remux(raw, "aac", tmp, "m4b", meta, skip=AAC_PRIMING)
        tag_mp4(tmp, e.doc_tags)


class Opus(AudioFormat):
    """Ogg Opus beside the MP3s: each section and the whole document, chapters as Vorbis comments."""

    name = "opus"
    whole_is_encode = True

    def section(self, e: Encoding, k: int) -> None:
        ps = e.timeline.sections[k]
        target = e.out_dir / opus_name(ps.audio.file)
        if e.unchanged(k, target):
            return
        tags = Tags(title=ps.audio.section.title, album=e.doc.title, track=(k + 1, len(e.timeline.sections)))
        with atomic_path(target) as tmp:
            meta = e.work / f"{k:03d}.opus.ffmeta"
            write_opus(["-i", str(ps.audio.wav)], tmp, meta, e.enc, tags, list(ps.chapters))

    def whole(self, e: Encoding) -> None:
        pause = e.work / "section-pause.wav"
        write_silence_wav(pause, e.section_ms)
        parts: list[Path] = []
        for k, ps in enumerate(e.timeline.sections):
            parts += [pause, ps.audio.wav] if k else [ps.audio.wav]
        inputs = concat_inputs(e.work / "concat.txt", parts)
        with atomic_path(e.whole_path(self.name)) as tmp:
            write_opus(inputs, tmp, e.work / "opus.ffmeta", e.enc, e.doc_tags, list(e.timeline.chapters))


AUDIO_FORMATS: dict[str, AudioFormat] = {f.name: f for f in (Mp3(), M4b(), Opus())}


def encode_all(e: Encoding, formats: tuple[str, ...]) -> None:
    """Section MP3s and every chosen format's section encodes, longest first (so neither core idles
    long at the end), long whole-file encodes among them; then the joined whole files."""
    chosen = [AUDIO_FORMATS[f] for f in formats if f in AUDIO_FORMATS]
    total = sum(ps.audio.samples for ps in e.timeline.sections)
    jobs: list[tuple[int, Callable[[], None]]] = [
        (2 * total, functools.partial(f.whole, e)) for f in chosen if f.whole_is_encode
    ]
    for k, ps in enumerate(e.timeline.sections):
        jobs.append((ps.audio.samples, functools.partial(section_mp3, e, k)))
        jobs += [(ps.audio.samples, functools.partial(f.section, e, k)) for f in chosen]
    jobs.sort(key=lambda j: -j[0])
    with ThreadPoolExecutor(2) as pool:
        for fut in [pool.submit(fn) for _, fn in jobs]:
            fut.result()
        for fut in [pool.submit(f.whole, e) for f in chosen if not f.whole_is_encode]:
            fut.result()
    e.cache.prune_encodes()


def _landed_chapters(timeline: Timeline, landed: list[int], total: int) -> list[Chapter]:
    """The whole file's chapters (one per section) from where each section actually landed."""
    starts = [0] + [samples_to_ms(x) for x in landed[1:]]
    ends = [*starts[1:], samples_to_ms(total)]
    return [Chapter(ch.title, a, b) for ch, a, b in zip(timeline.chapters, starts, ends, strict=True)]
