"""`--format opus`: Ogg Opus files, speech-tuned, with chapters as Vorbis comments.

An output kind of its own, next to the MP3 and M4B: the whole document as `<stem>.opus` and each
section as `NN-title.opus`. ffmpeg encodes the audio and the plain tags; the chapters are written
afterwards with mutagen in the Vorbis chapter-extension form (``CHAPTER001=00:00:00.000``,
``CHAPTER001NAME=…``), numbered from 001. ffmpeg's own Ogg muxer numbers them from 000 and, for
Opus, shifts the times; writing them ourselves gives exact times that ffmpeg and mutagen both read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from mutagen.oggopus import OggOpus

from .audio import EncodeOptions, encode
from .chapters import Tags, ffmetadata
from .model import Chapter
from .writers import format_timestamp

KIND = "opus"
SUFFIX = ".opus"
MEDIA_TYPE = "audio/ogg"
_CHAPTER_KEY = re.compile(r"^chapter\d+(name|url)?$", re.IGNORECASE)


def write_opus(
    inputs: list[str], tmp: Path, meta: Path, enc: EncodeOptions, tags: Tags, chapters: Sequence[Chapter]
) -> None:
    """Encode `inputs` into `tmp` (the caller renames it into place) with tags and chapters. `meta`
    is a scratch path for the tags-only FFMETADATA file."""
    meta.write_text(ffmetadata([], tags), encoding="utf-8")
    encode(inputs, tmp, KIND, enc, metadata_file=meta)
    tag_chapters(tmp, chapters)


def tag_chapters(path: Path, chapters: Sequence[Chapter]) -> None:
    """Replace any chapter comments with CHAPTERnnn / CHAPTERnnnNAME, numbered from 001."""
    f = OggOpus(str(path))
    tags = f.tags
    assert tags is not None  # an Ogg Opus file always has a comment header
    for key in {k for k, _ in list(tags) if _CHAPTER_KEY.match(k)}:
        del tags[key]
    for n, ch in enumerate(chapters, start=1):
        tags[f"CHAPTER{n:03d}"] = format_timestamp(ch.start_ms)
        tags[f"CHAPTER{n:03d}NAME"] = ch.title
    f.save()


def read_chapters(path: Path) -> list[Chapter]:
    """Chapters from the Vorbis comments (end = the next chapter's start, or the file's end)."""
    f = OggOpus(str(path))
    comments: list[tuple[str, str]] = list(f.tags or [])  # (key, value) pairs
    tags = {k.upper(): v for k, v in comments}
    starts: list[tuple[int, int, str]] = []
    for key, value in tags.items():
        m = re.fullmatch(r"CHAPTER(\d+)", key)
        if m:
            starts.append((int(m.group(1)), _parse_time(value), tags.get(f"{key}NAME", "")))
    starts.sort()
    end = round(f.info.length * 1000)  # type: ignore[attr-defined]
    return [
        Chapter(title, start, starts[i + 1][1] if i + 1 < len(starts) else end)
        for i, (_, start, title) in enumerate(starts)
    ]


def _parse_time(value: str) -> int:
    h, m, s = value.split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)
