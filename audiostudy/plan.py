"""The synthesis plan: per sentence, the chunks an engine is asked for and their cache keys."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from . import __version__
from .backends.base import Backend, VoiceSettings
from .cache import ClipCache, chunk_key
from .errors import OutputError
from .lexicon import Lexicon
from .model import Sentence
from .normalize import to_reading
from .options import BuildOptions
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
    sentences: list[Sentence],
    backend: Backend,
    settings: VoiceSettings,
    lexicon: Lexicon | None = None,
    memo: PlanMemo | None = None,
) -> Plan:
    """Per sentence, the chunks to synthesise: the pronunciation lexicon rewrites what is spoken (never
    the sentence text shown), then reading normalisation for engines that need it."""
    identity = backend.identity(settings)
    plan: Plan = []
    for i, s in enumerate(sentences):
        jobs = []
        for chunk in s.chunks:
            read = functools.partial(_reading, chunk, lexicon, backend.needs_normalisation)
            spoken, used_words = memo.spoken(chunk, read) if memo is not None else read()
            if is_speakable(spoken):
                key = chunk_key(identity, settings, spoken)
                jobs.append(Job(i, spoken, key, backend.name, backend.trim_silence, chunk, used_words))
        plan.append(jobs)
    return plan


def _reading(chunk: str, lexicon: Lexicon | None, normalise: bool) -> tuple[str, tuple[str, ...]]:
    """What the engine is sent for chunk, and the lexicon words that changed it."""
    spoken, used = lexicon.apply(chunk) if lexicon else (chunk, ())
    return (to_reading(spoken) if normalise else spoken), tuple(e.word for e in used)


# Libraries whose data decide how text becomes chunks (jieba's words, cn2an's numbers, pypinyin's readings).
_TEXT_LIBRARIES = ("jieba", "cn2an", "pypinyin")


def fingerprint(
    doc_text: str, lexicon: Lexicon, backend: Backend, opts: BuildOptions, title: str = ""
) -> str:
    """Everything that changes any output; equal fingerprints mean the outputs are current.

    Made only of what the plan is a function of (the text, the lexicon's readings, the engine's
    identity and chunking, the options, the versions of this package and of the text libraries), so
    "up to date" is answered before the text is split: no jieba dictionary, no engine start-up."""
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(doc_text.encode("utf-8"))
    if opts.speak_title:
        h.update(b"\0title\0" + title.encode("utf-8"))  # said first (Document.spoken_title)
    readings = sorted((e.word, e.spoken) for e in lexicon.entries.values())
    engine = [backend.name, backend.identity(opts.settings), backend.max_chars, backend.clause_chunks]
    engine += [backend.needs_normalisation, backend.trim_silence, *map(dist, _TEXT_LIBRARIES)]
    h.update(json.dumps([readings, engine], ensure_ascii=False).encode())
    o = asdict(
        replace(opts, out_root=Path("."), cache_dir=None, force=False, workers=None, backend_options={})
    )
    h.update(json.dumps(o, sort_keys=True, default=str).encode())
    return h.hexdigest()


def dist(name: str) -> str:
    """An installed distribution's version ("" when absent), without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


MEMO_FORMAT = 1
T = TypeVar("T")
MEMO_EXT = "plan.json"  # ClipCache.encode_path(<output folder's hash>, MEMO_EXT)


class PlanMemo:
    """What splitting and the lexicon worked out for each sentence and chunk in the previous build of
    this document, so that an edit plans only the text that changed, and jieba's dictionary (0.6-1.5 s,
    see words.py) is loaded only when new text needs word boundaries. It holds only for the same
    `key` (this package's and jieba's versions, the engine's chunk limit and clause mode, the
    lexicon's readings); only what this build used is written back, so it never outgrows a document."""

    def __init__(self, key: str, chunks: dict[str, Any] | None = None, spoken: dict[str, Any] | None = None):
        self.key = key
        self._old_chunks = chunks or {}
        self._old_spoken = spoken or {}
        self._chunks: dict[str, tuple[str, ...]] = {}
        self._spoken: dict[str, tuple[str, tuple[str, ...]]] = {}

    @staticmethod
    def key_for(lexicon: Lexicon, backend: Backend) -> str:
        readings = sorted((e.word, e.spoken) for e in lexicon.entries.values())
        engine = [backend.max_chars, backend.clause_chunks, backend.needs_normalisation]
        data = [MEMO_FORMAT, __version__, dist("jieba"), dist("cn2an"), engine, readings]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()

    def chunks(self, text: str, compute: Callable[[], tuple[str, ...]]) -> tuple[str, ...]:
        """segment.split_document's chunker: the sentence's chunks from the last build, else compute()."""

        def decode(old: Any) -> tuple[str, ...] | None:
            return tuple(old) if _strings(old) else None

        return self._recall(self._chunks, self._old_chunks, text, decode, compute)

    def spoken(
        self, chunk: str, compute: Callable[[], tuple[str, tuple[str, ...]]]
    ) -> tuple[str, tuple[str, ...]]:
        """plan_jobs's reading of chunk: (what the engine is sent, the lexicon words that changed it)."""

        def decode(old: Any) -> tuple[str, tuple[str, ...]] | None:
            ok = isinstance(old, list) and len(old) == 2 and isinstance(old[0], str) and _strings(old[1])
            return (old[0], tuple(old[1])) if ok else None

        return self._recall(self._spoken, self._old_spoken, chunk, decode, compute)

    @staticmethod
    def _recall(
        used: dict[str, T],
        old: dict[str, Any],
        key: str,
        decode: Callable[[Any], T | None],
        compute: Callable[[], T],
    ) -> T:
        """This build's answer for key: already used, else the last build's (if it reads back whole),
        else computed; noted as used either way."""
        got = used.get(key)
        if got is None:
            got = decode(old.get(key))
            if got is None:
                got = compute()
            used[key] = got
        return got

    @classmethod
    def read(cls, cache: ClipCache, folder: Path, key: str) -> PlanMemo:
        """The memo the last build into folder left in the cache, if made under the same key; else
        an empty one."""
        try:
            data = json.loads(cache.encode_path(_memo_id(folder), MEMO_EXT).read_text(encoding="utf-8"))
            if data["format"] == MEMO_FORMAT and data["key"] == key:
                return cls(key, dict(data["chunks"]), dict(data["spoken"]))
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return cls(key)

    def write(self, cache: ClipCache, folder: Path) -> None:
        """Kept beside the section encodes (pruned like them when unused); a cache that cannot take
        it only costs the next edit its planning."""
        data = {"format": MEMO_FORMAT, "key": self.key, "chunks": self._chunks, "spoken": self._spoken}
        with contextlib.suppress(OutputError), cache.writing_encode(_memo_id(folder), MEMO_EXT) as tmp:
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _memo_id(folder: Path) -> str:
    return hashlib.sha256(str(folder.resolve()).encode()).hexdigest()


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
