"""The player page in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Install the browser with ``scripts/install_browser.sh``; run with ``pytest -m browser``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pages import PHONE, SEEK_LOG, clicked_to, skip_without_browser, wait_ready

from audiostudy.library import render_library
from audiostudy.manifest import Manifest
from audiostudy.player import write_player

pytestmark = pytest.mark.browser

skip_without_browser()

from playwright.sync_api import Browser, Page  # noqa: E402

TITLE = '学习<讲话> & "作风"建设'
DURATION_MS = 24_000
MP3 = "学习 讲话.mp3"


def _sentence(
    sid: str, text: str, sec: int, para: int, start: int, end: int, point: int | None = None
) -> dict:
    return {
        "id": sid,
        "text": text,
        "section": sec,
        "paragraph": para,
        "point": point,
        "start_ms": start,
        "end_ms": end,
        "section_start_ms": start,
        "section_end_ms": end,
    }


def build_manifest() -> dict[str, Any]:
    """A small document: opening 0-4 s, section 一 4-20 s with two points, closing 20-24 s."""
    body = "我们要坚持学习，把理论学习同工作实践结合起来，真正做到学以致用、用以促学。"
    sentences = [
        _sentence("s01-0001", "同志们：", 1, 0, 0, 1500),
        _sentence("s01-0002", "今天召开这次会议，主要任务是学习贯彻有关精神。", 1, 1, 1600, 4000),
        _sentence("s02-0003", "一、持续加强<作风>建设。", 2, 0, 4000, 6000),
        _sentence("s02-0004", "一是要加强学习。", 2, 1, 6200, 8000, point=1),
        _sentence("s02-0005", body, 2, 1, 8000, 10000, point=1),
        _sentence("s02-0006", body, 2, 1, 10000, 12000, point=1),
        _sentence("s02-0007", "二是要狠抓落实。", 2, 2, 12200, 14000, point=2),
        _sentence("s02-0008", body, 2, 2, 14000, 16000, point=2),
        _sentence("s02-0009", body, 2, 3, 16000, 18000, point=2),
        _sentence("s02-0010", body, 2, 3, 18000, 20000, point=2),
        _sentence("s03-0011", "同志们，让我们共同努力。", 3, 0, 20000, 22000),
        _sentence("s03-0012", "谢谢大家！", 3, 0, 22000, 24000),
    ]
    return {
        "audiostudy": "0.1.0",
        "title": TITLE,
        "source": "speech.txt",
        "engine": "edge",
        "voice": "zh-CN-YunxiNeural",
        "settings": {},
        "duration_ms": DURATION_MS,
        "files": {"mp3": MP3, "m4b": "学习 讲话.m4b", "html": "index.html"},
        "sections": [
            {"number": 1, "title": "开场", "kind": "opening", "file": "01-开场.mp3", "start_ms": 0,
             "end_ms": 4000, "duration_ms": 4000, "points": []},
            {"number": 2, "title": "一、持续加强<作风>建设", "kind": "body", "file": "02-一.mp3",
             "start_ms": 4000, "end_ms": 20000, "duration_ms": 16000, "points": [
                 {"number": 1, "title": "一是要加强学习", "start_ms": 6200, "end_ms": 12000,
                  "section_start_ms": 2200, "section_end_ms": 8000},
                 {"number": 2, "title": "二是要狠抓落实", "start_ms": 12200, "end_ms": 20000,
                  "section_start_ms": 8200, "section_end_ms": 16000},
             ]},
            {"number": 3, "title": "结束语", "kind": "closing", "file": "03-结束语.mp3", "start_ms": 20000,
             "end_ms": 24000, "duration_ms": 4000, "points": []},
        ],
        "sentences": sentences,
    }  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tmp/index.html (library) and tmp/doc/index.html (player) next to a real 24 s MP3."""
    import imageio_ffmpeg

    root = tmp_path_factory.mktemp("site")
    doc = root / "doc"
    doc.mkdir()
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency=440:sample_rate=24000:duration={DURATION_MS / 1000}", "-ac", "1",
         "-c:a", "libmp3lame", "-b:a", "48k", str(doc / MP3)],
        check=True,
    )  # fmt: skip
    manifest = Manifest.from_json(build_manifest())
    with open(doc / "index.html", "w", encoding="utf-8") as f:
        write_player(manifest, f)
    (root / "index.html").write_text(render_library([("doc", manifest)]), encoding="utf-8")
    return root


