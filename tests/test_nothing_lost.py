"""Nothing finished is lost, with the real offline engine and with edge (fake server): a build is
interrupted at a moment chosen from outside — its own progress stream says some clips are done and
some are not — and the cache must then hold at least every clip reported done, and the same command
must synthesise only the rest."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hostile_procs import SUMMARY, assert_cache_consistent, clip_files, start_followed, wait_gone

# Thirty-odd distinct sentences (over sixty clauses): long enough that the moment "0 < done < total"
# comes with two workers. Every sentence differs, so none is a cache hit of another.
_TOPICS = ["学习", "调研", "改革", "创新", "服务", "监督", "安全", "生态", "教育", "文化", "民生", "作风"]
_ACTS = ["坚持", "深化", "推进", "加强", "完善", "落实"]
LONG_DOC = "学习会讲话\n同志们：\n" + "".join(
    f"{n}、关于{_TOPICS[k]}工作。\n"
    f"一是要{_ACTS[k % 6]}{_TOPICS[k]}，{_ACTS[(k + 1) % 6]}{_TOPICS[(k + 1) % 12]}，联系第{k + 1}项实际。"
    f"二是要明确{_TOPICS[(k + 2) % 12]}责任，{_ACTS[(k + 3) % 6]}督查第{k + 2}批任务。\n"
    for k, n in enumerate("一二三四五六七八九十")
)


def _write(tmp: Path) -> Path:
    doc = tmp / "长会.txt"
    doc.write_text(LONG_DOC, encoding="utf-8")
    return doc


def _interrupt_midway(proc, progress, sig: int, group: bool, timeout: float = 240) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while not progress.midway():
        assert proc.poll() is None, f"the build ended before the moment came:\n{progress.text()}"
        assert time.monotonic() < deadline, "the moment never came"
        time.sleep(0.005)
    seen = dict(progress.last)
    if group:
        os.killpg(proc.pid, sig)  # as a terminal delivers Ctrl-C: to every process of the group
    else:
        proc.send_signal(sig)
    proc.wait(timeout=60)
    return seen


def _rerun(proc_args, progress_args) -> tuple[int, int]:
    proc, progress = start_followed(*proc_args, **progress_args)
    stdout = proc.stdout.read()  # stderr belongs to the progress reader
    assert proc.wait(timeout=300) == 0, progress.text()
    m = SUMMARY.search(stdout)
    assert m, stdout
    return int(m[1]), int(m[2])


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig,group", [(signal.SIGKILL, False), (signal.SIGINT, True)], ids=["kill-9", "ctrl-c"]
)
def test_offline_interrupted_midway_keeps_every_clip_reported_done(
    tmp_path: Path, sig: int, group: bool
) -> None:
    doc, out, cache = _write(tmp_path), tmp_path / "OUT", tmp_path / "C"
    proc, progress = start_followed(doc, out, cache, "--engine", "offline")
    seen = _interrupt_midway(proc, progress, sig, group)
    if sig == signal.SIGINT:
        assert proc.returncode == 130, progress.text()
        assert "interrupted" in progress.text()
    kept = clip_files(cache)
    assert len(kept) >= seen["done"] > 0, (seen, len(kept))
    assert assert_cache_consistent(cache) == len(kept)
    n_new, n_cached = _rerun((doc, out, cache, "--engine", "offline"), {})
    assert n_cached == len(kept) and n_new == seen["total"] - len(kept)


def _clip_times(text: str) -> tuple[float, list[float]]:
    """From a finished build's progress stream: when synthesis started, and when each clip arrived."""
    import json

    events = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    start = next(e["elapsed_s"] for e in events if e["event"] == "start")
    return start, [e["elapsed_s"] for e in events if e["event"] == "clip"]


@pytest.mark.slow
def test_offline_clips_reach_the_cache_while_the_build_runs(tmp_path: Path) -> None:
    """A moment chosen by the clock: a first cold build is timed, a second is killed at 80 % of that
    time. Clips must be in the cache by then; a build that hands its clips over only at the end of
    synthesis has none, and loses all of its work."""
    import time

    doc, out = _write(tmp_path), tmp_path / "OUT"
    proc, progress = start_followed(doc, out, tmp_path / "C1", "--engine", "offline")
    proc.stdout.read()
    assert proc.wait(timeout=300) == 0, progress.text()
    start, clips = _clip_times(progress.text())
    assert len(clips) > 10

    proc, progress = start_followed(doc, tmp_path / "OUT2", tmp_path / "C2", "--engine", "offline")
    while "start" not in progress.text_so_far():
        assert proc.poll() is None, progress.text()
        time.sleep(0.005)
    time.sleep(0.8 * (clips[-1] - start))
    proc.kill()
    proc.wait()
    kept = len(clip_files(tmp_path / "C2"))
    assert kept > 0, "nothing reached the cache in 80 % of a cold build's synthesis time"


@pytest.mark.slow
def test_offline_workers_leave_with_a_killed_build(tmp_path: Path) -> None:
    from hostile_procs import descendants

    doc, out, cache = _write(tmp_path), tmp_path / "OUT", tmp_path / "C"
    proc, progress = start_followed(doc, out, cache, "--engine", "offline")
    import time

    while not progress.midway() and proc.poll() is None:
        time.sleep(0.005)
    kids = descendants(proc.pid)
    proc.kill()
    proc.wait()
    assert kids and not wait_gone(kids, 10)


def test_edge_interrupted_midway_keeps_every_clip_reported_done(tmp_path: Path) -> None:
    from fake_edge import FakeEdgeServer

    doc, out, cache = _write(tmp_path), tmp_path / "OUT", tmp_path / "C"
    with FakeEdgeServer(latency_s=0.3, s_per_char=0.2) as srv:
        # The build runs in a fresh interpreter: point its edge_tts at the fake server first.
        pre = ("-c", f"import sys, edge_tts.communicate as c; c.WSS_URL = {srv.url!r}; "
                     "from audiostudy.cli import main; sys.argv[0] = 'audiostudy'; main()")  # fmt: skip
        args = (doc, out, cache, "--engine", "edge", "--concurrency", "2")
        proc, progress = start_followed(*args, pre=pre)
        seen = _interrupt_midway(proc, progress, signal.SIGKILL, group=False, timeout=120)
        kept = clip_files(cache)
        assert len(kept) >= seen["done"] > 0, (seen, len(kept))
        assert assert_cache_consistent(cache) == len(kept)
        n_new, n_cached = _rerun(args, {"pre": pre})
        assert n_cached == len(kept) and n_new == seen["total"] - len(kept)
