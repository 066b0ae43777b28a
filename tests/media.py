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


def assert_subtitles_match(out: Path, stem: str, manifest: dict, limit: int = 36) -> None:
    """SRT and VTT: monotonic, non-overlapping cues of at most `limit` characters; each sentence is
    covered by its cues exactly (first starts with it, last ends with it, texts add up to it), and a
    sentence with clause clips is cut only where a clause starts. LRC: a line per cue."""
    sentences = manifest["sentences"]
    for ext in ("srt", "vtt"):
        cues = parse_srt((out / f"{stem}.{ext}").read_text(encoding="utf-8").removeprefix("WEBVTT\n"))
        prev_end, k = -1, 0
        for s in sentences:
            mine = []
            while k < len(cues) and cues[k][0] < s["end_ms"]:
                mine.append(cues[k])
                k += 1
            assert mine, s
            assert mine[0][0] == s["start_ms"] and mine[-1][1] == s["end_ms"], (mine, s)
            assert "".join(t for _, _, t in mine).replace(" ", "") == s["text"].replace(" ", "")
            for a, b, text in mine:
                assert prev_end <= a < b and len(text) <= limit, (a, b, text)
                prev_end = b
                # A cue starts where a clip starts, unless the clip holds several clauses (or one
                # longer than a cue): then it is cut inside the clip, by characters.
                clip = next((c for c in s.get("clauses", []) if c["start_ms"] <= a < c["end_ms"]), None)
                if clip is not None and a != clip["start_ms"]:
                    marks = sum(clip["text"].count(m) for m in "，、；：,;:")
                    assert marks > 1 or len(clip["text"]) > limit, (a, clip)
        assert k == len(cues)
    lrc = (out / f"{stem}.lrc").read_text(encoding="utf-8").splitlines()
    n_cues = len(parse_srt((out / f"{stem}.srt").read_text(encoding="utf-8")))
    assert len([ln for ln in lrc if not ln.startswith("[ti:")]) == n_cues
