"""The offline player page ``audio/<stem>/index.html`` and the library index page of a batch build.

Both pages are single self-contained HTML files: the CSS and JavaScript under ``audiostudy/data/`` are
inlined, nothing is fetched (no CDN, no ``fetch``), so they work when opened from ``file://`` on a phone.

The player page embeds the manifest as JSON in ``<script type="application/json" id="manifest">`` and
renders the chapter list and the transcript as HTML with data attributes that the inline script (and the
tests) use:

- chapter items: ``button.chap.sec`` / ``button.chap.point`` with ``data-start-ms`` / ``data-end-ms``
  (times in the whole-document file) and ``data-section`` / ``data-point``;
- sentences: ``span.s`` with ``data-id``, ``data-start-ms`` and ``data-end-ms``; the one playing has the
  class ``current``;
- speed buttons: ``.speed button[data-rate]``.

The position is remembered in ``localStorage`` under ``"audiostudy:pos:" + title + "|" + duration_ms``
(seconds, as text); the chosen speed under ``"audiostudy:rate"``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, TextIO
from urllib.parse import quote

from . import __version__

SPEEDS: tuple[float, ...] = (0.75, 1.0, 1.25, 1.5, 2.0)
POSITION_KEY_PREFIX = "audiostudy:pos:"

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_HEADING_STRIP = "。．.：:；;，,！!？? \u3000"
_KIND_LABEL = {"opening": "开场", "closing": "结束语"}


# ---------------------------------------------------------------------------- helpers


def _data(name: str) -> str:
    return resources.files("audiostudy").joinpath("data", name).read_text(encoding="utf-8")


def _inline_script(name: str) -> str:
    text = _data(name)
    if re.search(r"</script|<!--", text, re.IGNORECASE):  # would end or confuse the inline <script>
        raise ValueError(f"audiostudy/data/{name} cannot be inlined: it contains </script or <!--")
    return text


def _inline_style(name: str) -> str:
    text = _data(name)
    if re.search(r"</style", text, re.IGNORECASE):
        raise ValueError(f"audiostudy/data/{name} cannot be inlined: it contains </style")
    return text


def _fill(template: str, values: Mapping[str, str]) -> str:
    """Replace every ``{{name}}`` in one pass, so substituted text is never scanned again."""

    def sub(m: re.Match[str]) -> str:
        return values[m.group(1)]

    return _PLACEHOLDER.sub(sub, template)


def esc(value: object) -> str:
    """Escape text for HTML element content and double- or single-quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def embed_json(data: Any) -> str:
    """JSON text that is safe inside ``<script type="application/json">`` and round-trips with json.loads.

    ``</`` becomes ``<\\/`` (so ``</script>`` cannot end the element) and ``<!--`` becomes
    ``\\u003c!--`` (so the HTML parser never enters its escaped-script state). U+2028/2029 are escaped
    too, harmless in JSON and kinder to tools that treat them as line ends.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    text = text.replace("<!--", "\\u003c!--").replace("</", "<\\/")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def url(name: str) -> str:
    """A relative file name as a URL path: spaces, #, ?, % and non-ASCII are percent-encoded."""
    return quote(name.replace("\\", "/"), safe="/")


def fmt_ms(ms: object) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    try:
        total = max(0, int(ms)) // 1000  # type: ignore[call-overload]
    except (TypeError, ValueError):
        total = 0
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _duration_text(ms: object) -> str:
    try:
        total = max(0, int(ms)) // 1000  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h} 小时 {m} 分"
    if m:
        return f"{m} 分 {s} 秒"
    return f"{s} 秒"


def _int(value: object, default: int = 0) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def _section_title(section: Mapping[str, Any]) -> str:
    title = str(section.get("title") or "").strip()
    if title:
        return title
    return _KIND_LABEL.get(str(section.get("kind")), f"第 {_int(section.get('number'))} 部分")


# ---------------------------------------------------------------------------- player page


