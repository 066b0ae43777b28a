"""A fast stand-in engine for unit tests: a tone whose length follows the text, with silent padding
like a real engine's, so trimming and timing are exercised."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from pathlib import Path

from audiostudy.backends import SAMPLE_RATE, Clip, VoiceSettings
from audiostudy.errors import SynthesisError
from audiostudy.options import BuildOptions

MS_PER_CHAR = 50
PAD_MS = 120  # engine-style silence before and after the voice; trimming must remove it


def tone(ms: int, freq: float = 440.0, amp: float = 0.3) -> bytes:
    n = ms * SAMPLE_RATE // 1000
    return b"".join(
        struct.pack("<h", int(amp * 32767 * math.sin(2 * math.pi * freq * i / SAMPLE_RATE))) for i in range(n)
    )


def padded_tone(voice_ms: int) -> bytes:
    pad = b"\0\0" * (PAD_MS * SAMPLE_RATE // 1000)
    return pad + tone(voice_ms) + pad


class FakeBackend:
    name = "fake"
    default_voice = ""
    online = False
    max_chars = 40
    needs_normalisation = False
    clause_chunks = False
    trim_silence = True

    def __init__(self, fail_after: int | None = None, interrupt_after: int | None = None) -> None:
        self.calls: list[str] = []
        self.fail_after = fail_after
        self.interrupt_after = interrupt_after

    def identity(self, settings: VoiceSettings) -> str:
        return "fake:tone"

    def synthesize(
        self, texts: Sequence[str], settings: VoiceSettings, on_done: Callable[[int, Clip], None]
    ) -> None:
        for i, t in enumerate(texts):
            if self.fail_after is not None and len(self.calls) >= self.fail_after:
                raise SynthesisError("fake engine failed")
            if self.interrupt_after is not None and len(self.calls) >= self.interrupt_after:
                raise KeyboardInterrupt
            self.calls.append(t)
            on_done(i, Clip(padded_tone(len(t) * MS_PER_CHAR), SAMPLE_RATE))

    def close(self) -> None:
        pass


# A small speech: title, salutation, two sections, points, closing words.
DOC = (
    "标题\n同志们：\n开个会。\n一、第一部分。\n一是甲。乙丙丁。\n二是戊。\n"
    "二、第二部分。\n内容在此。\n同志们，散会！\n"
)


def opts(tmp: Path, **kw: object) -> BuildOptions:
    """Options for a quick build into tmp: section MP3s and subtitles only."""
    given: dict = {"formats": ("mp3", "srt"), **kw}
    return BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", **given)


def write(tmp: Path, text: str = DOC, name: str = "doc.txt") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p
