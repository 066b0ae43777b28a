"""Everything audiostudy keeps in the user's cache folder, part by part, for `cache info` and
`cache clear`: the synthesised clips, the section encodes beside them, the speech recogniser joined
from its wheels for `check`, and the offline voice's model prepared for this machine. Each part is
remade when missing, so any of them may be removed; only files of ours are counted or removed."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .cache import ENCODES, ClipCache

ASR_ENV = "AUDIOSTUDY_ASR_DIR"  # where the joined bundled speech recogniser is kept
ASR_PATTERNS = ("whisper-base-ct2-*", ".whisper-base-*")  # listen.bundled_model's folders
VOICE_PATTERNS = ("fastspeech2-litert-*",)  # backends.patched's copies (and their .part files)


def asr_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get(ASR_ENV) or Path(user_cache_dir("audiostudy")) / "asr")


def voice_dir() -> Path:
    from .backends.patched import cache_folder

    return cache_folder()


@dataclass(frozen=True)
class CachePart:
    name: str  # clips | encodes | asr | voice
    path: Path
    what: str  # what it is, in words
    paths: tuple[Path, ...]  # our files and folders in it
    size: int  # bytes

    @property
    def line(self) -> str:
        return f"{self.name:<8} {mb(self.size):>9}  {self.what} ({self.path})"


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _size(p: Path) -> int:
    with contextlib.suppress(OSError):
        if p.is_dir():
            return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        return p.stat().st_size
    return 0


def _part(name: str, path: Path, what: str, paths: Iterable[Path]) -> CachePart:
    found = tuple(sorted(paths))
    return CachePart(name, path, what, found, sum(_size(p) for p in found))


def _matching(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    return [p for pat in patterns for p in folder.glob(pat)] if folder.is_dir() else []


def cache_parts(clip_root: Path | None = None) -> list[CachePart]:
    """Every part, with its size (a part that is not there has none)."""
    cache = ClipCache(clip_root)
    clips = cache.clip_files()
    n = sum(1 for p in clips if not p.name.startswith("."))
    return [
        _part("clips", cache.root, f"{n} clip{'' if n == 1 else 's'} of synthesised sentences", clips),
        _part(
            "encodes",
            cache.root / ENCODES,
            "section encodes and plans of recent builds",
            cache.encode_files(),
        ),
        _part("asr", asr_dir(), "speech recogniser for `check`", _matching(asr_dir(), ASR_PATTERNS)),
        _part("voice", voice_dir(), "offline voice model prepared", _matching(voice_dir(), VOICE_PATTERNS)),
    ]


def remove_part(part: CachePart) -> None:
    """Delete the part's files and folders of ours (never anything else in its folder)."""
    for p in part.paths:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    # The folders of ours left empty: a clip's two-hex-digit folder, encodes/ (never the folder
    # itself otherwise: --cache-dir may name one that holds other files).
    folders = {p.parent for p in part.paths if p.parent != part.path}
    for d in sorted(folders | ({part.path} if part.name == "encodes" else set()), reverse=True):
        with contextlib.suppress(OSError):
            d.rmdir()  # only when empty
