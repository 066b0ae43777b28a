"""The whole-document MP3 and M4B are joined frame by frame from the section encodes (frames.py):
each section must sound where the manifest and the chapters say, and a one-sentence edit must
re-encode only the section it touches."""

from __future__ import annotations

import array
from pathlib import Path

import pytest
from fakes import FakeBackend

from audiostudy.audio import SAMPLE_RATE, decode_pcm, duration_ms
from audiostudy.audiofiles import AUDIO_FORMATS
from audiostudy.chapters import read_mp3_chapters, read_mp4_chapters
from audiostudy.frames import read_adts, read_mp3
from audiostudy.options import FORMATS
from audiostudy.pipeline import BuildOptions, build
from audiostudy.writers import WRITERS
from docs import SHORT_SPEECH

# A section lands on whole frames of silence: within half a frame (12 ms MP3, 21 ms AAC) of its
# place; the last one within a frame, as it also keeps the file's length right (43 ms AAC).
SLACK_MS = 45


def _onset_ms(pcm: array.array, from_ms: int, to_ms: int, level: int = 3000) -> int | None:
    """The first 1 ms step in [from_ms, to_ms) whose sample exceeds `level`."""
    per_ms = SAMPLE_RATE // 1000
    for t in range(max(0, from_ms), to_ms):
        if any(abs(x) > level for x in pcm[t * per_ms : (t + 1) * per_ms]):
            return t
    return None


def _build(tmp: Path, text: str, **kw) -> tuple[Path, dict]:
    src = tmp / "会.txt"
    src.write_text(text, encoding="utf-8")
    o = BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", formats=("mp3", "m4b"), **kw)
    r = build(src, o, backend=FakeBackend())
    return r.out_dir, r.manifest


def _assert_sections_land(out: Path, m: dict) -> None:
    for kind, reader in (("mp3", read_mp3_chapters), ("m4b", read_mp4_chapters)):
        whole = out / m["files"][kind]
        pcm = array.array("h", decode_pcm(whole))
        chapters = reader(whole)
        assert len(chapters) == len(m["sections"]) >= 3
        assert abs(duration_ms(whole) - m["duration_ms"]) <= SLACK_MS, kind
        for sec, ch in zip(m["sections"], chapters, strict=True):
            own = _onset_ms(array.array("h", decode_pcm(out / sec["file"])), 0, 500)
            assert own is not None
            heard = _onset_ms(pcm, sec["start_ms"] - 200, sec["start_ms"] + 200)
            assert heard is not None, (kind, sec["title"])
            assert abs(heard - own - sec["start_ms"]) <= SLACK_MS, (kind, sec["title"], heard, own)
            if sec["number"] > 1:  # the first chapter starts the file
                assert abs(heard - own - ch.start_ms) <= 12, (kind, sec["title"], ch.start_ms)


@pytest.mark.parametrize("speed", [1.0, 1.3])
def test_whole_files_put_each_section_where_the_manifest_says(tmp_path, speed):
    out, m = _build(tmp_path, SHORT_SPEECH, speed=speed)
    _assert_sections_land(out, m)


def test_a_one_sentence_edit_reencodes_only_its_section(tmp_path):
    out, m = _build(tmp_path, SHORT_SPEECH)
    encodes = tmp_path / "cache" / "encodes"
    before = {p.name for p in encodes.glob("*.aac")}
    assert len(before) == len(m["sections"])
    stamps = {s["file"]: (out / s["file"]).stat().st_mtime_ns for s in m["sections"]}
    out, m2 = _build(tmp_path, SHORT_SPEECH.replace("二是要加强督查。", "二是要加强日常督查。"))
    after = {p.name for p in encodes.glob("*.aac")}
    assert len(after - before) == 1  # one section re-encoded for the M4B ...
    changed = [f for f, t in stamps.items() if (out / f).stat().st_mtime_ns != t]
    assert len(changed) == 1 and "狠抓落实" in changed[0]  # ... and one section MP3
    _assert_sections_land(out, m2)


def test_frames_count_what_ffmpeg_decodes(tmp_path):
    out, m = _build(tmp_path, SHORT_SPEECH)
    sec = out / m["sections"][1]["file"]
    frames = read_mp3(sec)
    decoded = len(decode_pcm(sec)) // 2  # players drop the delay and the end padding
    assert 0 <= frames.samples - frames.delay - decoded < frames.frame_samples
    aac = next((tmp_path / "cache" / "encodes").glob("*.aac"))
    a = read_adts(aac)
    assert a.count > 0 and len(a.head(a.count)) == aac.stat().st_size


def test_every_audio_format_the_cli_accepts_has_a_class():
    audio = [f for f in FORMATS if f not in WRITERS and f != "html"]  # html: the player page
    assert sorted(audio) == sorted(AUDIO_FORMATS)
