"""Web pages: fetched from an http(s) address or read from a saved .html file.

The article is taken out of its page (menus, ads, comments, footers left behind) by trafilatura;
title, author and date come from the page's metadata. The page's own encoding is honoured: the
HTTP header's charset, else the <meta> charset, else detection (GBK sites are common). A fetch has a
timeout and a size limit; a PDF or EPUB behind an address is read as such.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from lxml import etree

from audiostudy import __version__
from audiostudy.errors import InputError
from audiostudy.inputs.base import Loaded, RawLine, clean_text, structured, url_stem
from audiostudy.inputs.decode import decode_bytes

TIMEOUT_S = 30.0
MAX_MB = 20.0
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_GB = {"gbk", "gb2312", "gb_2312", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "gb18030"}


def limits() -> tuple[float, int]:
    """(timeout in seconds, size limit in bytes); AUDIOSTUDY_FETCH_TIMEOUT / _MAX_MB change them."""
    try:
        timeout = float(os.environ.get("AUDIOSTUDY_FETCH_TIMEOUT", TIMEOUT_S))
        max_mb = float(os.environ.get("AUDIOSTUDY_FETCH_MAX_MB", MAX_MB))
    except ValueError:
        timeout, max_mb = TIMEOUT_S, MAX_MB
    return timeout, int(max_mb * 1024 * 1024)


def load_url(url: str) -> Loaded:
    data, ctype = fetch(url)
    kind = ctype.split(";")[0].strip().lower()
    suffix = {"application/pdf": ".pdf", "application/epub+zip": ".epub"}.get(kind)
    if suffix:
        return _load_download(data, suffix, url)
    charset = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", ctype, re.IGNORECASE)
    return from_html(data, charset.group(1) if charset else None, url, url, fallback_title=url_stem(url))


def load_html_file(path: Path) -> Loaded:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}) — check the file's permissions") from exc
    return from_html(data, None, str(path), "", fallback_title=path.stem)


def fetch(url: str) -> tuple[bytes, str]:
    """(body, content type). Everything that goes wrong is one InputError."""
    timeout, max_bytes = limits()
    mb = max_bytes / 1024 / 1024
    request = urllib.request.Request(url, headers={"User-Agent": f"audiostudy/{__version__}"})
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise InputError(f"{url}: the page is {int(length) / 1e6:.0f} MB, over the {mb:.0f} MB limit")
            chunks, total = [], 0
            while chunk := resp.read(256 * 1024):
                total += len(chunk)
                if total > max_bytes:
                    raise InputError(f"{url}: the page is larger than the {mb:.0f} MB limit")
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
            return b"".join(chunks), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: the server answered {exc.code} {exc.reason}") from exc
    except TimeoutError as exc:
        raise InputError(f"{url}: no complete answer within {timeout:g} s (timed out)") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise InputError(f"{url}: no answer within {timeout:g} s (timed out)") from exc
        raise InputError(f"{url}: cannot fetch ({exc.reason})") from exc
    except (OSError, ValueError) as exc:  # connection reset, a malformed address
        raise InputError(f"{url}: cannot fetch ({exc})") from exc


def _load_download(data: bytes, suffix: str, url: str) -> Loaded:
    from dataclasses import replace

    from audiostudy.inputs.extras import require

    require("pdf" if suffix == ".pdf" else "epub", url)
    from audiostudy.inputs.epub import load_epub
    from audiostudy.inputs.pdf import load_pdf

    with tempfile.TemporaryDirectory(prefix="audiostudy-") as tmp:
        path = Path(tmp) / f"download{suffix}"
        path.write_bytes(data)
        loaded = load_pdf(path) if suffix == ".pdf" else load_epub(path)
    return replace(loaded, url=url, title=url_stem(url))


def decode_html(data: bytes, header_charset: str | None, name: str) -> tuple[str, str]:
    """The page's text in the encoding it declares (header, then <meta>), else a detected one."""
    m = _META_CHARSET.search(data[:8192])
    for cs in (header_charset, m.group(1).decode("ascii", "replace") if m else None):
        if not cs:
            continue
        enc = "gb18030" if cs.lower() in _GB else cs.lower()
        try:
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_bytes(data, name)


def from_html(data: bytes, charset: str | None, name: str, url: str, fallback_title: str = "") -> Loaded:
    import trafilatura

    text, enc = decode_html(data, charset, name)
    # Strip the XML declaration: lxml refuses a str that still says which bytes it came from.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    xml = trafilatura.extract(
        text,
        url=url or None,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_images=False,
        with_metadata=True,
    )
    if not xml:
        raise InputError(f"{name}: no article text found on the page (only menus and links?)")
    root = etree.fromstring(xml.encode("utf-8"))
    title = clean_text(root.get("title") or "")
    meta = tuple((k, clean_text(root.get(a) or "")) for k, a in (("作者", "author"), ("日期", "date")))
    lines = _lines(root, title)
    if not lines:
        raise InputError(f"{name}: no article text found on the page (only menus and links?)")
    fallback = fallback_title or title or "page"
    return structured(lines, enc, fallback, known_title=title, meta=tuple(m for m in meta if m[1]), url=url)


def _lines(root: etree._Element, title: str) -> list[RawLine]:
    main = root.find("main")
    if main is None:
        return []
    heads = [e for e in main.iter("head")]
    levels = sorted(
        {int((e.get("rend") or "h2")[1:] or 2) for e in heads if (e.get("rend") or "h2")[1:].isdigit()}
    )
    out: list[RawLine] = []
    for el in main.iter("head", "p", "item", "quote", "cell"):
        if el.tag in ("p", "quote") and any(a.tag in ("item", "cell", "quote") for a in el.iterancestors()):
            continue  # its text is taken with the list item or cell that holds it
        text = clean_text("".join(el.itertext()))
        if not text or (el.tag == "head" and text == title):
            continue
        level = None
        if el.tag == "head":
            rend = (el.get("rend") or "h2")[1:]
            level = levels.index(int(rend)) + 1 if rend.isdigit() and int(rend) in levels else 1
        out.append(RawLine(text, level))
    return _strip_datelines(out)


_DATELINE = re.compile(r"来源|作者|编辑|记者|发布|浏览|点击|字号|\d{4}[-/年.]\d{1,2}")


def _strip_datelines(lines: list[RawLine]) -> list[RawLine]:
    """News pages put a dateline under the headline ("2024-05-06 来源：…") and an editor's line at
    the end ("责任编辑：…"); they are the page's bookkeeping, not the article."""

    def bookkeeping(x: RawLine) -> bool:
        return (
            x.style_level is None
            and len(x.text) <= 60
            and "。" not in x.text
            and bool(_DATELINE.search(x.text))
        )

    head = 0
    while head < min(3, len(lines)) and bookkeeping(lines[head]):
        head += 1
    tail = len(lines)
    while tail > head and len(lines) - tail < 2 and bookkeeping(lines[tail - 1]):
        tail -= 1
    return lines[head:tail]
