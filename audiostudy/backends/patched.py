"""Both models as LiteRT runs them, kept in the user cache folder: the acoustic model patched and
split in two (fastspeech.patch_acoustic, split_postnet) and the vocoder's rewritten graph
(vocoder_graph.patch_vocoder).

Patching rewrites a flatbuffer through Python objects: about 1 s of CPU for the 16 MB acoustic
model (patch and split) and 0.2–0.3 s for the vocoder, more than a worker's whole start-up, and the
result is the same every time for the same model file. So the first worker to patch stores the
result (`<user cache>/audiostudy/voice/`), and every later worker reads it back, verified against
the SHA-256 stored beside it. The shipped model file is never changed; a missing, unreadable or
altered copy is simply patched again, and a cache folder that cannot be written only costs the
patch."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .fastspeech import Acoustic, patch_acoustic, split_postnet
from .vocoder_graph import patch_vocoder
from .voice_assets import VOCODER_GRAPH

# Bump when patch_acoustic changes what it produces (patch_vocoder: VOCODER_GRAPH): older copies are
# then ignored.
PATCH_FORMAT = 2  # 2: the postnet split off (fastspeech.split_postnet)


def cache_folder() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("audiostudy")) / "voice"


def patched_acoustic(model: Callable[[], bytes], model_sha256: str, folder: Path | None = None) -> Acoustic:
    """split_postnet(patch_acoustic(model())), from the cache when a verified copy is there (then the
    16 MB model file is not even read)."""

    def patch() -> tuple[dict[str, bytes], dict[str, int]]:
        parts = split_postnet(*patch_acoustic(model()))
        return {"decoder": parts.decoder, "postnet": parts.postnet}, {"masks": parts.masks}

    stem = f"fastspeech2-litert-{model_sha256[:16]}-p{PATCH_FORMAT}"
    parts, meta = _kept(stem, patch, model_sha256, folder)
    return Acoustic(parts["decoder"], parts["postnet"], int(meta["masks"]))


def patched_vocoder(model: Callable[[], bytes], model_sha256: str, folder: Path | None = None) -> bytes:
    """patch_vocoder(model()), from the cache when a verified copy is there."""
    stem = f"mb-melgan-litert-{model_sha256[:16]}-v{VOCODER_GRAPH}"
    return _kept(stem, lambda: ({"vocoder": patch_vocoder(model())}, {}), model_sha256, folder)[0]["vocoder"]


Patch = Callable[[], tuple[dict[str, bytes], dict[str, int]]]


def _kept(
    stem: str, patch: Patch, source_sha256: str, folder: Path | None
) -> tuple[dict[str, bytes], dict[str, int]]:
    """The parts `patch` makes (name -> model bytes) and its extra facts, read back from `folder`
    when every part there matches the SHA-256 stored beside it, else made and stored."""
    folder = folder or cache_folder()
    meta_path = folder / f"{stem}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        parts = {name: (folder / f"{stem}-{name}.tflite").read_bytes() for name in meta["sha256"]}
        if all(hashlib.sha256(data).hexdigest() == meta["sha256"][name] for name, data in parts.items()):
            return parts, meta
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    parts, extra = patch()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in parts.items():
            _write(folder / f"{stem}-{name}.tflite", data)
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in parts.items()}
        _write(meta_path, json.dumps({"sha256": digests, **extra, "source_sha256": source_sha256}).encode())
        _forget_older(folder, stem)
    except OSError:
        pass  # a read-only cache folder: the next worker patches again
    return parts, extra


def _forget_older(folder: Path, stem: str) -> None:
    """Remove the copies an older format of this model left (`<name>-<sha>-p1…` beside `…-p2`)."""
    prefix = stem.rsplit("-", 1)[0] + "-"
    for path in folder.glob(f"{prefix}*"):
        if not path.name.startswith((f"{stem}.", f"{stem}-")):
            path.unlink(missing_ok=True)


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
