"""From the desk to the commute: podcast feeds, Opus with chapters, `serve` over real HTTP, and `play`
opening the player page when no audio player is installed. Documents are built with the fake engine."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import feedparser
import pytest
from fakes import FakeBackend

from audiostudy.audio import FFMPEG, duration_ms
from audiostudy.feed import parse_date, write_feeds
from audiostudy.opus import read_chapters
from audiostudy.pipeline import BuildOptions, build
from audiostudy.serve import announce, serving

DATED = (
    "学习会讲话\n时间：2023年1月5日\n同志们：\n今天开个短会。\n一、提高认识。\n一是要重视学习。学习很重要。\n"
    "二是要加强作风建设。\n二、狠抓落实。\n一是要明确责任。\n二是要改进作风。\n同志们，让我们一起努力！\n"
)
UNDATED = "第二篇\n一、第一部分。\n内容在此。\n二、第二部分。\n再说一句。\n"
BASE = "https://example.org/study"
FORMATS = ("mp3", "vtt", "opus", "html")


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """OUT with two built documents (one dated in its metadata), and a secret file beside OUT."""
    tmp = tmp_path_factory.mktemp("commute")
    (tmp / "secret.txt").write_text("TOP-SECRET", encoding="utf-8")
    for name, text in (("会议.txt", DATED), ("second.txt", UNDATED)):
        (tmp / name).write_text(text, encoding="utf-8")
        opts = BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", formats=FORMATS)
        build(tmp / name, opts, backend=FakeBackend())
    return tmp / "audio"


def manifest(doc: Path) -> dict:
    return json.loads((doc / "manifest.json").read_text(encoding="utf-8"))


def local(url: str, out: Path, base: str = BASE) -> Path:
    assert url.startswith(base + "/"), url
    return out / unquote(url[len(base) + 1 :])


# ------------------------------------------------------------------------------------- feeds


def test_feed_parses_and_enclosures_match_the_files(lib: Path) -> None:
    written = write_feeds(lib, BASE + "/")
    assert lib / "feed.xml" in written and lib / "会议" / "feed.xml" in written
    feed = feedparser.parse((lib / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert {"itunes", "podcast"} <= set(feed.namespaces)
    assert len(feed.entries) == 2
    for e in feed.entries:
        (enc,) = e.enclosures
        f = local(enc.href, lib)
        assert f.is_file() and int(enc.length) == f.stat().st_size
        assert enc.type == "audio/mpeg"
        m = manifest(f.parent)
        assert int(e.itunes_duration) == round(m["duration_ms"] / 1000)
        assert e.title == m["title"]
        assert all(s["title"] in e.summary for s in m["sections"])  # the outline
    dated = next(e for e in feed.entries if e.title == "学习会讲话")
    assert dated.published == "Thu, 05 Jan 2023 00:00:00 +0800"
    undated = next(e for e in feed.entries if e.title == "第二篇")
    built = manifest(lib / "second")["built_at"]
    assert undated.published_parsed[:5] == tuple(int(x) for x in re.split(r"\D", built)[:5])


def test_feed_has_podcasting2_chapters_transcript_and_opus(lib: Path) -> None:
    write_feeds(lib, BASE)
    xml = (lib / "会议" / "feed.xml").read_text(encoding="utf-8")
    feed = feedparser.parse(xml)
    assert not feed.bozo and len(feed.entries) == 1
    urls = dict(re.findall(r'<podcast:(chapters|transcript) url="([^"]+)"', xml))
    assert local(urls["chapters"], lib).name == "会议.chapters.json"
    assert local(urls["transcript"], lib) == lib / "会议" / "会议.vtt"
    assert 'type="application/json+chapters"' in xml and 'type="text/vtt"' in xml
    alt = re.search(r'<podcast:alternateEnclosure type="audio/ogg[^"]*" length="(\d+)">\s*'
                    r'<podcast:source uri="([^"]+)"', xml)  # fmt: skip
    assert alt and int(alt.group(1)) == local(alt.group(2), lib).stat().st_size


def test_chapter_json_matches_the_manifest(lib: Path) -> None:
    write_feeds(lib, BASE)
    doc = lib / "会议"
    m = manifest(doc)
    data = json.loads((doc / "会议.chapters.json").read_text(encoding="utf-8"))
    assert data["version"].startswith("1.")
    expected = sorted(
        [(s["start_ms"], s["title"]) for s in m["sections"]]
        + [(p["start_ms"], p["title"]) for s in m["sections"] for p in s["points"]]
    )
    assert [(round(c["startTime"] * 1000), c["title"]) for c in data["chapters"]] == expected
    assert len(expected) == 8  # 4 sections and 4 points


def test_section_feed_one_episode_per_section(lib: Path) -> None:
    write_feeds(lib, BASE, per_section=True)
    doc = lib / "会议"
    m = manifest(doc)
    feed = feedparser.parse((doc / "feed.xml").read_bytes())
    assert not feed.bozo
    assert len(feed.entries) == len(m["sections"]) == 4
    for e, s in zip(feed.entries, m["sections"], strict=True):
        f = local(e.enclosures[0].href, lib)
        assert f.name == s["file"] and int(e.enclosures[0].length) == f.stat().st_size
        chapters = json.loads((doc / (Path(s["file"]).stem + ".chapters.json")).read_text("utf-8"))
        starts = [round(c["startTime"] * 1000) for c in chapters["chapters"]]
        points = [p["section_start_ms"] for p in s["points"]]
        assert starts == (points if points and points[0] == 0 else [0, *points])
        vtt = (doc / (Path(s["file"]).stem + ".vtt")).read_text("utf-8")
        first = next(x for x in m["sentences"] if x["section"] == s["number"])
        assert vtt.startswith("WEBVTT") and first["text"] in vtt
        assert (
            f"{first['section_start_ms'] // 1000 % 60:02d}.{first['section_start_ms'] % 1000:03d} -->" in vtt
        )
    write_feeds(lib, BASE)  # back to document episodes for the other tests


def test_dates_in_documents() -> None:
    assert parse_date("2023年1月5日").isoformat() == "2023-01-05T00:00:00+08:00"  # type: ignore[union-attr]
    assert parse_date("二〇二三年十二月三十一日").isoformat()[:10] == "2023-12-31"  # type: ignore[union-attr]
    assert parse_date("2024-02-29 上午").isoformat()[:10] == "2024-02-29"  # type: ignore[union-attr]
    assert parse_date("2023年2月30日") is None and parse_date("下周一") is None


def test_bad_base_url_is_one_line_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from audiostudy.cli import app

    (tmp_path / "a.txt").write_text("一、甲。\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["build", str(tmp_path / "a.txt"), "--base-url", "example.org"])
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        "error: --base-url must start with http:// or https://, got 'example.org'"
    ]


# -------------------------------------------------------------------------------------- opus


def ffmpeg_chapters(path: Path) -> list[tuple[int, str]]:
    text = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(path), "-f", "ffmetadata", "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [
        (int(a), b)
        for a, b in re.findall(r"\[CHAPTER\]\nTIMEBASE=1/1000\nSTART=(\d+)\nEND=\d+\ntitle=(.*)", text)
    ]


def test_opus_whole_document_chapters_read_by_mutagen_and_ffmpeg(lib: Path) -> None:
    doc = lib / "会议"
    m = manifest(doc)
    opus = doc / m["files"]["opus"]
    expected = [(s["start_ms"], s["title"]) for s in m["sections"]]
    from mutagen.oggopus import OggOpus

    f = OggOpus(str(opus))
    assert f.tags is not None
    assert f.tags["CHAPTER001"] == ["00:00:00.000"] and f.tags["CHAPTER001NAME"] == ["开场"]
    assert "CHAPTER000" not in f.tags and f"CHAPTER{len(expected):03d}NAME" in f.tags
    assert [(c.start_ms, c.title) for c in read_chapters(opus)] == expected
    assert ffmpeg_chapters(opus) == expected
    assert f.info.channels == 1  # type: ignore[attr-defined]
    assert abs(duration_ms(opus) - m["duration_ms"]) <= 30
    kbps = opus.stat().st_size * 8 / m["duration_ms"]
    assert kbps < 40, kbps  # speech-tuned, roughly half of the 64 kbit/s MP3


def test_opus_sections_have_point_chapters(lib: Path) -> None:
    doc = lib / "会议"
    m = manifest(doc)
    sec = m["sections"][1]
    opus = doc / sec["files"]["opus"]
    assert opus.is_file() and opus.name in m["outputs"]
    expected = [(p["section_start_ms"], p["title"]) for p in sec["points"]]
    got = [(c.start_ms, c.title) for c in read_chapters(opus)]
    assert got[-len(expected) :] == expected
    assert ffmpeg_chapters(opus) == got


# -------------------------------------------------------------------------------------- serve


def request(base: str, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """A raw request: the path goes out exactly as given (no client-side normalising of .. or %2e)."""
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(lib: Path) -> Iterator[str]:
    (lib / "outside-link.txt").symlink_to(lib.parent / "secret.txt")
    (lib / "会议" / "up").symlink_to(lib.parent, target_is_directory=True)
    with serving(lib) as base:
        yield base


def test_range_request_returns_exactly_those_bytes(server: str, lib: Path) -> None:
    m = manifest(lib / "会议")
    f = lib / "会议" / m["sections"][1]["file"]
    data = f.read_bytes()
    path = "/" + quote(f"会议/{f.name}")
    status, h, body = request(server, path, {"Range": "bytes=100-1099"})
    assert status == 206
    assert h["content-range"] == f"bytes 100-1099/{len(data)}"
    assert body == data[100:1100] and h["content-length"] == "1000"
    assert h["content-type"] == "audio/mpeg"
    status, h, body = request(server, path, {"Range": "bytes=-300"})
    assert status == 206 and body == data[-300:]
    assert h["content-range"] == f"bytes {len(data) - 300}-{len(data) - 1}/{len(data)}"
    status, h, body = request(server, path)
    assert status == 200 and body == data and h["accept-ranges"] == "bytes"
    status, h, _ = request(server, path, {"Range": f"bytes={len(data) + 10}-"})
    assert status == 416


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/%E4%BC%9A%E8%AE%AE/%2e%2e/%2e%2e/secret.txt",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/outside-link.txt",
        "/%E4%BC%9A%E8%AE%AE/up/secret.txt",
        "/.hidden",
    ],
)
def test_paths_outside_out_are_refused(server: str, path: str) -> None:
    status, _, body = request(server, path)
    assert status in (403, 404), (status, body[:80])
    assert b"TOP-SECRET" not in body and b"root:" not in body


def test_read_only_and_no_listing(server: str, lib: Path) -> None:
    assert request(server, "/" + quote("会议/manifest.json"), method="PUT")[0] == 405
    assert request(server, "/" + quote("会议/manifest.json"), method="DELETE")[0] == 405
    status, h, _ = request(server, "/" + quote("会议"))
    assert status in (307, 308) and h["location"].endswith("/")
    status, h, body = request(server, "/" + quote("会议") + "/")
    assert status == 200 and b'id="audio"' in body  # the player page, not a listing
    assert h["content-type"].startswith("text/html")
    status, _, body = request(server, "/")
    assert status == 200 and "学习会讲话" in body.decode() and 'href="feed.xml"' in body.decode()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("会议.mp3", "audio/mpeg"),
        ("会议.opus", "audio/ogg"),
        ("会议.vtt", "text/vtt"),
        ("manifest.json", "application/json"),
        ("会议.chapters.json", "application/json"),
        ("feed.xml", "application/rss+xml"),
    ],
)
def test_content_types(server: str, name: str, kind: str) -> None:
    status, h, _ = request(server, "/" + quote(f"会议/{name}"))
    assert status == 200 and h["content-type"].split(";")[0] == kind


def test_live_feed_uses_the_servers_address(server: str, lib: Path) -> None:
    for path in ("/feed.xml", "/" + quote("会议") + "/feed.xml", "/feed.xml?sections=1"):
        status, _, body = request(server, path)
        feed = feedparser.parse(body)
        assert status == 200 and not feed.bozo and feed.entries
        for e in feed.entries:
            enc = e.enclosures[0]
            assert enc.href.startswith(server + "/")
            st, _, audio = request(server, urlsplit(enc.href).path)
            assert st == 200 and len(audio) == int(enc.length)
            for link in re.findall(r'<podcast:(?:chapters|transcript) url="([^"]+)"', body.decode()):
                assert request(server, urlsplit(link).path)[0] == 200, link


def test_serve_command_starts_and_stops_cleanly_on_ctrl_c(lib: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "audiostudy", "serve", str(lib), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        m = re.search(r"at (http://127\.0\.0\.1:\d+)/", first)
        assert m, first
        assert request(m.group(1), "/feed.xml")[0] == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_announce_on_the_network_prints_link_and_qr(lib: Path) -> None:
    here = announce(lib, "127.0.0.1", 8765)
    assert here[0].endswith("at http://127.0.0.1:8765/ (read-only; Ctrl-C stops)") and len(here) == 2
    lan = announce(lib, "0.0.0.0", 8765)
    link = re.search(r"at (http://[\d.]+:8765/)", lan[0])
    assert link and "0.0.0.0" not in link.group(1)
    import segno

    qr = lan[-1].splitlines()
    size = segno.make(link.group(1), error="m").symbol_size()[0]  # modules + quiet zone
    assert len(qr) == (size + 1) // 2 and all(len(r) == size for r in qr)
    assert set("".join(qr)) <= set("█▀▄ ")


# -------------------------------------------------------------------------------------- play


def test_play_without_a_player_opens_the_page_at_the_section(lib: Path, tmp_path: Path) -> None:
    log = tmp_path / "opened"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    browser = bin_dir / "fake-browser"
    browser.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\n', encoding="utf-8")
    browser.chmod(0o755)
    env = {**os.environ, "PATH": str(bin_dir), "BROWSER": str(browser)}
    env.pop("DISPLAY", None)
    src = lib.parent / "会议.txt"
    for which, fragment in (("2", "#s=2"), ("3.2", "#s=3.2")):
        res = subprocess.run(
            [sys.executable, "-m", "audiostudy", "play", str(src), which, "--out", str(lib)],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        assert "no audio player found; opened the player page in the browser" in res.stdout
        opened = log.read_text(encoding="utf-8").splitlines()[-1]
        assert opened == (lib / "会议" / "index.html").as_uri() + fragment
        assert opened in res.stdout
    res = subprocess.run(
        [sys.executable, "-m", "audiostudy", "play", str(src), "2", "--out", str(lib), "--print-path"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.stdout.strip() == str(lib / "会议" / manifest(lib / "会议")["sections"][1]["file"])
