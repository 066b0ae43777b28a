"""Unit tests of the player page and library page renderers (no browser: see test_player_browser.py)."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from audiostudy.library import render_library
from audiostudy.manifest import Manifest
from audiostudy.player import write_player
from audiostudy.webpage import embed_json, fmt_ms, url

NASTY = 'A</script><script>alert("x")</script> & <b>"引号"</b> <!-- \u2028'


def sentence(
    sid: str, text: str, section: int, paragraph: int, start: int, end: int, point: int | None = None
) -> dict[str, Any]:
    return {
        "id": sid,
        "text": text,
        "section": section,
        "paragraph": paragraph,
        "point": point,
        "start_ms": start,
        "end_ms": end,
        "section_start_ms": start,
        "section_end_ms": end,
    }


def manifest(title: str = '关于<加强>学习 & "作风"建设的讲话') -> dict[str, Any]:
    return {
        "audiostudy": "0.1.0",
        "title": title,
        "source": "speech.txt",
        "engine": "edge",
        "voice": "zh-CN-YunxiNeural",
        "settings": {"rate": "+0%"},
        "duration_ms": 20000,
        "files": {
            "mp3": "讲话 全文#1.mp3",
            "m4b": "讲话.m4b",
            "srt": "讲话.srt",
            "vtt": "讲话.vtt",
            "lrc": "讲话.lrc",
            "html": "index.html",
        },
        "sections": [
            {
                "number": 1,
                "title": "开场",
                "kind": "opening",
                "file": "01-开场.mp3",
                "start_ms": 0,
                "end_ms": 4000,
                "duration_ms": 4000,
                "points": [],
            },
            {
                "number": 2,
                "title": '一、坚持<党>的 "领导" & 团结',
                "kind": "body",
                "file": "02-一.mp3",
                "start_ms": 4000,
                "end_ms": 16000,
                "duration_ms": 12000,
                "points": [
                    {
                        "number": 1,
                        "title": "一是<学>",
                        "start_ms": 8000,
                        "end_ms": 12000,
                        "section_start_ms": 4000,
                        "section_end_ms": 8000,
                    },
                    {
                        "number": 2,
                        "title": "二是&做",
                        "start_ms": 12000,
                        "end_ms": 16000,
                        "section_start_ms": 8000,
                        "section_end_ms": 12000,
                    },
                ],
            },
            {
                "number": 3,
                "title": "结束语",
                "kind": "closing",
                "file": "03-结束语.mp3",
                "start_ms": 16000,
                "end_ms": 20000,
                "duration_ms": 4000,
                "points": [],
            },
        ],
        "sentences": [
            sentence("s01-0001", "同志们：", 1, 0, 0, 1500),
            sentence("s01-0002", "今天我们开会。", 1, 0, 1500, 4000),
            sentence("s02-0003", '一、坚持<党>的 "领导" & 团结。', 2, 0, 4000, 7500),
            sentence("s02-0004", "一是<学>。", 2, 1, 8000, 10000, point=1),
            sentence("s02-0005", NASTY, 2, 1, 10000, 12000, point=1),
            sentence("s02-0006", "二是&做。", 2, 2, 12000, 16000, point=2),
            sentence("s03-0007", "谢谢大家。", 3, 0, 16000, 20000),
        ],
    }


def render_player(m: dict[str, Any], flags: dict[str, str] | None = None) -> str:
    """The page of a manifest given as its JSON (read as the typed record, as every reader does)."""
    from audiostudy.player import render_player as render

    return render(Manifest.from_json(m), flags)


class Page(HTMLParser):
    """Collects what a browser's parser would see: scripts, elements with data-* attributes, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}  # data-id -> text
        self.title = ""
        self._script: dict[str, str | None] | None = None
        self._buf: list[str] = []
        self._stack: list[str] = []
        self._sentence: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag == "script":
            self._script, self._buf = a, []
        if tag == "span" and a.get("data-id"):
            self._sentence = a["data-id"]
            self.text[self._sentence] = ""
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._buf)))
            self._script = None
        if tag == "span":
            self._sentence = None
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._buf.append(data)
        if self._sentence is not None:
            self.text[self._sentence] += data
        if self._stack and self._stack[-1] == "title":
            self.title += data


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    return p


