"""Find a document's outline: title, metadata, opening, sections, points, closing, signature.

Chinese official and study documents number their parts with a small set of conventions
(一、 （一） 1. （1） 第一章 一是 首先…).  Every line is classified by the convention it opens
with; the highest-ranked convention present becomes the sections and the next one the points,
so the same code handles a speech (一、 + 一是) and a notice (一、 + （一）) alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audiostudy.inputs.base import RawLine
from audiostudy.model import Paragraph, Point, Section, SectionKind
from audiostudy.segment import first_sentence

_CN = "一二三四五六七八九十百零〇两"
_CN_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_VALUE.update({"八": 8, "九": 9})
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# (kind, pattern); the first matching pattern classifies a line.  Group 1 is the number.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(rf"^第([{_CN}\d]+)部分")),
    ("chapter", re.compile(rf"^第([{_CN}\d]+)章")),
    ("jie", re.compile(rf"^第([{_CN}\d]+)节")),
    ("cn", re.compile(rf"^([{_CN}]+)\s*[、．]")),
    ("pcn", re.compile(rf"^[（(]\s*([{_CN}]+)\s*[)）]")),
    ("num", re.compile(r"^(\d{1,2})\s*(?:[、．]|\.(?!\d))")),
    ("pnum", re.compile(r"^[（(]\s*(\d{1,2})\s*[)）]")),
    ("pnum", re.compile(rf"^([{_CIRCLED}])")),
    ("shi", re.compile(rf"^([{_CN}]+)是(?=\S)")),
    ("seq", re.compile(r"^(首先|其次|再次|然后|最后)(?=[，,：:\s]|[^\W\d_])")),
]
# Lower rank = higher level.  Markdown/Word heading levels slot in above the numbering conventions
# because a writer who uses real headings means them as the outline.
_RANK = {"part": 0, "chapter": 1, "jie": 2, "cn": 20, "pcn": 21, "num": 22, "mdlist": 22, "pnum": 23}
_RANK.update({"shi": 24, "seq": 25})
# These open points, never sections: "一是" or "首先" do not title a part of a speech.
_POINT_ONLY = {"shi", "seq", "mdlist"}

_SALUTATION = re.compile(
    r"^(各位|同志们|尊敬的|亲爱的|老师们|同学们|朋友们|女士们|先生们|大家好|同事们|全体)"
)
# A paragraph that only thanks the audience (谢谢大家。 / 谢谢！ / 以上，谢谢大家) ends a speech.
_THANKS = r"(?:以上[，,、]?\s*)?(?:谢谢|感谢)(?:大家|各位(?:同志|领导)?|聆听|)[。！!.…\s]*$"
_CLOSING = re.compile(
    r"^(?:(?:同志们|各位同志|同事们|朋友们|同志们、朋友们)[，,！!：:]|总之|总而言之|综上所述|"
    rf"最后[，,]?(?:让我们|希望|我)|让我们|{_THANKS})"
)
_META = re.compile(
    r"^(时间|日期|地点|会议地点|主持|主持人|出席|出席人员|参加人员|参会人员|列席|记录|记录人|来源|作者|"
    r"发布时间|发布日期|整理|主讲|主讲人|报告人|发言人|文号|密级)\s*[：:]\s*(.+)$"
)
_DATE = re.compile(rf"(\d{{4}}|[{_CN}]{{4}})\s*年\s*[\d{_CN}]{{1,3}}\s*月(\s*[\d{_CN}]{{1,3}}\s*日)?")
_BRACKETS = "（()）〔〕[] \u3000"
_END_PUNCT = "。！？；…!?;：:，,"


@dataclass(frozen=True)
class Line:
    text: str
    kind: str | None  # numbering convention or heading level ("md2", "h1"); None for body text
    number: int  # the number written (1-based), 0 if none


@dataclass(frozen=True)
class Outline:
    title: str | None
    meta: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]


def cn_number(s: str) -> int:
    """Value of a small number written in Chinese or Arabic digits ("十二" -> 12); 0 if unknown."""
    if s in _CIRCLED:
        return _CIRCLED.index(s) + 1
    if s.isdecimal():  # not isdigit(): ① and ² are digits to it, but int() refuses them
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_VALUE:
            cur = _CN_VALUE[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return 0
    return total + cur


def classify(raw: RawLine, markdown: bool) -> Line:
    text = raw.text
    if raw.style_level is not None:
        return Line(text, f"h{raw.style_level}", 0)
    if markdown:
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", text)
        if m:
            return Line(m.group(2), f"md{len(m.group(1))}", 0)
        m = re.match(r"^(\d{1,2})[.)]\s+\S", text)
        if m:
            return Line(text, "mdlist", int(m.group(1)))
    for kind, pat in _PATTERNS:
        m = pat.match(text)
        if m:
            if kind == "seq":
                if re.match(r"^最后[，,]?\s*让我们", text):
                    return Line(text, None, 0)  # the classic closing, not a last point
                order = {"首先": 1, "其次": 2, "再次": 3, "然后": 3, "最后": 9}
                return Line(text, kind, order[m.group(1)])
            num = cn_number(m.group(1))
            if num > 0:
                return Line(text, kind, num)
    return Line(text, None, 0)


def heading_number(title: str) -> int:
    """The number a section heading writes for itself (三、… / 第三部分… / （三）… -> 3); 0 if none."""
    line = classify(RawLine(title), markdown=False)
    return line.number if line.kind is not None and line.kind not in _POINT_ONLY else 0


def _rank(kind: str) -> int:
    if kind.startswith(("md", "h")) and kind[-1].isdigit():
        return 3 + int(kind[-1])
    return _RANK[kind]


def _levels(lines: list[Line]) -> tuple[str | None, str | None]:
    """(section kind, point kind) among the conventions present in lines."""
    ordered = sorted(_present(lines), key=_rank)
    section = next((k for k in ordered if k not in _POINT_ONLY), None)
    rest = [k for k in ordered if section is None or _rank(k) > _rank(section)]
    return section, (rest[0] if rest else None)


def _present(lines: list[Line]) -> set[str]:
    """The numbering conventions and heading levels that really structure lines (a numbered
    convention needs its first item; 首先… needs a second opener)."""
    present: set[str] = set()
    for ln in lines:
        if ln.kind is None or ln.kind == "h0":
            continue  # a second Word "Title" paragraph is just text
        if ln.kind.startswith(("md", "h")) and ln.kind[-1].isdigit():
            present.add(ln.kind)
        elif ln.kind == "seq":
            # "首先" alone is just a word; a sequence needs a second opener.
            if sum(1 for x in lines if x.kind == "seq") >= 2 and any(
                x.number == 1 for x in lines if x.kind == "seq"
            ):
                present.add("seq")
        elif ln.number == 1:
            present.add(ln.kind)
    return present


def _is_title(line: Line, nxt: Line | None) -> bool:
    t = line.text
    if line.kind is not None or _SALUTATION.match(t) or _META.match(t) or _is_date(t):
        return False
    return 0 < len(t) <= 40 and t[-1] not in _END_PUNCT and "。" not in t and nxt is not None


def _is_styled_title(lines: list[Line]) -> bool:
    """A Word Title paragraph, or a Markdown "# " heading used once at the top, is the title."""
    kind = lines[0].kind
    return kind in ("h0", "md1") and sum(1 for x in lines if x.kind == kind) == 1


def _split_header(lines: list[Line]) -> tuple[str | None, list[tuple[str, str]], list[Line]]:
    """Take the title line and metadata lines off the top of the document."""
    title: str | None = None
    meta: list[tuple[str, str]] = []
    i = 0
    if lines and (_is_styled_title(lines) or _is_title(lines[0], lines[1] if len(lines) > 1 else None)):
        title, i = lines[0].text, 1
    # Metadata sits between the title and the first real paragraph.
    while i < len(lines):
        ln = lines[i]
        m = _META.match(ln.text)
        if ln.kind is None and m and len(ln.text) <= 80:
            meta.append((m.group(1), m.group(2).strip()))
        elif ln.kind is None and ln.text.startswith(("——", "—", "--")) and len(ln.text) <= 60:
            meta.append(("副标题", ln.text.lstrip("—- ")))
        elif ln.kind is None and _is_date(ln.text):
            meta.append(("日期", ln.text.strip(_BRACKETS)))
        elif ln.kind is None and _is_byline(ln.text) and title is not None:
            meta.append(("署名", ln.text))
        else:
            break
        i += 1
    return title, meta, lines[i:]


def _is_date(t: str) -> bool:
    """A line that is only a date, maybe bracketed: （2024年3月15日）."""
    return bool(_DATE.fullmatch(t.strip(_BRACKETS)))


def _is_byline(t: str) -> bool:
    """An author/date line: short, no sentence punctuation, carries a date or is bracketed."""
    if len(t) > 40 or any(c in t for c in "。！？；，,"):
        return False
    return bool(_DATE.search(t)) or (t[0] in "（(" and t[-1] in "）)")


def _split_signature(lines: list[Line]) -> tuple[list[Line], list[tuple[str, str]]]:
    """A trailing organisation name + date block is a signature, printed but not read."""
    j = len(lines)
    while j > 0 and len(lines) - j < 4:
        ln = lines[j - 1]
        if ln.kind is not None or len(ln.text) > 30 or any(c in ln.text for c in "。！？；，,：:"):
            break
        if _CLOSING.match(ln.text):
            break  # 谢谢大家 above the signature is still read
        j -= 1
    block = lines[j:]
    if j == 0 or not block or not any(_is_date(x.text) for x in block):
        return lines, []
    return lines[:j], [("落款", x.text) for x in block]


def build_outline(raw: list[RawLine], markdown: bool, fallback_title: str) -> Outline:
    lines = [classify(r, markdown) for r in raw if r.text.strip()]
    title, meta, body = _split_header(lines)
    body, sig = _split_signature(body)
    meta.extend(sig)
    sec_kind, pt_kind = _levels(body)
    doc_kinds = _present(body)
    doc_title = title or fallback_title
    sections: list[Section] = []
    if sec_kind is None:
        paras, points = _paragraphs(body, pt_kind, None)
        if paras:
            sections.append(Section(1, doc_title, SectionKind.WHOLE, paras, points))
        return Outline(title, tuple(meta), tuple(sections))
    starts = [i for i, ln in enumerate(body) if ln.kind == sec_kind]
    if starts[0] > 0:
        paras, _ = _paragraphs(body[: starts[0]], None, None)
        sections.append(Section(1, "开场", SectionKind.OPENING, paras))
    closing: list[Line] = []
    for si, start in enumerate(starts):
        end = starts[si + 1] if si + 1 < len(starts) else len(body)
        part = body[start:end]
        kind = _point_kind(part[1:], sec_kind, doc_kinds)
        if si == len(starts) - 1:
            part, closing = _split_closing(part, kind)
        paras, points = _paragraphs(part[1:], kind, part[0])
        sections.append(Section(len(sections) + 1, _heading_title(part[0]), SectionKind.BODY, paras, points))
    if closing:
        paras, _ = _paragraphs(closing, None, None)
        sections.append(Section(len(sections) + 1, "结束语", SectionKind.CLOSING, paras))
    return Outline(title, tuple(meta), tuple(sections))


def _point_kind(lines: list[Line], sec_kind: str, doc_kinds: set[str]) -> str | None:
    """The points of one section: the highest-ranked convention below the sections' own present in
    this section's body. Decided per section, because one part of a report may list （一）（二） while
    the next lists 一是、二是 (and a chapter given by the file's own headings is numbered inside as a
    document of its own would be). A convention the document uses elsewhere counts even when this
    section's first item is run into its heading (二、狠抓落实。一是… / 二是…)."""
    below = [x for x in lines if x.kind is not None and _rank(x.kind) > _rank(sec_kind)]
    found = _present(below) | {k for x in below if (k := x.kind or "") in doc_kinds and k != "seq"}
    return min(found, key=_rank) if found else None


