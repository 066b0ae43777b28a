"""Pronunciation lexicon: how a word is read, fixed in one place, for both engines.

A lexicon file is plain UTF-8 text, one entry a line, `#` starting a comment (at the start of a
line or after a space):

    行长 hang2 zhang3        # tone-numbered pinyin, one syllable per character, 5 = neutral
    COVID-19 => 新冠          # replace what is spoken

Entries change only the SPOKEN text, never what subtitles, transcript or player show. A pinyin entry
speaks the word as characters that have exactly that reading in every context (a character of the
word that already has only that reading is kept), so the offline front end's pypinyin and the edge
service both say the wanted syllables; a `=>` entry replaces the text outright. Since the spoken text
is what the clip cache is keyed on, editing one entry re-synthesises exactly the sentences it touches.

Sources, later winning over earlier for the same word: the built-in starter list (package data), the
user's file in the user config folder, `<document stem>.lexicon.txt` beside the document, and each
`--lexicon FILE` in the order given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from platformdirs import user_config_dir

from . import words
from .errors import InputError

BUILTIN = "built-in"
_SYLLABLE = re.compile(r"^([a-zv]+)([1-5])$")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Entry:
    word: str  # as written in the document
    spoken: str  # what the engines are given instead
    pinyin: tuple[str, ...]  # the reading asked for (tone-numbered), empty for a `=>` rule
    source: str  # "built-in", or the file and line it came from


@cache
def _tone_chars() -> dict[str, str]:
    """Tone-numbered syllable -> characters read only that way, most common first."""
    text = resources.files("audiostudy").joinpath("data", "pinyin_tone_chars.json").read_text("utf-8")
    table: dict[str, str] = json.loads(text)
    return table


@cache
def unambiguous_chars() -> frozenset[str]:
    """Characters read the same way in every phrase and by default."""
    return frozenset("".join(_tone_chars().values()))


def speak_as(word: str, pinyin: Sequence[str]) -> str:
    """The word written with characters that can only be read as pinyin: 行长 hang2 zhang3 -> 航掌.
    A character already read only that way is kept; a syllable no such character has (some neutral
    tones) keeps the word's own character."""
    table = _tone_chars()
    out = []
    for char, syllable in zip(word, pinyin, strict=True):
        chars = table.get(syllable, "")
        out.append(char if char in chars or not chars else chars[0])
    return "".join(out)


def _error(where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}")


def _parse_line(text: str, where: str) -> Entry:
    if "=>" in text:
        original, _, spoken = (part.strip() for part in text.partition("=>"))
        if not original or not spoken:
            raise _error(where, "a `=>` rule needs text on both sides, e.g. `COVID-19 => 新冠`")
        return Entry(original, spoken, (), where)
    word, *syllables = text.split()
    if not syllables:
        raise _error(where, f"`{word}` has no reading: write `词 pin1 yin1` or `原文 => 读法`")
    if len(syllables) != len(word):
        counts = f"{len(word)} characters but {len(syllables)} syllables"
        raise _error(where, f"`{word}` has {counts}: give one syllable per character")
    for s in syllables:
        m = _SYLLABLE.match(s.lower().replace("ü", "v"))
        if not m or not any(k[:-1] == m[1] for k in _tone_chars()):
            raise _error(where, f"`{s}` is not tone-numbered pinyin (like zhang3; 5 is the neutral tone)")
    pinyin = tuple(s.lower().replace("ü", "v") for s in syllables)
    return Entry(word, speak_as(word, pinyin), pinyin, where)


