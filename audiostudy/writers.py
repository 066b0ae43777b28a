"""Subtitle and manifest writers. Each takes a TextIO; SRT and VTT share one class and differ only
by attributes (the same shape openai-whisper uses)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from .model import PlacedSentence


def format_timestamp(ms: int, decimal_marker: str = ".") -> str:
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    seconds, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_marker}{ms:03d}"


class SubtitlesWriter:
    """One cue per sentence, timed on the whole-document file."""

    header = ""
    decimal_marker = ","
    numbered = True

    def write(self, cues: Iterable[PlacedSentence], out: TextIO) -> None:
        out.write(self.header)
        for i, p in enumerate(cues, start=1):
            if self.numbered:
                out.write(f"{i}\n")
            start = format_timestamp(p.doc_start_ms, self.decimal_marker)
            end = format_timestamp(p.doc_end_ms, self.decimal_marker)
            # A cue's text may not contain a blank line (it would end the cue).
            text = " ".join(p.sentence.text.split())
            out.write(f"{start} --> {end}\n{text}\n\n")


class SRTWriter(SubtitlesWriter):
    pass


class VTTWriter(SubtitlesWriter):
    header = "WEBVTT\n\n"
    decimal_marker = "."
    numbered = False


class LRCWriter:
    """Lyrics-style lines ([mm:ss.xx]) that music players on phones show in step with the audio."""

    def write(self, cues: Iterable[PlacedSentence], out: TextIO, title: str = "") -> None:
        if title:
            out.write(f"[ti:{title}]\n")
        for p in cues:
            minutes, rest = divmod(p.doc_start_ms, 60_000)
            # LRC has centisecond resolution; minutes may exceed 99 in long documents.
            text = " ".join(p.sentence.text.split())
            out.write(f"[{minutes:02d}:{rest // 1000:02d}.{rest % 1000 // 10:02d}]{text}\n")


def write_manifest(manifest: dict[str, Any], out: TextIO) -> None:
    json.dump(manifest, out, ensure_ascii=False, indent=1)
    out.write("\n")
