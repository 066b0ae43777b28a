"""What every input format hands to the structure finder: decoded lines and what the file says about
itself (title, author, date, cover, address).

Kept free of any format library so structure.py and each format module can import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class RawLine:
    text: str
    # Heading level from the file format itself (Word "Heading 2" -> 2, an EPUB chapter -> 1, a
    # sub-entry of it -> 2); None for body text. Level 0 marks a Word "Title" paragraph.
    style_level: int | None = None


@dataclass(frozen=True)
class Loaded:
    lines: tuple[RawLine, ...] | None  # set for formats with structure (.docx, .epub, .pdf, web)
    text: str  # decoded text (joined lines for structured formats)
    encoding: str
    markdown: bool
    title: str  # fallback title: the file stem
    # What the file's own metadata says; it wins over a title guessed from the first line.
    known_title: str = ""
    meta: tuple[tuple[str, str], ...] = ()  # e.g. ("作者", "…"), ("日期", "2024-05-01")
    cover: bytes | None = None  # the book's cover image (JPEG or PNG bytes)
    url: str = ""  # the address a web page was fetched from


def structured(
    lines: list[RawLine],
    encoding: str,
    title: str,
    *,
    known_title: str = "",
    meta: tuple[tuple[str, str], ...] = (),
    cover: bytes | None = None,
    url: str = "",
) -> Loaded:
    """A Loaded for a format whose lines are already paragraphs (no Markdown, no re-joining)."""
    return Loaded(
        tuple(lines), "\n".join(x.text for x in lines), encoding, False, title, known_title, meta, cover, url
    )


_WS = re.compile(r"\s+")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t]*[\r\n]\s*(?=[{_CJK}])")


def clean_text(s: str) -> str:
    """One paragraph's text from markup or layout: whitespace collapsed, and a line break between two
    Chinese characters removed (in Chinese text it is not a space; a written space is kept)."""
    s = _CJK_BREAK.sub("", s.replace("\u00a0", " "))
    return _WS.sub(" ", s).strip(" \u3000")


def is_cjk(ch: str) -> bool:
    return bool(ch) and re.match(f"[{_CJK}]", ch) is not None


def is_url(path: object) -> bool:
    return isinstance(path, str) and re.match(r"(?i)^https?://", path) is not None


def url_stem(url: str) -> str:
    """A name for what an address points to: its last path part without extension, else the host."""
    parts = urlsplit(url)
    last = next((p for p in reversed(unquote(parts.path).split("/")) if p.strip(" .")), "")
    return PurePosixPath(last).stem or parts.hostname or "page"


MARKDOWN_SUFFIXES = (".md", ".markdown")


def looks_like_markdown(text: str) -> bool:
    """A Markdown heading line near the start (for text without a telling file name)."""
    return bool(re.search(r"(?m)^#{1,6}\s+\S", text[:20000]))
