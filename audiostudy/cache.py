"""Content-addressed cache of synthesised chunks.

Key = sha256 over the engine's model/voice identity, every setting that changes the sound and the
exact text sent. Entries are zlib-compressed PCM with a small header and a CRC, written to a
temporary file and renamed into place, so a crash mid-write never leaves an entry that loads and two
builds sharing the cache never see each other's half-written files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from platformdirs import user_cache_dir

from .backends.base import Clip, VoiceSettings
from .errors import OutputError, os_reason
from .folder import atomic_path

ENV_VAR = "AUDIOSTUDY_CACHE_DIR"
MAGIC = b"ASC1"
FORMAT_VERSION = 1  # part of every key: bump it when the stored audio would change
ENCODES = "encodes"  # section encodes beside the clips (see encode_path)
ENCODES_MAX_AGE_S = 30 * 86400


def default_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path(user_cache_dir("audiostudy")) / "clips"


def chunk_key(identity: str, settings: VoiceSettings, text: str) -> str:
    payload = json.dumps(
        {"v": FORMAT_VERSION, "engine": identity, "settings": asdict(settings), "text": text},
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ClipCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else default_dir()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.clip"

    def get(self, key: str) -> Clip | None:
        """The cached clip, or None when missing or corrupt (a corrupt entry is removed)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            return _decode(data)
        except (ValueError, zlib.error, struct.error, json.JSONDecodeError, KeyError):
            path.unlink(missing_ok=True)
            return None

    def __contains__(self, key: str) -> bool:
        """Present and whole, judged from the header alone (no decompression): a damaged or
        truncated entry counts as missing, so the build re-synthesises it instead of failing later."""
        path = self._path(key)
        try:
            with path.open("rb") as f:
                head = f.read(4096)
                size = os.fstat(f.fileno()).st_size
            if head[:4] != MAGIC:
                raise ValueError("bad magic")
            (hlen,) = struct.unpack_from("<I", head, 4)
            header = json.loads(head[8 : 8 + hlen])
            # "z" (compressed length) is recorded since the first release; entries without it are
            # checked by get() when they are read.
            if "z" in header and size != 8 + hlen + header["z"]:
                raise ValueError("truncated")
            return True
        except OSError:
            return False
        except (ValueError, struct.error, UnicodeDecodeError):
            path.unlink(missing_ok=True)
            return False

    def put(self, key: str, clip: Clip) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".clip")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_encode(clip))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise OutputError(
                f"cannot write to the cache at {self.root}: {os_reason(e)}; "
                f"free some space or choose another folder with --cache-dir"
            ) from e

    def encode_path(self, fingerprint: str, ext: str) -> Path:
        """Where one section's encode (the AAC frames of the M4B) is kept between builds, so a small
        edit re-encodes only the section it touches."""
        return self.root / ENCODES / f"{fingerprint[:32]}.{ext}"

    @contextlib.contextmanager
    def writing_encode(self, fingerprint: str, ext: str) -> Iterator[Path]:
        """A temporary path of our own to encode into, renamed to `encode_path` if the block succeeds
        (two builds sharing the cache may encode the same section at once)."""
        target = self.encode_path(fingerprint, ext)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"cannot write to the cache at {self.root}: {os_reason(e)}") from e
        with atomic_path(target, shared=True) as tmp:
            yield tmp

    def prune_encodes(self, max_age_s: float = ENCODES_MAX_AGE_S) -> None:
        """Forget section encodes no build has used for a while (a build touches those it uses), and
        temporary files a killed build left a day ago or more."""
        now = time.time()
        for p in (self.root / ENCODES).glob("*"):
            age = max_age_s if not p.name.startswith(".tmp-") else 86400
            with contextlib.suppress(OSError):
                if p.stat().st_mtime < now - age:
                    p.unlink()

    def clip_files(self) -> list[Path]:
        """Our clip files, with leftovers of killed writes (their names start with ".")."""
        return list(self.root.glob("[0-9a-f][0-9a-f]/*.clip")) if self.root.is_dir() else []

    def encode_files(self) -> list[Path]:
        """The section encodes and plan memos kept beside the clips."""
        folder = self.root / ENCODES
        return list(folder.glob("*")) if folder.is_dir() else []

    def info(self) -> tuple[int, int]:
        """(clips, bytes of the clips and the section encodes)."""
        n = size = 0
        for p in self.encode_files():
            with contextlib.suppress(OSError):
                size += p.stat().st_size
        for p in self.clip_files():
            if p.name.startswith("."):
                continue  # a temporary file of a write in progress (or killed mid-write)
            with contextlib.suppress(OSError):
                size += p.stat().st_size
                n += 1
        return n, size

    def clear(self) -> int:
        """Delete our entries (and leftovers of killed writes) and nothing else: the folder may
        have been pointed at one that holds other files."""
        n, _ = self.info()
        for p in [*self.clip_files(), *self.encode_files()]:
            p.unlink(missing_ok=True)
        if self.root.is_dir():
            for d in [*self.root.glob("[0-9a-f][0-9a-f]"), self.root / ENCODES]:
                with contextlib.suppress(OSError):
                    d.rmdir()  # only when empty
        return n


def _encode(clip: Clip) -> bytes:
    body = zlib.compress(clip.pcm, 6)
    header = json.dumps(
        {
            "rate": clip.sample_rate,
            "crc": zlib.crc32(clip.pcm),
            "n": len(clip.pcm),
            "z": len(body),
            "boundaries": list(clip.boundaries_ms),
        }
    ).encode()
    return MAGIC + struct.pack("<I", len(header)) + header + body


def _decode(data: bytes) -> Clip:
    if data[:4] != MAGIC:
        raise ValueError("bad magic")
    (hlen,) = struct.unpack_from("<I", data, 4)
    header = json.loads(data[8 : 8 + hlen])
    pcm = zlib.decompress(data[8 + hlen :])
    if len(pcm) != header["n"] or zlib.crc32(pcm) != header["crc"]:
        raise ValueError("checksum mismatch")
    return Clip(pcm, int(header["rate"]), tuple(header["boundaries"]))