def _speed_buttons() -> str:
    out = []
    for rate in SPEEDS:
        label = f"{rate:g}×"
        pressed = "true" if rate == 1.0 else "false"
        out.append(
            f'<button type="button" data-rate="{rate:g}" aria-pressed="{pressed}" '
            f'title="{esc(f"{rate:g} 倍速")}">{esc(label)}</button>'
        )
    return "\n".join(out)


def _chapters(sections: list[Mapping[str, Any]]) -> str:
    if not sections:
        return '<p class="empty">没有章节</p>'
    out = ['<ol class="chap-list">']
    for sec in sections:
        number = _int(sec.get("number"))
        title = _section_title(sec)
        start, end = _int(sec.get("start_ms")), _int(sec.get("end_ms"))
        out.append(
            f'<li><button type="button" class="chap sec" data-section="{number}" '
            f'data-start-ms="{start}" data-end-ms="{end}" data-title="{esc(title)}">'
            f'<span class="time">{fmt_ms(start)}</span><span class="name">{esc(title)}</span></button>'
        )
        points = list(sec.get("points") or [])
        if points:
            out.append('<ol class="points">')
            for pt in points:
                pnum = _int(pt.get("number"))
                ptitle = str(pt.get("title") or f"第 {pnum} 点")
                pstart, pend = _int(pt.get("start_ms")), _int(pt.get("end_ms"))
                out.append(
                    f'<li><button type="button" class="chap point" data-section="{number}" '
                    f'data-point="{pnum}" data-start-ms="{pstart}" data-end-ms="{pend}" '
                    f'data-title="{esc(ptitle)}"><span class="time">{fmt_ms(pstart)}</span>'
                    f'<span class="name">{esc(ptitle)}</span></button></li>'
                )
            out.append("</ol>")
        out.append("</li>")
    out.append("</ol>")
    return "\n".join(out)


def _sentence_span(s: Mapping[str, Any], flags: Mapping[str, str]) -> str:
    flag = flags.get(str(s.get("id", "")))
    # `audiostudy check` heard this sentence differently from its text: mark it, say what was heard.
    mark = f' class="s misheard" title="{esc(flag)}"' if flag else ' class="s"'
    return (
        f'<span{mark} data-id="{esc(s.get("id", ""))}" data-start-ms="{_int(s.get("start_ms"))}" '
        f'data-end-ms="{_int(s.get("end_ms"))}">{esc(s.get("text", ""))}</span>'
    )


def _group(sentences: Iterable[Mapping[str, Any]]) -> dict[int, dict[int, list[Mapping[str, Any]]]]:
    """section number -> paragraph index -> sentences, all in first-seen order."""
    groups: dict[int, dict[int, list[Mapping[str, Any]]]] = {}
    for s in sentences:
        paras = groups.setdefault(_int(s.get("section")), {})
        paras.setdefault(_int(s.get("paragraph")), []).append(s)
    return groups


def _is_heading(title: str, para: list[Mapping[str, Any]]) -> bool:
    text = "".join(str(s.get("text", "")) for s in para).strip().rstrip(_HEADING_STRIP)
    return bool(text) and text == title.strip().rstrip(_HEADING_STRIP)


