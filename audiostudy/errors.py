"""One exception base class; every expected failure is a subclass with a message that says what to do."""

from __future__ import annotations

import errno


class AudiostudyError(Exception):
    """An expected failure. The CLI prints its message on one line and exits 1."""


class InputError(AudiostudyError):
    """The document cannot be read, or has nothing to say."""


def empty_document(name: str) -> InputError:
    """The one message for a document without any text."""
    return InputError(f"{name} is empty — give a document with some text in it")


class UsageError(AudiostudyError):
    """An argument or option has a value we cannot use."""


class EngineError(AudiostudyError):
    """A TTS engine could not be loaded or could not be reached."""


class SynthesisError(AudiostudyError):
    """A chunk could not be synthesised after all retries. Work already done is kept in the cache."""


class OutputError(AudiostudyError):
    """An output file could not be written (permissions, full disk)."""


class FolderTakenError(OutputError):
    """The output folder holds the build of another document (same file name, other place and text)."""


def os_reason(e: OSError) -> str:
    """Why a file operation failed, in words a user acts on; a full disk is named as such."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full (no space left on device)"
    return e.strerror or str(e)


def describe_os_error(e: OSError) -> str:
    """One line for an unexpected OSError that reached the command line."""
    where = f" {e.filename}" if e.filename else ""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot write{where}: {os_reason(e)}; free some space and run again (work done is kept)"
    return f"cannot access{where}: {os_reason(e)}"


class BatchError(AudiostudyError):
    """Some documents of a folder build failed; the others were built (`results`)."""

    def __init__(self, message: str, results: list[object]) -> None:
        super().__init__(message)
        self.results = results
