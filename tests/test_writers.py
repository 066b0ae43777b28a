"""The text formats come from one table: each writer in WRITERS is a `--format`, is written by a
build, is listed in the manifest, and holds every sentence at its time."""

from __future__ import annotations

import re

import pytest
from fakes import FakeBackend

from audiostudy.options import DEFAULT_FORMATS, FORMATS
from audiostudy.pipeline import BuildOptions, build
from audiostudy.writers import WRITERS, get_writer

DOC = "标题\n一、第一部分。\n一是甲乙。丙丁戊。\n二、第二部分。\n内容在此。\n"


def test_every_writer_is_a_format_built_by_default():
    assert set(WRITERS) <= set(FORMATS) and set(WRITERS) <= set(DEFAULT_FORMATS)
    assert {"srt", "vtt", "lrc"} <= set(WRITERS)
    for fmt in WRITERS:
        assert get_writer(fmt).extension == fmt


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_a_build_writes_each_text_format(tmp_path, fmt):
    src = tmp_path / "doc.txt"
    src.write_text(DOC, encoding="utf-8")
    opts = BuildOptions(out_root=tmp_path / "audio", cache_dir=tmp_path / "cache", formats=(fmt,))
    r = build(src, opts, backend=FakeBackend())
    name = r.manifest["files"][fmt]
    assert name == f"doc.{fmt}" and name in r.manifest["outputs"]
    text = (r.out_dir / name).read_text(encoding="utf-8")
    for s in r.manifest["sentences"]:
        assert s["text"] in text
    # Each sentence's start time is in the file, in the format's own notation.
    first = r.manifest["sentences"][1]["start_ms"]
    clock = f"{first // 3_600_000:02d}:{first // 60_000 % 60:02d}:{first // 1000 % 60:02d}"
    stamps = {
        "srt": f"{clock},{first % 1000:03d}",
        "vtt": f"{clock}.{first % 1000:03d}",
        "lrc": f"[{first // 60_000:02d}:{first // 1000 % 60:02d}.{first % 1000 // 10:02d}]",
    }
    if fmt in stamps:
        assert stamps[fmt] in text
    other = [f for f in WRITERS if f != fmt]
    assert not any(re.search(rf"\.{o}$", p) for o in other for p in r.manifest["outputs"])
