"""Nothing lost: interrupts, two builds at once, output safety, disk and permission failures, bad
arguments. Real build subprocesses with the offline engine are marked slow; the rest use the fake
engine and run in a few seconds.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
from pathlib import Path

import pytest
from fakes import DOC, FakeBackend, opts, write
from hostile_procs import (
    assert_cache_consistent,
    clip_files,
    kill_when,
    run_build,
    start_build,
    visible_files,
    wait_gone,
)
from typer.testing import CliRunner

import audiostudy.audio
import audiostudy.cache
import audiostudy.pipeline
from audiostudy.audio import duration_ms
from audiostudy.cache import ClipCache
from audiostudy.cli import app
from audiostudy.errors import OutputError
from audiostudy.pipeline import BuildOptions, build
from docs import SHORT_SPEECH

runner = CliRunner()

# ~8 sentences for the real engine: 10 chunks, one worker, ~15 s to load the model and speak.
REAL_DOC = SHORT_SPEECH
OTHER_DOC = "第二份\n一、总体要求。\n坚持稳中求进。\n二、主要任务。\n抓好春耕生产。\n"


def tree(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple[int, int]]:
    """Every file under root (relative path -> size, mtime), except under `skip`."""
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and not any(p.is_relative_to(s) for s in skip):
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def one_line_error(res) -> str:
    assert res.exit_code not in (0, None), res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in res.stderr + res.stdout
    return lines[0]


@pytest.fixture
def fake_engine(monkeypatch):
    """The CLI builds with the fake engine (resolve_backend is looked up at call time)."""
    made: list[FakeBackend] = []

    def resolve(opts, reporter):
        made.append(FakeBackend())
        return made[-1]

    monkeypatch.setattr(audiostudy.pipeline, "resolve_backend", resolve)
    return made


# --- output safety --------------------------------------------------------------------------------


def test_build_writes_only_inside_its_folder_and_the_cache(tmp_path):
    src = write(tmp_path)
    (tmp_path / "audio").mkdir()
    neighbour = tmp_path / "audio" / "other-doc"
    neighbour.mkdir()
    (neighbour / "01-x.mp3").write_bytes(b"not ours")
    before = tree(tmp_path)
    r = build(src, opts(tmp_path), backend=FakeBackend())
    after = tree(tmp_path, skip=(r.out_dir, tmp_path / "cache"))
    assert after == before
    assert r.out_dir == tmp_path / "audio" / "doc"


def test_rebuild_keeps_user_files_named_like_ours(tmp_path):
    src = write(tmp_path)
    o = opts(tmp_path)
    r = build(src, o, backend=FakeBackend())
    ours = {s["file"] for s in r.manifest["sections"]}
    mine = {"09-x.mp3": b"user audio", "05-结束语.mp3": b"mine too", ".hidden.part": b"", "doc.m4b": b"m4b"}
    for name, data in mine.items():
        (r.out_dir / name).write_bytes(data)
    # Remove a section: its file (ours) goes, the user's files stay byte for byte.
    write(tmp_path, DOC.replace("二、第二部分。\n内容在此。\n", ""))
    r2 = build(src, o, backend=FakeBackend())
    assert not (r.out_dir / "03-二、第二部分.mp3").exists()
    for name, data in mine.items():
        if name.endswith(".part"):
            continue  # a dot-prefixed .part is our own temporary-file pattern
        assert (r.out_dir / name).read_bytes() == data, name
    new = {s["file"] for s in r2.manifest["sections"]}
    assert ours - new == {"03-二、第二部分.mp3", "04-结束语.mp3"}
    for f in new:
        assert duration_ms(r.out_dir / f) > 0


def test_stale_section_files_replaced_when_a_section_changes(tmp_path):
    src = write(tmp_path)
    o = opts(tmp_path)
    r = build(src, o, backend=FakeBackend())
    first = r.out_dir / "03-二、第二部分.mp3"
    before = duration_ms(first)
    write(tmp_path, DOC.replace("内容在此。", "内容在此，而且更长更长更长更长更长。"))
    build(src, o, backend=FakeBackend())
    assert duration_ms(first) > before + 500


def test_manifest_cannot_make_us_delete_outside_the_folder(tmp_path):
    src = write(tmp_path)
    o = opts(tmp_path)
    r = build(src, o, backend=FakeBackend())
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    sibling = tmp_path / "audio" / "victim.txt"
    sibling.write_text("keep", encoding="utf-8")
    m = json.loads((r.out_dir / "manifest.json").read_text(encoding="utf-8"))
    m["outputs"] += ["../../victim.txt", "../victim.txt", str(victim), "..", ".", ""]
    m["fingerprint"] = "tampered"
    (r.out_dir / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    build(src, o, backend=FakeBackend())
    assert victim.read_text(encoding="utf-8") == "keep" and sibling.read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize(
    "title", ["../../etc", "..", "/etc/passwd", "..\\..\\windows", ".hidden", "CON", "a/../../b"]
)
def test_stdin_title_stays_inside_out(tmp_path, monkeypatch, title):
    import io

    text = f"{title}\n一、第一部分。\n内容在此。\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    out = tmp_path / "deep" / "audio"
    o = BuildOptions(out_root=out, cache_dir=tmp_path / "cache", formats=("mp3",))
    r = build("-", o, backend=FakeBackend())
    assert r.out_dir.parent.resolve() == out.resolve()
    assert not r.out_dir.name.startswith(".")
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(tmp_path / "cache")]
    assert written and all(p.resolve().is_relative_to(r.out_dir.resolve()) for p in written), written


# --- disk and permissions --------------------------------------------------------------------------


def test_output_under_a_regular_file_is_one_line_before_synthesis(tmp_path, fake_engine):
    src = write(tmp_path)
    blocker = tmp_path / "somefile"
    blocker.write_text("x", encoding="utf-8")
    res = runner.invoke(
        app, ["build", "-q", str(src), "--out", str(blocker / "x"), "--cache-dir", str(tmp_path / "c")]
    )
    line = one_line_error(res)
    assert "cannot write" in line and "--out" in line
    assert not fake_engine or not fake_engine[0].calls  # failed before asking the engine for anything
    assert_cache_consistent(tmp_path / "c")


def test_unwritable_output_folder_is_one_line(tmp_path, fake_engine, monkeypatch):
    """chmod does not stop root, so make the write itself fail with EACCES."""
    src = write(tmp_path)
    real_write_bytes = Path.write_bytes

    def refuse(self, data):
        if self.name == ".write-test":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", refuse)
    res = runner.invoke(
        app, ["build", "-q", str(src), "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")]
    )
    line = one_line_error(res)
    assert "Permission denied" in line and "--out" in line
    assert_cache_consistent(tmp_path / "c")


def test_full_disk_in_cache_put_is_one_line_and_cache_stays_consistent(tmp_path, fake_engine, monkeypatch):
    src = write(tmp_path)
    real_replace = os.replace
    puts = []

    def replace(a, b, *args, **kw):
        if str(b).endswith(".clip"):
            puts.append(b)
            if len(puts) > 2:
                raise OSError(errno.ENOSPC, "No space left on device", str(a))
        return real_replace(a, b, *args, **kw)

    monkeypatch.setattr(audiostudy.cache.os, "replace", replace)
    cache = tmp_path / "c"
    res = runner.invoke(
        app, ["build", "-q", str(src), "--out", str(tmp_path / "o"), "--cache-dir", str(cache)]
    )
    line = one_line_error(res)
    assert "disk is full" in line and "cache" in line
    assert assert_cache_consistent(cache) == 2
    assert not [p for p in cache.rglob("*") if p.name.startswith(".tmp-")]  # no temporary left behind
    monkeypatch.setattr(audiostudy.cache.os, "replace", real_replace)
    res = runner.invoke(
        app, ["build", "-q", str(src), "--out", str(tmp_path / "o"), "--cache-dir", str(cache)]
    )
    assert res.exit_code == 0 and ", 2 from cache" in res.stdout


def test_full_disk_while_encoding_is_one_line(tmp_path, fake_engine, monkeypatch):
    """A real ffmpeg that fails the way it does on a full disk."""
    src = write(tmp_path)
    cache, out = tmp_path / "c", tmp_path / "o"
    res = runner.invoke(
        app, ["build", "-q", str(src), "--out", str(out), "--cache-dir", str(cache), "-f", "mp3"]
    )
    assert res.exit_code == 0
    good = {p.name: p.read_bytes() for p in visible_files(out / "doc")}
    ffmpeg = tmp_path / "ffmpeg"
    ffmpeg.write_text("#!/bin/sh\necho 'av_interleaved_write_frame(): No space left on device' >&2\nexit 1\n")
    ffmpeg.chmod(0o755)
    monkeypatch.setattr(audiostudy.audio, "FFMPEG", str(ffmpeg))
    args = ["build", "-q", str(src), "--out", str(out), "--cache-dir", str(cache), "-f", "mp3"]
    res = runner.invoke(app, [*args, "--pause-sentence", "100"])
    line = one_line_error(res)
    assert "disk full" in line or "disk is full" in line
    # The earlier build's files are untouched, and nothing half-written is visible.
    assert {p.name: p.read_bytes() for p in visible_files(out / "doc")} == good
    assert_cache_consistent(cache)


def test_full_disk_on_rename_is_one_line(tmp_path, fake_engine, monkeypatch):
    """os.replace of a finished output fails with ENOSPC (e.g. a quota): no traceback either."""
    src = write(tmp_path)
    real_replace = os.replace

    def replace(a, b, *args, **kw):
        if str(b).endswith(".mp3"):
            raise OSError(errno.ENOSPC, "No space left on device", str(a))
        return real_replace(a, b, *args, **kw)

    monkeypatch.setattr(os, "replace", replace)
    res = runner.invoke(
        app, ["build", "-q", str(src), "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")]
    )
    line = one_line_error(res)
    assert "disk is full" in line
    monkeypatch.setattr(os, "replace", real_replace)
    assert assert_cache_consistent(tmp_path / "c") > 0
    assert not [
        p for p in (tmp_path / "o").rglob("*") if p.name.endswith(".mp3") and not p.name.startswith(".")
    ]


def test_full_disk_in_library_api_keeps_cache(tmp_path, monkeypatch):
    src = write(tmp_path)

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audiostudy.cache, "_encode", full)
    with pytest.raises(OutputError, match="disk is full"):
        build(src, opts(tmp_path), backend=FakeBackend())
    assert ClipCache(tmp_path / "cache").info() == (0, 0)


# --- bad arguments (those not in test_cli.py) -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["--engine", "offline", "--voice", "zh-CN-XiaoxiaoNeural"],
            "--voice",
        ),  # a voice with the offline engine
        (["--engine", "auto", "--voice", "nobody"], "voice"),
        (["--rate", "+500%"], "rate"),
        (["--rate", "1.2.3"], "rate"),
        (["--pitch", "high"], "pitch"),
        (["--volume", "loud"], "volume"),
        (["--pause-paragraph", "-1"], "pause"),
        (["--pause-point", "-100"], "pause"),
        (["--pause-section", "-2000"], "pause"),
        (["--pause-sentence", "99999999"], "pause"),
        (["--format", "mp3", "--format", "ogg"], "unknown format"),
        (["--format", "MP3"], "unknown format"),
        (["--repeat", "0"], "--repeat"),
        (["--shadow", "-1"], "--shadow"),
        (["--fallback", "edge"], "--fallback"),
        (["--speed", "0"], "--speed"),
        (["--workers", "-1"], "--workers"),  # was a ValueError traceback from the worker pool
        (["--bitrate", "0"], "--bitrate"),  # was an ffmpeg failure after the whole synthesis
        (["--loudnorm", "10"], "--loudnorm"),
    ],
)
def test_more_bad_arguments(tmp_path, fake_engine, args, fragment):
    src = write(tmp_path)
    res = runner.invoke(app, ["build", "-q", str(src), "--out", str(tmp_path / "out"), *args])
    assert fragment in one_line_error(res)
    assert not (tmp_path / "out").exists()


def test_play_section_that_does_not_exist(tmp_path, fake_engine):
    pytest.importorskip("audiostudy.play")
    src = write(tmp_path)
    out, cache = str(tmp_path / "o"), str(tmp_path / "c")
    res = runner.invoke(app, ["build", "-q", str(src), "--out", out, "--cache-dir", cache])
    assert res.exit_code == 0, res.stderr
    for which in ("9", "九", "2.9", "0"):
        res = runner.invoke(
            app, ["play", str(src), which, "--out", out, "--cache-dir", cache, "--print-path"]
        )
        line = one_line_error(res)
        assert "no section" in line or "no point" in line, line


# --- interrupts, with the real engine in real subprocesses ------------------------------------------


def _work_started(folder: Path):
    return lambda: (
        folder.is_dir() and any(p.name == ".work" or p.name.endswith(".part") for p in folder.iterdir())
    )


def _encoding(folder: Path):
    return lambda: folder.is_dir() and any(p.name.endswith(".part") for p in folder.iterdir())


def _assert_outputs_whole(folder: Path) -> None:
    for p in visible_files(folder):
        assert ".part" not in p.name and ".tmp-" not in p.name, p
        if p.suffix in (".mp3", ".m4b"):
            assert duration_ms(p) > 0, p


def _assert_finished(folder: Path) -> dict:
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in m["outputs"]:
        assert (folder / name).is_file(), name
    _assert_outputs_whole(folder)
    assert not [p for p in folder.iterdir() if p.name == ".work" or p.name.endswith(".part")]
    return m


@pytest.mark.slow
def test_kill_at_any_moment_then_the_same_command_finishes(tmp_path):
    doc = tmp_path / "会议.txt"
    doc.write_text(REAL_DOC, encoding="utf-8")
    out, cache = tmp_path / "OUT", tmp_path / "C"
    folder = out / "会议"

    # 1. Ctrl-C while the model loads: exit 130 with one line, no worker left behind.
    p = start_build(doc, out, cache)
    sent, kids = kill_when(p, lambda: len(kids_of(p)) >= 2, signal.SIGINT)
    assert sent and p.returncode == 130
    assert "interrupted" in p.stderr.read() and not wait_gone(kids, 10)

    # 2. kill -9 as soon as the first clip is in the cache: workers must not outlive their parent.
    p = start_build(doc, out, cache)
    sent, kids = kill_when(p, lambda: bool(clip_files(cache)), signal.SIGKILL)
    assert sent and kids
    assert not wait_gone(kids, 10), "worker processes outlived the killed build"
    done = clip_files(cache)
    assert len(done) >= 1 and assert_cache_consistent(cache) == len(done)
    _assert_outputs_whole(folder)  # nothing visible yet, or only whole files

    # 3. The same command: finishes, and says it took every finished clip from the cache.
    n_new, n_cached, _ = run_build(doc, out, cache)
    assert n_cached == len(done) and n_new + n_cached == len(clip_files(cache))
    after = clip_files(cache)
    assert all(after[k] == v for k, v in done.items())  # finished clips were not rewritten
    first = _assert_finished(folder)

    # 4. Changed pauses (re-assembly, no synthesis): kill -9 while stitching, Ctrl-C while encoding.
    for moment, sig in ((_work_started(folder), signal.SIGKILL), (_encoding(folder), signal.SIGINT)):
        p = start_build(doc, out, cache, "--pause-sentence", "250")
        sent, kids = kill_when(p, moment, sig)
        assert sent, "the build finished before the moment came"
        assert not wait_gone(kids, 10)
        _assert_outputs_whole(folder)
        assert (
            json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["fingerprint"]
            == first["fingerprint"]
        )

    # 5. And again: nothing synthesised, everything whole, no temporary file left anywhere.
    n_new, n_cached, _ = run_build(doc, out, cache, "--pause-sentence", "250")
    assert (n_new, n_cached) == (0, len(after))
    m = _assert_finished(folder)
    assert m["fingerprint"] != first["fingerprint"] and m["settings"]["pauses"]["sentence_ms"] == 250
    # kill -9 in the middle of a cache write may leave a hidden .tmp- file: never an entry, never counted.
    # (encodes/ holds each section's AAC for the M4B.)
    others = [
        p for p in cache.rglob("*") if p.is_file() and p.name not in after and p.parent.name != "encodes"
    ]
    assert all(p.name.startswith(".tmp-") for p in others)
    assert ClipCache(cache).info()[0] == len(after)
    assert clip_files(cache) == after


def kids_of(p) -> set[int]:
    from hostile_procs import descendants

    return descendants(p.pid)


@pytest.mark.slow
def test_builds_at_once_share_one_cache(tmp_path):
    a = tmp_path / "甲.txt"
    a.write_text(REAL_DOC, encoding="utf-8")
    b = tmp_path / "乙.txt"
    other = REAL_DOC.replace("学习会", "另一次学习会").replace("今天开个短会", "今天开个长会")
    b.write_text(other + OTHER_DOC, encoding="utf-8")
    cache = tmp_path / "C"
    # The same command twice, the same document into another folder, and a different document.
    runs = [(a, tmp_path / "OUT"), (a, tmp_path / "OUT"), (a, tmp_path / "OUT2"), (b, tmp_path / "OUT")]
    procs = [start_build(doc, out, cache) for doc, out in runs]
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr
        assert "synthesised" in stdout
    assert assert_cache_consistent(cache) > 0
    assert not [p for p in cache.rglob("*") if p.name.startswith(".tmp-")]
    for folder in (tmp_path / "OUT" / "甲", tmp_path / "OUT2" / "甲", tmp_path / "OUT" / "乙"):
        _assert_finished(folder)
    # Everything is in the cache now: a rebuild of either synthesises nothing.
    assert run_build(b, tmp_path / "OUT3", cache)[0] == 0
    # The same command three times at once, assembly only (no model to load): they overlap fully.
    procs = [start_build(a, tmp_path / "OUT", cache, "--force") for _ in range(3)]
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        assert "0 synthesised" in stdout
    _assert_finished(tmp_path / "OUT" / "甲")
