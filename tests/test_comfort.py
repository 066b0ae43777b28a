"""Listening comfort: --speed scales every file and every time; --loudnorm lands on the target."""

from __future__ import annotations

import array
import re
import subprocess
from pathlib import Path

import pytest
from fakes import FakeBackend

from audiostudy.audio import FFMPEG, SAMPLE_RATE, decode_pcm, duration_ms
from audiostudy.chapters import read_mp3_chapters, read_mp4_chapters
from audiostudy.pipeline import BuildOptions, build
from docs import SHORT_SPEECH

DOC = SHORT_SPEECH.replace("学习会讲话", "通勤听").replace("二是要加强督查。\n", "")


def opts(tmp: Path, **kw) -> BuildOptions:
    return BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", formats=("mp3", "m4b"), **kw)


def write(tmp: Path, text: str = DOC) -> Path:
    p = tmp / "doc.txt"
    p.write_text(text, encoding="utf-8")
    return p


def integrated_lufs(path: Path) -> float:
    """Integrated loudness as ffmpeg's EBU R128 meter (ebur128 filter) reports it."""
    proc = subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-filter_complex",
            "ebur128",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    summary = proc.stderr[proc.stderr.rindex("Summary:") :]
    m = re.search(r"I:\s+(-?\d+(?:\.\d+)?) LUFS", summary)
    assert m, summary
    return float(m.group(1))


