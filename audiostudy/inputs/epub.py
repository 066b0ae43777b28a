"""EPUB books: the spine in reading order, the table of contents (nav document or NCX) as the outline.

Chapters (top-level entries) become sections and their sub-entries points; deeper entries are read
as ordinary paragraphs. Within a chapter without sub-entries the Chinese numbering rules still find
the points (structure.py). Front matter — cover, title page, table of contents, copyright page — is
not read. The book's title, author and cover image go into the tags.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

from audiostudy.errors import InputError
from audiostudy.inputs.base import Loaded, RawLine, clean_text, structured
from audiostudy.inputs.xhtml import Blocks, parse_document

# Only font obfuscation may appear in META-INF/encryption.xml of a book whose text can be read.
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_FRONT_TYPES = {"cover", "toc", "copyright-page", "titlepage", "title-page", "landmarks", "loi", "lot"}
_COPYRIGHT = re.compile(r"ISBN|版权所有|版权信息|图书在版编目|Copyright|©", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One table-of-contents entry: where it points and how deep it sits (1 = chapter)."""

    file: str  # path inside the book, relative to the package document
    anchor: str
    title: str
    depth: int


def load_epub(path: Path) -> Loaded:
    _refuse_drm(path)
    book = _read(path)
    title = _dc(book, "title")
    author = _dc(book, "creator")
    entries = _toc(book.toc, 1)
    front = _front_matter(book)
    lines: list[RawLine] = []
    for item in _spine(book):
        name = _norm(item.get_name())
        if name in front:
            continue
        try:
            doc = parse_document(item.get_content())
        except (etree.LxmlError, ValueError):
            continue  # an unreadable page of a readable book: skip it, like a reader app would
        if _is_front(doc):
            continue
        lines += _lines(doc, [e for e in entries if e.file == name], bool(entries))
    if not lines:
        raise InputError(f"{path}: the book has no text to read (only images, or empty chapters)")
    meta = (("作者", author),) if author else ()
    return structured(lines, "epub", path.stem, known_title=title, meta=meta, cover=_cover(book))


def _refuse_drm(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "META-INF/rights.xml" in names:
                raise InputError(_drm(path))
            if "META-INF/encryption.xml" in names:
                root = etree.fromstring(zf.read("META-INF/encryption.xml"))
                algorithms = {
                    str(el.get("Algorithm")) for el in root.iter() if _tag(el) == "EncryptionMethod"
                }
                if algorithms - _FONT_OBFUSCATION:
                    raise InputError(_drm(path))
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError) as exc:
        raise InputError(f"{path}: not a readable EPUB file (a damaged or incomplete download?)") from exc


def _drm(path: Path) -> str:
    return f"{path}: the book is DRM-protected (its text is encrypted); only DRM-free EPUBs can be read"


def _tag(el: etree._Element) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def _read(path: Path) -> Any:
    import warnings

    from ebooklib import epub

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return epub.read_epub(str(path), {"ignore_ncx": True})
    except Exception as exc:  # ebooklib raises EpubException, KeyError, lxml errors for broken books
        raise InputError(f"{path}: not a readable EPUB file ({exc.__class__.__name__})") from exc


def _dc(book: Any, name: str) -> str:
    values = book.get_metadata("DC", name)
    return clean_text(str(values[0][0])) if values and values[0][0] else ""


def _norm(href: str) -> str:
    return posixpath.normpath(unquote(href.split("#", 1)[0])) if href else ""


def _toc(items: list[Any], depth: int) -> list[Entry]:
    """ebooklib gives Link objects, or (Section, [children]) pairs for entries with sub-entries."""
    out: list[Entry] = []
    for item in items:
        node, children = item if isinstance(item, tuple) else (item, [])
        href = str(getattr(node, "href", "") or "")
        title = clean_text(str(getattr(node, "title", "") or ""))
        if href and title:
            out.append(Entry(_norm(href), unquote(href.partition("#")[2]), title, depth))
        out += _toc(list(children), depth + 1)
    return out


def _spine(book: Any) -> list[Any]:
    from ebooklib import epub

    items = []
    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or linear == "no" or isinstance(item, epub.EpubNav | epub.EpubCoverHtml):
            continue
        if isinstance(item, epub.EpubHtml):
            items.append(item)
    return items


def _front_matter(book: Any) -> set[str]:
    """Files the guide (EPUB 2) or the landmarks (EPUB 3) name as cover, title page, contents…"""
    from ebooklib import epub

    front = {_norm(g.get("href", "")) for g in book.guide if str(g.get("type", "")).lower() in _FRONT_TYPES}
    for nav in book.get_items():
        if not isinstance(nav, epub.EpubNav):
            continue
        root = etree.fromstring(nav.get_content(), etree.XMLParser(recover=True, no_network=True))
        base = posixpath.dirname(nav.get_name())
        for a in root.iter("{*}a"):
            if set(str(a.get("{http://www.idpf.org/2007/ops}type", "")).split()) & _FRONT_TYPES:
                front.add(_norm(posixpath.join(base, str(a.get("href", "")))))
    return front


def _is_front(doc: Blocks) -> bool:
    """Front matter by its own marking, or by its look: a page of links (contents), a short page of
    ISBN and copyright lines."""
    if doc.types & _FRONT_TYPES:
        return True
    blocks = doc.blocks
    if len(blocks) >= 3 and sum(b.link_share > 0.8 for b in blocks) >= 0.7 * len(blocks):
        return True
    text = "".join(b.text for b in blocks)
    return len(text) < 1500 and len(_COPYRIGHT.findall(text)) >= 2


def _lines(doc: Blocks, entries: list[Entry], has_toc: bool) -> list[RawLine]:
    """The document's paragraphs with each TOC entry's title inserted, as a heading, where it
    points; the document's own heading at that place is the same title and is not repeated."""
    if not has_toc:
        return _lines_by_tags(doc)
    at: dict[int, list[Entry]] = {}
    for e in entries:
        at.setdefault(doc.anchors.get(e.anchor, 0) if e.anchor else 0, []).append(e)
    out: list[RawLine] = []
    skip_until = -1
    for i, block in enumerate(doc.blocks):
        for e in at.get(i, []):
            out.append(RawLine(e.title, e.depth))
            skip_until = _heading_span(doc, i, e.title)
        if i >= skip_until:
            out.append(RawLine(block.text))
    for e in (e for pos, es in at.items() if pos >= len(doc.blocks) for e in es):
        out.append(RawLine(e.title, e.depth))
    return out


def _heading_span(doc: Blocks, i: int, title: str) -> int:
    """End of the heading blocks at i that repeat the entry's title (an <h1>, or text within it)."""
    key = re.sub(r"\s", "", title)
    j = i
    while j < len(doc.blocks) and j < i + 3:
        b = doc.blocks[j]
        text = re.sub(r"\s", "", b.text)
        if (b.heading and j == i) or (text and text in key):
            j += 1
        else:
            break
    return j


def _lines_by_tags(doc: Blocks) -> list[RawLine]:
    """A book without a table of contents: its <h1>/<h2> headings are the outline."""
    return [RawLine(b.text, b.heading if 0 < b.heading <= 2 else None) for b in doc.blocks]


def _cover(book: Any) -> bytes | None:
    from ebooklib import epub

    for item in book.get_items():
        if isinstance(item, epub.EpubCover) or "cover-image" in (getattr(item, "properties", None) or []):
            return bytes(item.get_content())
    for _, attrs in book.get_metadata("OPF", "cover"):
        item = book.get_item_with_id(attrs.get("content", "")) if attrs else None
        if item is not None:
            return bytes(item.get_content())
    return None
