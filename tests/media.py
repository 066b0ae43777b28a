"""Reading outputs back the way a user's tools would: ffmpeg's own view and mutagen's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from audiostudy.audio import FFMPEG


def ffmpeg_chapters(path: Path) -> list[tuple[str, int]]:
    """(title, start_ms) of every chapter as ffmpeg reports it."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    out = []
    lines = proc.stderr.splitlines()
    for i, line in enumerate(lines):
        m = re.search(r"Chapter #\d+:\d+: start (\d+\.\d+), end", line)
        if m:
            title = next(
                (
                    ln.split(":", 1)[1].strip()
                    for ln in lines[i + 1 : i + 4]
                    if ln.strip().startswith("title")
                ),
                "",
            )
            out.append((title, round(float(m.group(1)) * 1000)))
    return out


def parse_srt(text: str) -> list[tuple[int, int, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        ts = next(ln for ln in lines if "-->" in ln)
        a, b = (x.strip() for x in ts.split("-->"))
        cues.append((_ms(a), _ms(b), lines[-1]))
    return cues


def _ms(ts: str) -> int:
    h, m, rest = ts.replace(",", ".").split(":")
    s, ms = rest.split(".")
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def assert_subtitles_match(out: Path, stem: str, manifest: dict) -> None:
    """SRT and VTT: one cue per sentence, monotonic, non-overlapping, equal to the manifest's
    times and texts; LRC: one line per sentence."""
    sentences = manifest["sentences"]
    for ext in ("srt", "vtt"):
        cues = parse_srt((out / f"{stem}.{ext}").read_text(encoding="utf-8").removeprefix("WEBVTT\n"))
        assert len(cues) == len(sentences)
        prev_end = -1
        for (a, b, text), s in zip(cues, sentences, strict=True):
            assert prev_end <= a < b
            prev_end = b
            assert (a, b, text) == (s["start_ms"], s["end_ms"], s["text"])
    lrc = (out / f"{stem}.lrc").read_text(encoding="utf-8").splitlines()
    assert len([ln for ln in lrc if not ln.startswith("[ti:")]) == len(sentences)
