"""End to end with the real offline engine on a short multi-section document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from media import assert_subtitles_match, ffmpeg_chapters
from mutagen.mp3 import MP3

from audiostudy.audio import duration_ms
from audiostudy.chapters import read_mp3_chapters, read_mp4_chapters
from audiostudy.pipeline import BuildOptions, Pauses, build
from docs import SHORT_SPEECH

pytestmark = pytest.mark.slow

DOC = SHORT_SPEECH
TOLERANCE_MS = 50


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, BuildOptions]:
    root = tmp_path_factory.mktemp("e2e")
    src = root / "短会.txt"
    src.write_text(DOC, encoding="utf-8")
    opts = BuildOptions(out_root=root / "audio", cache_dir=root / "cache", pauses=Pauses(section_ms=1500))
    result = build(src, opts)
    assert result.synthesised > 0 and result.cached == 0
    return result.out_dir, result.manifest, opts


def test_section_files_exist_and_decode(built):
    out, manifest, _ = built
    names = [s["file"] for s in manifest["sections"]]
    assert names == ["01-开场.mp3", "02-一、提高认识.mp3", "03-二、狠抓落实.mp3", "04-结束语.mp3"]
    for s in manifest["sections"]:
        got = duration_ms(out / s["file"])
        assert got > 500
        assert abs(got - s["duration_ms"]) <= TOLERANCE_MS


def test_whole_file_is_sections_plus_pauses(built):
    out, manifest, opts = built
    sections = sum(duration_ms(out / s["file"]) for s in manifest["sections"])
    pauses = (len(manifest["sections"]) - 1) * opts.pauses.section_ms
    for name in ("短会.mp3", "短会.m4b"):
        assert abs(duration_ms(out / name) - (sections + pauses)) <= TOLERANCE_MS, name


def test_chapters_read_back_by_ffmpeg_and_mutagen(built):
    out, manifest, _ = built
    want = [(s["title"], s["start_ms"]) for s in manifest["sections"]]
    for name in ("短会.mp3", "短会.m4b"):
        got = ffmpeg_chapters(out / name)
        assert [t for t, _ in got] == [t for t, _ in want], name
        for (_, a), (_, b) in zip(got, want, strict=True):
            assert abs(a - b) <= TOLERANCE_MS
    for reader, name in ((read_mp3_chapters, "短会.mp3"), (read_mp4_chapters, "短会.m4b")):
        chs = reader(out / name)
        assert [c.title for c in chs] == [t for t, _ in want]
        assert all(abs(c.start_ms - s) <= TOLERANCE_MS for c, (_, s) in zip(chs, want, strict=True))


def test_section_files_carry_point_chapters_and_tags(built):
    out, manifest, _ = built
    sec = manifest["sections"][1]
    chs = read_mp3_chapters(out / sec["file"])
    assert [c.title for c in chs] == ["一、提高认识", "一是要重视学习", "二是要联系实际"]
    for c, p in zip(chs[1:], sec["points"], strict=True):
        assert abs(c.start_ms - p["section_start_ms"]) <= TOLERANCE_MS
    tags = MP3(out / sec["file"]).tags
    assert str(tags["TALB"]) == "学习会讲话" and str(tags["TRCK"]) == "2/4"
    assert read_mp3_chapters(out / manifest["sections"][0]["file"]) == []  # the opening has no points


def test_subtitles_monotonic_and_match_manifest(built):
    out, manifest, _ = built
    sentences = manifest["sentences"]
    assert_subtitles_match(out, "短会", manifest)
    # Sentence times inside the section files agree with the whole-file times.
    for s in sentences:
        sec = manifest["sections"][s["section"] - 1]
        assert s["start_ms"] - sec["start_ms"] - s["section_start_ms"] in (-1, 0, 1)


def test_manifest_records_engine_and_settings(built):
    out, manifest, _ = built
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert manifest["engine"] == "offline" and manifest["settings"]["pauses"]["section_ms"] == 1500
    assert manifest["audiostudy"]
    assert (out / "index.html").is_file()
    assert not list(out.glob(".*"))  # no temporary files or work folder left behind


def test_rebuild_is_up_to_date_and_one_edit_resynthesises_one_chunk(built, tmp_path):
    out, manifest, opts = built
    src = Path(manifest["source"])
    again = build(src, opts)
    assert again.up_to_date
    edited = tmp_path / src.name
    edited.write_text(DOC.replace("学习很重要。", "学习非常重要。"), encoding="utf-8")
    r = build(edited, BuildOptions(out_root=tmp_path / "audio", cache_dir=opts.cache_dir, pauses=opts.pauses))
    unique = {c for s in manifest["sentences"] for c in s["chunks"]}
    assert (r.synthesised, r.cached) == (1, len(unique) - 1)


def test_offline_engine_says_a_chunk_longer_than_its_position_table():
    """FastSpeech2 fails past ~130 characters; reading normalisation can stretch a chunk that far.
    The backend must split it and still say every part (no silence stands in for it)."""
    from audiostudy.backends import VoiceSettings
    from audiostudy.backends.offline import OfflineBackend

    text = "全面从严治党永远在路上，党的自我革命永远在路上，" * 6  # 144 characters
    got = {}
    backend = OfflineBackend(workers=1)
    try:
        backend.synthesize([text, text[:24]], VoiceSettings(), lambda i, c: got.__setitem__(i, c))
    finally:
        backend.close()
    # About six times the audio of one 24-character piece (pauses at the split may differ a little).
    assert 4.5 * got[1].duration_ms < got[0].duration_ms < 7.5 * got[1].duration_ms
