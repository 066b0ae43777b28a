"""The typed manifest reads back exactly the JSON a build writes (same keys, same order), and older
or damaged manifests are handled rather than crashing."""

from __future__ import annotations

import json

import pytest
from fakes import FakeBackend, opts, write

from audiostudy.manifest import Manifest, read
from audiostudy.pipeline import build


def test_manifest_round_trips_the_json_a_build_writes(tmp_path):
    r = build(
        write(tmp_path), opts(tmp_path, formats=("mp3", "srt", "opus"), summary=True), backend=FakeBackend()
    )
    on_disk = (r.out_dir / "manifest.json").read_text(encoding="utf-8")
    m = read(r.out_dir)
    assert m is not None
    assert json.dumps(m.to_json(), ensure_ascii=False, indent=1) + "\n" == on_disk
    assert [s.title for s in m.sections] == [s["title"] for s in r.manifest["sections"]]
    assert m.sentences[0].clauses and m.sentences[0].chunks
    assert m.sections[1].points[0].number == 1 and m.sections[0].files == {"opus": "01-开场.opus"}


def test_old_and_new_keys_are_tolerated_damage_is_not(tmp_path):
    r = build(write(tmp_path), opts(tmp_path), backend=FakeBackend())
    data = dict(r.manifest)
    del data["voices"], data["engine_identity"]  # an older build
    data["added_later"] = 1  # a newer one
    m = Manifest.from_json(data)
    assert m.voices == () and m.title == r.manifest["title"]
    for bad in (None, [], {"title": "x"}, {**r.manifest, "sections": [{"title": "no file"}]}):
        with pytest.raises(ValueError):
            Manifest.from_json(bad)
    (r.out_dir / "manifest.json").write_text("{", encoding="utf-8")
    assert read(r.out_dir) is None
