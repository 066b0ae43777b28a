"""Experiment (issue 10): clause chunks with pauses vs whole sentences with the Baker prosody marks
#1-#3 put where the clause marks were. Synthesises the first ~900 characters of a document all three
ways in this process, with the same seeded voice, and hears each back with the meter.

    python scripts/experiment_prosody.py [DOC] [--head 900]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import meter  # noqa: E402

from audiostudy.backends import offline  # noqa: E402
from audiostudy.document import parse  # noqa: E402
from audiostudy.listen import Listener, listen_audio  # noqa: E402
from audiostudy.normalize import to_reading  # noqa: E402
from audiostudy.pauses import Pauses  # noqa: E402
from audiostudy.segment import split_document  # noqa: E402

RATE = 24_000
MARKS = re.compile(r"[，、；：,;:]|——")


def silence(ms: int) -> bytes:
    return b"\0\0" * (RATE * ms // 1000)


def variant(sentences, how: str) -> bytes:
    pauses = Pauses()
    out = []
    for s in sentences:
        if how == "clauses":
            for k, chunk in enumerate(s.chunks):
                if k:
                    out.append(silence(pauses.clause_pause_ms(s.chunks[k - 1])))
                out.append(offline._synth_robust(to_reading(chunk), "+0%", "+0Hz"))
        else:
            spoken = MARKS.sub(how, to_reading(s.text))
            out.append(offline._synth_robust(spoken, "+0%", "+0Hz"))
        out.append(silence(pauses.sentence_ms))
    return b"".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("doc", type=Path, nargs="?", default=ROOT.parent / "shared/samples/speech.txt")
    ap.add_argument("--head", type=int, default=900)
    a = ap.parse_args()
    text = meter.head(a.doc.read_text(encoding="utf-8"), a.head)
    doc = parse(text, source="x.txt")
    offline.load_voice()
    listener = Listener()
    with tempfile.TemporaryDirectory() as tmp:
        for how in ("clauses", "#3", "#2", "#1"):
            sentences = split_document(doc, 60, by_clause=how == "clauses")
            wav = Path(tmp) / "v.wav"
            with wave.open(str(wav), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(variant(sentences, how))
            report = listen_audio(wav, text, listener)
            print(
                f"{how:8} syllable error {report.error:.1%} ({report.errors}/{report.syllables})", flush=True
            )


if __name__ == "__main__":
    main()
