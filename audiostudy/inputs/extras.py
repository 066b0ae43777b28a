"""Optional parts of the install: the libraries for EPUB, PDF and web pages are extras, so a user of
plain .txt/.md/.docx documents never downloads them (`pip install 'audiostudy[pdf]'` adds one).

require() is called before a reader of such a format is imported: without its extra, the user gets
one line naming the exact command that installs it, and nothing is written."""

from __future__ import annotations

import importlib

from audiostudy.errors import InputError

# extra -> (what it reads, the modules it provides)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "epub": ("EPUB books", ("ebooklib",)),
    "pdf": ("PDF files", ("pdfplumber",)),
    "web": ("web pages and .html files", ("trafilatura", "lxml.html.clean")),
}
# A document's suffix -> the extra that reads it.
EXTRA_OF_SUFFIX = {".epub": "epub", ".pdf": "pdf", ".html": "web", ".htm": "web", ".xhtml": "web"}


def install_hint(extra: str) -> str:
    return f"pip install 'audiostudy[{extra}]'"


def require(extra: str, name: str) -> None:
    """Raise InputError naming the install command when `extra` is not installed; `name` is the
    document or address being read."""
    what, modules = EXTRAS[extra]
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise InputError(
                f"{name}: reading {what} needs the optional {extra!r} part of audiostudy "
                f"({module} is not installed) — install it with: {install_hint(extra)}"
            ) from None
