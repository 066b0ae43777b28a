"""Podcast feeds of built documents: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces.

One episode per document (or, with `per_section`, one per section), built only from what a build
left in its folder: the manifest, the audio files (their sizes are the enclosure lengths) and the
VTT. Each episode also gets companion files next to its audio: a Podcasting 2.0 JSON chapters file
(`<audio stem>.chapters.json`) and, for section episodes, a VTT timed on the section file. `build
--base-url` writes feeds and companions into the output folder; `serve` renders the same live.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from feedgen.feed import FeedGenerator

from .chapters import cover_png
from .errors import UsageError
from .folder import MANIFEST
from .library import library
from .manifest import Manifest, SectionEntry
from .podcastns import Link, PodcastIndexEntryExtension, PodcastIndexExtension
from .structure import cn_number
from .webpage import fmt_ms, url
from .writers import format_timestamp

FEED_NAME = "feed.xml"
COVER_NAME = "cover.png"
CHAPTERS_SUFFIX = ".chapters.json"
LIBRARY_TITLE = "学习音频库"
MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4b": "audio/mp4",
    ".m4a": "audio/mp4",
    ".opus": "audio/ogg",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".lrc": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml",
    ".png": "image/png",
}
# Metadata lines whose value is the document's date, most specific first.
_DATE_KEYS = ("发布时间", "发布日期", "日期", "时间")
_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")
_CN_YEAR = re.compile(r"[〇零○一二三四五六七八九]{4}(?=\s*年)")
_NUM = r"(\d{1,2}|[一二三四五六七八九十]+)"
_DATE = re.compile(rf"(\d{{4}})\s*[年./-]\s*{_NUM}\s*[月./-]\s*{_NUM}")
CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Episode:
    guid: str
    title: str
    number: int
    audio: str  # file name inside the document folder
    published: datetime
    duration_ms: int
    description: str
    chapters: tuple[tuple[int, str], ...]  # (start ms in the audio file, title)
    transcript: str  # VTT file name, "" when there is none
    alternate: str = ""  # the same audio as Opus, "" when not built

    @property
    def chapters_file(self) -> str:
        return Path(self.audio).stem + CHAPTERS_SUFFIX


def check_base_url(base_url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", base_url or ""):
        raise UsageError(f"--base-url must start with http:// or https://, got {base_url!r}")
    return base_url.rstrip("/")


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def parse_date(text: str) -> datetime | None:
    """A date written as 2023年1月5日, 2023-01-05, 2023.1.5 or 二〇二三年一月五日 (midnight, UTC+8)."""
    text = _CN_YEAR.sub(lambda y: y.group(0).translate(_CN_DIGITS), text)  # 二〇二三年 -> 2023年
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return datetime(int(m.group(1)), cn_number(m.group(2)), cn_number(m.group(3)), tzinfo=CHINA)
    except ValueError:
        return None


def published_at(doc_dir: Path, m: Manifest) -> datetime:
    """The document's own date (its metadata) if it has one, else when it was built."""
    for key in _DATE_KEYS:
        found = parse_date(str(m.meta.get(key, "")))
        if found:
            return found
    try:
        return datetime.fromisoformat(m.built_at)
    except ValueError:
        return datetime.fromtimestamp((doc_dir / MANIFEST).stat().st_mtime, UTC)


def outline_text(m: Manifest) -> str:
    lines = [f"{m.title}（{fmt_ms(m.duration_ms)}）"]
    for s in m.sections:
        lines.append(f"{s.number}. {s.title}（{fmt_ms(s.start_ms)}）")
        lines += [f"   {p.title}" for p in s.points]
    return "\n".join(lines)


def document_chapters(m: Manifest) -> tuple[tuple[int, str], ...]:
    """Sections and their points, on the whole-document timeline."""
    out: list[tuple[int, str]] = []
    for s in m.sections:
        out.append((s.start_ms, s.title))
        out += [(p.start_ms, p.title) for p in s.points]
    return tuple(sorted(out, key=lambda c: c[0]))


