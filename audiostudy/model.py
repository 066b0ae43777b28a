"""Frozen records that move forward between the pipeline's stages.

Document -> Section -> Sentence -> Chunk (text sent to an engine) -> Clip (audio of one chunk)
-> placed sentences and Chapters in the stitched files.  Every time is an integer number of
milliseconds; every index that a user sees (section, point) is 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SectionKind(StrEnum):
    OPENING = "opening"  # salutation paragraph(s) before the first heading (同志们：…)
    BODY = "body"  # a numbered or titled section (一、… / ## … / 第一章 …)
    CLOSING = "closing"  # paragraphs after the last section's points (同志们，…)
    WHOLE = "whole"  # a document with no headings at all


@dataclass(frozen=True)
class Paragraph:
    text: str  # display text as written, markup removed, no line breaks
    point: int | None = None  # 1-based point number if this paragraph opens a point (一是…)
    heading: bool = False  # True for the section heading paragraph itself


@dataclass(frozen=True)
class Point:
    number: int  # 1-based within its section
    title: str  # the point's first sentence, closing punctuation stripped
    paragraph: int  # index into Section.paragraphs


@dataclass(frozen=True)
class Section:
    number: int  # 1-based reading order
    title: str  # heading sentence without its closing 。 ; "开场" / "结束语" for opening/closing
    kind: SectionKind
    paragraphs: tuple[Paragraph, ...]  # heading paragraph (if any) first
    points: tuple[Point, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def chars(self) -> int:
        return sum(len(p.text) for p in self.paragraphs)


@dataclass(frozen=True)
class Document:
    title: str  # title line, or the file stem when there is none
    sections: tuple[Section, ...]
    source: str = ""  # path as given, "-" for stdin
    encoding: str = "utf-8"
    meta: tuple[tuple[str, str], ...] = ()  # metadata lines such as ("时间", "2023年1月5日")
    cover: bytes | None = None  # the file's own cover image (EPUB), JPEG or PNG bytes
    url: str = ""  # the web address the document was fetched from
    # The title as the document itself gives it (its title line, a Markdown "# " heading, a Word
    # Title, a book's or page's own title), read out before the text; "" when `title` is only the
    # file's name, which says nothing worth announcing.
    spoken_title: str = ""

    @property
    def author(self) -> str:
        return next((v for k, v in self.meta if k in ("作者", "主讲", "主讲人", "报告人")), "")

    @property
    def chars(self) -> int:
        return sum(s.chars for s in self.sections)


class Boundary(StrEnum):
    """What separates a sentence from the one before it; picks the pause length."""

    FIRST = "first"  # first sentence of a section: no pause before it
    SENTENCE = "sentence"
    PARAGRAPH = "paragraph"
    POINT = "point"
    AFTER_TITLE = "after_title"  # the first sentence after the spoken title: a section's pause


class Role(StrEnum):
    """What a sentence is in the document."""

    TEXT = "text"  # the document's text
    TITLE = "title"  # the document's title, read first (paragraph -1 of the first section)


@dataclass(frozen=True)
class Sentence:
    # "s03-0012": section 3, sentence 12 of the whole document (stable for a given text); the spoken
    # title is sentence 0 ("s01-0000"), so it shifts no other sentence's id.
    id: str
    text: str  # as displayed in subtitles
    section: int  # Section.number
    paragraph: int  # index into Section.paragraphs
    point: int | None  # Point.number this sentence belongs to, if any
    boundary: Boundary  # what lies between this sentence and the previous one in its section
    # Pieces of `text` each within the engine's length limit, in order, before reading normalisation;
    # "".join(chunks) equals text minus whitespace. Pieces with nothing speakable are left out.
    chunks: tuple[str, ...] = ()
    role: Role = Role.TEXT


@dataclass(frozen=True)
class PlacedClause:
    """One spoken piece of a sentence (a clause, for the offline voice) on the whole-document file."""

    text: str  # as displayed: the piece of Sentence.text it reads
    doc_start_ms: int
    doc_end_ms: int


@dataclass(frozen=True)
class PlacedSentence:
    """A sentence placed on the timelines of its section file and of the whole-document file."""

    sentence: Sentence
    start_ms: int  # in the section file
    end_ms: int
    doc_start_ms: int  # in the whole-document file
    doc_end_ms: int
    clauses: tuple[PlacedClause, ...] = ()  # its first reading, piece by piece
    spoken: tuple[str, ...] = ()  # the chunks its engine was given, as they were given


@dataclass(frozen=True)
class PlacedPoint:
    number: int
    title: str
    start_ms: int  # in the whole-document file
    end_ms: int
    section_start_ms: int  # in the section file
    section_end_ms: int


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int
    end_ms: int
    children: tuple[Chapter, ...] = field(default=())
