"""A government work report mixing point conventions: section 一、 lists （一）（二） while 二、 and 三、
list 一是/二是/三是 — in .txt, .md (## headings), .docx with plain paragraphs and with heading styles.
Also the closing thanks (谢谢大家。) and a date line under the title."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiostudy.document import load, parse
from audiostudy.model import Boundary, SectionKind
from audiostudy.play import resolve
from audiostudy.segment import split_document

TITLE = "政府工作报告"
DATE = "（2024年3月15日）"
OPENING = ["各位代表：", "现在，我代表市人民政府，向大会报告工作，请予审议。"]
SECTIONS: list[tuple[str, list[str]]] = [
    (
        "一、2023年工作回顾",
        [
            "过去一年，我们坚持稳中求进工作总基调，经济社会发展主要目标任务顺利完成。",
            "（一）经济运行稳中向好。地区生产总值增长5.2%，规模以上工业增加值增长6.1%。",
            "固定资产投资保持稳定增长。",
            "（二）民生福祉持续增进。城镇新增就业3.2万人，居民人均可支配收入增长5.8%。",
        ],
    ),
    (
        "二、2024年工作总体要求",
        [
            "做好今年政府工作，要把握好以下几点。",
            "一是坚持稳中求进。把稳的基础打得更牢，把进的态势巩固下来。",
            "二是坚持改革创新。以改革破除发展障碍，以创新培育发展动能。",
            "三是坚持人民至上。把群众急难愁盼的事一件件办好。",
        ],
    ),
    (
        "三、2024年重点工作",
        [
            "一是加快建设现代化产业体系。推动传统产业转型升级。",
            "二是持续扩大有效需求。积极扩大有效投资。",
        ],
    ),
]
CLOSING = "谢谢大家。"
POINTS = [
    ("一、2023年工作回顾", ["（一）经济运行稳中向好", "（二）民生福祉持续增进"]),
    ("二、2024年工作总体要求", ["一是坚持稳中求进", "二是坚持改革创新", "三是坚持人民至上"]),
    ("三、2024年重点工作", ["一是加快建设现代化产业体系", "二是持续扩大有效需求"]),
]
WANT = [("开场", [])] + POINTS + [("结束语", [])]


def _txt(tmp: Path) -> Path:
    lines = [TITLE, DATE, *OPENING]
    for heading, body in SECTIONS:
        lines += [heading, *body]
    p = tmp / "报告.txt"
    p.write_text("\n".join([*lines, CLOSING]) + "\n", encoding="utf-8")
    return p


def _md(tmp: Path) -> Path:
    lines = [f"# {TITLE}", DATE, *OPENING]
    for heading, body in SECTIONS:
        lines += [f"## {heading}", *body]
    p = tmp / "报告.md"
    p.write_text("\n\n".join([*lines, CLOSING]) + "\n", encoding="utf-8")
    return p


def _docx(tmp: Path, styled: bool) -> Path:
    import docx

    d = docx.Document()
    d.add_heading(TITLE, level=0) if styled else d.add_paragraph(TITLE)
    for text in [DATE, *OPENING]:
        d.add_paragraph(text)
    for heading, body in SECTIONS:
        d.add_heading(heading, level=1) if styled else d.add_paragraph(heading)
        for text in body:
            d.add_paragraph(text)
    d.add_paragraph(CLOSING)
    p = tmp / "报告.docx"
    d.save(str(p))
    return p


MAKERS = {
    "txt": _txt,
    "md": _md,
    "docx plain paragraphs": lambda tmp: _docx(tmp, styled=False),
    "docx heading styles": lambda tmp: _docx(tmp, styled=True),
}


@pytest.mark.parametrize("form", list(MAKERS))
def test_each_section_finds_its_own_points(tmp_path: Path, form: str) -> None:
    doc = load(MAKERS[form](tmp_path))
    assert doc.title == TITLE
    assert [(s.title, [p.title for p in s.points]) for s in doc.sections] == WANT
    assert doc.sections[-1].kind == SectionKind.CLOSING
    assert doc.sections[-1].text == CLOSING
    assert ("日期", "2024年3月15日") in doc.meta and all(k != "署名" for k, _ in doc.meta)


def test_points_of_every_section_get_the_point_pause_and_a_number(tmp_path: Path) -> None:
    doc = load(_txt(tmp_path))
    starts = [s for s in split_document(doc, 40) if s.boundary == Boundary.POINT]
    assert [(s.section, s.point, s.text[:4]) for s in starts] == [
        (2, 1, "（一）经"),
        (2, 2, "（二）民"),
        (3, 1, "一是坚持"),
        (3, 2, "二是坚持"),
        (3, 3, "三是坚持"),
        (4, 1, "一是加快"),
        (4, 2, "二是持续"),
    ]
    t = resolve(doc, "3.1")
    assert (t.label, t.title) == ("3.1", "一是坚持稳中求进")


def test_deeper_numbering_inside_a_point_stays_in_it() -> None:
    """A section with （一） points that list 1. 2. inside keeps （一） as its points, while the next
    section, without （一）, takes its 一是."""
    doc = parse(
        "报告\n一、回顾\n（一）经济。\n1.工业增长。\n2.农业稳定。\n（二）民生。\n"
        "二、要求\n一是稳。\n二是进。\n",
        title="报告",
    )
    assert [[p.title for p in s.points] for s in doc.sections] == [
        ["（一）经济", "（二）民生"],
        ["一是稳", "二是进"],
    ]


def test_first_point_run_into_the_heading_keeps_the_rest() -> None:
    doc = parse("报告\n一、回顾\n一是稳。\n二是进。\n二、要求。一是抓落实。\n二是抓作风。\n三是抓队伍。\n")
    assert [[p.title for p in s.points] for s in doc.sections] == [
        ["一是稳", "二是进"],
        ["二是抓作风", "三是抓队伍"],
    ]


@pytest.mark.parametrize("thanks", ["谢谢大家。", "谢谢！", "谢谢各位。", "以上，谢谢大家", "谢谢大家！"])
def test_closing_thanks_is_the_closing(thanks: str) -> None:
    doc = parse(f"讲话\n同志们：\n开会。\n一、学习\n一是读原著。\n二是悟原理。\n{thanks}\n")
    last = doc.sections[-1]
    assert (last.title, last.kind, last.text) == ("结束语", SectionKind.CLOSING, thanks)
    assert doc.sections[-2].paragraphs[-1].text == "二是悟原理。"


@pytest.mark.parametrize("text", ["谢谢大家的支持，我们会继续努力。", "谢谢你们一直以来的帮助。"])
def test_thanks_inside_a_sentence_is_not_a_closing(text: str) -> None:
    doc = parse(f"讲话\n一、学习\n一是读原著。\n二是悟原理。\n{text}\n")
    assert [s.kind for s in doc.sections] == [SectionKind.BODY]


def test_thanks_above_a_signature_is_read_and_the_signature_kept() -> None:
    doc = parse("讲话\n一、学习\n一是读原著。\n二是悟原理。\n谢谢大家\n市人民政府\n2024年3月15日\n")
    assert doc.sections[-1].text == "谢谢大家"
    assert ("落款", "市人民政府") in doc.meta and ("落款", "2024年3月15日") in doc.meta


@pytest.mark.parametrize(
    ("line", "meta"),
    [
        ("（2024年3月15日）", ("日期", "2024年3月15日")),
        ("2024年3月15日", ("日期", "2024年3月15日")),
        ("(2024年3月15日)", ("日期", "2024年3月15日")),
        ("二〇二四年三月十五日", ("日期", "二〇二四年三月十五日")),
        ("张三（2024年3月15日）", ("署名", "张三（2024年3月15日）")),
    ],
)
def test_date_under_the_title_is_the_date(line: str, meta: tuple[str, str]) -> None:
    doc = parse(f"政府工作报告\n{line}\n各位代表：\n一、回顾\n内容。\n")
    assert doc.title == "政府工作报告"
    assert doc.meta == (meta,)


def test_date_line_without_a_title_is_not_the_title() -> None:
    doc = parse("2024年3月15日\n各位代表：\n一、回顾\n内容。\n", title="报告")
    assert (doc.title, doc.meta) == ("报告", (("日期", "2024年3月15日"),))


def test_built_report_has_every_point_and_its_date_in_the_manifest_and_feed(tmp_path: Path) -> None:
    from fakes import FakeBackend

    from audiostudy.feed import published_at
    from audiostudy.manifest import read
    from audiostudy.pipeline import BuildOptions, build

    opts = BuildOptions(out_root=tmp_path / "audio", cache_dir=tmp_path / "cache", formats=("mp3",))
    build(_txt(tmp_path), opts, backend=FakeBackend())
    out = tmp_path / "audio" / "报告"
    m = read(out)
    assert m is not None
    assert [(s.title, [p.title for p in s.points]) for s in m.sections] == WANT
    assert m.meta["日期"] == "2024年3月15日"
    assert published_at(out, m).date().isoformat() == "2024-03-15"