def section_chapters(s: SectionEntry) -> tuple[tuple[int, str], ...]:
    """A section file's points (the same chapters as its ID3 tags), led by the section title."""
    pts = [(p.section_start_ms, p.title) for p in s.points]
    if not pts or pts[0][0] > 0:
        pts.insert(0, (0, s.title))
    return tuple(pts)


def episodes(doc_dir: Path, m: Manifest, per_section: bool = False) -> list[Episode]:
    """The episodes of one built document whose audio is on disk."""
    files = m.files
    when = published_at(doc_dir, m)
    ident = m.fingerprint[:16] or doc_dir.name
    if not per_section:
        audio = next((files[k] for k in ("mp3", "m4b", "opus") if files.get(k)), "")
        if not audio or not (doc_dir / audio).is_file():
            return []
        alt = files.get("opus", "") if audio != files.get("opus") else ""
        return [
            Episode(
                f"audiostudy:{doc_dir.name}:{ident}", m.title, 1, audio, when,
                m.duration_ms, outline_text(m), document_chapters(m),
                files.get("vtt", ""), alt,
            )
        ]  # fmt: skip
    out = []
    for s in m.sections:
        if not (doc_dir / s.file).is_file():
            continue
        n = s.number
        desc = "\n".join([f"{m.title} · {s.title}", *(p.title for p in s.points)])
        out.append(
            Episode(
                f"audiostudy:{doc_dir.name}:{s.fingerprint[:16] or ident}:{n}",
                f"{m.title} {n}/{len(m.sections)} {s.title}", n, s.file,
                when + timedelta(seconds=n), s.duration_ms, desc, section_chapters(s),
                Path(s.file).stem + ".vtt", (s.files or {}).get("opus", ""),
            )
        )  # fmt: skip
    return out


