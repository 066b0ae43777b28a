"""jieba's word boundaries, loaded only when a text really needs them.

`import jieba` and its dictionary cost 0.6-1.5 s (more than the rest of planning a document), and
most builds need no word boundary at all: a clause chunk is cut at words only when the clause is
longer than the engine's limit, and a pronunciation-lexicon word is checked against the word
boundaries only in a chunk that contains it (and plan.PlanMemo remembers those answers from the
previous build). So words the lexicon wants kept whole are only noted here, and handed to jieba
when it is loaded for a first cut.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

_kept: dict[str, None] = {}  # an ordered set: added to jieba in the order given
_jieba: Any = None


def keep_whole(words: Iterable[str]) -> None:
    """Never cut these words (added to jieba's dictionary now if it is loaded, else when it is)."""
    new = [w for w in dict.fromkeys(words) if w not in _kept]
    _kept.update(dict.fromkeys(new))
    if _jieba is not None:
        for w in new:
            _jieba.add_word(w)


def cut(text: str) -> list[str]:
    """text as jieba's words (HMM on for unknown words), empty pieces dropped."""
    return [w for w in _load().cut(text, HMM=True) if w]


def is_loaded() -> bool:
    return _jieba is not None


def _load() -> Any:
    global _jieba
    if _jieba is None:
        import jieba

        # jieba prints "Building prefix dict..." to stderr through its logger; keep the CLI quiet.
        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        jieba.initialize()
        for w in _kept:
            jieba.add_word(w)
        _jieba = jieba
    return _jieba


def release() -> None:
    """Give jieba's dictionary back (~60 MB) once a build has planned; the next cut loads it again,
    with the kept words."""
    global _jieba
    if _jieba is not None:
        _jieba.dt.FREQ, _jieba.dt.total, _jieba.dt.initialized = {}, 0, False
        _jieba = None
