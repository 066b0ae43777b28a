"""`outline`'s estimate: every pause the build inserts, from the same settings, and the real voice's rate."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from audiostudy.document import parse
from audiostudy.estimate import Estimate, estimate, spoken_chars
from audiostudy.pauses import Pauses
from audiostudy.pipeline import BuildOptions, build
from docs import SHORT_SPEECH

# Longer sentences with clause marks, numbers and Latin letters, in three sections: the shapes whose
# reading length differs most from the written length.
BRIEFING = """工作部署会讲话
同志们：
今年以来，全市上下认真贯彻落实各项决策部署，经济运行总体平稳、稳中有进。
一、主要成绩
全年地区生产总值增长5.2%，规模以上工业增加值增长6.1%，完成固定资产投资1280亿元。
一是项目建设加快推进，新开工亿元以上项目136个，其中GDP贡献较大的项目占三成。
二是民生保障持续加强，新增城镇就业2.3万人，城乡居民收入稳步增长。
二、下一步工作
要坚持稳中求进工作总基调，完整、准确、全面贯彻新发展理念，统筹发展和安全，扎实推进高质量发展，着力扩大有效需求，确保全年各项目标任务圆满完成。
"""


def test_counts_sentence_point_and_section_pauses() -> None:
    doc = parse(SHORT_SPEECH)
    base = estimate(doc, Pauses())
    longer = estimate(doc, Pauses(sentence_ms=1400, point_ms=2100, section_ms=3000))
    sentences_in_paragraphs = 1  # 学习很重要 follows 一是要重视学习 in the same paragraph
    points = 4
    gaps_between_sections = len(doc.sections) - 1
    after_title = 1  # a section's pause after the spoken title 学习会讲话
    added = 1000 * (sentences_in_paragraphs + points + gaps_between_sections + after_title)
    assert longer.total_ms - base.total_ms == added
    assert len(base.sections_ms) == len(doc.sections)


def test_counts_a_clause_pause_per_clause_mark_from_the_same_settings() -> None:
    """The offline voice speaks clause by clause: each ， inside a sentence costs clause_ms, each 、
    half of it (the assembler's rule, Pauses.clause_pause_ms)."""
    doc = parse(BRIEFING)
    base = estimate(doc, Pauses(clause_ms=0))
    with_pauses = estimate(doc, Pauses(clause_ms=400))
    body = BRIEFING.split("\n", 1)[1]
    assert with_pauses.total_ms - base.total_ms == 400 * body.count("，") + 200 * body.count("、")


def test_reading_length_counts_numbers_as_said() -> None:
    assert spoken_chars("增长5.2%") == len("增长百分之五点二")
    assert spoken_chars("GDP，") == len("吉迪屁")
    assert isinstance(estimate(parse("一句话。")), Estimate)


@pytest.mark.slow
@pytest.mark.parametrize("text", [BRIEFING, SHORT_SPEECH], ids=["briefing", "short"])
def test_estimate_within_ten_percent_of_a_real_build(tmp_path: Path, text: str) -> None:
    src = tmp_path / "doc.txt"
    src.write_text(text, encoding="utf-8")
    opts = BuildOptions(out_root=tmp_path / "audio", cache_dir=tmp_path / "cache", workers=1)
    built = build(src, replace(opts, formats=("mp3",))).manifest
    guess = estimate(parse(text), opts.pauses)
    assert abs(guess.total_ms - built["duration_ms"]) <= 0.10 * built["duration_ms"], (
        guess.total_ms,
        built["duration_ms"],
    )