def chapters_json(m: Manifest, ep: Episode) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0), times in seconds."""
    chapters = [{"startTime": ms / 1000, "title": title} for ms, title in ep.chapters]
    doc = {"version": "1.2.0", "title": ep.title, "podcastName": m.title, "chapters": chapters}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def section_vtt(m: Manifest, number: int) -> str:
    """One cue per sentence of a section, timed on the section file."""
    cues = ["WEBVTT", ""]
    for s in m.sentences:
        if s.section == number:
            start, end = format_timestamp(s.section_start_ms), format_timestamp(s.section_end_ms)
            cues += [f"{start} --> {end}", " ".join(s.text.split()), ""]
    return "\n".join(cues)


def companions(doc_dir: Path, m: Manifest, per_section: bool = False) -> dict[str, str | bytes]:
    """Files the feed points at that a build does not write: name -> content."""
    out: dict[str, str | bytes] = {COVER_NAME: cover(m.title)}
    for ep in episodes(doc_dir, m, per_section):
        out[ep.chapters_file] = chapters_json(m, ep)
        if per_section:
            out[ep.transcript] = section_vtt(m, ep.number)
    return out


@functools.lru_cache(maxsize=64)
def cover(title: str) -> bytes:
    return cover_png(title, size=1400)  # podcast apps ask for 1400-3000 px artwork


def render_feed(
    docs: list[tuple[Path, Manifest]],
    base_url: str,
    out_root: Path,
    per_section: bool = False,
    whole_library: bool = True,
) -> bytes:
    """The RSS of the library `docs` (folders under out_root), or of the one document in `docs` when
    not `whole_library`; file URLs are `base_url` + the path under out_root."""
    base = base_url.rstrip("/")
    single = not whole_library
    title = docs[0][1].title if single else LIBRARY_TITLE
    home = f"{base}/{_rel(out_root, docs[0][0])}/" if single else f"{base}/"
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)
    fg.title(title)
    fg.link(href=home + FEED_NAME, rel="self")
    fg.link(href=home, rel="alternate")  # the last link given is RSS's <link>
    fg.description(outline_text(docs[0][1]) if single else f"{len(docs)} 篇学习音频（audiostudy）")
    fg.language("zh-cn")
    fg.generator("audiostudy")
    fg.podcast.itunes_author("audiostudy")
    fg.podcast.itunes_category("Education")
    fg.podcast.itunes_explicit("no")
    fg.podcast.itunes_type("serial" if per_section else "episodic")
    fg.podcast.itunes_image(home + COVER_NAME)
    fg.podcastindex.guid(home + FEED_NAME)
    eps = [(d, m, ep) for d, m in docs for ep in episodes(d, m, per_section)]
    if not per_section:
        eps.sort(key=lambda e: e[2].published, reverse=True)
    for d, _, ep in eps:
        _add_entry(fg, f"{base}/{_rel(out_root, d)}/", d, ep)
    return bytes(fg.rss_str(pretty=True))


def _rel(out_root: Path, doc_dir: Path) -> str:
    return url(doc_dir.relative_to(out_root).as_posix()) if doc_dir != out_root else ""


def _add_entry(fg: FeedGenerator, folder: str, doc_dir: Path, ep: Episode) -> None:
    fe = fg.add_entry(order="append")
    fe.guid(ep.guid, permalink=False)
    fe.title(ep.title)
    fe.description(ep.description)
    # The player page when the build wrote one (--format html), else the episode's own audio: never
    # a page that is not there.
    fe.link(href=folder + ("index.html" if (doc_dir / "index.html").is_file() else url(ep.audio)))
    fe.published(ep.published)
    fe.enclosure(folder + url(ep.audio), str((doc_dir / ep.audio).stat().st_size), media_type(ep.audio))
    fe.podcast.itunes_duration(round(ep.duration_ms / 1000))
    fe.podcast.itunes_episode(ep.number)
    fe.podcastindex.chapters(folder + url(ep.chapters_file))
    if ep.transcript:
        fe.podcastindex.transcript(Link(folder + url(ep.transcript), "text/vtt", language="zh-cn"))
    if ep.alternate and (doc_dir / ep.alternate).is_file():
        size = (doc_dir / ep.alternate).stat().st_size
        opus = Link(folder + url(ep.alternate), 'audio/ogg; codecs="opus"', size)
        fe.podcastindex.alternate_enclosure(opus)


def write_feeds(out_root: Path, base_url: str, per_section: bool = False) -> list[Path]:
    """Write every document's feed and companions, and the library feed; returns the feed paths."""
    from .folder import atomic_path

    base = check_base_url(base_url)
    docs = library(out_root)
    written = []
    for d, m in docs:
        for name, content in companions(d, m, per_section).items():
            with atomic_path(d / name) as tmp:
                tmp.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        _remove_stale_chapters(d)
        with atomic_path(d / FEED_NAME) as tmp:
            tmp.write_bytes(render_feed([(d, m)], base, out_root, per_section, whole_library=False))
        written.append(d / FEED_NAME)
    if docs:
        with atomic_path(out_root / COVER_NAME) as tmp:
            tmp.write_bytes(cover(LIBRARY_TITLE))
        with atomic_path(out_root / FEED_NAME) as tmp:
            tmp.write_bytes(render_feed(docs, base, out_root, per_section))
        written.append(out_root / FEED_NAME)
    return written


def _remove_stale_chapters(doc_dir: Path) -> None:
    """Chapter files we wrote for audio that a later build removed (a dropped section)."""
    for f in doc_dir.glob("*" + CHAPTERS_SUFFIX):
        stem = f.name.removesuffix(CHAPTERS_SUFFIX)
        if not any((doc_dir / (stem + ext)).is_file() for ext in (".mp3", ".m4b", ".opus")):
            f.unlink(missing_ok=True)
