"""The offline player page ``audio/<stem>/index.html``, made from the typed `Manifest`.

The page is one self-contained HTML file (see `webpage`): nothing is fetched, so it works when opened
from ``file://`` on a phone.

The page embeds the manifest as JSON in ``<script type="application/json" id="manifest">`` and
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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from . import __version__
from .manifest import Manifest, SectionEntry, SentenceEntry
from .webpage import data, duration_text, embed_json, esc, fill, fmt_ms, head, inline_script, url

SPEEDS: tuple[float, ...] = (0.75, 1.0, 1.25, 1.5, 2.0)
POSITION_KEY_PREFIX = "audiostudy:pos:"

_HEADING_STRIP = "。．.：:；;，,！!？? \u3000"
_KIND_LABEL = {"opening": "开场", "closing": "结束语"}


def section_title(section: SectionEntry) -> str:
    """The section's title, or a label for one without (开场, 结束语, 第 N 部分)."""
    return section.title.strip() or _KIND_LABEL.get(section.kind, f"第 {section.number} 部分")


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


def _chapters(sections: Sequence[SectionEntry]) -> str:
    if not sections:
        return '<p class="empty">没有章节</p>'
    out = ['<ol class="chap-list">']
    for sec in sections:
        number, title, start, end = sec.number, section_title(sec), sec.start_ms, sec.end_ms
        out.append(
            f'<li><button type="button" class="chap sec" data-section="{number}" '
            f'data-start-ms="{start}" data-end-ms="{end}" data-title="{esc(title)}">'
            f'<span class="time">{fmt_ms(start)}</span><span class="name">{esc(title)}</span></button>'
        )
        if sec.points:
            out.append('<ol class="points">')
            for pt in sec.points:
                ptitle = pt.title or f"第 {pt.number} 点"
                out.append(
                    f'<li><button type="button" class="chap point" data-section="{number}" '
                    f'data-point="{pt.number}" data-start-ms="{pt.start_ms}" data-end-ms="{pt.end_ms}" '
                    f'data-title="{esc(ptitle)}"><span class="time">{fmt_ms(pt.start_ms)}</span>'
                    f'<span class="name">{esc(ptitle)}</span></button></li>'
                )
            out.append("</ol>")
        out.append("</li>")
    out.append("</ol>")
    return "\n".join(out)


def _sentence_span(s: SentenceEntry, flags: Mapping[str, str]) -> str:
    flag = flags.get(s.id)
    # `audiostudy check` heard this sentence differently from its text: mark it, say what was heard.
    mark = f' class="s misheard" title="{esc(flag)}"' if flag else ' class="s"'
    return (
        f'<span{mark} data-id="{esc(s.id)}" data-start-ms="{s.start_ms}" '
        f'data-end-ms="{s.end_ms}">{esc(s.text)}</span>'
    )


def _group(sentences: Iterable[SentenceEntry]) -> dict[int, dict[int, list[SentenceEntry]]]:
    """section number -> paragraph index -> sentences, all in first-seen order."""
    groups: dict[int, dict[int, list[SentenceEntry]]] = {}
    for s in sentences:
        groups.setdefault(s.section, {}).setdefault(s.paragraph, []).append(s)
    return groups


def _is_heading(title: str, para: list[SentenceEntry]) -> bool:
    text = "".join(s.text for s in para).strip().rstrip(_HEADING_STRIP)
    return bool(text) and text == title.strip().rstrip(_HEADING_STRIP)


def _part(number: int, title: str | None, start: int, paras: list[tuple[int, list[SentenceEntry]]],
          flags: Mapping[str, str]) -> list[str]:  # fmt: skip
    """One section of the transcript: its heading (the heading sentence when it is one) and paragraphs."""
    out = [f'<section class="part" id="sec-{number}" data-section="{number}" data-start-ms="{start}">']
    if paras and paras[0][0] == -1:  # the document's title, said first (model.Role.TITLE)
        spans = "".join(_sentence_span(s, flags) for s in paras[0][1])
        out.append(f'<p class="doc-title" data-paragraph="-1">{spans}</p>')
        paras = paras[1:]
    if paras and title is not None and _is_heading(title, paras[0][1]):
        out.append(f"<h2>{''.join(_sentence_span(s, flags) for s in paras[0][1])}</h2>")
        paras = paras[1:]
    elif title is not None:
        out.append(f"<h2>{esc(title)}</h2>")
    seen_points: set[int] = set()
    for index, para in paras:
        first_point = para[0].point
        if first_point is not None and first_point not in seen_points:
            attrs = f' id="sec-{number}-pt-{first_point}" class="point-start"'
        else:
            attrs = ""
        seen_points.update(s.point for s in para if s.point is not None)
        spans = "".join(_sentence_span(s, flags) for s in para)
        out.append(f'<p{attrs} data-paragraph="{index}">{spans}</p>')
    out.append("</section>")
    return out


