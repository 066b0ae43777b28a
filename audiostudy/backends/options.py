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


def _parse_shift(
    text: str,
    option: str,
    pattern: re.Pattern[str],
    unit: str,
    bounds: tuple[int, int],
    example: str,
    what: str,
) -> str:
    """A signed integer with `unit` (or a bare 0, which needs no unit), in range, in edge's form."""
    s = str(text).strip()
    m = pattern.match(s)
    if m:
        value = _signed(*m.groups())
    elif re.fullmatch(r"[+-]?0+", s):
        value = 0  # "no change" needs no unit
    else:
        raise UsageError(f"--{option} {text!r} is not {what}; write it like {example}")
    _in_range(option, s, value, bounds, unit, example)
    return f"{value:+d}{unit}"


def parse_pitch(text: str) -> str:
    """`+0Hz`, `-5Hz`, `5hz` (a bare `0` is also taken). Returns edge's form."""
    return _parse_shift(text, "pitch", _HERTZ, "Hz", PITCH_RANGE, "--pitch -5Hz", "a pitch shift")


def parse_volume(text: str) -> str:
    """`+0%`, `-20%`, `20%` (a bare `0` is also taken). Returns edge's form."""
    return _parse_shift(text, "volume", _PERCENT, "%", VOLUME_RANGE, "--volume -20%", "a volume change")


def rate_factor(rate: str) -> float:
    """Speed multiplier of an edge rate string (`+50%` → 1.5); 1.0 when it cannot be read."""
    m = _PERCENT.match(rate.strip())
    return 1.0 + _signed(*m.groups()) / 100 if m else 1.0
