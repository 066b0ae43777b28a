"""Validation of the edge voice options --rate, --pitch and --volume.

edge-tts accepts only `+N%` / `-N%` (rate, volume) and `+NHz` / `-NHz` (pitch) and answers anything
else with a bare ValueError deep inside a request; we check up front so the user gets one clear line
with an example of the right form, and we accept a few friendly spellings (`1.2x`, `10%`).
"""

from __future__ import annotations

import re

from ..errors import UsageError

# Bounds the service honours: outside them prosody is clamped or the request fails, so a typo like
# `+500%` is almost certainly not what the user meant.
RATE_RANGE = (-50, 100)  # percent; 0.5x … 2x
PITCH_RANGE = (-100, 100)  # Hz
VOLUME_RANGE = (-100, 100)  # percent

_PERCENT = re.compile(r"^([+-]?)(\d+)\s*%$")
_HERTZ = re.compile(r"^([+-]?)(\d+)\s*hz$", re.IGNORECASE)
_MULTIPLIER = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)\s*[x×]?$", re.IGNORECASE)


def _signed(sign: str, digits: str) -> int:
    return -int(digits) if sign == "-" else int(digits)


def _in_range(option: str, given: str, value: int, bounds: tuple[int, int], unit: str, example: str) -> None:
    lo, hi = bounds
    if not lo <= value <= hi:
        raise UsageError(
            f"--{option} {given.strip()!r} means {value:+d}{unit}, out of range; "
            f"use {lo:+d}{unit} … {hi:+d}{unit}, e.g. {example}"
        )


def parse_rate(text: str) -> str:
    """`+10%`, `-5%`, `10%`, or a speed multiplier `1.2` / `1.2x` (→ `+20%`). Returns edge's form."""
    s = str(text).strip()
    example = "--rate +10% (or --rate 1.1x)"
    m = _PERCENT.match(s)
    if m:
        value = _signed(*m.groups())
    else:
        m = _MULTIPLIER.match(s)
        if not m:
            raise UsageError(f"--rate {text!r} is not a rate; write it like {example}")
        value = round((float(m.group(1)) - 1.0) * 100)
    _in_range("rate", s, value, RATE_RANGE, "%", example)
    return f"{value:+d}%"


def parse_pitch(text: str) -> str:
    """`+0Hz`, `-5Hz`, `5hz` (a bare `0` is also taken). Returns edge's form."""
    s = str(text).strip()
    example = "--pitch -5Hz"
    m = _HERTZ.match(s)
    if m:
        value = _signed(*m.groups())
    elif re.fullmatch(r"[+-]?0+", s):
        value = 0  # "no change" needs no unit
    else:
        raise UsageError(f"--pitch {text!r} is not a pitch shift; write it like {example}")
    _in_range("pitch", s, value, PITCH_RANGE, "Hz", example)
    return f"{value:+d}Hz"


def parse_volume(text: str) -> str:
    """`+0%`, `-20%`, `20%` (a bare `0` is also taken). Returns edge's form."""
    s = str(text).strip()
    example = "--volume -20%"
    m = _PERCENT.match(s)
    if m:
        value = _signed(*m.groups())
    elif re.fullmatch(r"[+-]?0+", s):
        value = 0
    else:
        raise UsageError(f"--volume {text!r} is not a volume change; write it like {example}")
    _in_range("volume", s, value, VOLUME_RANGE, "%", example)
    return f"{value:+d}%"


def rate_factor(rate: str) -> float:
    """Speed multiplier of an edge rate string (`+50%` → 1.5); 1.0 when it cannot be read."""
    m = _PERCENT.match(rate.strip())
    return 1.0 + _signed(*m.groups()) / 100 if m else 1.0