@pytest.fixture
def page(chromium: Browser, site: Path) -> Iterator[Page]:
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    requests: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: requests.append(r.url))
    pg.add_init_script(SEEK_LOG)
    pg.goto((site / "doc" / "index.html").as_uri())
    wait_ready(pg)
    yield pg
    context.close()
    assert not errors, f"errors in the page: {errors}"
    remote = [u for u in requests if not u.startswith(("file://", "data:", "blob:"))]
    assert not remote, f"the page made network requests: {remote}"


def seek(pg: Page, seconds: float) -> None:
    pg.evaluate("(t) => { document.getElementById('audio').currentTime = t; }", seconds)


def current_sentence(pg: Page) -> str | None:
    return pg.evaluate("() => { const e = document.querySelector('.s.current'); return e && e.dataset.id; }")


def test_page_loads_with_manifest_and_audio(page: Page) -> None:
    assert page.title() == TITLE
    duration = page.evaluate("document.getElementById('audio').duration")
    assert abs(duration - DURATION_MS / 1000) < 0.2
    m = page.evaluate("JSON.parse(document.getElementById('manifest').textContent)")
    assert m == Manifest.from_json(build_manifest()).to_json()
    assert page.locator(".chap").count() == 5
    assert page.locator(".s[data-id]").count() == 12
    page.wait_for_timeout(300)
    assert page.evaluate("window.scrollY") == 0, "opening the page must not scroll it"


@pytest.mark.parametrize(
    ("selector", "start_ms"),
    [
        ('.chap.sec[data-section="2"]', 4000),
        ('.chap.point[data-section="2"][data-point="2"]', 12200),
        ('.chap.sec[data-section="3"]', 20000),
    ],
)
def test_click_chapter_seeks_to_its_start(page: Page, selector: str, start_ms: int) -> None:
    assert abs(clicked_to(page, selector) - start_ms / 1000) <= 0.1
    page.wait_for_function("(sel) => document.querySelector(sel).classList.contains('active')", arg=selector)


def test_current_time_highlights_the_right_sentence_and_follows(page: Page) -> None:
    for seconds, sid in [(0.5, "s01-0001"), (9.0, "s02-0005"), (12.1, "s02-0006"), (17.5, "s02-0009")]:
        seek(page, seconds)
        page.wait_for_function(
            "(sid) => { const e = document.querySelector('.s.current'); return e && e.dataset.id === sid; }",
            arg=sid,
        )
        assert page.locator(".s.current").count() == 1
    # the point chapter that is playing is marked too
    assert page.locator(".chap.point.active").get_attribute("data-point") == "2"
    # the last sentence is far below the fold on a phone: it is scrolled into view when reached
    last = page.locator('.s[data-id="s03-0012"]')
    seek(page, 23.0)
    page.wait_for_function(
        """() => { const e = document.querySelector('.s.current');
                   if (!e || e.dataset.id !== 's03-0012') return false;
                   const r = e.getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= window.innerHeight; }"""
    )
    assert "current" in (last.get_attribute("class") or "")
    # a dispatched timeupdate (as during playback) also updates the highlight
    page.evaluate(
        "() => { const a = document.getElementById('audio'); a.currentTime = 2.0;"
        " a.dispatchEvent(new Event('timeupdate')); }"
    )
    page.wait_for_function("document.querySelector('.s.current').dataset.id === 's01-0002'")


