"""Benchmark: does the edge backend's concurrency pay off? Runs against the local fake service.

Each request costs a fixed latency L at the fake server, so n chunks at concurrency c cannot finish
faster than n·L/c; we report the wall time against that ideal (goal ≤ 1.3) and against c = 1.
Usage: python scripts/bench_edge.py [n] [latency_s] [concurrency]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):  # the package and the fake server, when run from a checkout
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def _timed(n: int, concurrency: int, texts: list[str]) -> float:
    from audiostudy.backends import Clip, VoiceSettings
    from audiostudy.backends.edge import EdgeBackend

    got: list[int] = []

    def on_done(i: int, clip: Clip) -> None:
        got.append(i)

    backend = EdgeBackend(concurrency=concurrency, timeout_s=30, retries=2, backoff_base_s=0.05)
    t0 = time.perf_counter()
    backend.synthesize(texts, VoiceSettings(), on_done)
    wall = time.perf_counter() - t0
    if len(got) != n:
        raise RuntimeError(f"bench: {len(got)} of {n} chunks came back")
    return wall


def run(n: int = 40, latency_s: float = 0.25, concurrency: int = 4) -> dict[str, float | int]:
    """Wall times at `concurrency` and at 1 for n chunks, each costing `latency_s` at the server."""
    import edge_tts.communicate
    from fake_edge import FakeEdgeServer, make_mp3

    # Ten-character sentences: 0.5 s of tone each at 0.05 s/char keeps decoding cheap next to L.
    texts = [f"第{i:03d}句测试文本。" for i in range(n)]
    server = FakeEdgeServer(latency_s=latency_s, s_per_char=0.05).start()
    saved_url = edge_tts.communicate.WSS_URL
    edge_tts.communicate.WSS_URL = server.url
    try:
        make_mp3(round(len(texts[0]) * server.s_per_char, 3))  # warm the tone cache outside the timing
        wall_c = _timed(n, concurrency, texts)
        max_seen = server.max_concurrent
        wall_1 = _timed(n, 1, texts)
    finally:
        edge_tts.communicate.WSS_URL = saved_url
        server.stop()
    ideal_c = n * latency_s / concurrency
    return {
        "n": n,
        "latency_s": latency_s,
        "concurrency": concurrency,
        "wall_s": round(wall_c, 3),
        "ideal_s": round(ideal_c, 3),
        "ratio_vs_ideal": round(wall_c / ideal_c, 3),  # goal ≤ 1.3
        "wall_c1_s": round(wall_1, 3),
        "ratio_c1_vs_ideal": round(wall_1 / (n * latency_s), 3),
        "speedup_vs_c1": round(wall_1 / wall_c, 2),
        "max_concurrent_seen": max_seen,
    }


def main(argv: list[str]) -> int:
    args = [float(a) for a in argv[1:4]]
    n = int(args[0]) if args else 40
    latency = args[1] if len(args) > 1 else 0.25
    conc = int(args[2]) if len(args) > 2 else 4
    result = run(n, latency, conc)
    print(json.dumps(result, indent=2))
    return 0 if result["ratio_vs_ideal"] <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
