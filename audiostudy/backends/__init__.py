"""TTS engines behind one small Protocol (base.py) and one registry of names (registry.py). Engines
are imported lazily: the offline voice's runtime and edge-tts are heavy or optional at run time, and
`audiostudy outline` needs neither."""

from __future__ import annotations

from .base import SAMPLE_RATE, Backend, Clip, VoiceSettings
from .registry import get_backend

__all__ = ["SAMPLE_RATE", "Backend", "Clip", "VoiceSettings", "get_backend"]