def _transcript(
    sections: Sequence[SectionEntry], sentences: Sequence[SentenceEntry], flags: Mapping[str, str]
) -> str:
    groups = _group(sentences)
    order: list[tuple[int, str | None, int]] = [(s.number, section_title(s), s.start_ms) for s in sections]
    known = {number for number, _, _ in order}
    for number, paras in groups.items():  # sentences of a section the manifest does not list: still show
        if number not in known:
            order.append((number, None, next(iter(paras.values()))[0].start_ms))
            known.add(number)
    if not order:
        return '<p class="empty">没有文稿</p>'
    out = []
    for number, title, start in order:
        out += _part(number, title, start, list(groups.get(number, {}).items()), flags)
    return "\n".join(out)


def _meta_line(manifest: Manifest, flags: Mapping[str, str]) -> str:
    parts = []
    duration = duration_text(manifest.duration_ms)
    if duration:
        parts.append(f"时长 {esc(duration)}")
    if manifest.sections:
        parts.append(f"{len(manifest.sections)} 个部分")
    heard = [(v.voice, v.share) for v in manifest.voices if v.voice]
    if not manifest.voices and manifest.voice:
        heard = [(manifest.voice, 1.0)]
    if len(heard) == 1:
        parts.append(f"朗读 {esc(heard[0][0])}")
    elif heard:
        parts.append("朗读 " + "、".join(f"{esc(v)}（{share:.0%}）" for v, share in heard))
    if flags:
        parts.append(f'<span class="misheard-note">回听有 {len(flags)} 句与原文不符（已标出）</span>')
    return " · ".join(parts)


_FILE_LABELS = (
    ("mp3", "全文 MP3"),
    ("m4b", "有声书 M4B"),
    ("opus", "小文件 Opus"),
    ("srt", "字幕 SRT"),
    ("vtt", "字幕 VTT"),
    ("lrc", "歌词 LRC"),
)


def _footer(manifest: Manifest) -> str:
    files = manifest.files
    shown = [(files[k], name) for k, name in _FILE_LABELS if files.get(k)]
    links = [f'<a href="{esc(url(file))}" download>{name}</a>' for file, name in shown]
    out = []
    if links:
        out.append(f'<p class="files">下载：{" · ".join(links)}</p>')
    version = manifest.audiostudy or __version__
    engine = "、".join(v.engine for v in manifest.voices if v.engine) or manifest.engine
    made = f"由 audiostudy {esc(version)} 生成"
    if engine:
        made += f"（{esc(engine)}）"
    out.append(f"<p>{made}。点击句子或章节即可跳转；播放位置会自动记住。</p>")
    return "\n".join(out)


def render_player(manifest: Manifest | Mapping[str, Any], flags: Mapping[str, str] | None = None) -> str:
    """The self-contained player page for one built document (``audio/<stem>/index.html``).
    `flags`: sentence id -> what listening back heard instead (``audiostudy check``), marked.
    A manifest's JSON (an older caller's dict) is read as a `Manifest` first."""
    m = manifest if isinstance(manifest, Manifest) else Manifest.from_json(manifest)
    flags = flags or {}
    files = m.files
    # The whole-document MP3 plays everywhere; a build without it (--format m4b --format html) still
    # has the M4B, which every browser that plays AAC can play too.
    audio_name = files.get("mp3") or files.get("m4b") or files.get("opus") or ""
    values = {
        "head": head(m.title or "学习音频", "; form-action 'none'"),
        "title": esc(m.title or "学习音频"),
        "meta": _meta_line(m, flags),
        "audio_src": esc(url(audio_name)),
        "duration_ms": str(m.duration_ms),
        "speed_buttons": _speed_buttons(),
        "chapters": _chapters(m.sections),
        "transcript": _transcript(m.sections, m.sentences, flags),
        "footer": _footer(m),
        "manifest_json": embed_json(m.to_json()),
        "js": inline_script("player.js"),
    }
    return fill(data("player.html"), values)


def write_player(
    manifest: Manifest | Mapping[str, Any], out: TextIO, flags: Mapping[str, str] | None = None
) -> None:
    """Write :func:`render_player` to an open text stream (open files with ``encoding="utf-8"``)."""
    out.write(render_player(manifest, flags))