def parse_lexicon(text: str, name: str) -> list[Entry]:
    """Entries of one lexicon file; a malformed line is an InputError naming name and line."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        content = _COMMENT.sub("", line.lstrip("\ufeff")).strip()
        if content:
            entries.append(_parse_line(content, f"{name}:{number}"))
    return entries


def read_lexicon(path: Path, source: str | None = None) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"lexicon {path} not found") from None
    except UnicodeDecodeError:
        raise InputError(f"lexicon {path} is not UTF-8 text") from None
    except OSError as e:
        raise InputError(f"cannot read lexicon {path}: {e.strerror}") from None
    return parse_lexicon(text, source or str(path))


def user_lexicon_path() -> Path:
    return Path(user_config_dir("audiostudy")) / "lexicon.txt"


def beside(document: str | Path) -> Path | None:
    """`<stem>.lexicon.txt` next to the document (None for stdin)."""
    if str(document) == "-":
        return None
    p = Path(document)
    return p.with_name(p.stem + ".lexicon.txt")


class Lexicon:
    """Merged entries; later sources win for the same written word.

    A word is matched as jieba cuts the text (its entries added to jieba's dictionary, which also
    keeps the chunker from splitting them): 行长 is found in 银行行长 and 副行长 but not in
    银行长期, where it would straddle two words."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries: dict[str, Entry] = {}
        for e in entries:
            self.entries[e.word] = e
        words = sorted(self.entries, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None
        self._kept_whole = False

    def __bool__(self) -> bool:
        return bool(self.entries)

    def keep_whole(self) -> None:
        """The chunker never splits a Chinese entry (handed to jieba when it is loaded; once)."""
        if not self._kept_whole:
            words.keep_whole(w for w in self.entries if _CJK.search(w))
            self._kept_whole = True

    def _boundaries(self, text: str) -> set[int]:
        self.keep_whole()
        cuts, pos = {0}, 0
        for token in words.cut(text):
            pos += len(token)
            cuts.add(pos)
        return cuts

    def matches(self, text: str) -> list[tuple[int, Entry]]:
        """(position, entry) of every entry in text, longest first, left to right, not overlapping."""
        if self._pattern is None:
            return []
        found: list[tuple[int, Entry]] = []
        cuts: set[int] | None = None
        i = 0
        while (m := self._pattern.search(text, i)) is not None:
            s, e = m.span()
            cuts = cuts if cuts is not None else self._boundaries(text)
            straddles = not (s in cuts and e in cuts) and any(s < c < e for c in cuts)
            if straddles or not _latin_whole(text, s, e):
                i = s + 1
                continue
            found.append((s, self.entries[m[0]]))
            i = e
        return found

    def apply(self, text: str) -> tuple[str, tuple[Entry, ...]]:
        """The text to speak, and the entries that changed it."""
        out, used, last = [], [], 0
        for pos, entry in self.matches(text):
            out.append(text[last:pos] + entry.spoken)
            last = pos + len(entry.word)
            if entry.spoken != entry.word:
                used.append(entry)
        out.append(text[last:])
        return "".join(out), tuple(used)


def _latin_whole(text: str, s: int, e: int) -> bool:
    """A Latin entry (NB) is not matched inside a longer Latin word or number (NBA)."""
    before = text[s - 1 : s] if s else ""
    after = text[e : e + 1]
    first, last = text[s], text[e - 1]
    return not (first.isascii() and first.isalnum() and before.isascii() and before.isalnum()) and not (
        last.isascii() and last.isalnum() and after.isascii() and after.isalnum()
    )


@cache
def builtin_entries() -> tuple[Entry, ...]:
    text = resources.files("audiostudy").joinpath("data", "lexicon.txt").read_text("utf-8")
    return tuple(parse_lexicon(text, BUILTIN))


def load_lexicon(document: str | Path | None, extra: Sequence[Path] = (), builtin: bool = True) -> Lexicon:
    """The lexicon for a document: built-in, user file, file beside the document, then extra files."""
    entries: list[Entry] = list(builtin_entries()) if builtin else []
    user = user_lexicon_path()
    if user.is_file():
        entries += read_lexicon(user)
    near = beside(document) if document is not None else None
    if near is not None and near.is_file():
        entries += read_lexicon(near)
    for path in extra:
        entries += read_lexicon(Path(path))
    return Lexicon(entries)
