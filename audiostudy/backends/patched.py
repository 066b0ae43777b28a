"""The acoustic model as LiteRT runs it (fastspeech.patch_acoustic), kept in the user cache folder.

Patching rewrites the 16 MB flatbuffer through Python objects: about 0.3 s of CPU, a third of a
worker's start-up, and the result is the same every time for the same model file. So the first
worker to patch stores the result (`<user cache>/audiostudy/voice/`), and every later worker reads
it back, verified against the SHA-256 stored beside it. The shipped model file is never changed;
a missing, unreadable or altered copy is simply patched again, and a cache folder that cannot be
written only costs the patch."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .fastspeech import patch_acoustic

# Bump when patch_acoustic changes what it produces: older copies are then ignored.
PATCH_FORMAT = 1


def cache_folder() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("audiostudy")) / "voice"


def patched_acoustic(
    model: Callable[[], bytes], model_sha256: str, folder: Path | None = None
) -> tuple[bytes, int]:
    """patch_acoustic(model()), from the cache when a verified copy is there (then the 16 MB model
    file is not even read)."""
    folder = folder or cache_folder()
    stem = f"fastspeech2-litert-{model_sha256[:16]}-p{PATCH_FORMAT}"
    data_path, meta_path = folder / f"{stem}.tflite", folder / f"{stem}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
        if hashlib.sha256(data).hexdigest() == meta["sha256"]:
            return data, int(meta["masks"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    data, masks = patch_acoustic(model())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write(data_path, data)
        meta = {"sha256": hashlib.sha256(data).hexdigest(), "masks": masks, "source_sha256": model_sha256}
        _write(meta_path, json.dumps(meta).encode())
    except OSError:
        pass  # a read-only cache folder: the next worker patches again
    return data, masks


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: two workers may write the same copy at once."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
