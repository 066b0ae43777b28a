"""A first build that fails or is interrupted leaves no empty output folder behind; a folder that
was there before, or that holds anything, is never removed."""

from __future__ import annotations

import pytest
from fakes import FakeBackend, opts, write
from typer.testing import CliRunner

import audiostudy.pipeline
from audiostudy.cli import app
from audiostudy.errors import SynthesisError
from audiostudy.pipeline import build


@pytest.mark.parametrize(
    ("engine", "raised"),
    [(FakeBackend(fail_after=0), SynthesisError), (FakeBackend(interrupt_after=1), KeyboardInterrupt)],
)
def test_failed_first_build_leaves_no_empty_folder(tmp_path, engine, raised):
    src = write(tmp_path)
    o = opts(tmp_path)
    with pytest.raises(raised):
        build(src, o, backend=engine)
    assert not (o.out_root / "doc").exists()
    assert not o.out_root.exists()  # made for this build, and left empty
    assert src.exists()


def test_an_output_root_that_was_there_stays(tmp_path):
    src = write(tmp_path)
    o = opts(tmp_path)
    o.out_root.mkdir()
    (o.out_root / "doc").mkdir()  # even an empty document folder: it existed before
    with pytest.raises(SynthesisError):
        build(src, o, backend=FakeBackend(fail_after=0))
    assert (o.out_root / "doc").is_dir()


def test_a_failed_rebuild_keeps_the_earlier_build(tmp_path):
    src = write(tmp_path)
    o = opts(tmp_path)
    r = build(src, o, backend=FakeBackend())
    files = sorted(p.name for p in r.out_dir.iterdir())
    write(tmp_path, "全新的内容。\n另一句话。\n")
    with pytest.raises(SynthesisError):
        build(src, o, backend=FakeBackend(fail_after=0))
    assert sorted(p.name for p in r.out_dir.iterdir()) == files


def test_cli_failed_first_build_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(
        audiostudy.pipeline, "resolve_backend", lambda opts, reporter: FakeBackend(fail_after=0)
    )
    src = write(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["build", str(src), "--out", str(out), "--cache-dir", str(tmp_path / "c"), "-q"]
    )
    assert res.exit_code == 1 and res.stderr.startswith("error: ")
    assert not out.exists()
