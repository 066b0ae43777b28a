"""Two documents with the same file name: the output folder knows whose build it holds (the manifest
records the source's absolute path and text fingerprint), so a build, `outline` and `check` never mix
one document's audio up with the other's."""

from __future__ import annotations

import json

import pytest
from fakes import DOC, FakeBackend, opts
from typer.testing import CliRunner

import audiostudy.pipeline
from audiostudy.check import find_build
from audiostudy.cli import app
from audiostudy.errors import BatchError, FolderTakenError, InputError
from audiostudy.pipeline import build, build_any

runner = CliRunner()
OTHER = "另一篇\n同志们：\n今天讲三件事。\n一、第一件事。\n要认真。\n二、第二件事。\n要落实。\n"


@pytest.fixture
def two(tmp_path):
    """docs/report.txt and other/report.txt: same name, other text."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "other").mkdir()
    a, b = tmp_path / "docs" / "report.txt", tmp_path / "other" / "report.txt"
    a.write_text(DOC, encoding="utf-8")
    b.write_text(OTHER, encoding="utf-8")
    return a, b


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr(audiostudy.pipeline, "resolve_backend", lambda opts, reporter: FakeBackend())


def manifest(path):
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_records_the_source_path_and_text(tmp_path, two, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = build("docs/report.txt", opts(tmp_path), backend=FakeBackend())
    m = manifest(r.out_dir)
    assert m["source_path"] == str(two[0].resolve())
    assert len(m["source_sha256"]) == 64


def test_another_document_of_the_same_name_is_refused(tmp_path, two):
    a, b = two
    o = opts(tmp_path)
    first = build(a, o, backend=FakeBackend())
    before = {p.name: p.read_bytes() for p in first.out_dir.iterdir()}
    engine = FakeBackend()
    with pytest.raises(FolderTakenError) as e:
        build(b, o, backend=engine)
    msg = str(e.value)
    assert str(a.resolve()) in msg and str(b.resolve()) in msg and "--out" in msg and "--force" in msg
    assert engine.calls == []  # refused before any synthesis
    assert {p.name: p.read_bytes() for p in first.out_dir.iterdir()} == before


def test_force_replaces_the_other_documents_build(tmp_path, two):
    a, b = two
    o = opts(tmp_path)
    first = build(a, o, backend=FakeBackend())
    build(b, opts(tmp_path, force=True), backend=FakeBackend())
    m = manifest(first.out_dir)
    assert m["source_path"] == str(b.resolve())
    assert "要落实。" in [s["text"] for s in m["sentences"]]
    # The files only the first document's build had are gone: one document's build, whole.
    assert sorted(p.name for p in first.out_dir.iterdir()) == sorted(m["outputs"])


def test_the_same_document_rebuilds_and_an_edit_of_it_too(tmp_path, two):
    a, _ = two
    o = opts(tmp_path)
    build(a, o, backend=FakeBackend())
    assert build(a, o, backend=FakeBackend()).up_to_date
    a.write_text(DOC.replace("内容在此。", "内容改了。"), encoding="utf-8")
    r = build(a, o, backend=FakeBackend())
    assert not r.up_to_date and "内容改了。" in [s["text"] for s in manifest(r.out_dir)["sentences"]]


def test_a_moved_copy_with_the_same_text_is_the_same_document(tmp_path, two):
    a, _ = two
    o = opts(tmp_path)
    build(a, o, backend=FakeBackend())
    moved = tmp_path / "moved" / "report.txt"
    moved.parent.mkdir()
    moved.write_text(DOC, encoding="utf-8")
    assert build(moved, o, backend=FakeBackend()).up_to_date


def test_folder_builds_rebuild_and_skip_a_taken_folder(tmp_path, two):
    a, b = two
    (tmp_path / "docs" / "notes.txt").write_text(OTHER.replace("另一篇", "笔记"), encoding="utf-8")
    o = opts(tmp_path)
    assert len(build_any(str(tmp_path / "docs"), o, backend=FakeBackend())) == 2
    assert all(r.up_to_date for r in build_any(str(tmp_path / "docs"), o, backend=FakeBackend()))
    (tmp_path / "other" / "extra.txt").write_text(OTHER, encoding="utf-8")
    with pytest.raises(BatchError) as e:
        build_any(str(tmp_path / "other"), o, backend=FakeBackend())
    assert "report.txt" in str(e.value) and "holds the build of" in str(e.value)
    assert [r.out_dir.name for r in e.value.results] == ["extra"]  # the other document was built
    assert manifest(tmp_path / "audio" / "report")["source_path"] == str(a.resolve())


def test_cli_build_of_another_document_is_one_line(tmp_path, two, fake_engine):
    a, b = two
    out = tmp_path / "audio"
    cache = tmp_path / "cache"
    res = runner.invoke(app, ["build", str(a), "--out", str(out), "--cache-dir", str(cache), "-q"])
    assert res.exit_code == 0, res.stderr
    res = runner.invoke(app, ["build", str(b), "--out", str(out), "--cache-dir", str(cache), "-q"])
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert str(a.resolve()) in lines[0] and str(b.resolve()) in lines[0]
    res = runner.invoke(app, ["build", str(b), "--out", str(tmp_path / "b"), "--cache-dir", str(cache), "-q"])
    assert res.exit_code == 0, res.stderr


def test_outline_does_not_show_another_documents_minutes(tmp_path, two):
    a, b = two
    o = opts(tmp_path)
    build(a, o, backend=FakeBackend())
    res = runner.invoke(app, ["outline", str(b), "--out", str(o.out_root)])
    assert res.exit_code == 0, res.stderr
    assert "min with" not in res.stdout and ", built " not in res.stdout
    assert f"holds the build of {a.resolve()}" in res.stdout
    own = runner.invoke(app, ["outline", str(a), "--out", str(o.out_root)])
    assert "built: " in own.stdout and "holds the build" not in own.stdout and "changed" not in own.stdout


def test_outline_says_when_the_document_changed_since_its_build(tmp_path, two):
    a, _ = two
    o = opts(tmp_path)
    build(a, o, backend=FakeBackend())
    a.write_text(DOC.replace("内容在此。", "内容改了。"), encoding="utf-8")
    res = runner.invoke(app, ["outline", str(a), "--out", str(o.out_root)])
    assert "the document changed since it was built" in res.stdout


def test_check_refuses_another_documents_or_an_old_build(tmp_path, two):
    a, b = two
    o = opts(tmp_path)
    r = build(a, o, backend=FakeBackend())
    assert find_build(a, o.out_root) == r.out_dir
    with pytest.raises(InputError, match="holds the build of"):
        find_build(b, o.out_root)
    res = runner.invoke(app, ["check", str(b), "--out", str(o.out_root)])
    assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "holds the build of" in res.stderr
    a.write_text(DOC.replace("内容在此。", "内容改了。"), encoding="utf-8")
    with pytest.raises(InputError, match="changed since it was built"):
        find_build(a, o.out_root)
    assert find_build(r.out_dir, o.out_root) == r.out_dir  # the folder itself: the build as it is