def test_click_sentence_jumps_there(page: Page) -> None:
    page.locator('.s[data-id="s02-0008"]').scroll_into_view_if_needed()
    assert abs(clicked_to(page, '.s[data-id="s02-0008"]') - 14.0) <= 0.1
    page.wait_for_function("document.querySelector('.s.current').dataset.id === 's02-0008'")


def test_previous_next_and_again_buttons(page: Page) -> None:
    seek(page, 9.0)
    assert abs(clicked_to(page, "#next") - 10.0) <= 0.1
    seek(page, 10.3)
    assert abs(clicked_to(page, "#prev") - 8.0) <= 0.1
    seek(page, 9.7)
    assert abs(clicked_to(page, "#again") - 8.0) <= 0.1


def test_speed_buttons_set_playback_rate(page: Page) -> None:
    for rate in ["1.5", "0.75", "2", "1"]:
        page.locator(f'.speed button[data-rate="{rate}"]').click()
        assert page.evaluate("document.getElementById('audio').playbackRate") == float(rate)
        assert page.locator(f'.speed button[data-rate="{rate}"]').get_attribute("aria-pressed") == "true"
        assert page.locator('.speed button[aria-pressed="true"]').count() == 1


def test_position_and_speed_are_restored_after_reload(page: Page) -> None:
    page.locator('.speed button[data-rate="1.25"]').click()
    seek(page, 9.5)
    page.wait_for_function(
        "(k) => Math.abs(Number(localStorage.getItem(k)) - 9.5) < 0.05",
        arg=f"audiostudy:pos:{TITLE}|{DURATION_MS}",
    )
    page.reload()
    wait_ready(page)
    page.wait_for_function("Math.abs(document.getElementById('audio').currentTime - 9.5) < 0.1")
    page.wait_for_function("document.querySelector('.s.current').dataset.id === 's02-0005'")
    assert page.evaluate("document.getElementById('audio').playbackRate") == 1.25
    assert "9" in (page.locator("#now").text_content() or "")


def test_library_links_to_player_and_shows_progress(page: Page, site: Path) -> None:
    seek(page, 12.0)
    page.wait_for_function(
        "(k) => Number(localStorage.getItem(k)) > 11", arg=f"audiostudy:pos:{TITLE}|{DURATION_MS}"
    )
    page.goto((site / "index.html").as_uri())
    width = page.locator(".doc .progress > span").evaluate("e => e.style.width")
    assert width in ("50%", "50.0%")
    assert "已听 50%" in (page.locator(".doc .info").text_content() or "")
    page.locator(".doc").click()
    page.wait_for_url("**/doc/index.html")
    wait_ready(page)
    page.wait_for_function("Math.abs(document.getElementById('audio').currentTime - 12.0) < 0.1")


def test_dark_mode_and_screenshot(chromium: Browser, site: Path) -> None:
    shots = Path(os.environ.get("AUDIOSTUDY_SCREENSHOTS", "/tmp"))
    for scheme in ("light", "dark"):
        context = chromium.new_context(
            viewport=PHONE, device_scale_factor=1, is_mobile=True, color_scheme=scheme
        )
        pg = context.new_page()
        pg.goto((site / "doc" / "index.html").as_uri())
        wait_ready(pg)
        seek(pg, 9.0)
        pg.wait_for_function("document.querySelector('.s.current')")
        bg = pg.evaluate("getComputedStyle(document.body).backgroundColor")
        dark = sum(int(x) for x in bg[bg.index("(") + 1 : bg.index(")")].split(",")[:3]) < 200
        assert dark == (scheme == "dark"), bg
        # tap targets are at least 44 px high
        heights = pg.evaluate(
            "Array.from(document.querySelectorAll('.chap, .speed button, .nav button'))"
            ".map(e => e.getBoundingClientRect().height)"
        )
        assert min(heights) >= 44
        # nothing wider than the phone screen
        assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        if os.access(shots, os.W_OK):
            pg.screenshot(path=str(shots / f"audiostudy-player-{scheme}.png"))
        context.close()
