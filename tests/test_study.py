"""Study modes on the real output files: shadow, repeat, the summary track, and batch builds."""

from __future__ import annotations

import array
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fakes import FakeBackend

from audiostudy.audio import SAMPLE_RATE, decode_pcm, duration_ms
from audiostudy.chapters import read_mp3_chapters, read_mp4_chapters
from audiostudy.pipeline import BuildOptions, StudyOptions, build, build_any
from docs import SHORT_SPEECH

DOC = SHORT_SPEECH
TOL = 50  # ms: MP3 frames, encoder delay


def opts(tmp: Path, **kw) -> BuildOptions:
    kw.setdefault("formats", ("mp3", "m4b"))
    return BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", **kw)


def write(tmp: Path, text: str = DOC, name: str = "会.txt") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def rms(pcm: array.array, start_ms: int, end_ms: int) -> float:
    a, b = start_ms * SAMPLE_RATE // 1000, end_ms * SAMPLE_RATE // 1000
    part = pcm[a:b]
    return (sum(x * x for x in part) / max(1, len(part))) ** 0.5


def check_files_match_manifest(out: Path, m: dict) -> None:
    """Every file's decoded length and chapters agree with the manifest."""
    for sec in m["sections"]:
        f = out / sec["file"]
        assert abs(duration_ms(f) - sec["duration_ms"]) <= TOL, sec["file"]
        chs = read_mp3_chapters(f)
        if sec["points"]:
            assert [c.title for c in chs][-len(sec["points"]) :] == [p["title"] for p in sec["points"]]
            for c, p in zip(chs[-len(sec["points"]) :], sec["points"], strict=True):
                assert abs(c.start_ms - p["section_start_ms"]) <= TOL
    want = [(s["title"], s["start_ms"]) for s in m["sections"]]
    for reader, name in ((read_mp3_chapters, m["files"]["mp3"]), (read_mp4_chapters, m["files"]["m4b"])):
        assert abs(duration_ms(out / name) - m["duration_ms"]) <= TOL, name
        chs = reader(out / name)
        assert [c.title for c in chs] == [t for t, _ in want]
        assert all(abs(c.start_ms - s) <= TOL for c, (_, s) in zip(chs, want, strict=True))


@pytest.fixture
def base(tmp_path) -> dict:
    return build(write(tmp_path), opts(tmp_path), backend=FakeBackend()).manifest


def test_repeat_files_chapters_and_sentence_spans(tmp_path, base):
    r = build(write(tmp_path), opts(tmp_path, study=StudyOptions(repeat=3)), backend=FakeBackend())
    m = r.manifest
    assert r.synthesised == 0  # the same clips, said again
    check_files_match_manifest(r.out_dir, m)
    for one, three in zip(base["sentences"], m["sentences"], strict=True):
        span1 = one["end_ms"] - one["start_ms"]
        assert abs(three["end_ms"] - three["start_ms"] - (3 * span1 + 2 * 400)) <= 3, three["text"]
    extra = sum(2 * (x["end_ms"] - x["start_ms"]) + 2 * 400 for x in base["sentences"])
    assert abs(m["duration_ms"] - base["duration_ms"] - extra) <= 10


def test_shadow_leaves_silence_after_each_sentence(tmp_path, base):
    r = build(write(tmp_path), opts(tmp_path, study=StudyOptions(shadow=1.0)), backend=FakeBackend())
    m = r.manifest
    check_files_match_manifest(r.out_dir, m)
    sec = m["sections"][1]
    pcm = array.array("h", decode_pcm(r.out_dir / sec["file"]))
    ss = [s for s in m["sentences"] if s["section"] == 2]
    for a, b in zip(ss, ss[1:], strict=False):
        said = a["section_end_ms"] - a["section_start_ms"]
        gap = b["section_start_ms"] - a["section_end_ms"]
        assert gap >= said + 400 - 3, a["text"]  # room to repeat it, plus the normal pause
        assert rms(pcm, a["section_end_ms"] + 60, a["section_end_ms"] + said - 60) < 50  # silent
        assert rms(pcm, a["section_start_ms"] + 60, a["section_end_ms"] - 60) > 3000  # voice
    # The same sentences as without shadowing, at the same lengths.
    for x, y in zip(base["sentences"], m["sentences"], strict=True):
        assert abs((x["end_ms"] - x["start_ms"]) - (y["end_ms"] - y["start_ms"])) <= 2


