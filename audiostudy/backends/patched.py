"""Both models as LiteRT runs them (fastspeech.patch_acoustic, vocoder_graph.patch_vocoder), kept in
the user cache folder.

Patching rewrites a flatbuffer through Python objects: about 0.3 s of CPU for the 16 MB acoustic
model and 0.5 s for the vocoder, more than a worker's whole start-up, and the result is the same
every time for the same model file. So the first
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
from .vocoder_graph import patch_vocoder

# Bump when patch_acoustic or patch_vocoder changes what it produces: older copies are then ignored.
PATCH_FORMAT = 1
VOCODER_FORMAT = 1


def cache_folder() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("audiostudy")) / "voice"


def patched_acoustic(
    model: Callable[[], bytes], model_sha256: str, folder: Path | None = None
) -> tuple[bytes, int]:
    """patch_acoustic(model()), from the cache when a verified copy is there (then the 16 MB model
    file is not even read)."""

    def patch() -> tuple[bytes, dict[str, int]]:
        data, masks = patch_acoustic(model())
        return data, {"masks": masks}

    data, meta = _kept(f"fastspeech2-litert-{model_sha256[:16]}-p{PATCH_FORMAT}", patch, model_sha256, folder)
    return data, int(meta["masks"])


def patched_vocoder(model: Callable[[], bytes], model_sha256: str, folder: Path | None = None) -> bytes:
    """patch_vocoder(model()), from the cache when a verified copy is there."""
    stem = f"mb-melgan-litert-{model_sha256[:16]}-v{VOCODER_FORMAT}"
    return _kept(stem, lambda: (patch_vocoder(model()), {}), model_sha256, folder)[0]


def _kept(
    stem: str, patch: Callable[[], tuple[bytes, dict[str, int]]], source_sha256: str, folder: Path | None
) -> tuple[bytes, dict[str, int]]:
    folder = folder or cache_folder()
    data_path, meta_path = folder / f"{stem}.tflite", folder / f"{stem}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
        if hashlib.sha256(data).hexdigest() == meta["sha256"]:
            return data, meta
    except (OSError, ValueError, KeyError, TypeError):
        pass
    data, extra = patch()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write(data_path, data)
        meta = {"sha256": hashlib.sha256(data).hexdigest(), **extra, "source_sha256": source_sha256}
        _write(meta_path, json.dumps(meta).encode())
    except OSError:
        pass  # a read-only cache folder: the next worker patches again
    return data, extra


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
