""" "Up to date" is answered before the text is split (no jieba, no engine), and only when nothing
that changes the audio changed: the text, a lexicon reading, the engine's identity, an option.

The slow test runs the real offline engine from the command line: its stderr must hold only the
progress stream (no "Traceback", no "Exception ignored" from the worker pool at exit), and the
rebuild must not import jieba, cn2an, the audio stack or the engine; an edit that adds a short
sentence must not import jieba."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fakes import FakeBackend, opts, write

import audiostudy.pipeline as pipeline
from audiostudy.pipeline import build


class OtherVoice(FakeBackend):
    def identity(self, settings):  # type: ignore[no-untyped-def]
        return "fake:another-tone"


def test_unchanged_rebuild_does_not_split_or_plan(tmp_path, monkeypatch):
    src = write(tmp_path)
    first = build(src, opts(tmp_path), backend=FakeBackend())
    assert not first.up_to_date

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("split or planned for an unchanged document")

    monkeypatch.setattr(pipeline, "split_document", boom)
    monkeypatch.setattr(pipeline, "plan_jobs", boom)
    engine = FakeBackend()
    again = build(src, opts(tmp_path), backend=engine)
    assert again.up_to_date and engine.calls == []


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda tmp, src: src.write_text(src.read_text(encoding="utf-8") + "新的一句。\n", "utf-8"), "text"),
        (lambda tmp, src: (tmp / "doc.lexicon.txt").write_text("部分 bu4 fen1\n", "utf-8"), "lexicon"),
        (lambda tmp, src: None, "engine identity"),
    ],
)
def test_what_changes_the_audio_rebuilds(tmp_path, change, what):
    src = write(tmp_path)
    build(src, opts(tmp_path), backend=FakeBackend())
    change(tmp_path, src)
    engine = OtherVoice() if what == "engine identity" else FakeBackend()
    again = build(src, opts(tmp_path), backend=engine)
    assert not again.up_to_date, what
    assert build(src, opts(tmp_path), backend=engine).up_to_date  # and then it is current


SHORT = "小结\n同志们：\n一、抓学习，读原文。\n一是悟原理。\n"
HEAVY = ("jieba", "cn2an", "pydub", "ai_edge_litert", "numpy", "pypinyin")


@pytest.mark.slow
def test_real_build_stderr_is_clean_and_its_rebuild_loads_no_engine(tmp_path):
    doc = tmp_path / "short.txt"
    doc.write_text(SHORT, encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "AUDIOSTUDY_CACHE_DIR": str(tmp_path / "c")}
    args = ["-m", "audiostudy", "build", str(doc), "--engine", "offline", "--out", str(tmp_path / "out")]
    cmd = [sys.executable, *args, "--progress", "jsonl"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr
    events = [json.loads(line)["event"] for line in r.stderr.splitlines()]  # nothing but the stream
    assert "clip" in events
    rebuild = [sys.executable, "-X", "importtime", *args, "-q"]
    again = subprocess.run(rebuild, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in again.stderr.splitlines() if "|" in line}
    assert not {m for m in imported if m.split(".")[0] in HEAVY}
    # An edit is planned from the last build's memo: only the new sentence is split and read, and
    # it needs no word boundaries, so jieba's dictionary is not loaded at all.
    doc.write_text(SHORT + "二是学以致用。\n", encoding="utf-8")
    edit = subprocess.run(rebuild, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert edit.returncode == 0 and "1 synthesised" in edit.stdout, edit.stdout + edit.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in edit.stderr.splitlines() if "|" in line}
    assert "jieba" not in imported


class Starting(FakeBackend):
    """An engine with workers to start ahead of need, like the offline voice."""

    def __init__(self) -> None:
        super().__init__()
        self.started = 0

    def start(self) -> None:
        self.started += 1


def test_engine_started_ahead_only_when_new_text_must_be_read(tmp_path):
    from audiostudy.pipeline import Pauses

    src = write(tmp_path)
    cold = Starting()
    build(src, opts(tmp_path), backend=cold)
    assert cold.started == 1 and cold.calls  # a cold build starts it before planning
    same_text = Starting()  # only a pause changed: every chunk is cached, no workers needed
    r = build(src, opts(tmp_path, pauses=Pauses(sentence_ms=100)), backend=same_text)
    assert not r.up_to_date and same_text.started == 0 and same_text.calls == []
    src.write_text(src.read_text(encoding="utf-8") + "新的一句。\n", "utf-8")
    edited = Starting()
    build(src, opts(tmp_path), backend=edited)
    assert edited.started == 1 and edited.calls == ["新的一句。"]
