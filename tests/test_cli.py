"""The command line, driven with CliRunner: one clear line and exit 1 for every bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from audiostudy.cli import app

runner = CliRunner()
SHORT = "小结\n同志们：\n一、抓学习。\n一是读原文。\n二、抓落实。\n一是定责任。\n"


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def _file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_line_error(res, *fragments: str) -> None:
    assert res.exit_code != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in res.stderr + res.stdout
    for f in fragments:
        assert f in lines[0]


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: d, "no documents (.txt, .md, .markdown, .docx, .epub, .pdf"),
        (lambda d: _file(d / "empty.txt", ""), "empty"),
        (lambda d: _file(d / "blank.txt", " \n\t\n"), "empty"),
    ],
)
def test_bad_inputs(tmp_path, make, fragment):
    src = make(tmp_path)
    out = tmp_path / "out"
    res = run("build", str(src), "--out", str(out))
    assert_one_line_error(res)
    assert fragment in res.stderr.lower()
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--format", "wav"], "unknown format"),
        (["--engine", "piper"], "unknown engine"),
        (["--rate", "fast"], "rate"),
        (["--pause-sentence", "-5"], "pause"),
        (["--speed", "9"], "--speed"),
        (["--engine", "edge", "--voice", "zh-CN-NoSuchNeural"], "voice"),
    ],
)
def test_bad_arguments(tmp_path, args, fragment):
    src = tmp_path / "a.txt"
    src.write_text(SHORT, encoding="utf-8")
    res = run("build", str(src), "--out", str(tmp_path / "out"), *args)
    assert_one_line_error(res, fragment)
    assert not (tmp_path / "out").exists()


def test_outline_shows_tree_and_estimate(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(SHORT, encoding="utf-8")
    res = run("outline", str(src), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.stderr
    assert " 2. 一、抓学习" in res.stdout and "2.1 一是读原文" in res.stdout
    assert "min (estimated)" in res.stdout


def test_outline_reading_shows_rewrites(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("2023年完成率达到95%。\n", encoding="utf-8")
    res = run("outline", str(src), "--reading")
    assert res.exit_code == 0
    assert "百分之九十五" in res.stdout


def test_help_on_every_command():
    for cmd in (
        ["--help"],
        ["build", "--help"],
        ["outline", "--help"],
        ["voices", "--help"],
        ["play", "--help"],
        ["cache", "--help"],
        ["cache", "info", "--help"],
    ):
        res = run(*cmd)
        assert res.exit_code == 0 and "Usage" in res.stdout, cmd


def test_cache_info_and_clear(tmp_path):
    res = run("cache", "info", "--cache-dir", str(tmp_path))
    assert res.exit_code == 0 and "0 clips" in res.stdout
    res = run("cache", "clear", "--cache-dir", str(tmp_path))
    assert res.exit_code == 0


@pytest.mark.slow
def test_build_then_outline_shows_actual_minutes(tmp_path):
    src = tmp_path / "小结.txt"
    src.write_text(SHORT, encoding="utf-8")
    out = tmp_path / "out"
    res = run("build", str(src), "--out", str(out), "--cache-dir", str(tmp_path / "c"), "--quiet")
    assert res.exit_code == 0, res.stderr
    from audiostudy.backends.offline import OfflineBackend
    from audiostudy.document import load
    from audiostudy.segment import split_document

    said = split_document(load(src), 60, OfflineBackend.clause_chunks, title=True)  # 小结 first
    chunks = {c for s in said for c in s.chunks}
    assert "3 sections" in res.stdout and f"{len(chunks)} synthesised, 0 from cache" in res.stdout
    built = out / "小结"
    assert (built / "小结.m4b").is_file() and (built / "02-一、抓学习.mp3").is_file()
    res = run("outline", str(src), "--out", str(out))
    assert "built" in res.stdout
    res = run("build", str(src), "--out", str(out), "--cache-dir", str(tmp_path / "c"), "--quiet")
    assert "up to date" in res.stdout


def test_stdin_document(tmp_path):
    res = run("outline", "-", input=SHORT)
    assert res.exit_code == 0 and "一、抓学习" in res.stdout


def test_python_dash_m_works():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "audiostudy", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("audiostudy ")


def test_named_voice_is_never_replaced_by_the_offline_one(tmp_path, monkeypatch):
    import audiostudy.backends.edge as edge

    monkeypatch.setattr(edge, "probe", lambda *a, **k: False)
    src = _file(tmp_path / "a.txt", SHORT)
    res = run("build", str(src), "--out", str(tmp_path / "out"), "--voice", "zh-CN-XiaoxiaoNeural", "-q")
    assert_one_line_error(res, "unreachable", "--engine offline")
    assert not (tmp_path / "out").exists()


def test_volume_is_refused_for_the_offline_voice(tmp_path):
    src = _file(tmp_path / "a.txt", SHORT)
    res = run("build", str(src), "--out", str(tmp_path / "out"), "--engine", "offline", "--volume", "-50%")
    assert_one_line_error(res, "--volume")


def test_voice_outside_the_builtin_list_is_checked_against_the_live_list(monkeypatch):
    from audiostudy.backends import voices
    from audiostudy.backends.registry import live_checked as _live_checked

    live = [{"ShortName": "en-GB-SoniaNeural", "Locale": "en-GB", "Gender": "Female"}]
    monkeypatch.setattr(voices, "list_voices", lambda *a, **k: (live, voices.SOURCE_ONLINE))
    assert _live_checked("en-GB-SoniaNeural") == "en-GB-SoniaNeural"
    monkeypatch.setattr(voices, "list_voices", lambda *a, **k: ([], voices.SOURCE_BUILTIN))
    with pytest.raises(Exception, match="unknown voice"):
        _live_checked("en-GB-SoniaNeural")