def _transcript(
    sections: list[Mapping[str, Any]], sentences: list[Mapping[str, Any]], flags: Mapping[str, str]
) -> str:
    groups = _group(sentences)
    order: list[tuple[int, str | None, int]] = [
        (_int(sec.get("number")), _section_title(sec), _int(sec.get("start_ms"))) for sec in sections
    ]
    known = {number for number, _, _ in order}
    for number in groups:  # sentences of a section the manifest does not list: still show them
        if number not in known:
            first = next(iter(groups[number].values()))[0]
            order.append((number, None, _int(first.get("start_ms"))))
            known.add(number)
    if not order:
        return '<p class="empty">没有文稿</p>'
    out = []
    for number, title, start in order:
        out.append(
            f'<section class="part" id="sec-{number}" data-section="{number}" data-start-ms="{start}">'
        )
        paras = list(groups.get(number, {}).items())
        if paras and title is not None and _is_heading(title, paras[0][1]):
            spans = "".join(_sentence_span(s, flags) for s in paras[0][1])
            out.append(f"<h2>{spans}</h2>")
            paras = paras[1:]
        elif title is not None:
            out.append(f"<h2>{esc(title)}</h2>")
        seen_points: set[int] = set()
        for index, para in paras:
            cls = ""
            first_point = para[0].get("point")
            if first_point is not None and _int(first_point) not in seen_points:
                cls = ' class="point-start"'
                anchor = f' id="sec-{number}-pt-{_int(first_point)}"'
            else:
                anchor = ""
            for s in para:
                if s.get("point") is not None:
                    seen_points.add(_int(s.get("point")))
            spans = "".join(_sentence_span(s, flags) for s in para)
            out.append(f'<p{anchor}{cls} data-paragraph="{index}">{spans}</p>')
        out.append("</section>")
    return "\n".join(out)


def _meta_line(manifest: Mapping[str, Any], flags: Mapping[str, str]) -> str:
    parts = []
    duration = _duration_text(manifest.get("duration_ms"))
    if duration:
        parts.append(f"时长 {esc(duration)}")
    sections = manifest.get("sections") or []
    if sections:
        parts.append(f"{len(sections)} 个部分")
    voices = manifest.get("voices") or [{"voice": manifest.get("voice"), "share": 1.0}]
    heard = [v for v in voices if isinstance(v, Mapping) and v.get("voice")]
    if len(heard) == 1:
        parts.append(f"朗读 {esc(str(heard[0]['voice']))}")
    elif heard:
        parts.append("朗读 " + "、".join(f"{esc(str(v['voice']))}（{_share(v)}）" for v in heard))
    if flags:
        parts.append(f'<span class="misheard-note">回听有 {len(flags)} 句与原文不符（已标出）</span>')
    return " · ".join(parts)


def _share(voice: Mapping[str, Any]) -> str:
    try:
        return f"{float(voice.get('share', 0)):.0%}"
    except (TypeError, ValueError):
        return "?"


_FILE_LABELS = (
    ("mp3", "全文 MP3"),
    ("m4b", "有声书 M4B"),
    ("opus", "小文件 Opus"),
    ("srt", "字幕 SRT"),
    ("vtt", "字幕 VTT"),
    ("lrc", "歌词 LRC"),
)


def _footer(manifest: Mapping[str, Any]) -> str:
    files = manifest.get("files") or {}
    links = [
        f'<a href="{esc(url(str(files[key])))}" download>{label}</a>'
        for key, label in _FILE_LABELS
        if files.get(key)
    ]
    out = []
    if links:
        out.append(f'<p class="files">下载：{" · ".join(links)}</p>')
    version = manifest.get("audiostudy") or __version__
    engines = [str(v.get("engine")) for v in manifest.get("voices") or [] if isinstance(v, Mapping)]
    engine = "、".join(e for e in engines if e) or manifest.get("engine")
    made = f"由 audiostudy {esc(version)} 生成"
    if engine:
        made += f"（{esc(str(engine))}）"
    out.append(f"<p>{made}。点击句子或章节即可跳转；播放位置会自动记住。</p>")
    return "\n".join(out)


