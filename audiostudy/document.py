"""Read a document file and turn its text into a Document (title, meta, sections, points).

load() handles files and stdin; parse() handles text; both raise InputError with a one-line
message for input that cannot become audio.  The outline rules live in structure.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from audiostudy.errors import InputError, empty_document
from audiostudy.inputs.base import MARKDOWN_SUFFIXES, looks_like_markdown
from audiostudy.loaders import Loaded, RawLine, load_source
from audiostudy.model import Document
from audiostudy.segment import is_speakable
from audiostudy.structure import build_outline

__all__ = ["load", "parse", "outline_lines", "strip_markup"]

# Characters that render as nothing but would confuse matching at line starts.
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad]")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_URL = re.compile(
    r"(?:https?|ftp)://[^\s<>()（）\u3000-\u303f\uff00-\uffef]+|www\.[A-Za-z0-9.-]+\.[A-Za-z]{2,}\S*"
)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~|\*|`)")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|>+)\s+")
_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_MD_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*\S+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def load(path: str | Path) -> Document:
    """Read a document file, a web address, or stdin for "-" into a Document."""
    src = load_source(path)
    return _build(src, source=str(path))


def parse(text: str, *, title: str | None = None, source: str = "", encoding: str = "utf-8") -> Document:
    """Parse document text.  title is used when the text has no title line of its own."""
    markdown = source.lower().endswith(MARKDOWN_SUFFIXES) or looks_like_markdown(text)
    fallback = title or (Path(source).stem if source and source != "-" else "") or "文档"
    # Lone surrogates (from a lenient decode by the caller) cannot be written to any file or hashed
    # as UTF-8; they stand for no character, so drop them.
    text = _SURROGATE.sub("", text)
    return _build(Loaded(None, text, encoding, markdown, fallback), source=source)


def _build(src: Loaded, source: str) -> Document:
    name = source or "input"
    if not src.text.strip():
        raise empty_document(name)
    raw = list(src.lines) if src.lines is not None else _text_lines(src.text, src.markdown)
    outline = build_outline(raw, src.markdown, src.known_title or src.title)
    # The file's own metadata (an EPUB's title and author, a page's date) comes first.
    keys = {k for k, _ in src.meta}
    doc = Document(
        title=src.known_title or outline.title or src.title,
        sections=outline.sections,
        source=source,
        encoding=src.encoding,
        meta=src.meta + tuple((k, v) for k, v in outline.meta if k not in keys),
        cover=src.cover,
        url=src.url,
        spoken_title=_own_title(src.known_title, outline.title),
    )
    if not any(is_speakable(p.text) for s in doc.sections for p in s.paragraphs):
        raise InputError(f"{name} has nothing to read aloud — it needs Chinese text, letters or digits")
    return doc


# A page title that still carries its site's name ("标题 - 某某网", "标题_新闻频道 | 站点").
_SITE_NOISE = re.compile(r"\s[-–—|｜]\s|[|｜_]")


def _own_title(known: str, line: str | None) -> str:
    """The title to read out: the file's own (a book's, a page's, a PDF's) unless it is a page title
    with its site's name in it, else the document's title line; "" when there is neither (the file's
    name is not announced)."""
    known = known.strip()
    if known and not _SITE_NOISE.search(known):
        return known
    return (line or "").strip()


def _text_lines(text: str, markdown: bool) -> list[RawLine]:
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if markdown:
        return _markdown_lines(text)
    out = []
    for line in text.split("\n"):
        clean = strip_markup(line, markdown=False)
        if clean:
            out.append(RawLine(clean))
    return out


def strip_markup(line: str, *, markdown: bool) -> str:
    """Remove links, images, URLs and HTML tags (and Markdown emphasis) from one line; keep link text."""
    line = _MD_IMAGE.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    if markdown:
        line = _MD_REF_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub("", line)
    line = _HTML_TAG.sub("", line)
    line = _URL.sub("", line)
    # Removed markup leaves doubled spaces behind; collapse them so display text stays tidy.
    return re.sub(r"[ \t]{2,}", " ", line).strip(" \t\u3000")


def _markdown_lines(text: str) -> list[RawLine]:
    """Markdown: drop code blocks, rules and markup; join soft-wrapped lines of one paragraph."""
    out: list[RawLine] = []
    in_code = False
    joinable = False  # whether the previous line was body text that a soft-wrapped line continues
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_code, joinable = not in_code, False
            continue
        if in_code or _MD_RULE.match(line) or _MD_REF_DEF.match(line):
            joinable = False
            continue
        if not line.strip():
            joinable = False
            continue
        starts_block = bool(re.match(r"^\s*(#{1,6}\s|\d{1,2}[.)]\s|[-*+>]\s)", line))
        if line.lstrip().startswith("|"):
            line = " ".join(c.strip() for c in line.strip().strip("|").split("|"))
            if re.fullmatch(r"[\s:-]*", line):
                continue
            starts_block = True
        line = _MD_BULLET.sub("", line)
        clean = strip_markup(line, markdown=True)
        if not clean:
            continue
        if joinable and not starts_block and out:
            prev = out[-1].text
            sep = " " if prev[-1:].isascii() and clean[:1].isascii() else ""
            out[-1] = RawLine(prev + sep + clean)
        else:
            out.append(RawLine(clean))
        joinable = not clean.startswith("#")
    return out


def outline_lines(doc: Document) -> list[str]:
    """A plain-text tree of the document for the CLI: sections with char counts, points indented."""
    lines = [f"{doc.title}  ({doc.chars} 字, {len(doc.sections)} 部分)"]
    for key, value in doc.meta:
        lines.append(f"  [{key}] {value}")
    for s in doc.sections:
        lines.append(f"{s.number:>2}. {s.title}  [{s.kind.value}, {s.chars} 字]")
        for i, p in enumerate(s.points):
            end = s.points[i + 1].paragraph if i + 1 < len(s.points) else len(s.paragraphs)
            chars = sum(len(x.text) for x in s.paragraphs[p.paragraph : end])
            lines.append(f"      {s.number}.{p.number} {p.title}  [{chars} 字]")
    return lines