def test_summary_track_reuses_clips_and_matches_its_manifest(tmp_path, base):
    engine = FakeBackend()
    r = build(write(tmp_path), opts(tmp_path, summary=True), backend=engine)
    assert engine.calls == []  # nothing new to synthesise
    m = r.manifest
    s = m["summary"]
    assert s["file"] == "会-summary.mp3" == m["files"]["summary"] and s["file"] in m["outputs"]
    assert [x["title"] for x in s["sections"]] == ["一、提高认识", "二、狠抓落实"]
    texts = [[y["text"] for y in x["sentences"]] for x in s["sections"]]
    assert texts == [
        ["学习会讲话", "一、提高认识。", "一是要重视学习。", "二是要联系实际。"],
        ["二、狠抓落实。", "一是要明确责任。", "二是要加强督查。"],
    ]
    path = r.out_dir / s["file"]
    assert abs(duration_ms(path) - s["duration_ms"]) <= TOL
    assert s["duration_ms"] < base["duration_ms"] - 3000  # the opening and closing are left out
    chs = read_mp3_chapters(path)
    assert [c.title for c in chs] == ["一、提高认识", "二、狠抓落实"]
    for c, x in zip(chs, s["sections"], strict=True):
        assert abs(c.start_ms - x["start_ms"]) <= TOL
    assert abs(chs[-1].end_ms - s["duration_ms"]) <= TOL
    # Each summary sentence is the same clip as in the full reading; points are separated by the
    # point pause, sections by the section pause.
    full = {x["id"]: x["end_ms"] - x["start_ms"] for x in base["sentences"]}
    flat = [y for x in s["sections"] for y in x["sentences"]]
    for y in flat:
        assert abs(y["end_ms"] - y["start_ms"] - full[y["id"]]) <= 2
    first = s["sections"][0]["sentences"]
    assert abs(first[1]["start_ms"] - first[0]["end_ms"] - 1100) <= 1
    assert abs(s["sections"][1]["start_ms"] - s["sections"][0]["end_ms"] - 2000) <= 1
    pcm = array.array("h", decode_pcm(path))
    assert rms(pcm, first[0]["end_ms"] + 100, first[1]["start_ms"] - 100) < 50
    assert rms(pcm, first[1]["start_ms"] + 60, first[1]["end_ms"] - 60) > 3000
    # Turning the summary off again removes its file.
    r2 = build(write(tmp_path), opts(tmp_path), backend=FakeBackend())
    assert "summary" not in r2.manifest and not path.exists()


def test_summary_at_speed_scales_with_the_track(tmp_path, base):
    r = build(write(tmp_path), opts(tmp_path, summary=True, speed=1.25), backend=FakeBackend())
    s = r.manifest["summary"]
    assert abs(duration_ms(r.out_dir / s["file"]) - s["duration_ms"]) <= TOL
    slow = build(write(tmp_path), opts(tmp_path, summary=True), backend=FakeBackend()).manifest["summary"]
    assert abs(slow["duration_ms"] / s["duration_ms"] - 1.25) < 0.01


def test_document_without_headings_has_no_summary(tmp_path):
    r = build(
        write(tmp_path, "只有一段话。没有标题。\n"), opts(tmp_path, summary=True), backend=FakeBackend()
    )
    assert "summary" not in r.manifest and "summary" not in r.manifest["files"]


def test_batch_builds_every_document_and_links_them(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    write(folder, DOC, "a会议.txt")
    write(folder, "# 乙通知\n\n## 一、安排\n\n周五开会。\n", "b通知.md")
    (folder / "notes.png").write_bytes(b"\x89PNG")  # not a document: skipped
    o = BuildOptions(out_root=tmp_path / "audio", cache_dir=tmp_path / "cache", formats=("mp3", "html"))
    results = build_any(str(folder), o, backend=FakeBackend())
    assert [r.out_dir.name for r in results] == ["a会议", "b通知"]
    page = (tmp_path / "audio" / "index.html").read_text(encoding="utf-8")
    hrefs = [unquote(h) for h in re.findall(r'<a class="doc" href="([^"]+)"', page)]
    assert hrefs == ["a会议/index.html", "b通知/index.html"]
    for h in hrefs:
        assert (tmp_path / "audio" / h).is_file()
    assert "学习会讲话" in page and "乙通知" in page  # titles from the documents


def test_summary_opens_with_the_title_only_when_the_build_says_it(tmp_path):
    def first_texts(**kw) -> list[str]:
        r = build(write(tmp_path), opts(tmp_path, summary=True, **kw), backend=FakeBackend())
        return [y["text"] for y in r.manifest["summary"]["sections"][0]["sentences"]][:2]

    assert first_texts() == ["学习会讲话", "一、提高认识。"]
    assert first_texts(speak_title=False) == ["一、提高认识。", "一是要重视学习。"]
