"""How far what was heard is from what was meant: toneless pinyin syllables and their edit distance.

Both sides go through the same reading normaliser the offline voice uses (digits, dates, percentages
and Latin letters become the Chinese a reader says), then every Chinese character becomes its
toneless pinyin syllable and everything else (punctuation, spaces) is dropped. So homophones, a
traditional character for a simplified one, and 2022 for 二零二二 are not errors; a missing,
extra or different syllable is. The error rate is the Levenshtein distance over the number of
syllables meant.

No model here: pypinyin and rapidfuzz only (the `check` extra), imported lazily so a plain install
never needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import UsageError
from .normalize import to_reading

EXTRA_HINT = "pip install 'audiostudy[check]'"


def require(module: str) -> None:
    """Fail with one clear line when an optional listening-back dependency is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(f"listening back needs {module}, which is not installed: {EXTRA_HINT}")


def _is_han(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def syllables(text: str) -> list[str]:
    """Toneless pinyin syllables of `text` as it is read aloud: 2022年 -> er ling er er nian."""
    require("pypinyin")
    from pypinyin import Style, lazy_pinyin

    han = "".join(c for c in to_reading(text) if _is_han(c))
    return lazy_pinyin(han, style=Style.NORMAL) if han else []


@dataclass(frozen=True)
class Aligned:
    """One reference group (a sentence) against the part of the hypothesis aligned to it."""

    heard: tuple[str, ...]
    errors: int


def distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    require("rapidfuzz")
    from rapidfuzz.distance import Levenshtein

    return int(Levenshtein.distance(list(ref), list(hyp)))


def align(groups: Sequence[Sequence[str]], hyp: Sequence[str]) -> list[Aligned]:
    """Align `hyp` against the concatenation of `groups` (one minimal edit script) and share the
    edits and the heard syllables out to the groups. An insertion between two groups belongs to
    the earlier one. The errors of all groups add up to the edit distance."""
    require("rapidfuzz")
    from rapidfuzz.distance import Levenshtein

    ref = [s for g in groups for s in g]
    owner: list[int] = [k for k, g in enumerate(groups) for _ in g]
    if not groups:
        return []

    def group_at(i: int) -> int:
        # Reference position i (insertions sit before it): its group, or the last one at the end.
        if not owner:
            return 0
        return owner[min(max(i, 0), len(owner) - 1)]

    heard: list[list[str]] = [[] for _ in groups]
    errors = [0] * len(groups)
    for op in Levenshtein.opcodes(ref, list(hyp)):
        if op.tag == "insert":
            k = group_at(op.src_start - 1)
            heard[k].extend(hyp[op.dest_start : op.dest_end])
            errors[k] += op.dest_end - op.dest_start
            continue
        for n, i in enumerate(range(op.src_start, op.src_end)):
            j = op.dest_start + n
            if j < op.dest_end:
                heard[owner[i]].append(hyp[j])
            if op.tag != "equal":
                errors[owner[i]] += 1
        extra = (op.dest_end - op.dest_start) - (op.src_end - op.src_start)
        if extra > 0:  # a replace block longer on the heard side: the rest are insertions
            k = group_at(op.src_end - 1)
            heard[k].extend(hyp[op.dest_end - extra : op.dest_end])
            errors[k] += extra
    return [Aligned(tuple(h), e) for h, e in zip(heard, errors, strict=True)]


def rate(errors: int, ref_syllables: int) -> float:
    """Syllable error rate; a sentence meant as nothing but heard as something counts as 100 %."""
    if ref_syllables == 0:
        return 1.0 if errors else 0.0
    return errors / ref_syllables
