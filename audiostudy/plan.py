"""The synthesis plan: per sentence, the chunks an engine is asked for and their cache keys."""

from __future__ import annotations

from dataclasses import dataclass

from .backends.base import Backend, VoiceSettings
from .cache import chunk_key
from .lexicon import Lexicon
from .model import Sentence
from .normalize import to_reading
from .segment import is_speakable


@dataclass(frozen=True)
class Job:
    """One chunk to synthesise: where it belongs and the exact text the engine receives."""

    sentence: int  # index into the sentence list
    spoken: str
    key: str
    engine: str
    trim: bool = True  # cut the engine's silence around the clip (see Backend.trim_silence)
    display: str = ""  # the chunk as written (before reading normalisation)
    lexicon: tuple[str, ...] = ()  # words whose spoken form the pronunciation lexicon set


Plan = list[list[Job]]  # per sentence, its chunks (empty: nothing to say)


def plan_jobs(
    sentences: list[Sentence], backend: Backend, settings: VoiceSettings, lexicon: Lexicon | None = None
) -> Plan:
    """Per sentence, the chunks to synthesise: the pronunciation lexicon rewrites what is spoken (never
    the sentence text shown), then reading normalisation for engines that need it."""
    identity = backend.identity(settings)
    plan: Plan = []
    for i, s in enumerate(sentences):
        jobs = []
        for chunk in s.chunks:
            spoken, used = lexicon.apply(chunk) if lexicon else (chunk, ())
            spoken = to_reading(spoken) if backend.needs_normalisation else spoken
            if is_speakable(spoken):
                key = chunk_key(identity, settings, spoken)
                used_words = tuple(e.word for e in used)
                jobs.append(Job(i, spoken, key, backend.name, backend.trim_silence, chunk, used_words))
        plan.append(jobs)
    return plan
