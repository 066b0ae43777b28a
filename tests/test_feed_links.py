"""Every link a podcast feed gives points at a file the build wrote: the player page when it was
asked for, else the episode's audio."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest
from fakes import DOC, FakeBackend

from audiostudy.feed import write_feeds
from audiostudy.pipeline import BuildOptions, build

BASE = "https://example.org/study"


def built(tmp: Path, formats: tuple[str, ...], per_section: bool = False) -> Path:
    (tmp / "report.txt").write_text(DOC, encoding="utf-8")
    opts = BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", formats=formats)
    build(tmp / "report.txt", opts, backend=FakeBackend())
    write_feeds(tmp / "audio", BASE, per_section)
    return tmp / "audio"


def entry_links(feed_file: Path) -> list[str]:
    feed = feedparser.parse(feed_file.read_bytes())
    assert not feed.bozo and feed.entries
    return [e.link for e in feed.entries]


@pytest.mark.parametrize("per_section", [False, True])
def test_without_a_page_the_episode_links_to_its_audio(tmp_path, per_section):
    out = built(tmp_path, ("mp3", "opus", "srt"), per_section)
    assert not (out / "report" / "index.html").exists()
    for feed in (out / "feed.xml", out / "report" / "feed.xml"):
        for link in entry_links(feed):
            assert link.startswith(BASE + "/report/")
            target = out / unquote(link[len(BASE) + 1 :])
            assert target.is_file(), link
            assert target.suffix == ".mp3"


def test_with_a_page_the_episode_links_to_it(tmp_path):
    out = built(tmp_path, ("mp3", "html"))
    assert entry_links(out / "report" / "feed.xml") == [f"{BASE}/report/index.html"]
