"""Chapter markers and tags.

Both containers get their chapters and tags from one FFMETADATA document handed to ffmpeg at encode
time: for MP3 ffmpeg writes ID3v2 CHAP frames in chapter order plus a CTOC (mutagen, when it saves,
reorders frames by size, which makes readers that ignore the CTOC list chapters out of order). mutagen
adds the MP4 atoms ffmpeg does not (audiobook media kind, cover) and reads chapters back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import ID3
from mutagen.mp4 import MP4, MP4Cover

from .model import Chapter


@dataclass(frozen=True)
class Tags:
    title: str
    album: str
    artist: str = "audiostudy"
    track: tuple[int, int] | None = None  # (number, total)
    genre: str = "Speech"
    cover: bytes | None = None  # PNG or JPEG bytes


def _escape_ffmeta(s: str) -> str:
    # ffmetadata treats = ; # \ and newlines specially; they must be backslash-escaped.
    out = []
    for ch in s:
        if ch in "=;#\\\n":
            out.append("\\")
        out.append(ch)
    return "".join(out)


def ffmetadata(chapters: Sequence[Chapter], tags: Tags) -> str:
    """An FFMETADATA1 document with the global tags and one [CHAPTER] per chapter (ms timebase)."""
    lines = [
        ";FFMETADATA1",
        f"title={_escape_ffmeta(tags.title)}",
        f"album={_escape_ffmeta(tags.album)}",
        f"artist={_escape_ffmeta(tags.artist)}",
        f"genre={_escape_ffmeta(tags.genre)}",
    ]
    if tags.track:
        lines.append(f"track={tags.track[0]}/{tags.track[1]}")
    for ch in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={ch.start_ms}",
            f"END={ch.end_ms}",
            f"title={_escape_ffmeta(ch.title)}",
        ]
    return "\n".join(lines) + "\n"


def tag_mp4(path: Path, tags: Tags) -> None:
    mp4 = MP4(str(path))
    mp4["\xa9nam"] = [tags.title]
    mp4["\xa9alb"] = [tags.album]
    mp4["\xa9ART"] = [tags.artist]
    mp4["\xa9gen"] = [tags.genre]
    mp4["stik"] = [2]  # 2 = audiobook: podcast/book apps list the file as such
    if tags.cover:
        jpeg = tags.cover.startswith(b"\xff\xd8\xff")
        kind = MP4Cover.FORMAT_JPEG if jpeg else MP4Cover.FORMAT_PNG
        mp4["covr"] = [MP4Cover(tags.cover, imageformat=kind)]
    mp4.save()


def read_mp3_chapters(path: Path) -> list[Chapter]:
    """Chapters from ID3 CHAP frames, in CTOC order (for tests, `play` and `outline`)."""
    id3 = ID3(str(path))
    chaps = {f.element_id: f for f in id3.getall("CHAP")}
    order = []
    for toc in id3.getall("CTOC"):
        order = list(toc.child_element_ids)
    out = []
    for cid in order or sorted(chaps):
        f = chaps[cid]
        title = str(f.sub_frames["TIT2"].text[0]) if "TIT2" in f.sub_frames else cid
        out.append(Chapter(title, f.start_time, f.end_time))
    return out


def read_mp4_chapters(path: Path) -> list[Chapter]:
    mp4 = MP4(str(path))
    chs = list(mp4.chapters or [])
    out = []
    for i, c in enumerate(chs):
        start = round(c.start * 1000)
        end = round(chs[i + 1].start * 1000) if i + 1 < len(chs) else round(mp4.info.length * 1000)  # type: ignore[attr-defined]
        out.append(Chapter(c.title, start, end))
    return out


def cover_png(title: str, size: int = 600) -> bytes:
    """A plain cover for the M4B so podcast and book apps show something: a square in a colour
    derived from the title (each document looks different) with a lighter band across it."""
    import struct
    import zlib

    h = hashlib.sha256(title.encode("utf-8")).digest()
    base = bytes(60 + b % 120 for b in h[:3])
    light = bytes(min(255, c + 90) for c in base)
    plain = b"\0" + base * size
    band = b"\0" + light * size
    rows = b"".join(band if size * 2 // 5 <= y < size * 3 // 5 else plain for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
