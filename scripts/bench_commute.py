"""Benchmarks for issue 15 (from the desk to the commute), used by scripts/bench.py:

P10 serve  `audiostudy serve` (a real subprocess on 127.0.0.1) answers rounds of 50 concurrent
          byte-range requests for one section file; every answer is checked (206, Content-Range, the
          exact bytes). Latency percentiles; baseline: the same ranges requested one at a time.
P11 opus  `--format opus` next to the MP3 of the same build: Opus size / MP3 size, whole document
          and all sections.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

CONCURRENT = 50
ROUNDS = 10
RANGE_BYTES = 64 * 1024


def _get_range(port: int, path: str, start: int, end: int) -> tuple[float, int, str, bytes]:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Range": f"bytes={start}-{end}"})
        resp = conn.getresponse()
        body = resp.read()
        return time.perf_counter() - t0, resp.status, resp.getheader("Content-Range") or "", body
    finally:
        conn.close()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def serve(out_root: Path, doc_dir: Path) -> dict:
    """P10: start `audiostudy serve`, fire ROUNDS x CONCURRENT range requests, stop it with Ctrl-C."""
    m = json.loads((doc_dir / "manifest.json").read_text(encoding="utf-8"))
    section = max(m["sections"], key=lambda s: s["duration_ms"])["file"]
    data = (doc_dir / section).read_bytes()
    path = "/" + quote(f"{doc_dir.name}/{section}")
    rnd = random.Random(15)
    proc = subprocess.Popen(
        [sys.executable, "-m", "audiostudy", "serve", str(out_root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        found = re.search(r"127\.0\.0\.1:(\d+)/", proc.stdout.readline())
        if not found:
            raise SystemExit("serve did not start")
        port = int(found.group(1))

        def one(_: int) -> tuple[float, bool]:
            start = rnd.randrange(0, len(data) - RANGE_BYTES)
            end = start + RANGE_BYTES - 1
            took, status, crange, body = _get_range(port, path, start, end)
            expected = f"bytes {start}-{end}/{len(data)}"
            ok = status == 206 and crange == expected and body == data[start : end + 1]
            return took, ok

        sequential = [one(i) for i in range(CONCURRENT)]
        results: list[tuple[float, bool]] = []
        t0 = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENT) as pool:
            for _ in range(ROUNDS):
                results += list(pool.map(one, range(CONCURRENT)))
        wall = time.perf_counter() - t0
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        clean = proc.returncode == 0 and "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lat = [t * 1000 for t, _ in results]
    seq = [t * 1000 for t, _ in sequential]
    return {
        "file": section,
        "file_bytes": len(data),
        "requests": len(results),
        "concurrent": CONCURRENT,
        "errors": sum(1 for _, ok in results + sequential if not ok),
        "p50_ms": _pct(lat, 50),
        "p95_ms": _pct(lat, 95),
        "p99_ms": _pct(lat, 99),
        "max_ms": max(lat),
        "sequential_p50_ms": statistics.median(seq),
        "requests_per_s": len(results) / wall,
        "clean_stop": clean,
    }


def opus_sizes(doc_dir: Path) -> dict:
    """P11: sizes of the Opus outputs against the MP3s of the same build."""
    m = json.loads((doc_dir / "manifest.json").read_text(encoding="utf-8"))
    whole_mp3 = (doc_dir / m["files"]["mp3"]).stat().st_size
    whole_opus = (doc_dir / m["files"]["opus"]).stat().st_size
    sec_mp3 = sum((doc_dir / s["file"]).stat().st_size for s in m["sections"])
    sec_opus = sum((doc_dir / s["files"]["opus"]).stat().st_size for s in m["sections"])
    secs = m["duration_ms"] / 1000
    return {
        "whole_mp3_bytes": whole_mp3,
        "whole_opus_bytes": whole_opus,
        "whole_ratio": whole_opus / whole_mp3,
        "sections_ratio": sec_opus / sec_mp3,
        "opus_kbps": whole_opus * 8 / secs / 1000,
        "mp3_kbps": whole_mp3 * 8 / secs / 1000,
    }


def rows(out_root: Path, doc_dir: Path) -> tuple[list[tuple[str, str, str, str]], dict]:
    s = serve(out_root, doc_dir)
    o = opus_sizes(doc_dir)
    return [
        (
            f"P10 serve: {s['requests']} range requests, {s['concurrent']} at once",
            f"p50 {s['p50_ms']:.0f} ms",
            f"p95 {s['p95_ms']:.0f} / p99 {s['p99_ms']:.0f} ms; {s['errors']} errors; "
            f"p50 {s['p50_ms'] / s['sequential_p50_ms']:.1f} x one at a time "
            f"({s['sequential_p50_ms']:.1f} ms); "
            f"{s['requests_per_s']:.0f} req/s; clean Ctrl-C: {s['clean_stop']}",
            "",
        ),
        (
            "P11 opus vs mp3 size",
            f"{o['whole_opus_bytes'] / 1e6:.2f} MB",
            f"whole {o['whole_ratio']:.2f} x MP3 ({o['opus_kbps']:.1f} vs {o['mp3_kbps']:.1f} kbit/s); "
            f"sections {o['sections_ratio']:.2f} x",
            "",
        ),
    ], {"serve": s, "opus": o}
