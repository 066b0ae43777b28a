"""Known edge voices: a built-in list for offline use, the live list when online, and validation.

The built-in list exists so `audiostudy voices` and voice validation work without a network; the
live list (edge_tts.list_voices) is the truth when we can reach it.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Iterable

from ..errors import UsageError

DEFAULT_VOICE = "zh-CN-YunyangNeural"

# Second value of list_voices, worded to be shown to the user as is.
SOURCE_ONLINE = "live list from the edge service"
SOURCE_BUILTIN = "built-in list of known voices (the live list was not fetched)"

# (ShortName, Gender, note). Locale is derived from the name so the two cannot disagree.
_BUILTIN: tuple[tuple[str, str, str], ...] = (
    ("zh-CN-YunyangNeural", "Male", "news anchor, clear and steady (default)"),
    ("zh-CN-XiaoxiaoNeural", "Female", "warm, general purpose"),
    ("zh-CN-XiaoyiNeural", "Female", "lively"),
    ("zh-CN-YunjianNeural", "Male", "deep, energetic"),
    ("zh-CN-YunxiNeural", "Male", "young, bright"),
    ("zh-CN-YunxiaNeural", "Male", "child-like"),
    ("zh-CN-liaoning-XiaobeiNeural", "Female", "Northeastern accent"),
    ("zh-CN-shaanxi-XiaoniNeural", "Female", "Shaanxi accent"),
    ("zh-TW-HsiaoChenNeural", "Female", "Taiwanese Mandarin"),
    ("zh-TW-HsiaoYuNeural", "Female", "Taiwanese Mandarin"),
    ("zh-TW-YunJheNeural", "Male", "Taiwanese Mandarin"),
    ("zh-HK-HiuGaaiNeural", "Female", "Cantonese"),
    ("zh-HK-HiuMaanNeural", "Female", "Cantonese"),
    ("zh-HK-WanLungNeural", "Male", "Cantonese"),
    ("en-US-AriaNeural", "Female", "English"),
    ("en-US-JennyNeural", "Female", "English"),
    ("en-US-GuyNeural", "Male", "English"),
    ("en-US-AndrewMultilingualNeural", "Male", "English, multilingual"),
    ("en-US-EmmaMultilingualNeural", "Female", "English, multilingual"),
)

# lang-REGION[-dialect]-NameNeural: the shape edge-tts itself requires.
_VOICE_SHAPE = re.compile(r"^([a-z]{2,3}-[A-Z]{2,}(?:-[a-z]+)?)-[A-Za-z]+Neural$")


def _locale_of(short_name: str) -> str:
    m = _VOICE_SHAPE.match(short_name)
    return m.group(1) if m else short_name.rsplit("-", 1)[0]


def builtin_voices() -> list[dict[str, str]]:
    """The built-in list, in the same keys as edge_tts.list_voices() (ShortName, Locale, Gender)."""
    return [
        {"ShortName": name, "Locale": _locale_of(name), "Gender": gender, "Note": note}
        for name, gender, note in _BUILTIN
    ]


def _matches_locale(voice_locale: str, wanted: str) -> bool:
    # "zh" matches every Chinese voice, "zh-CN" also matches the zh-CN-liaoning dialect voices.
    v, w = voice_locale.lower(), wanted.lower()
    return v == w or v.startswith(w + "-")


async def _fetch_live(timeout_s: float) -> list[dict[str, str]]:
    import edge_tts

    voices = await asyncio.wait_for(edge_tts.list_voices(), timeout_s)
    return [
        {"ShortName": v["ShortName"], "Locale": v["Locale"], "Gender": v["Gender"], "Note": ""}
        for v in voices
    ]


def list_voices(
    locale: str | None = None, online: bool = True, timeout_s: float = 5.0
) -> tuple[list[dict[str, str]], str]:
    """Voices (dicts with ShortName, Locale, Gender, Note) filtered by locale prefix, sorted by name,
    and where they came from: SOURCE_ONLINE or SOURCE_BUILTIN (offline, or the live list failed)."""
    voices: list[dict[str, str]] | None = None
    source = SOURCE_BUILTIN
    if online:
        fetch = _fetch_live(timeout_s)
        try:
            voices = asyncio.run(fetch)
            source = SOURCE_ONLINE
        except Exception:  # any network or parse failure: the built-in list is the documented fallback
            fetch.close()  # never started when asyncio.run itself refused (a loop already running)
            voices = None
    if voices is None:
        voices = builtin_voices()
    if locale:
        voices = [v for v in voices if _matches_locale(v["Locale"], locale)]
    voices.sort(key=lambda v: (v["Locale"], v["ShortName"]))
    return voices, source


def known_voice_names() -> list[str]:
    return [name for name, _, _ in _BUILTIN]


def validate_voice(name: str, known: Iterable[str] | None = None) -> str:
    """Return the voice's canonical name, or raise UsageError with the closest known names.

    `known` is the list to check against (e.g. the live list); None means the built-in list. A
    case-only mismatch (zh-cn-yunyangneural) is corrected rather than refused.
    """
    name = (name or "").strip()
    names = list(known) if known is not None else known_voice_names()
    if name in names:
        return name
    by_lower = {n.lower(): n for n in names}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.5)
    if close:
        hint = "did you mean " + " or ".join(by_lower[c] for c in close) + "?"
    else:
        hint = f"for example {DEFAULT_VOICE}"
    raise UsageError(f"unknown voice {name!r}: {hint} (run `audiostudy voices` to list them)")


def check_voice_shape(name: str) -> str:
    """Accept any name edge-tts could send (used when the voice list is not known)."""
    name = (name or "").strip()
    if not _VOICE_SHAPE.match(name):
        raise UsageError(
            f"voice {name!r} is not an edge voice name; write it like {DEFAULT_VOICE} "
            "(run `audiostudy voices` to list them)"
        )
    return name
