"""The player page served by `audiostudy serve` over http, in a real headless Chromium: it plays,
seeks (the browser fetches byte ranges), and starts at the section or time given in the address."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fakes import FakeBackend
from pages import PHONE, SEEK_LOG, clicked_to, current_time, skip_without_browser, wait_ready

from audiostudy.pipeline import BuildOptions, build
from audiostudy.serve import serving

pytestmark = pytest.mark.browser

skip_without_browser()

from playwright.sync_api import Browser, Page  # noqa: E402

DOC = (
    "学习会讲话\n同志们：\n今天开个短会，主要是学习有关精神。\n一、提高认识。\n一是要重视学习。学习很重要，要坚持不懈。\n"
    "二是要加强作风建设。作风建设永远在路上。\n二、狠抓落实。\n一是要明确责任。\n二是要改进作风。\n"
    "同志们，让我们一起努力！\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    tmp = tmp_path_factory.mktemp("served")
    (tmp / "会议.txt").write_text(DOC, encoding="utf-8")
    opts = BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", formats=("mp3", "vtt", "html"))
    manifest = build(tmp / "会议.txt", opts, backend=FakeBackend()).manifest
    with serving(tmp / "audio") as base:
        yield base, manifest


@pytest.fixture
def opened(chromium: Browser) -> Iterator[tuple[Page, list[tuple[str, int, str]]]]:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    responses: list[tuple[str, int, str]] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("response", lambda r: responses.append((r.url, r.status, r.request.headers.get("range", ""))))
    pg.add_init_script(SEEK_LOG)
    yield pg, responses
    context.close()
    assert not errors, f"errors in the page: {errors}; {[r for r in responses if r[1] >= 400]}"


def page_url(base: str, fragment: str = "") -> str:
    return f"{base}/{quote('会议')}/index.html{fragment}"


def test_served_page_plays_and_seeks(site: tuple[str, dict], opened: tuple[Page, list]) -> None:
    base, m = site
    pg, responses = opened
    pg.goto(page_url(base))
    wait_ready(pg)
    duration = pg.evaluate("document.getElementById('audio').duration")
    assert abs(duration - m["duration_ms"] / 1000) < 0.3
    pg.evaluate("document.getElementById('audio').play()")
    pg.wait_for_function("document.getElementById('audio').currentTime > 0.5")  # it really plays
    sec = m["sections"][2]
    assert abs(clicked_to(pg, f'.chap.sec[data-section="{sec["number"]}"]') - sec["start_ms"] / 1000) <= 0.1
    last = m["sentences"][-1]
    assert abs(clicked_to(pg, f'.s[data-id="{last["id"]}"]') - last["start_ms"] / 1000) <= 0.1
    pg.wait_for_function("(id) => document.querySelector('.s.current').dataset.id === id", arg=last["id"])
    media = [r for r in responses if r[0].endswith(quote("会议.mp3"))]
    assert media and all(status in (200, 206) for _, status, _ in media)
    assert any(status == 206 and rng.startswith("bytes=") for _, status, rng in media), media


@pytest.mark.parametrize("where", ["#s=3", "#s=2.2", "#t=5.5", "?t=5.5"])
def test_address_starts_at_section_point_or_time(
    site: tuple[str, dict], opened: tuple[Page, list], where: str
) -> None:
    base, m = site
    pg, _ = opened
    if where.endswith("t=5.5"):
        expected = 5.5
    elif where == "#s=3":
        expected = m["sections"][2]["start_ms"] / 1000
    else:
        expected = m["sections"][1]["points"][1]["start_ms"] / 1000
    pg.goto(page_url(base, where))
    wait_ready(pg)
    pg.wait_for_function(
        "(t) => Math.abs(document.getElementById('audio').currentTime - t) < 2", arg=expected
    )
    assert expected - 0.1 <= current_time(pg) <= expected + 2.0
    pg.wait_for_function("document.querySelector('.s.current') !== null")


def test_hash_change_moves_and_library_links(site: tuple[str, dict], opened: tuple[Page, list]) -> None:
    base, m = site
    pg, _ = opened
    pg.goto(base + "/")
    assert pg.locator('a.feed[href="feed.xml"]').count() == 1
    pg.locator(".doc").click()
    pg.wait_for_url("**/index.html")
    wait_ready(pg)
    pg.evaluate("location.hash = '#s=4'")
    target = m["sections"][3]["start_ms"] / 1000
    pg.wait_for_function("(t) => Math.abs(document.getElementById('audio').currentTime - t) < 2", arg=target)
