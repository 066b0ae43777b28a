"""The document's own title is said first, as sentence s01-0000, then a section's pause."""

from __future__ import annotations

from pathlib import Path

import make_inputs as mk
from fakes import DOC, FakeBackend, opts, write
from media import parse_srt
from typer.testing import CliRunner

from audiostudy.cli import app
from audiostudy.document import load, parse
from audiostudy.estimate import estimate, sentence_ms
from audiostudy.pipeline import Pauses, build
from audiostudy.segment import split_document

TITLE = "在全县党风廉政建设工作会议上的讲话"
SPEECH = f"{TITLE}\n同志们：\n今天开个会。\n一、提高认识。\n一是要重视学习。\n二、狠抓落实。\n内容在此。\n"


def texts(manifest: dict) -> list[str]:
    return [s["text"] for s in manifest["sentences"]]


def test_the_title_is_said_first_once_then_a_section_pause(tmp_path: Path) -> None:
    engine = FakeBackend()
    pauses = Pauses(section_ms=1500)
    r = build(write(tmp_path, SPEECH), opts(tmp_path, pauses=pauses), backend=engine)
    first, second = r.manifest["sentences"][:2]
    assert (first["id"], first["text"], first["role"], first["section"]) == ("s01-0000", TITLE, "title", 1)
    assert first["start_ms"] == 0 and r.manifest["sections"][0]["title"] == "开场"
    assert (second["id"], second["text"], second["role"]) == ("s01-0001", "同志们：", "text")
    assert second["section_start_ms"] - first["section_end_ms"] == pauses.section_ms
    assert texts(r.manifest).count(TITLE) == 1 and engine.calls.count(TITLE) == 1
    ids = [s["id"] for s in r.manifest["sentences"]]
    assert len(set(ids)) == len(ids)
    cues = parse_srt((r.out_dir / "doc.srt").read_text(encoding="utf-8"))
    assert cues[0] == (first["start_ms"], first["end_ms"], TITLE)
    assert cues[1][2] == "同志们：" and cues[1][0] - cues[0][1] == pauses.section_ms


def test_the_player_page_shows_the_title_it_says(tmp_path: Path) -> None:
    r = build(write(tmp_path, SPEECH), opts(tmp_path, formats=("mp3", "html")), backend=FakeBackend())
    page = (r.out_dir / "index.html").read_text(encoding="utf-8")
    assert '<p class="doc-title" data-paragraph="-1"><span class="s" data-id="s01-0000"' in page
    assert page.index('data-id="s01-0000"') < page.index("<h2>开场</h2>") < page.index('data-id="s01-0001"')


def test_no_speak_title_leaves_it_out(tmp_path: Path) -> None:
    engine = FakeBackend()
    r = build(write(tmp_path, SPEECH), opts(tmp_path, speak_title=False), backend=engine)
    assert texts(r.manifest)[0] == "同志们：" and TITLE not in engine.calls
    assert r.manifest["sentences"][0]["id"] == "s01-0001" and r.manifest["sentences"][0]["start_ms"] == 0
    assert r.manifest["settings"]["speak_title"] is False


def test_a_file_name_is_not_announced(tmp_path: Path) -> None:
    src = write(tmp_path, "同志们：\n今天开个会。\n一、提高认识。\n要重视学习。\n", "年度总结.txt")
    engine = FakeBackend()
    r = build(src, opts(tmp_path), backend=engine)
    assert r.manifest["title"] == "年度总结" and load(src).spoken_title == ""
    assert texts(r.manifest)[0] == "同志们：" and all(s["role"] == "text" for s in r.manifest["sentences"])
    assert not any("年度总结" in c for c in engine.calls)


def test_a_title_the_text_repeats_is_said_once() -> None:
    doc = parse(f"# {TITLE}\n\n{TITLE}\n\n同志们：\n\n今天开个会。\n")
    assert doc.spoken_title == TITLE
    sentences = split_document(doc, 40, title=True)
    assert [s.text for s in sentences] == [TITLE, "同志们：", "今天开个会。"]
    assert sentences[0].id == "s01-0001"  # the text's own first sentence, not an added title


def test_markdown_heading_book_and_page_titles_are_said(tmp_path: Path) -> None:
    assert parse(f"# {TITLE}\n\n同志们：\n\n今天开个会。\n").spoken_title == TITLE
    assert load(mk.make_epub(tmp_path / "book.epub")).spoken_title == "学习之道"
    (tmp_path / "page.html").write_bytes(mk.web_page())
    page = load(tmp_path / "page.html")
    assert page.spoken_title == mk.WEB_TITLE and "新闻中心" not in page.spoken_title
    said = split_document(page, 40, title=True)
    assert said[0].text == mk.WEB_TITLE and [s.text for s in said].count(mk.WEB_TITLE) == 1


def test_toggling_the_option_rebuilds_and_synthesises_only_the_title(tmp_path: Path) -> None:
    src = write(tmp_path, DOC)
    build(src, opts(tmp_path, speak_title=False), backend=FakeBackend())
    engine = FakeBackend()
    on = build(src, opts(tmp_path), backend=engine)
    assert not on.up_to_date and engine.calls == ["标题"] and texts(on.manifest)[0] == "标题"
    engine = FakeBackend()
    off = build(src, opts(tmp_path, speak_title=False), backend=engine)
    assert not off.up_to_date and engine.calls == [] and texts(off.manifest)[0] == "同志们："
    assert build(src, opts(tmp_path, speak_title=False), backend=FakeBackend()).up_to_date


def test_outline_shows_the_title_and_counts_it(tmp_path: Path) -> None:
    doc = parse(SPEECH)
    title = split_document(doc, 40, title=True)[0]
    with_title, without = estimate(doc), estimate(doc, speak_title=False)
    pause = Pauses().section_ms
    assert with_title.total_ms - without.total_ms == sentence_ms(title, Pauses()) + pause
    assert with_title.sections_ms[1:] == without.sections_ms[1:]
    src = write(tmp_path, SPEECH)
    runner = CliRunner()
    shown = runner.invoke(app, ["outline", str(src), "--out", str(tmp_path / "audio")])
    assert shown.exit_code == 0 and f"title, said first: {TITLE}" in shown.stdout
    hidden = runner.invoke(app, ["outline", str(src), "--no-speak-title", "--out", str(tmp_path / "audio")])
    assert hidden.exit_code == 0 and "said first" not in hidden.stdout


def test_an_edit_of_the_title_line_alone_is_rebuilt(tmp_path: Path) -> None:
    src = write(tmp_path, DOC)
    build(src, opts(tmp_path), backend=FakeBackend())
    write(tmp_path, DOC.replace("标题", "新标题", 1))
    engine = FakeBackend()
    r = build(src, opts(tmp_path), backend=engine)
    assert not r.up_to_date and engine.calls == ["新标题"] and texts(r.manifest)[0] == "新标题"
