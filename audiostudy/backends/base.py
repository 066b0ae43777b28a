"""The engine contract: the records every engine and the audio stages share, and the Protocol an
engine implements. Kept free of any engine so the cache and the audio stage can import it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

SAMPLE_RATE = 24_000  # Hz; both engines produce 24 kHz mono, and every clip is brought to it


@dataclass(frozen=True)
class Clip:
    """Audio of one chunk: signed 16-bit little-endian mono PCM at `sample_rate`."""

    pcm: bytes
    sample_rate: int = SAMPLE_RATE
    # Sentence boundaries inside the clip reported by the engine, in ms from its start (edge only).
    boundaries_ms: tuple[int, ...] = field(default=())

    @property
    def duration_ms(self) -> int:
        return len(self.pcm) // 2 * 1000 // self.sample_rate


@dataclass(frozen=True)
class VoiceSettings:
    """Per-call settings that change the sound. All of them are part of the cache key."""

    voice: str = ""
    rate: str = "+0%"
    pitch: str = "+0Hz"
    volume: str = "+0%"


@runtime_checkable
class Backend(Protocol):
    name: str  # its registry name (see registry.ENGINES)
    default_voice: str  # the voice the manifest records when no voice is asked for
    online: bool  # True when it needs the network: then a fallback engine may fill its failures
    max_chars: int  # longest chunk the engine takes in one request
    needs_normalisation: bool  # True when the engine reads digits/Latin raw and needs them spelled out
    # True when the engine says a chunk's punctuation as nothing (the offline voice): it gets one chunk
    # per clause, and the pauses between them come from the pause settings.
    clause_chunks: bool
    # False when the engine's own padding is part of a natural onset: trimming it at a level threshold
    # cuts the quiet starts of s, sh, x, c, q, f, h, p, t, k (measured on the offline voice).
    trim_silence: bool

    def identity(self, settings: VoiceSettings) -> str:
        """Model/voice identity string; changes whenever the same text would sound different."""
        ...

    def synthesize(
        self,
        texts: Sequence[str],
        settings: VoiceSettings,
        on_done: Callable[[int, Clip], None],
    ) -> None:
        """Synthesise every text; call on_done(index, clip) as each finishes (any order).

        Raises SynthesisError when a text fails for good; clips already passed to on_done are kept
        by the caller, so a rerun resumes.
        """
        ...

    def close(self) -> None: ...
