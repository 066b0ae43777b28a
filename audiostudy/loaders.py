"""Turn a path (or stdin) into decoded lines, each optionally tagged with a heading level.

Kept apart from structure detection so that parse() can work on plain text from any source and the
file-format concerns (encodings, .docx styles) stay in one place. EPUB, PDF and web pages have their
own modules under audiostudy/inputs/, chosen by suffix (or by an http(s) address) from FORMATS.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path

from audiostudy.errors import InputError
from audiostudy.inputs.base import MARKDOWN_SUFFIXES, Loaded, RawLine, is_url, looks_like_markdown
from audiostudy.inputs.decode import decode_bytes
from audiostudy.inputs.extras import EXTRA_OF_SUFFIX, require

__all__ = ["Loaded", "RawLine", "load_source", "decode_bytes", "is_url", "SUPPORTED", "DOC_SUFFIXES"]

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text", "")
SUPPORTED = ".txt, .md, .docx, .epub, .pdf, .html, a web address, or - for stdin"
# Formats with their own module: suffix -> "module:function" taking a Path, returning a Loaded.
# Imported only when used, so reading a .txt never loads a PDF or EPUB library.
FORMATS: dict[str, str] = {
    ".epub": "audiostudy.inputs.epub:load_epub",
    ".pdf": "audiostudy.inputs.pdf:load_pdf",
    ".html": "audiostudy.inputs.web:load_html_file",
    ".htm": "audiostudy.inputs.web:load_html_file",
    ".xhtml": "audiostudy.inputs.web:load_html_file",
}
# Everything a folder build picks up.
DOC_SUFFIXES = (".txt", ".md", ".markdown", ".docx", *FORMATS)


def _reader(suffix: str) -> Callable[[Path], Loaded]:
    module, _, name = FORMATS[suffix].partition(":")
    fn: Callable[[Path], Loaded] = getattr(importlib.import_module(module), name)
    return fn


def load_source(path: str | Path) -> Loaded:
    if str(path) == "-":
        data = sys.stdin.buffer.read()
        text, enc = decode_bytes(data, "stdin")
        return Loaded(None, text, enc, markdown=looks_like_markdown(text), title="stdin")
    if is_url(path):
        require("web", str(path))
        from audiostudy.inputs.web import load_url

        return load_url(str(path))
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file — check the path, or pass - to read from stdin")
    if p.is_dir():
        raise InputError(f"{p} is a directory — pass a document file ({SUPPORTED})")
    suffix = p.suffix.lower()
    if suffix == ".docx":
        lines = _read_docx(p)
        return Loaded(lines, "\n".join(x.text for x in lines), "docx", markdown=False, title=p.stem)
    if suffix in FORMATS:
        require(EXTRA_OF_SUFFIX[suffix], str(p))  # before the reader imports its library
        return _reader(suffix)(p)
    if suffix not in TEXT_SUFFIXES:
        raise InputError(f"{p}: unsupported file type {suffix!r} — use {SUPPORTED}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror}) — check the file's permissions") from exc
    text, enc = decode_bytes(data, str(p))
    markdown = suffix in MARKDOWN_SUFFIXES or (suffix == "" and looks_like_markdown(text))
    return Loaded(None, text, enc, markdown=markdown, title=p.stem)


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
