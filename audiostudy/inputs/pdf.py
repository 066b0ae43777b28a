"""PDF files with a text layer (pdfplumber, MIT): paragraphs back from the page layout.

Lines the layout broke mid-sentence are joined again — a paragraph starts where a line is indented,
where the line before it stopped short of the right margin, where the type size changes or after a
wider gap — and this holds across page breaks. Running headers and footers (the same text at the top
or bottom of most pages, page numbers included) are dropped. A PDF without any text is a scan, and
an encrypted one cannot be opened without its password: each is one clear error.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path

from audiostudy.errors import InputError
from audiostudy.inputs.base import Loaded, RawLine, clean_text, is_cjk, structured
from audiostudy.inputs.pdflayout import Row, page_rows

_PAGE_NUMBER = re.compile(
    r"^[-—–·•\s]*(?:第\s*)?[\divxlcIVXLC]{1,6}\s*(?:页)?(?:\s*[/／]\s*\d+|\s*共\s*\d+\s*页)?[-—–·•\s]*$"
)
_GENERIC_TITLE = re.compile(r"^(untitled|无标题|document\d*|microsoft word\b.*|.*\.(docx?|wps|pdf))$", re.I)


def load_pdf(path: Path) -> Loaded:
    pages, title, author = _read_rows(path)
    if not any(pages):
        raise InputError(
            f"{path}: the PDF has no text layer — it is a scan (pictures of pages); "
            "run it through OCR (e.g. ocrmypdf) and build the result"
        )
    rows = _drop_running(pages)
    lines = [RawLine(p) for p in _paragraphs(rows)]
    if not lines:
        raise InputError(f"{path}: the PDF has only headers, footers and page numbers — nothing to read")
    meta = (("作者", author),) if author else ()
    return structured(lines, "pdf", path.stem, known_title=title, meta=meta)


def _read_rows(path: Path) -> tuple[list[list[Row]], str, str]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(path)
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise InputError(
                f"{path}: the PDF is encrypted (it needs a password to open); "
                "save an unprotected copy and build that"
            ) from exc
        raise InputError(f"{path}: not a readable PDF file ({cause})") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        pages = []
        for i, page in enumerate(pdf.pages):
            pages.append(page_rows(list(page.chars), i, float(page.width)))
            page.close()  # pdfplumber caches every page's objects otherwise
        info = pdf.metadata or {}
    except PdfminerException as exc:
        raise InputError(f"{path}: the PDF is damaged ({exc.args[0] if exc.args else exc})") from exc
    finally:
        pdf.close()
    title = _meta_text(info.get("Title"))
    return pages, "" if _GENERIC_TITLE.match(title) else title, _meta_text(info.get("Author"))


def _meta_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode(
            "utf-16" if value.startswith((b"\xfe\xff", b"\xff\xfe")) else "latin-1", "replace"
        )
    text = clean_text(str(value)) if value else ""
    return "" if text.lower() in ("anonymous", "unknown", "unspecified") else text


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s", "", text))


def _edges(rows: list[Row]) -> list[Row]:
    """Where running heads and feet sit: the top two and bottom three rows of a page."""
    by_y = sorted(rows, key=lambda r: r.top)
    return by_y[:2] + by_y[-3:] if len(by_y) > 5 else by_y


def _drop_running(pages: list[list[Row]]) -> list[Row]:
    """All rows in reading order without running headers, footers and page numbers."""
    seen: Counter[str] = Counter()
    for rows in pages:
        seen.update({_key(r.text) for r in _edges(rows)})
    need = max(2, (len(pages) + 1) // 2)
    out: list[Row] = []
    for rows in pages:
        edge = {id(r) for r in _edges(rows)}
        for r in rows:
            if id(r) in edge and (_PAGE_NUMBER.match(r.text) or seen[_key(r.text)] >= need):
                continue
            out.append(r)
    return out


def _paragraphs(rows: list[Row]) -> list[str]:
    if not rows:
        return []
    body = statistics.median(r.size for r in rows)
    margins = _margins(rows)
    pitch = _pitch(rows)
    paras: list[list[str]] = []
    prev: Row | None = None
    for r in rows:
        if prev is None or _breaks(prev, r, margins, pitch, body):
            paras.append([r.text])
        else:
            last = paras[-1][-1]
            sep = "" if is_cjk(last[-1:]) or is_cjk(r.text[:1]) else " "
            paras[-1].append(sep + r.text)
        prev = r
    return [t for t in (clean_text("".join(p)) for p in paras) if t]


def _margins(rows: list[Row]) -> dict[tuple[int, int], tuple[float, float]]:
    """Per page and column: the left margin (most common line start) and the right margin."""
    groups: dict[tuple[int, int], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.page, r.column), []).append(r)
    out = {}
    for k, rs in groups.items():
        left = Counter(round(r.x0) for r in rs).most_common(1)[0][0]
        out[k] = (min(left, min(r.x0 for r in rs) + 0.0), max(r.x1 for r in rs))
    return out


def _pitch(rows: list[Row]) -> float:
    """The usual distance from one line to the next within a paragraph."""
    steps = [
        b.top - a.top
        for a, b in zip(rows, rows[1:], strict=False)
        if (a.page, a.column) == (b.page, b.column) and b.top > a.top
    ]
    return statistics.median(steps) if steps else 0.0


def _breaks(
    prev: Row, r: Row, margins: dict[tuple[int, int], tuple[float, float]], pitch: float, body: float
) -> bool:
    """Whether r starts a new paragraph rather than continuing prev's."""
    left, _ = margins[(r.page, r.column)]
    _, right = margins[(prev.page, prev.column)]
    if abs(r.size - prev.size) > 0.15 * body:
        return True  # a heading or title in another type size
    if r.x0 - left > 0.8 * r.size:
        return True  # indented: a new paragraph (Chinese text indents two characters)
    if right - prev.x1 > 1.5 * prev.size:
        return True  # the line before stopped short: its paragraph ended there
    same_column = (prev.page, prev.column) == (r.page, r.column)
    return same_column and pitch > 0 and r.top - prev.top > 1.6 * pitch
