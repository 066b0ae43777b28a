"""One PDF page's characters (from pdfplumber) into text rows in reading order.

Rows are characters on one baseline. A page set in two columns has a vertical gutter that almost no
row crosses; its columns are read one after the other, so their lines are never interleaved.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from audiostudy.inputs.base import is_cjk


@dataclass(frozen=True)
class Row:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int  # 0-based
    column: int  # 0 for a single column or a full-width row, 1/2 for the columns of a two-column page


Char = dict[str, Any]


def page_rows(chars: list[Char], page: int, width: float) -> list[Row]:
    """The rows of one page in reading order."""
    chars = [c for c in chars if c.get("upright", True) and str(c["text"]).strip()]
    lines = _baselines(chars)
    gutter = _gutter(lines, width)
    if gutter is None:
        return [_row(line, page, 0) for line in lines]
    mid = (gutter[0] + gutter[1]) / 2
    left: list[Row] = []
    right: list[Row] = []
    full: list[Row] = []
    for line in lines:
        if any(c["x0"] < gutter[1] and c["x1"] > gutter[0] for c in line):
            full.append(_row(line, page, 0))
            continue
        lpart = [c for c in line if c["x1"] <= mid]
        rpart = [c for c in line if c["x0"] >= mid]
        if lpart:
            left.append(_row(lpart, page, 1))
        if rpart:
            right.append(_row(rpart, page, 2))
    first = min((r.top for r in left + right), default=0.0)
    return [r for r in full if r.top < first] + left + right + [r for r in full if r.top >= first]


def _baselines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into lines by their vertical position, each line sorted left to right."""
    lines: list[list[Char]] = []
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and abs(c["top"] - lines[-1][0]["top"]) <= 0.4 * max(c["size"], 1.0):
            lines[-1].append(c)
        else:
            lines.append([c])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _gutter(lines: list[list[Char]], width: float) -> tuple[float, float] | None:
    """An empty vertical band in the middle of the page with text on both sides of it in most rows."""
    if len(lines) < 6 or width <= 0:
        return None
    bins = int(width) + 1
    rows_cover = [0] * bins
    for line in lines:
        seen: set[int] = set()
        for c in line:
            seen.update(range(max(0, int(c["x0"])), min(bins, int(c["x1"]) + 1)))
        for x in seen:
            rows_cover[x] += 1
    limit = max(2, len(lines) // 10)  # a running head, a title or a wide table may cross it
    runs: list[tuple[int, int]] = []
    lo, hi = int(width * 0.3), int(width * 0.7)
    start = None
    for x in range(lo, hi + 2):
        empty = x <= hi and x < bins and rows_cover[x] <= limit
        if empty and start is None:
            start = x
        elif not empty and start is not None:
            if x - start >= 6:
                runs.append((start, x))
            start = None
    for a, b in sorted(runs, key=lambda r: r[0] - r[1]):  # widest first
        if _columns_beside(lines, a, b):
            return float(a), float(b)
    return None


def _columns_beside(lines: list[list[Char]], a: int, b: int) -> bool:
    """Several rows start left of the band, some end right of it, side by side on the page (not one
    block above the other). The last page's right column may hold a single line."""
    left = [ln[0]["top"] for ln in lines if ln[0]["x1"] <= a + 1]
    right = [ln[-1]["top"] for ln in lines if ln[-1]["x0"] >= b - 1]
    return len(left) >= 3 and bool(right) and min(right) < max(left)


def _row(line: list[Char], page: int, column: int) -> Row:
    parts: list[str] = []
    prev: Char | None = None
    for c in line:
        t = str(c["text"])
        if prev is not None:
            gap = c["x0"] - prev["x1"]
            if gap > 0.25 * c["size"] and not (is_cjk(str(prev["text"])[-1:]) and is_cjk(t[:1])):
                parts.append(" ")
        parts.append(t)
        prev = c
    size = statistics.median(c["size"] for c in line)
    top = min(c["top"] for c in line)
    bottom = max(c["bottom"] for c in line)
    return Row("".join(parts), line[0]["x0"], line[-1]["x1"], top, bottom, size, page, column)