def test_embedded_manifest_round_trips_and_only_two_scripts() -> None:
    m = manifest(title=NASTY)
    page = render_player(m)
    parsed = parse(page)
    assert len(parsed.scripts) == 2, "the title/sentence text must not open or close script elements"
    attrs, content = parsed.scripts[0]
    assert attrs == {"type": "application/json", "id": "manifest"}
    assert json.loads(content) == Manifest.from_json(m).to_json()
    assert json.loads(content)["title"] == NASTY
    assert "</script><script>alert" not in page
    assert "<\\/script>" in content
    assert "<!--" not in content


def test_embed_json_is_safe_and_round_trips() -> None:
    for value in [NASTY, "</SCRIPT>", "<!--<script>", "a\u2028b\u2029c", {"k": ["</", "<\\/"]}]:
        text = embed_json(value)
        assert "</" not in text and "<!--" not in text and "\u2028" not in text
        assert json.loads(text) == value
    with pytest.raises(ValueError):
        embed_json(float("nan"))


def test_everything_is_escaped() -> None:
    page = render_player(manifest(title=NASTY))
    parsed = parse(page)
    assert parsed.title == NASTY
    # no element injected by any text
    assert not [t for t, _ in parsed.elements if t == "b"]
    assert [t for t, _ in parsed.elements].count("script") == 2
    # sentence text survives as text
    assert parsed.text["s02-0005"] == NASTY
    assert parsed.text["s02-0003"] == '一、坚持<党>的 "领导" & 团结。'
    # section titles in data-title attributes are escaped and come back intact
    titles = [a.get("data-title") for t, a in parsed.elements if t == "button" and a.get("data-title")]
    assert '一、坚持<党>的 "领导" & 团结' in titles
    assert "一是<学>" in titles and "二是&做" in titles


def test_chapters_and_sentences_have_data_attributes() -> None:
    m = manifest()
    parsed = parse(render_player(m))
    chaps = [a for t, a in parsed.elements if "chap" in (a.get("class") or "").split()]
    secs = [a for a in chaps if "sec" in (a.get("class") or "").split()]
    pts = [a for a in chaps if "point" in (a.get("class") or "").split()]
    assert [int(a["data-start-ms"] or -1) for a in secs] == [0, 4000, 16000]
    assert [int(a["data-start-ms"] or -1) for a in pts] == [8000, 12000]
    assert [(a["data-section"], a["data-point"]) for a in pts] == [("2", "1"), ("2", "2")]
    spans = [a for t, a in parsed.elements if t == "span" and a.get("data-id")]
    assert [a["data-id"] for a in spans] == [s["id"] for s in m["sentences"]]
    for a, s in zip(spans, m["sentences"], strict=True):
        assert int(a["data-start-ms"] or -1) == s["start_ms"]
        assert int(a["data-end-ms"] or -1) == s["end_ms"]
        assert "s" in (a.get("class") or "").split()


def test_transcript_groups_sections_paragraphs_and_heading() -> None:
    page = render_player(manifest())
    # the heading sentence is the section heading, not repeated as a separate paragraph
    h2 = re.findall(r"<h2>(.*?)</h2>", page, re.S)
    assert len(h2) == 3
    assert 'data-id="s02-0003"' in h2[1]
    assert "开场" in h2[0] and "结束语" in h2[2]
    section2 = page[page.index('id="sec-2"') : page.index('id="sec-3"')]
    paras = re.findall(r"<p[^>]*data-paragraph=\"(\d+)\"[^>]*>(.*?)</p>", section2, re.S)
    assert [p for p, _ in paras] == ["1", "2"]
    assert "s02-0004" in paras[0][1] and "s02-0005" in paras[0][1] and "s02-0006" in paras[1][1]
    assert 'id="sec-2-pt-1"' in section2 and 'id="sec-2-pt-2"' in section2