def _heading_title(line: Line) -> str:
    return first_sentence(line.text) or line.text


def _split_closing(part: list[Line], pt_kind: str | None) -> tuple[list[Line], list[Line]]:
    """The closing that ends the last section, if any. The section keeps its first paragraph: a
    salutation opening it (五、工作要求 / 同志们，还有9天就是除夕。…) belongs to it, and a section
    is never left holding only its title while text follows."""
    last_point = max((i for i, ln in enumerate(part) if pt_kind and ln.kind == pt_kind), default=0)
    heading = part[0].text.rstrip(_END_PUNCT + "。 ")
    first = 1 if len(heading) > len(_heading_title(part[0])) else 2
    for i in range(max(first, last_point + 1), len(part)):
        if part[i].kind is None and _CLOSING.match(part[i].text):
            return part[:i], part[i:]
    return part, []


def _paragraphs(
    lines: list[Line], pt_kind: str | None, heading: Line | None
) -> tuple[tuple[Paragraph, ...], tuple[Point, ...]]:
    paras: list[Paragraph] = []
    points: list[Point] = []
    if heading is not None:
        paras.append(Paragraph(heading.text, heading=True))
    for ln in lines:
        if pt_kind is not None and ln.kind == pt_kind:
            number = len(points) + 1
            points.append(Point(number, first_sentence(ln.text) or ln.text, len(paras)))
            paras.append(Paragraph(ln.text, point=number))
        else:
            paras.append(Paragraph(ln.text))
    return tuple(paras), tuple(points)
