"""Benchmark rows for "nothing lost" (issue 11), called by scripts/bench.py.

P7  parent-process peak RSS of a cold build of a document ten times the sample (every sentence new,
    so nothing is a cache hit) ÷ the sample's cold build; goal ≤ 1.2.
P8  time from a clip's completion in its worker to its cache entry on disk (max over a cold build
    of the sample); goal ≤ 1 s.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LOG_ENV = "AUDIOSTUDY_BENCH_DONE_LOG"


def timed_task(
    index: int, text: str, rate: str, pitch: str, ids: list[int] | None = None
) -> tuple[int, bytes]:
    """offline._task, plus a line "<text>\\t<time the clip was finished>" in the log file (runs in
    the worker process; imported there by reference when the pool unpickles it)."""
    from audiostudy.backends import offline

    result = offline._task(index, text, rate, pitch, ids)
    with open(os.environ[_LOG_ENV], "a", encoding="utf-8") as f:
        f.write(f"{json.dumps(text, ensure_ascii=False)}\t{time.time()}\n")
    return result


def _common_chars(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for c in text:
        if "\u4e00" <= c <= "\u9fff":
            seen.setdefault(c, None)
    return list(seen)


def ten_times(text: str, copies: int = 10) -> str:
    """The sample `copies` times, every copy's Chinese characters shifted through the sample's own
    character set: the same shape and length, but no sentence repeats, so a cold build synthesises
    all of it."""
    chars = _common_chars(text)
    index = {c: i for i, c in enumerate(chars)}
    out = []
    for k in range(copies):
        out.append("".join(chars[(index[c] + 7 * k) % len(chars)] if c in index else c for c in text))
    return "\n".join(part.strip() for part in out) + "\n"


def memory_rows(sample: Path, work: Path, measure: Callable[[list[str]], dict]) -> dict:
    """measure(cmd) runs a command and returns its wall_s and peak_rss_mb (bench.run_measured, the
    command's own process only: the workers' memory is not the parent's)."""
    big = work / "ten" / "ten.txt"
    big.parent.mkdir(parents=True)
    big.write_text(ten_times(sample.read_text(encoding="utf-8")), encoding="utf-8")
    res = {}
    for name, doc in (("sample", sample), ("ten", big)):
        cmd = [sys.executable, "-m", "audiostudy", "build", str(doc), "--engine", "offline", "-q",
               "--out", str(work / f"out-{name}"), "--cache-dir", str(work / f"cache-{name}")]  # fmt: skip
        m = measure(cmd)
        res[name] = {
            "wall_s": m["wall_s"],
            "parent_peak_mb": m["peak_rss_mb"],
            "chars": len(doc.read_text(encoding="utf-8")),
        }
    res["ratio"] = res["ten"]["parent_peak_mb"] / res["sample"]["parent_peak_mb"]
    return res


def latency_row(sample: Path, work: Path) -> dict:
    """A cold build of the sample in this process, with the workers logging when each clip was done;
    each clip's delay is its cache entry's mtime minus that moment."""
    from audiostudy.backends import offline
    from audiostudy.cache import ClipCache
    from audiostudy.pipeline import BuildOptions, build

    log = work / "done.log"
    os.environ[_LOG_ENV] = str(log)
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_lost  # by module name, so the worker processes can import it too

    real = offline._task
    offline._task = bench_lost.timed_task  # type: ignore[assignment]
    try:
        opts = BuildOptions(out_root=work / "lat-out", cache_dir=work / "lat-cache", engine="offline")
        build(sample, opts)
    finally:
        offline._task = real
    done = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        text, t = line.rsplit("\t", 1)
        done[json.loads(text)] = float(t)
    cache = ClipCache(work / "lat-cache")
    ident = offline.OfflineBackend().identity(opts.settings)
    from audiostudy.cache import chunk_key

    delays = [cache._path(chunk_key(ident, opts.settings, t)).stat().st_mtime - at for t, at in done.items()]
    return {"clips": len(delays), "max_s": max(delays), "median_s": sorted(delays)[len(delays) // 2]}


if __name__ == "__main__":
    s = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        print(latency_row(s, Path(d)))