def rms(pcm: array.array, start_ms: int, end_ms: int) -> float:
    part = pcm[start_ms * SAMPLE_RATE // 1000 : end_ms * SAMPLE_RATE // 1000]
    return (sum(x * x for x in part) / max(1, len(part))) ** 0.5


def opts_at(tmp: Path, out_root: Path, **kw) -> BuildOptions:
    return BuildOptions(out_root=out_root, cache_dir=tmp / "cache", formats=("mp3", "m4b"), **kw)


@pytest.fixture
def fast_pair(tmp_path) -> tuple[Path, dict, Path, dict]:
    src = write(tmp_path)
    a = build(src, opts_at(tmp_path, tmp_path / "n"), backend=FakeBackend())
    b = build(src, opts_at(tmp_path, tmp_path / "f", speed=1.25), backend=FakeBackend())
    assert b.synthesised == 0  # tempo is applied at encode time, the clips are shared
    return a.out_dir, a.manifest, b.out_dir, b.manifest


def test_speed_scales_every_file_by_the_factor(fast_pair):
    out1, m1, out2, m2 = fast_pair
    names = [s["file"] for s in m1["sections"]] + ["doc.mp3", "doc.m4b"]
    ratios = []
    for name in names:
        r = duration_ms(out1 / name) / duration_ms(out2 / name)
        ratios.append(r)
        assert abs(r / 1.25 - 1) <= 0.02, (name, r)
    print("speed ratios", [round(r, 4) for r in ratios])


def test_speed_scales_every_manifest_time(fast_pair):
    _, m1, out2, m2 = fast_pair
    assert abs(m1["duration_ms"] / m2["duration_ms"] - 1.25) < 0.001
    for a, b in zip(m1["sentences"], m2["sentences"], strict=True):
        for k in ("start_ms", "end_ms", "section_start_ms", "section_end_ms"):
            assert abs(b[k] * 1.25 - a[k]) <= 2, (a["text"], k)
    for a, b in zip(m1["sections"], m2["sections"], strict=True):
        assert abs(b["start_ms"] * 1.25 - a["start_ms"]) <= 2
        assert abs(duration_ms(out2 / b["file"]) - b["duration_ms"]) <= 50
        for p, q in zip(a["points"], b["points"], strict=True):
            assert abs(q["section_start_ms"] * 1.25 - p["section_start_ms"]) <= 2
    # The chapters written into the fast files are the scaled times too.
    for reader, name in ((read_mp3_chapters, "doc.mp3"), (read_mp4_chapters, "doc.m4b")):
        chs = reader(out2 / name)
        assert all(abs(c.start_ms - s["start_ms"]) <= 50 for c, s in zip(chs, m2["sections"], strict=True))
    # And the voice really is where the scaled times say it is.
    sec = m2["sections"][1]
    pcm = array.array("h", decode_pcm(out2 / sec["file"]))
    ss = [s for s in m2["sentences"] if s["section"] == 2]
    for a, b in zip(ss, ss[1:], strict=False):
        assert rms(pcm, a["section_start_ms"] + 40, a["section_end_ms"] - 40) > 3000, a["text"]
        assert rms(pcm, a["section_end_ms"] + 60, b["section_start_ms"] - 60) < 100, a["text"]


@pytest.mark.parametrize("target", [-16.0, -23.0])
def test_loudnorm_lands_on_target(tmp_path, target):
    r = build(write(tmp_path), opts(tmp_path, loudnorm=target), backend=FakeBackend())
    files = ["doc.mp3", "doc.m4b", r.manifest["sections"][1]["file"]]
    measured = {f: integrated_lufs(r.out_dir / f) for f in files}
    print("loudnorm", target, measured)
    for f, lufs in measured.items():
        assert abs(lufs - target) <= 1.0, (f, lufs)


def test_loudnorm_with_speed_and_without(tmp_path):
    src = write(tmp_path)
    plain = build(src, opts_at(tmp_path, tmp_path / "plain"), backend=FakeBackend())
    before = integrated_lufs(plain.out_dir / "doc.mp3")
    assert abs(before - -23) > 3  # the fake tone is far louder: normalising has work to do
    both = build(src, opts_at(tmp_path, tmp_path / "both", speed=1.25, loudnorm=-23), backend=FakeBackend())
    assert abs(integrated_lufs(both.out_dir / "doc.mp3") - -23) <= 1.0
    assert abs(duration_ms(plain.out_dir / "doc.mp3") / duration_ms(both.out_dir / "doc.mp3") - 1.25) <= 0.025


@pytest.mark.slow
def test_real_voice_speed_and_loudnorm(tmp_path):
    """The offline voice (speech with pauses, not a tone) at 1.25x and -16 LUFS."""
    src = write(tmp_path, "通勤\n一、抓学习。\n一是读原文，悟原理。\n二是学以致用。\n")
    a = build(src, opts_at(tmp_path, tmp_path / "n"))
    b = build(src, opts_at(tmp_path, tmp_path / "f", speed=1.25, loudnorm=-16))
    assert b.synthesised == 0
    ratio = duration_ms(a.out_dir / "doc.mp3") / duration_ms(b.out_dir / "doc.mp3")
    lufs = {n: integrated_lufs(b.out_dir / n) for n in ("doc.mp3", "doc.m4b")}
    print("real voice: ratio", round(ratio, 4), "lufs", lufs)
    assert abs(ratio / 1.25 - 1) <= 0.02
    assert all(abs(v + 16) <= 1.0 for v in lufs.values()), lufs


def test_tags_and_cover(tmp_path):
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4

    r = build(write(tmp_path), opts(tmp_path), backend=FakeBackend())
    m4b = MP4(str(r.out_dir / "doc.m4b"))
    assert m4b["\xa9nam"] == ["通勤听"] and m4b["\xa9alb"] == ["通勤听"] and m4b["stik"] == [2]
    cover = bytes(m4b["covr"][0])
    assert m4b["covr"][0].imageformat == m4b["covr"][0].FORMAT_PNG
    png = tmp_path / "cover.png"
    png.write_bytes(cover)
    proc = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(png), "-f", "null", "-"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and "600x600" in proc.stderr, proc.stderr[-300:]
    sec = r.manifest["sections"][1]
    tags = MP3(r.out_dir / sec["file"]).tags
    assert str(tags["TIT2"]) == sec["title"] and str(tags["TALB"]) == "通勤听"
    assert str(tags["TRCK"]) == f"2/{len(r.manifest['sections'])}"