def render_player(manifest: dict[str, Any], flags: Mapping[str, str] | None = None) -> str:
    """The self-contained player page for one built document (``audio/<stem>/index.html``).
    `flags`: sentence id -> what listening back heard instead (``audiostudy check``), marked."""
    flags = flags or {}
    sections = [s for s in manifest.get("sections") or [] if isinstance(s, Mapping)]
    sentences = [s for s in manifest.get("sentences") or [] if isinstance(s, Mapping)]
    files = manifest.get("files") or {}
    title = str(manifest.get("title") or "学习音频")
    # The whole-document MP3 plays everywhere; a build without it (--format m4b --format html) still
    # has the M4B, which every browser that plays AAC can play too.
    audio_name = str(files.get("mp3") or files.get("m4b") or files.get("opus") or "")
    values = {
        "version": esc(__version__),
        "title": esc(title),
        "css": _inline_style("player.css"),
        "meta": _meta_line(manifest, flags),
        "audio_src": esc(url(audio_name)),
        "duration_ms": str(_int(manifest.get("duration_ms"))),
        "speed_buttons": _speed_buttons(),
        "chapters": _chapters(sections),
        "transcript": _transcript(sections, sentences, flags),
        "footer": _footer(manifest),
        "manifest_json": embed_json(manifest),
        "js": _inline_script("player.js"),
    }
    return _fill(_data("player.html"), values)


def write_player(manifest: dict[str, Any], out: TextIO, flags: Mapping[str, str] | None = None) -> None:
    """Write :func:`render_player` to an open text stream (open files with ``encoding="utf-8"``)."""
    out.write(render_player(manifest, flags))


# ---------------------------------------------------------------------------- library page


def _library_card(entry: Mapping[str, Any]) -> str:
    """One document of the library page: its title, length, section titles and listening progress."""
    title = str(entry.get("title") or entry.get("dir") or "")
    ms = _int(entry.get("duration_ms"))
    href = url(str(entry.get("dir") or ".").rstrip("/\\") + "/index.html")
    raw_sections = entry.get("sections")
    titles: list[str] = []
    if isinstance(raw_sections, int):
        count = raw_sections
    elif isinstance(raw_sections, list | tuple):
        count = len(raw_sections)
        titles = [_section_title(s) if isinstance(s, Mapping) else str(s) for s in raw_sections]
    else:
        count = 0
    info = [f"时长 {esc(_duration_text(ms))}"] if ms else []
    if count:
        info.append(f"{count} 个部分")
    secs = f'<span class="secs">{esc("；".join(titles))}</span>' if titles else ""
    return (
        f'<li><a class="doc" href="{esc(href)}" data-title="{esc(title)}" data-duration-ms="{ms}">'
        f'<span class="name">{esc(title)}</span>'
        f'<span class="info">{" · ".join(info)}<span class="listened"></span></span>{secs}'
        f'<span class="progress" aria-hidden="true"><span></span></span></a></li>'
    )


def render_library(entries: list[dict[str, Any]], feed: str = "") -> str:
    """The index page of a batch build: one card per document, linking to ``<dir>/index.html``.

    Each entry is ``{"title", "dir", "duration_ms", "sections"}``; ``sections`` may be the manifest's
    section list (titles are listed) or just a count; ``feed`` (a URL) adds a podcast-feed link. A
    progress bar shows how far each document has been listened to, read from the same localStorage
    key the player writes.
    """
    total_ms = sum(_int(e.get("duration_ms")) for e in entries)
    cards = [_library_card(entry) for entry in entries]
    body = "\n".join(cards) if cards else ""
    summary = f"共 {len(entries)} 篇" + (f" · 总时长 {esc(_duration_text(total_ms))}" if total_ms else "")
    empty = '<p class="empty">还没有生成任何文档。</p>' if not entries else ""
    if feed:  # served or published: a podcast app can subscribe to the whole library
        summary += f' · <a class="feed" href="{esc(url(feed))}">播客订阅 (RSS)</a>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="connect-src 'none'; object-src 'none'; base-uri 'none'">
<meta name="generator" content="audiostudy {esc(__version__)}">
<title>学习音频库</title>
<style>
{_inline_style("player.css")}
</style>
</head>
<body class="library-page">
<div class="page">
<h1 class="doc-title">学习音频库</h1>
<p class="doc-meta">{summary}</p>
{empty}<ol class="library">
{body}
</ol>
</div>
<footer class="page foot"><p>由 audiostudy {esc(__version__)} 生成。点击标题打开播放页。</p></footer>
<script>
{_inline_script("library.js")}
</script>
</body>
</html>
"""
