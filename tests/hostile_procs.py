"""Helpers for the reliability tests: real build subprocesses, their descendants, the cache on disk."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from audiostudy.cache import ClipCache

SUMMARY = re.compile(r"(\d+) synthesised, (\d+) from cache")


def start_build(doc: Path, out: Path, cache: Path, *extra: str) -> subprocess.Popen[str]:
    env = dict(os.environ, AUDIOSTUDY_CACHE_DIR=str(cache), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "audiostudy", "build", str(doc), "--out", str(out), "--cache-dir", str(cache),
         "--quiet", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=doc.parent,
    )  # fmt: skip


def run_build(doc: Path, out: Path, cache: Path, *extra: str, timeout: float = 180) -> tuple[int, int, str]:
    """Run a build to the end; (synthesised, cached, stdout). Fails the test on a non-zero exit."""
    p = start_build(doc, out, cache, *extra)
    stdout, stderr = p.communicate(timeout=timeout)
    assert p.returncode == 0, stderr
    m = SUMMARY.search(stdout)
    assert m, stdout
    return int(m[1]), int(m[2]), stdout


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def descendants(pid: int) -> set[int]:
    """Every live process below pid (worker processes, ffmpeg, multiprocessing's resource tracker)."""
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = set()
        for d in Path("/proc").iterdir():
            if d.name.isdigit() and _ppid(int(d.name)) in frontier:
                children.add(int(d.name))
        children -= found
        found |= children
        frontier = children
    return found


def wait_gone(pids: set[int], timeout: float = 10) -> set[int]:
    """pids still alive after timeout (then killed, so a failing test leaves nothing behind)."""
    deadline = time.monotonic() + timeout
    alive = {p for p in pids if _alive(p)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = {p for p in alive if _alive(p)}
    for p in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)
    return alive


def kill_when(
    proc: subprocess.Popen[str], moment: Callable[[], bool], sig: int, timeout: float = 120
) -> tuple[bool, set[int]]:
    """Send sig to proc as soon as moment() holds. (whether it was sent before the build ended,
    the descendants seen just before)."""
    deadline = time.monotonic() + timeout
    kids: set[int] = set()
    while proc.poll() is None and time.monotonic() < deadline:
        if moment():
            kids = descendants(proc.pid)
            proc.send_signal(sig)
            proc.wait(timeout=60)
            return True, kids
        time.sleep(0.01)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        raise AssertionError("the moment to interrupt never came")
    return False, kids


def clip_files(root: Path) -> dict[str, float]:
    """Cache entries on disk (not temporary files): name -> mtime."""
    out = {}
    for p in root.glob("*/*.clip"):
        if not p.name.startswith("."):
            with contextlib.suppress(FileNotFoundError):
                out[p.name] = p.stat().st_mtime_ns
    return out


def assert_cache_consistent(root: Path) -> int:
    """Every entry loads (ClipCache.get removes and reports a corrupt one as None)."""
    cache = ClipCache(root)
    names = list(clip_files(root))
    for name in names:
        clip = cache.get(name.removesuffix(".clip"))
        assert clip is not None and clip.pcm, f"corrupt cache entry {name}"
    return len(names)


def visible_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


class Progress:
    """Follows a build's `--progress jsonl` stream on stderr from a thread: the last clip event,
    and every other stderr line kept for the assertion messages."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        import json
        import threading

        self.last: dict = {}
        self.lines: list[str] = []

        def read() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                self.lines.append(line)
                if line.startswith("{"):
                    event = json.loads(line)
                    if event["event"] in ("start", "clip"):
                        self.last = event

        self.thread = threading.Thread(target=read, daemon=True)
        self.thread.start()

    def midway(self) -> bool:
        """Some clips synthesised and in the cache, some not."""
        return self.last.get("event") == "clip" and 0 < self.last["done"] < self.last["total"]

    def text_so_far(self) -> str:
        return "".join(self.lines)

    def text(self) -> str:
        self.thread.join(timeout=10)
        return "".join(self.lines)


def start_followed(
    doc: Path, out: Path, cache: Path, *extra: str, env: dict | None = None, pre: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], Progress]:
    """A build in its own process group (so SIGINT can go to the group, as a terminal sends it)
    with its progress stream followed."""
    cmd = [sys.executable, *pre, "build", str(doc), "--out", str(out), "--cache-dir", str(cache),
           "--progress", "jsonl", *extra]  # fmt: skip
    if not pre:
        cmd[1:1] = ["-m", "audiostudy"]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, AUDIOSTUDY_CACHE_DIR=str(cache), PYTHONUNBUFFERED="1", **(env or {})),
        cwd=doc.parent,
        start_new_session=True,
    )
    return proc, Progress(proc)
