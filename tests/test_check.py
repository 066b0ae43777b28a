"""`audiostudy check`: the command's errors and the player page's marks (fast), and listening back to
real offline builds, one correct and one with a sentence deliberately spoken wrong (slow)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audiostudy.cli import app
from audiostudy.manifest import Manifest
from audiostudy.player import render_player

runner = CliRunner()


def _fake_build(root: Path) -> Path:
    out = root / "audio" / "doc"
    out.mkdir(parents=True)
    manifest = {"title": "doc", "duration_ms": 0, "sections": [], "sentences": [], "files": {}}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


def _one_line_error(res, fragment: str) -> None:
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert fragment in lines[0], lines[0]


def test_missing_extra_is_one_line_naming_the_extra(tmp_path, monkeypatch) -> None:
    out = _fake_build(tmp_path)
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # as if not installed
    res = runner.invoke(app, ["check", str(out)])
    _one_line_error(res, "pip install 'audiostudy[check]'")
    assert not (out / "check.json").exists()


def test_check_of_a_document_never_built(tmp_path) -> None:
    doc = tmp_path / "讲话.txt"
    doc.write_text("同志们：\n今天开个短会。\n", encoding="utf-8")
    res = runner.invoke(app, ["check", str(doc), "--out", str(tmp_path / "audio")])
    _one_line_error(res, "has not been built yet")


def test_threshold_out_of_range(tmp_path) -> None:
    res = runner.invoke(app, ["check", str(_fake_build(tmp_path)), "--threshold", "5"])
    _one_line_error(res, "--threshold")


def test_help_says_what_listening_back_cannot_catch() -> None:
    res = runner.invoke(app, ["check", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "cannot catch" in res.stdout and "polyphone" in res.stdout


def test_player_marks_flagged_sentences_only() -> None:
    def sentence(sid: str, text: str, start: int, end: int) -> dict:
        return {"id": sid, "text": text, "section": 1, "paragraph": 0, "start_ms": start, "end_ms": end,
                "section_start_ms": start, "section_end_ms": end}  # fmt: skip

    section = {"number": 1, "title": "开场", "file": "01.mp3", "start_ms": 0, "end_ms": 2000}
    section["duration_ms"] = 2000
    manifest = Manifest.from_json(
        {
            "title": "t",
            "duration_ms": 2000,
            "sections": [section],
            "sentences": [sentence("a", "今天开会。", 0, 900), sentence("b", "学习很重要。", 900, 1900)],
            "files": {},
        }
    )
    page = render_player(manifest, {"b": "听成：学习真重要"})
    assert '<span class="s misheard" title="听成：学习真重要" data-id="b"' in page
    assert '<span class="s" data-id="a"' in page
    assert "回听有 1 句与原文不符" in page
    plain = render_player(manifest)
    assert 'class="s misheard"' not in plain and "回听" not in plain


# ---------------------------------------------------------------------------- real engine, real listener

BROKEN_FROM = "各级干部要深入基层，倾听群众呼声，解决实际问题，把各项工作落到实处"
BROKEN_TO = "今天下午天气晴朗，大家都去公园散步，有人唱歌跳舞，有人坐在湖边看书"


def _build(root: Path, monkeypatch, broken: bool) -> Path:
    import audiostudy.normalize as normalize
    import audiostudy.plan as plan
    from audiostudy.backends.offline import OfflineBackend
    from audiostudy.pipeline import BuildOptions, build
    from docs import CLAUSE_SPEECH

    # Clause-sized chunks, as the clause-by-clause offline voice speaks.
    monkeypatch.setattr(OfflineBackend, "max_chars", 18)
    if broken:  # one sentence is spoken as something else; its text (and subtitles) stay as written
        real = normalize.to_reading
        swaps = list(zip(BROKEN_FROM.split("，"), BROKEN_TO.split("，"), strict=True))

        def misread(text: str) -> str:  # called per chunk, so clause by clause
            for a, b in swaps:
                text = text.replace(a, b)
            return real(text)

        monkeypatch.setattr(plan, "to_reading", misread)  # where the planner reads it
    src = root / "讲话.txt"
    src.write_text(CLAUSE_SPEECH, encoding="utf-8")
    opts = BuildOptions(engine="offline", out_root=root / "audio", cache_dir=root / "cache", workers=1,
                        formats=("mp3", "html"))  # fmt: skip
    build(src, opts)
    monkeypatch.undo()
    return src


@pytest.mark.slow
def test_check_finds_the_sentence_spoken_wrong(tmp_path, monkeypatch, asr_listener) -> None:
    src = _build(tmp_path, monkeypatch, broken=True)
    res = runner.invoke(app, ["check", str(src), "--out", str(tmp_path / "audio"), "--json"])
    assert res.exit_code == 0, res.stderr
    result = json.loads(res.stdout)
    flagged = result["sentences"]
    assert len(flagged) == 1, flagged
    worst = flagged[0]
    assert worst["text"].startswith(BROKEN_FROM)
    assert worst["expected"].startswith("ge ji gan bu yao shen ru ji ceng")
    assert "tian qi" in worst["heard"] and worst["error"] > 0.35
    assert worst["section"] == 3 and worst["start_ms"] > 0
    out_dir = tmp_path / "audio" / "讲话"
    assert json.loads((out_dir / "check.json").read_text(encoding="utf-8"))["sentences"] == flagged
    page = (out_dir / "index.html").read_text(encoding="utf-8")
    assert page.count('class="s misheard"') == 1
    assert f'data-id="{worst["id"]}"' in page.split('class="s misheard"')[1][:400]


@pytest.mark.slow
def test_check_of_a_correct_build_lists_nothing(tmp_path, monkeypatch, asr_listener) -> None:
    src = _build(tmp_path, monkeypatch, broken=False)
    res = runner.invoke(app, ["check", str(src), "--out", str(tmp_path / "audio")])
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("syllable error "), res.stdout
    assert lines[1] == "no sentence above 30% syllable error", res.stdout
    assert lines[2] == "too short to judge (under 5 syllables): 1 sentence", res.stdout
