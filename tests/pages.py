"""What the browser tests share: where Chromium is, how it is started, a phone's screen, and the
probes that read the player page's audio element. The browser itself is the `chromium` fixture in
conftest.py (one for the session)."""

from __future__ import annotations

import os
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 390, "height": 844}

# Media events do not bubble, but a capturing listener on the document sees them: log where each seek
# went, because a click also starts playback, which moves currentTime on by the time we read it.
SEEK_LOG = """
window.__seeks = [];
document.addEventListener("seeking", (e) => window.__seeks.push(e.target.currentTime), true);
"""


def skip_without_browser() -> None:
    """Skip the calling test module when Chromium or Playwright is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"{CHROMIUM} not found: run scripts/install_browser.sh (apt-get install chromium)",
            allow_module_level=True,
        )
    pytest.importorskip(
        "playwright.sync_api",
        reason="playwright is not installed: pip install playwright (no 'playwright install')",
    )


def clicked_to(pg: Any, selector: str) -> float:
    """Click, and return where the resulting seek went (seconds)."""
    pg.evaluate("window.__seeks = []")
    pg.locator(selector).click()
    pg.wait_for_function("window.__seeks.length > 0")
    seconds = float(pg.evaluate("window.__seeks[window.__seeks.length - 1]"))
    now = current_time(pg)
    assert seconds - 0.1 <= now <= seconds + 3.0, (seconds, now)  # playing on from there, not elsewhere
    return seconds


def wait_ready(pg: Any) -> None:
    pg.wait_for_function("document.getElementById('audio').readyState >= 1")


def current_time(pg: Any) -> float:
    # pause so that a click that started playback does not move the clock while we read it
    return float(
        pg.evaluate("() => { const a = document.getElementById('audio'); a.pause(); return a.currentTime; }")
    )
