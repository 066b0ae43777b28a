"""Pipeline behaviour with a fast fake engine: caching, resume, stale files, structure of pauses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import DOC, FakeBackend, opts, write

from audiostudy.audio import duration_ms
from audiostudy.errors import SynthesisError
from audiostudy.pipeline import Pauses, StudyOptions, build


def test_interrupted_build_resumes_without_resynthesis(tmp_path):
    src = write(tmp_path)
    first = FakeBackend(fail_after=3)
    with pytest.raises(SynthesisError):
        build(src, opts(tmp_path), backend=first)
    assert not (tmp_path / "audio" / "doc" / "manifest.json").exists()
    second = FakeBackend()
    r = build(src, opts(tmp_path), backend=second)
    assert len(first.calls) == 3 and r.cached == 3
    assert not set(first.calls) & set(second.calls)  # nothing finished was requested again


def test_keyboard_interrupt_keeps_finished_chunks(tmp_path):
    src = write(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        build(src, opts(tmp_path), backend=FakeBackend(interrupt_after=2))
    r = build(src, opts(tmp_path), backend=FakeBackend())
    assert r.cached == 2


def test_pauses_follow_structure(tmp_path):
    src = write(tmp_path)
    p = Pauses(sentence_ms=300, paragraph_ms=700, point_ms=1000, section_ms=1500)
    r = build(src, opts(tmp_path, pauses=p), backend=FakeBackend())
    ss = r.manifest["sentences"]
    by_text = {s["text"]: s for s in ss}
    gap = lambda a, b: by_text[b]["section_start_ms"] - by_text[a]["section_end_ms"]  # noqa: E731
    assert abs(gap("一是甲。", "乙丙丁。") - 300) <= 1  # sentence
    assert abs(gap("一、第一部分。", "一是甲。") - 1000) <= 1  # point
    assert abs(gap("乙丙丁。", "二是戊。") - 1000) <= 1  # point
    assert abs(gap("同志们：", "开个会。") - 700) <= 1  # paragraph
    secs = r.manifest["sections"]
    for a, b in zip(secs, secs[1:], strict=False):
        assert b["start_ms"] - a["end_ms"] == 1500
    # Trimming: a fake clip is 120 ms silence + 50 ms/char tone + 120 ms silence; only the tone stays.
    assert abs(by_text["乙丙丁。"]["end_ms"] - by_text["乙丙丁。"]["start_ms"] - len("乙丙丁。") * 50) <= 12


def test_removed_section_disappears_and_foreign_files_stay(tmp_path):
    src = write(tmp_path)
    o = opts(tmp_path)
    r = build(src, o, backend=FakeBackend())
    files = {s["file"] for s in r.manifest["sections"]}
    foreign = r.out_dir / "my-notes.txt"
    foreign.write_text("mine", encoding="utf-8")
    write(tmp_path, DOC.replace("二、第二部分。\n内容在此。\n", ""))
    r2 = build(src, o, backend=FakeBackend())
    files2 = {s["file"] for s in r2.manifest["sections"]}
    assert files - files2 == {"03-二、第二部分.mp3", "04-结束语.mp3"}
    assert files2 - files == {"03-结束语.mp3"}
    assert not (r.out_dir / "03-二、第二部分.mp3").exists()
    assert foreign.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in r.out_dir.iterdir()) == sorted(
        [*files2, "doc.mp3", "doc.srt", "manifest.json", "my-notes.txt"]
    )


def test_changing_settings_rebuilds_and_reuses_cache(tmp_path):
    src = write(tmp_path)
    r1 = build(src, opts(tmp_path), backend=FakeBackend())
    r2 = build(src, opts(tmp_path, pauses=Pauses(sentence_ms=100)), backend=FakeBackend())
    assert not r2.up_to_date and r2.synthesised == 0 and r2.cached == r1.synthesised


def test_repeat_and_shadow_durations(tmp_path):
    src = write(tmp_path, "一句话。\n")
    base = build(src, opts(tmp_path), backend=FakeBackend()).manifest
    one = base["duration_ms"]
    rep = build(src, opts(tmp_path, study=StudyOptions(repeat=3)), backend=FakeBackend()).manifest
    assert abs(rep["duration_ms"] - (3 * one + 2 * 400)) <= 3
    sh = build(src, opts(tmp_path, study=StudyOptions(shadow=1.5)), backend=FakeBackend()).manifest
    assert abs(sh["duration_ms"] - int(one * 2.5)) <= 3
    out = Path(sh["files"]["mp3"])
    assert abs(duration_ms(tmp_path / "audio" / "doc" / out) - sh["duration_ms"]) <= 50


def test_manifest_is_valid_json_with_every_sentence(tmp_path):
    src = write(tmp_path)
    r = build(src, opts(tmp_path), backend=FakeBackend())
    m = json.loads((r.out_dir / "manifest.json").read_text(encoding="utf-8"))
    texts = [s["text"] for s in m["sentences"]]
    assert texts[:4] == ["标题", "同志们：", "开个会。", "一、第一部分。"]  # the title is said first
    assert m["title"] == "标题" and len(m["sections"]) == 4


def test_paragraph_break_edit_rewrites_the_section_file(tmp_path):
    """Same sentences, new pause between them: the section file must not be kept as it was."""
    src = write(tmp_path, "第一句话在这里。第二句话在这里。\n")
    o = opts(tmp_path, pauses=Pauses(sentence_ms=300, paragraph_ms=900))
    build(src, o, backend=FakeBackend())
    write(tmp_path, "第一句话在这里。\n第二句话在这里。\n")
    r = build(src, o, backend=FakeBackend())
    sec = r.manifest["sections"][0]
    assert abs(duration_ms(r.out_dir / sec["file"]) - sec["duration_ms"]) <= 50
    second = r.manifest["sentences"][1]
    first = r.manifest["sentences"][0]
    assert second["section_start_ms"] - first["section_end_ms"] == 900


def test_folder_build_goes_on_past_a_bad_document_and_refuses_name_clashes(tmp_path):
    from audiostudy.errors import BatchError, UsageError
    from audiostudy.pipeline import build_any

    lib = tmp_path / "lib"
    lib.mkdir()
    write(lib, "一、甲。\n内容。\n", "a.txt")
    write(lib, "  \n", "b.txt")
    write(lib, "一、乙。\n内容。\n", "c.txt")
    with pytest.raises(BatchError, match=r"1 of 3 documents failed: b\.txt") as e:
        build_any(str(lib), opts(tmp_path), backend=FakeBackend())
    assert [r.out_dir.name for r in e.value.results] == ["a", "c"]  # type: ignore[attr-defined]
    page = (tmp_path / "audio" / "index.html").read_text(encoding="utf-8")
    for d in e.value.results:  # type: ignore[attr-defined]
        target = d.manifest["files"].get("html") or d.manifest["files"]["mp3"]  # no page: its audio
        assert f'href="{d.out_dir.name}/{target}"' in page and (d.out_dir / target).is_file()
    write(lib, "一、丙。\n", "a.md")
    with pytest.raises(UsageError, match="a.md and a.txt"):
        build_any(str(lib), opts(tmp_path), backend=FakeBackend())


def test_fallback_covers_an_unreachable_service(tmp_path):
    """edge down from the first request + --fallback offline: every sentence is read offline and
    listed as fallen back; without --fallback the same build is an error."""
    from audiostudy.errors import EngineError

    class Down(FakeBackend):
        name = "edge"
        online = True

        def synthesize(self, texts, settings, on_done):
            raise EngineError("cannot reach the speech service")

    class Offline(FakeBackend):
        name = "offline"

    src = write(tmp_path)
    with pytest.raises(EngineError):
        build(src, opts(tmp_path), backend=Down(), filler=Offline())
    r = build(src, opts(tmp_path, fallback="offline"), backend=Down(), filler=Offline())
    ids = [s["id"] for s in r.manifest["sentences"]]
    assert r.fallback_sentences == ids and r.manifest["fallback"]["sentences"] == ids
    assert {s["engine"] for s in r.manifest["sentences"]} == {"offline"}
