"""The paragraphs of one (X)HTML content document of a book, in order, with where each id points.

What is never read aloud is dropped here: scripts and styles, images (and so their alt text), ruby
annotations (pinyin over characters), footnote markers and the footnotes themselves, page-break
markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree, html

from audiostudy.inputs.base import clean_text

_OPS = "{http://www.idpf.org/2007/ops}type"
# Block elements end a paragraph.
BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "section", "article", "main"}
    | {"header", "footer", "aside", "table", "tr", "td", "th", "caption", "figure", "figcaption", "body"}
    | {"hr", "br", "h1", "h2", "h3", "h4", "h5", "h6"}
)
HEADINGS = {f"h{i}": i for i in range(1, 7)}
_SKIP_TAGS = frozenset(
    {"script", "style", "head", "title", "img", "svg", "math", "rt", "rp", "nav", "audio", "video", "object"}
    | {"iframe"}
)
_NOTE_TYPES = re.compile(r"\b(noteref|footnotes?|endnotes?|rearnotes?|pagebreak|annoref)\b")
_NOTE_ROLES = re.compile(r"\bdoc-(noteref|footnote|endnotes?|pagebreak|backlink)\b")
# What a footnote marker looks like: [1], (2), ①, *, 注1 — short, no words.
_MARKER = re.compile(
    r"^\s*[\[\(（【〔]?\s*(?:\d{1,3}|[*†‡§]+|[\u2460-\u2473\u3251-\u325f]|注\s*\d*)\s*[\]\)）】〕]?\s*$"
)


@dataclass(frozen=True)
class Block:
    text: str
    heading: int = 0  # 1-6 for <h1>-<h6>, else 0
    link_share: float = 0.0  # the part of the text that is link text (a table of contents is all links)


@dataclass
class Blocks:
    blocks: list[Block] = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)  # id -> index of the block it starts at
    types: set[str] = field(default_factory=set)  # epub:type values of body and its top sections


def parse_document(data: bytes) -> Blocks:
    root = _parse(data)
    body = next((el for el in root.iter() if _local(el) == "body"), root)
    out = _Walker()
    out.walk(body)
    out.flush()
    res = Blocks(out.blocks, out.anchors)
    for el in [body, *list(body)[:3]]:
        res.types.update(_attr(el, "type").split())
    return res


def _parse(data: bytes) -> etree._Element:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        # Not well-formed XHTML (HTML entities such as &nbsp;, unclosed tags): read it as HTML.
        return html.fromstring(data)


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _attr(el: etree._Element, name: str) -> str:
    if name == "type":
        return str(el.get(_OPS) or el.get("epub:type") or "")
    return str(el.get(name) or "")


def _is_note(el: etree._Element, tag: str) -> bool:
    """A footnote marker or a footnote: never read in the middle of a sentence."""
    if _NOTE_TYPES.search(_attr(el, "type")) or _NOTE_ROLES.search(_attr(el, "role")):
        return True
    if tag in ("sup", "a") and _MARKER.match("".join(el.itertext())):
        return tag == "sup" or "#" in _attr(el, "href")
    return tag == "a" and "#" in _attr(el, "href") and len(el) > 0 and _local(el[0]) == "sup"


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.anchors: dict[str, int] = {}
        self.buf: list[str] = []
        self.link_chars = 0
        self.in_link = 0

    def flush(self, heading: int = 0) -> None:
        text = clean_text("".join(self.buf))
        if text:
            share = min(1.0, self.link_chars / len(text))
            self.blocks.append(Block(text, heading, share))
        self.buf, self.link_chars = [], 0

    def text(self, s: str | None) -> None:
        if s:
            self.buf.append(s)
            if self.in_link:
                self.link_chars += len(s.strip())

    def walk(self, el: etree._Element) -> None:
        tag = _local(el)
        if not tag or tag in _SKIP_TAGS or _is_note(el, tag):
            self.text(el.tail)  # a comment, or something not read: its tail still is
            return
        ident = el.get("id")
        if ident:
            self.anchors.setdefault(ident, len(self.blocks))
        block = tag in BLOCKS
        if block:
            self.flush()
        link = tag == "a" and bool(el.get("href"))
        self.in_link += link
        self.text(el.text)
        for child in el:
            self.walk(child)
        self.in_link -= link
        if block:
            self.flush(HEADINGS.get(tag, 0))
        self.text(el.tail)
