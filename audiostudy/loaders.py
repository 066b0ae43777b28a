"""Turn a path (or stdin) into decoded lines, each optionally tagged with a heading level.

Kept apart from structure detection so that parse() can work on plain text from any source and the
file-format concerns (encodings, .docx styles) stay in one place.
"""

from __future__ import annotations

import codecs
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from audiostudy.errors import InputError

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text", "")
SUPPORTED = ".txt, .md, .docx or - for stdin"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawLine:
    text: str
    # Heading level from the file format itself (Word "Heading 2" -> 2); None for body text.
    # Level 0 marks a Word "Title" paragraph.
    style_level: int | None = None


@dataclass(frozen=True)
class Loaded:
    lines: tuple[RawLine, ...] | None  # set for .docx, where styles matter
    text: str  # decoded text (joined lines for .docx)
    encoding: str
    markdown: bool
    title: str  # fallback title: the file stem


def load_source(path: str | Path) -> Loaded:
    if str(path) == "-":
        data = sys.stdin.buffer.read()
        text, enc = decode_bytes(data, "stdin")
        return Loaded(None, text, enc, markdown=_looks_like_markdown(text), title="stdin")
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file — check the path, or pass - to read from stdin")
    if p.is_dir():
        raise InputError(f"{p} is a directory — pass a document file ({SUPPORTED})")
    suffix = p.suffix.lower()
    if suffix == ".docx":
        lines = _read_docx(p)
        return Loaded(lines, "\n".join(x.text for x in lines), "docx", markdown=False, title=p.stem)
    if suffix not in TEXT_SUFFIXES:
        raise InputError(f"{p}: unsupported file type {suffix!r} — use {SUPPORTED}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror}) — check the file's permissions") from exc
    text, enc = decode_bytes(data, str(p))
    markdown = suffix in (".md", ".markdown") or (suffix == "" and _looks_like_markdown(text))
    return Loaded(None, text, enc, markdown=markdown, title=p.stem)


def _looks_like_markdown(text: str) -> bool:
    return bool(re.search(r"(?m)^#{1,6}\s+\S", text[:20000]))


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode with the encodings Chinese documents actually come in; return (text, encoding)."""
    if not data.strip():
        raise InputError(f"{name} is empty — give a document with some text in it")
    # UTF-8 first and strictly: it almost never decodes anything that is not really UTF-8.
    enc = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return _check_text(data.decode("utf-8-sig"), name), enc
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data" and e.start >= len(data) - 3:
            # Cut off inside the last character (a truncated download): keep everything before it.
            log.warning(
                "%s ends in the middle of a UTF-8 character at byte %d (truncated download?); "
                "the incomplete character is left out",
                name,
                e.start,
            )
            return _check_text(data[: e.start].decode("utf-8-sig"), name), enc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _check_text(data.decode("utf-16"), name), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" not in data:
        # Chinese Windows files are GBK/GB2312 in practice; gb18030 is a superset of both.
        try:
            return _check_text(data.decode("gb18030"), name), "gb18030"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        enc = best.encoding
        if enc.replace("_", "").lower() in ("gbk", "gb2312", "hz", "big5") and enc.lower() != "big5":
            enc = "gb18030"
        try:
            return _check_text(data.decode(enc), name), enc
        except (UnicodeDecodeError, LookupError):
            pass
    raise InputError(f"{name}: cannot decode the text (binary file?) — save it as UTF-8 text and retry")


def _check_text(text: str, name: str) -> str:
    # A file that decodes but is full of control characters is a binary file, not a document.
    sample = text[:20000]
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t\f\v")
    if bad > max(2, len(sample) // 100):
        raise InputError(f"{name}: looks like a binary file, not text — give a .txt, .md or .docx document")
    return text


_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def _read_docx(p: Path) -> tuple[RawLine, ...]:
    try:
        import docx  # python-docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise InputError("reading .docx needs python-docx — install it with pip install python-docx") from exc
    try:
        document = docx.Document(str(p))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{p}: not a readable .docx file — re-save it from Word as .docx") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise InputError(f"{p}: not a readable .docx file — re-save it from Word as .docx") from exc
    out: list[RawLine] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        name = (para.style.name if para.style is not None else "") or ""
        level: int | None = None
        m = _HEADING_STYLE.match(name.strip())
        if m:
            level = int(m.group(1))
        elif name.strip().lower() in ("title", "标题"):
            level = 0
        for part in text.splitlines():
            if part.strip():
                out.append(RawLine(part.strip(), level))
    return tuple(out)