def test_audio_src_is_the_relative_whole_document_mp3() -> None:
    parsed = parse(render_player(manifest()))
    audio = [a for t, a in parsed.elements if t == "audio"]
    assert len(audio) == 1
    src = audio[0]["src"] or ""
    assert src == url("讲话 全文#1.mp3") == "%E8%AE%B2%E8%AF%9D%20%E5%85%A8%E6%96%87%231.mp3"
    assert "/" not in src and ":" not in src


def test_self_contained_no_network() -> None:
    page = render_player(manifest())
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page
    assert "fetch(" not in page and "XMLHttpRequest" not in page
    assert not re.search(r"\{\{\w+\}\}", page)


def test_phone_friendly_and_chinese_ui() -> None:
    page = render_player(manifest())
    assert '<meta name="viewport" content="width=device-width' in page
    assert "prefers-color-scheme: dark" in page
    assert 'lang="zh-CN"' in page
    for label in ["章节目录", "语速", "上一句", "下一句"]:
        assert label in page
    assert "min-height: 44px" in page
    rates = re.findall(r'data-rate="([\d.]+)"', page)
    assert [float(r) for r in rates] == [0.75, 1, 1.25, 1.5, 2]


def test_write_player_matches_render() -> None:
    m = manifest()
    buf = io.StringIO()
    write_player(Manifest.from_json(m), buf)
    assert buf.getvalue() == render_player(m)


def test_minimal_and_odd_manifests_render() -> None:
    page = render_player({"title": "空", "duration_ms": 0, "files": {}, "sections": [], "sentences": []})
    assert "没有章节" in page and "没有文稿" in page
    # sentences of a section that the manifest does not list are still shown
    m = manifest()
    m["sentences"].append(sentence("s09-0100", "孤儿句。", 9, 0, 19000, 19500))
    assert 'data-id="s09-0100"' in render_player(m)
    # a section with no title falls back to a label
    m = manifest()
    m["sections"][2]["title"] = ""
    assert "结束语" in render_player(m)


def test_fmt_ms() -> None:
    assert fmt_ms(0) == "0:00"
    assert fmt_ms(65_999) == "1:05"
    assert fmt_ms(3_725_000) == "1:02:05"
    assert fmt_ms(None) == "0:00"


def test_library_links_and_escaping() -> None:
    first = {**manifest('讲话<一> & "二"'), "duration_ms": 125_000}
    second = {**manifest("第二篇"), "duration_ms": 3_600_000}
    second["sections"] = [*second["sections"], {**second["sections"][2], "number": 4}]
    entries = [("讲话 一", Manifest.from_json(first)), ("second", Manifest.from_json(second))]
    page = render_library(entries)
    parsed = parse(page)
    links = [a for t, a in parsed.elements if t == "a" and "doc" in (a.get("class") or "").split()]
    assert [a["href"] for a in links] == ["%E8%AE%B2%E8%AF%9D%20%E4%B8%80/index.html", "second/index.html"]
    assert links[0]["data-title"] == '讲话<一> & "二"'
    assert links[0]["data-duration-ms"] == "125000"
    assert "<一>" not in page
    assert "3 个部分" in page and "4 个部分" in page
    assert "开场；一、坚持" in page  # section titles listed, unless a batch build asks for counts only
    assert "开场；" not in render_library(entries, section_titles=False)
    assert "共 2 篇" in page
    assert [t for t, _ in parsed.elements].count("script") == 1
    assert "http://" not in page and "https://" not in page
    assert "还没有生成任何文档" in render_library([])
    # a build without the player page (--format mp3) links to its audio, never to a missing page
    bare = {**manifest("只有音频"), "files": {"mp3": "只有音频.mp3"}}
    bare_page = parse(render_library([("bare", Manifest.from_json(bare))]))
    hrefs = [a["href"] for t, a in bare_page.elements if t == "a" and "doc" in (a.get("class") or "").split()]
    assert hrefs == ["bare/%E5%8F%AA%E6%9C%89%E9%9F%B3%E9%A2%91.mp3"]
