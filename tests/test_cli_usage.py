"""What the user reads when the command line itself is misused or asked for help: the help text as
rendered, and usage errors as the one `error:` line with a hint (exit 2) that bad input gives."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from audiostudy.cli import app

runner = CliRunner()


def squeezed(text: str) -> str:
    """The rendered help without its box drawing and wrapping (rich wraps to the terminal)."""
    return "".join(re.sub(r"[│╭╮╰╯─]", "", text).split())


def test_check_help_names_the_extra_to_install():
    res = runner.invoke(app, ["check", "--help"])
    assert res.exit_code == 0
    assert "pipinstall'audiostudy[check]'" in squeezed(res.stdout)


@pytest.mark.parametrize(
    ("args", "flags"),
    [
        (["build", "--help"], ["--summary", "--force", "--quiet", "--feed-sections", "--help"]),
        (["--help"], ["--version", "--help"]),
        (["outline", "--help"], ["--reading"]),
    ],
)
def test_flags_show_no_value_in_help(args, flags):
    res = runner.invoke(app, args)
    assert res.exit_code == 0
    rows = {f: [line for line in res.stdout.splitlines() if re.search(rf"│ {f}\b", line)] for f in flags}
    for flag, lines in rows.items():
        assert lines, flag
        assert "<" not in lines[0].split(flag)[1].split("  ", 1)[1][:14], lines[0]
    assert "<bool>" not in res.stdout
    # An option that takes a value still shows what kind.
    if args[0] == "build":
        assert re.search(r"--workers\s+<int>", res.stdout)


@pytest.mark.parametrize(
    ("args", "fragment", "hint"),
    [
        (["build", "x.txt", "--summary", "true"], "unexpected extra argument", "build --help"),
        (["build", "x.txt", "--nosuch"], "No such option: --nosuch", "build --help"),
        (["build"], "Missing argument", "build --help"),
        (["build", "x.txt", "--speed", "fast"], "--speed", "build --help"),
        (["--nosuch"], "No such option", "--help"),
        (["nosuchcommand"], "No such command", "--help"),
        (["cache", "info", "--nosuch"], "No such option", "cache info --help"),
    ],
)
def test_usage_errors_are_one_line(args, fragment, hint):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0]
    assert re.search(rf"try '\S+ {re.escape(hint)}'$", lines[0]), lines[0]
    assert "╭" not in res.stderr and "Traceback" not in res.stderr + res.stdout


def test_a_flag_given_alone_still_works(tmp_path):
    res = runner.invoke(app, ["outline", str(tmp_path / "missing.txt"), "--reading"])
    assert res.exit_code == 1 and res.stderr.startswith("error: ")  # the file's error, not a usage one


def test_nothing_given_shows_the_help():
    res = runner.invoke(app, [])
    assert "Usage:" in res.stdout and "build" in res.stdout
    assert res.stderr == ""


def test_progress_stages_keep_bracketed_text():
    from io import StringIO

    from rich.console import Console

    from audiostudy.progress import RichReporter

    buf = StringIO()
    reporter = RichReporter(Console(file=buf, width=200), enabled=True)
    reporter.stage("skipped a.pdf: pip install 'audiostudy[pdf]' to read .pdf")
    assert "pip install 'audiostudy[pdf]'" in buf.getvalue()


def test_a_long_message_stays_one_line_when_stderr_is_a_file(tmp_path):
    """A log file or a pipe is not a terminal: rich would wrap at 80 columns, breaking a message."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-rather-long-file-name-for-a-weekly-study-document.docx").write_bytes(b"not a docx")
    res = runner.invoke(app, ["build", str(folder), "--engine", "offline", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    skipped = [ln for ln in lines if ln.startswith("skipped ")]
    assert len(skipped) == 1 and len(skipped[0]) > 100 and skipped[0].endswith("as .docx")
    assert all(ln.startswith(("skipped ", "error: ")) or not ln.strip() for ln in lines), lines
