"""The library: every built document under an output root, and its index page (one card a document,
linking to ``<dir>/index.html``), written by a batch build and shown by `serve`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .manifest import Manifest, read
from .player import section_title
from .webpage import duration_text, esc, head, inline_script, url


def load_manifest(doc_dir: Path) -> Manifest | None:
    """A built document's manifest, or None (not built, unreadable, or nothing in it)."""
    m = read(doc_dir)
    return m if m is not None and m.sections else None


def library(out_root: Path) -> list[tuple[Path, Manifest]]:
    """Every built document under out_root: (folder, manifest), by folder name."""
    found = []
    if out_root.is_dir():
        for d in sorted(out_root.iterdir()):
            m = None if d.name.startswith(".") else load_manifest(d)
            if m is not None:
                found.append((d, m))
    return found


def _card(folder: str, m: Manifest, titles: bool) -> str:
    """One document of the library page: its title, length, section titles and listening progress."""
    title = m.title or folder
    ms = m.duration_ms
    # The player page when the build wrote one, else the whole-document audio (a build with
    # `--format mp3` has no page: a link to one would be dead).
    target = next((m.files[k] for k in ("html", "mp3", "m4b", "opus") if m.files.get(k)), "")
    href = url((folder or ".").rstrip("/\\") + "/" + target)
    listed = [section_title(s) for s in m.sections] if titles else []
    info = [f"时长 {esc(duration_text(ms))}"] if ms else []
    if m.sections:
        info.append(f"{len(m.sections)} 个部分")
    secs = f'<span class="secs">{esc("；".join(listed))}</span>' if listed else ""
    return (
        f'<li><a class="doc" href="{esc(href)}" data-title="{esc(title)}" data-duration-ms="{ms}">'
        f'<span class="name">{esc(title)}</span>'
        f'<span class="info">{" · ".join(info)}<span class="listened"></span></span>{secs}'
        f'<span class="progress" aria-hidden="true"><span></span></span></a></li>'
    )


def render_library(docs: Sequence[tuple[str, Manifest]], feed: str = "", section_titles: bool = True) -> str:
    """The index page of a batch build: one card per (folder name, manifest), linking to
    ``<folder>/index.html`` (or its whole-document audio when it has no page), with the section
    titles unless `section_titles` is False; ``feed`` (a URL) adds a podcast-feed link. A progress
    bar shows how far each document has been listened to, read from the same localStorage key the
    player writes."""
    total_ms = sum(m.duration_ms for _, m in docs)
    body = "\n".join(_card(folder, m, section_titles) for folder, m in docs)
    summary = f"共 {len(docs)} 篇" + (f" · 总时长 {esc(duration_text(total_ms))}" if total_ms else "")
    empty = '<p class="empty">还没有生成任何文档。</p>' if not docs else ""
    if feed:  # served or published: a podcast app can subscribe to the whole library
        summary += f' · <a class="feed" href="{esc(url(feed))}">播客订阅 (RSS)</a>'
    return f"""{head("学习音频库")}
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
{inline_script("library.js")}
</script>
</body>
</html>
"""
