"""`outline --reading` lists each word once, with the reading the build gives it: a word the
pronunciation lexicon covers appears only with the lexicon's reading."""

from __future__ import annotations

from typer.testing import CliRunner

from audiostudy.cli import app

TEXT = "标题\n一、AI的发展。\nAI正在改变2024年的世界。\n"


def outline(tmp_path, *extra: str) -> str:
    src = tmp_path / "ai.txt"
    src.write_text(TEXT, encoding="utf-8")
    res = CliRunner().invoke(app, ["outline", str(src), "--reading", "--out", str(tmp_path / "o"), *extra])
    assert res.exit_code == 0, res.stderr
    return res.stdout


def test_a_lexicon_word_is_listed_only_with_the_lexicons_reading(tmp_path):
    lex = tmp_path / "lex.txt"
    lex.write_text("AI => 人工智能\n", encoding="utf-8")
    out = outline(tmp_path, "--lexicon", str(lex))
    ai = [line.strip() for line in out.splitlines() if line.strip().startswith("AI")]
    assert ai == [f"AI  => 人工智能 · lexicon ({lex}:1)"], out
    assert "2024 → 二零二四" in out  # what the lexicon does not cover is still listed


def test_without_the_lexicon_the_offline_reading_is_listed(tmp_path):
    out = outline(tmp_path)
    assert "AI → " in out and "人工智能" not in out
