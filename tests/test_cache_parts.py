"""`cache info` shows every part of the cache folder (clips, encodes, the speech recogniser, the
prepared voice model) with its size and the total; `cache clear` says what it removed and how big."""

from __future__ import annotations

import os
import re

import pytest
from typer.testing import CliRunner

from audiostudy.backends.base import Clip
from audiostudy.cache import ClipCache
from audiostudy.cli import app

runner = CliRunner()


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """A user cache folder of our own, with every part in it, and a file of someone else's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("AUDIOSTUDY_ASR_DIR", raising=False)
    monkeypatch.delenv("AUDIOSTUDY_CACHE_DIR", raising=False)
    home = tmp_path / "xdg" / "audiostudy"
    clips = ClipCache(home / "clips")
    clips.put("ab" * 32, Clip(os.urandom(100_000), 24000))
    with clips.writing_encode("cd" * 32, "mp3") as tmp:
        tmp.write_bytes(b"\0" * 200_000)
    model = home / "asr" / "whisper-base-ct2-123"
    model.mkdir(parents=True)
    (model / "model.bin").write_bytes(b"\0" * 3_000_000)
    (home / "voice").mkdir()
    (home / "voice" / "fastspeech2-litert-0123456789abcdef-p1.tflite").write_bytes(b"\0" * 1_500_000)
    (home / "voice" / "notes.txt").write_text("not ours", encoding="utf-8")
    return home


def sizes(stdout: str) -> dict[str, float]:
    return {m[1]: float(m[2]) for m in re.finditer(r"^(?:removed )?(\w+):? +([\d.]+) MB", stdout, re.M)}


def test_info_shows_every_part_and_the_total(cache_home):
    res = runner.invoke(app, ["cache", "info"])
    assert res.exit_code == 0, res.stderr
    got = sizes(res.stdout)
    assert set(got) == {"clips", "encodes", "asr", "voice", "total"}, res.stdout
    assert got["asr"] == 3.0 and got["voice"] == 1.5 and got["encodes"] == 0.2
    assert 0 < got["clips"] < 0.2  # compressed
    assert got["total"] == pytest.approx(got["clips"] + got["encodes"] + got["asr"] + got["voice"], abs=0.11)
    assert "1 clip of synthesised sentences" in res.stdout and str(cache_home / "asr") in res.stdout


def test_clear_says_what_it_removed_and_keeps_the_models(cache_home):
    res = runner.invoke(app, ["cache", "clear"])
    assert res.exit_code == 0, res.stderr
    assert "removed clips:" in res.stdout and "removed encodes: 0.2 MB" in res.stdout
    assert "kept asr 3.0 MB, voice 1.5 MB" in res.stdout
    assert not list((cache_home / "clips").rglob("*.clip"))
    assert not (cache_home / "clips" / "encodes").exists()
    assert (cache_home / "asr" / "whisper-base-ct2-123" / "model.bin").is_file()


def test_clear_all_removes_every_part_but_nothing_of_anyone_elses(cache_home):
    res = runner.invoke(app, ["cache", "clear", "--all"])
    assert res.exit_code == 0, res.stderr
    assert "removed asr: 3.0 MB" in res.stdout and "removed voice: 1.5 MB" in res.stdout
    assert re.search(r"removed 4\.\d MB in all", res.stdout), res.stdout
    assert not (cache_home / "asr" / "whisper-base-ct2-123").exists()
    assert list((cache_home / "voice").iterdir()) == [cache_home / "voice" / "notes.txt"]
    info = sizes(runner.invoke(app, ["cache", "info"]).stdout)
    assert info["total"] == 0.0
