"""One exception base class; every expected failure is a subclass with a message that says what to do."""

from __future__ import annotations


class AudiostudyError(Exception):
    """An expected failure. The CLI prints its message on one line and exits 1."""


class InputError(AudiostudyError):
    """The document cannot be read, or has nothing to say."""


class UsageError(AudiostudyError):
    """An argument or option has a value we cannot use."""


class EngineError(AudiostudyError):
    """A TTS engine could not be loaded or could not be reached."""


class SynthesisError(AudiostudyError):
    """A chunk could not be synthesised after all retries. Work already done is kept in the cache."""


class OutputError(AudiostudyError):
    """An output file could not be written (permissions, full disk)."""
