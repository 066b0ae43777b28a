"""What the player page and the library page share: the inlined CSS and JavaScript under
``audiostudy/data/``, one ``<head>`` (``data/head.html``), escaping, safe embedded JSON, relative URLs
and times as text. Nothing is fetched: the pages work when opened from ``file://`` on a phone."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any
from urllib.parse import quote

from . import __version__

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def data(name: str) -> str:
    return resources.files("audiostudy").joinpath("data", name).read_text(encoding="utf-8")


def inline_script(name: str) -> str:
    text = data(name)
    if re.search(r"</script|<!--", text, re.IGNORECASE):  # would end or confuse the inline <script>
        raise ValueError(f"audiostudy/data/{name} cannot be inlined: it contains </script or <!--")
    return text


def inline_style(name: str) -> str:
    text = data(name)
    if re.search(r"</style", text, re.IGNORECASE):
        raise ValueError(f"audiostudy/data/{name} cannot be inlined: it contains </style")
    return text


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace every ``{{name}}`` in one pass, so substituted text is never scanned again."""

    def sub(m: re.Match[str]) -> str:
        return values[m.group(1)]

    return _PLACEHOLDER.sub(sub, template)


def head(title: str, csp_extra: str = "") -> str:
    """The pages' ``<head>``, the stylesheet inlined."""
    values = {"version": esc(__version__), "title": esc(title), "csp_extra": csp_extra}
    return fill(data("head.html"), {**values, "css": inline_style("player.css")})


def esc(value: object) -> str:
    """Escape text for HTML element content and double- or single-quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def embed_json(value: Any) -> str:
    """JSON text that is safe inside ``<script type="application/json">`` and round-trips with json.loads.

    ``</`` becomes ``<\\/`` (so ``</script>`` cannot end the element) and ``<!--`` becomes
    ``\\u003c!--`` (so the HTML parser never enters its escaped-script state). U+2028/2029 are escaped
    too, harmless in JSON and kinder to tools that treat them as line ends.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    text = text.replace("<!--", "\\u003c!--").replace("</", "<\\/")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def url(name: str) -> str:
    """A relative file name as a URL path: spaces, #, ?, % and non-ASCII are percent-encoded."""
    return quote(name.replace("\\", "/"), safe="/")


def _hms(ms: object) -> tuple[int, int, int] | None:
    try:
        total = max(0, int(ms)) // 1000  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    h, rest = divmod(total, 3600)
    return (h, *divmod(rest, 60))


def fmt_ms(ms: object) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    h, m, s = _hms(ms) or (0, 0, 0)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def duration_text(ms: object) -> str:
    """A length in words: ``1 小时 2 分``, ``3 分 5 秒`` or ``5 秒``."""
    hms = _hms(ms)
    if hms is None:
        return ""
    h, m, s = hms
    if h:
        return f"{h} 小时 {m} 分"
    if m:
        return f"{m} 分 {s} 秒"
    return f"{s} 秒"
