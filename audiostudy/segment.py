"""Split a Document into Sentences, and each Sentence into engine-sized chunks.

Chunks are cut, in order of preference, at sentence ends, then at clause punctuation (，、：), then
between jieba words; an engine reads a chunk as one breath group, so cutting inside a word would
make it mispronounce or pause mid-word.  jieba is loaded only when a clause is still too long,
which keeps the common case fast.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterator

from audiostudy import words
from audiostudy.model import Boundary, Document, Role, Sentence

# A sentence runs up to and including its end mark(s) and any closing quotes/brackets after them.
_CLOSERS = "”’）》」』】〕\"')]"
_SENTENCE = re.compile(
    rf"[^。！？；!?;…⋯]*(?:[。！？；!?;]+|[…⋯]+)[{re.escape(_CLOSERS)}]*|[^。！？；!?;…⋯]+"
)
# A clause ends at ，、；：,;: or a dash —— — except a colon or ASCII comma between two digits, which
# belongs to a number (16：30, 10:30, 1,234,567) and must reach the reading normaliser in one piece.
_MARK = r"(?:[，、；;]|——|(?<!\d)[：:,]|[：:,](?!\d))"
_CLAUSE = re.compile(rf"(?:(?!{_MARK}).)*{_MARK}+|(?:(?!{_MARK}).)+", re.S)
_SPACE = re.compile(r"\s+")


def is_speakable(text: str) -> bool:
    """True if text has something an engine would say: a CJK character, a letter or a digit."""
    return any(c.isalnum() for c in text)


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph as written (whitespace kept), empty pieces dropped."""
    out: list[str] = []
    for line in text.splitlines():
        start = len(out)
        for m in _SENTENCE.finditer(line):
            piece = m.group(0).strip()
            if not piece:
                continue
            # Stray punctuation (a lone "——" or "。") is not a sentence of its own: keep it with
            # the sentence before it on the same line so that display text is not lost.
            if len(out) > start and not is_speakable(piece):
                out[-1] += piece
            else:
                out.append(piece)
    return out


def first_sentence(text: str) -> str:
    """The first sentence without its closing punctuation: used for section and point titles."""
    parts = split_sentences(text)
    head = parts[0] if parts else text.strip()
    return head.rstrip("。．.！？；!?;：:，,… \t")


def _words(text: str) -> list[str]:
    return _join_numbers(words.cut(text))


_NUMBER_MARKS = {",", ":", "：", "."}


def _join_numbers(words: list[str]) -> list[str]:
    """jieba cuts 1,234,567 and 10:30 into digits and marks; rejoin them so a chunk boundary never
    falls inside a number the reading normaliser has to see whole."""
    out: list[str] = []
    for w in words:
        if w[:1].isdigit() and len(out) >= 2 and out[-1] in _NUMBER_MARKS and out[-2][-1:].isdigit():
            mark = out.pop()
            out[-1] += mark + w
        else:
            out.append(w)
    return out


def _glue_punctuation(words: list[str]) -> list[str]:
    """Attach punctuation tokens to the word before them so no chunk starts with a 、 or ”."""
    out: list[str] = []
    for w in words:
        if out and not is_speakable(w):
            out[-1] += w
        else:
            out.append(w)
    return out


def _pack(pieces: list[str], limit: int) -> Iterator[str]:
    """Greedily join consecutive pieces while the result stays within limit."""
    buf = ""
    for p in pieces:
        if buf and len(buf) + len(p) > limit:
            yield buf
            buf = ""
        buf += p
    if buf:
        yield buf


def chunk_sentence(text: str, max_chars: int, by_clause: bool = False) -> tuple[str, ...]:
    """Pieces of text (whitespace removed), each at most max_chars; unspeakable bits merged or dropped.

    by_clause: every clause is a piece of its own (never packed with the next one). An engine whose
    front end drops punctuation (the offline voice) would otherwise run a chunk's clauses together
    without a breath; the assembler puts a pause that follows the mark between the pieces."""
    compact = _SPACE.sub("", text)
    if len(compact) <= max_chars and not (by_clause and len(_CLAUSE.findall(compact)) > 1):
        return (compact,) if is_speakable(compact) else ()
    pieces: list[str] = []
    for clause in _CLAUSE.findall(compact):
        if len(clause) <= max_chars:
            pieces.append(clause)
            continue
        for word in _glue_punctuation(_words(clause)):
            if len(word) <= max_chars:
                pieces.append(word)
            else:
                # A single "word" longer than the limit (a digit run, a long Latin token): no word
                # boundary exists inside it, so the length limit wins.
                pieces.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    if by_clause:
        return _merge_unspeakable(_pack_words(pieces, max_chars), max_chars)
    return _merge_unspeakable(list(_pack(pieces, max_chars)), max_chars)


def _pack_words(pieces: list[str], limit: int) -> list[str]:
    """Clause by clause: a piece that ends a clause closes its chunk; the words of an over-long clause
    are packed up to the limit."""
    out: list[str] = []
    buf = ""
    for p in pieces:
        if buf and len(buf) + len(p) > limit:
            out.append(buf)
            buf = ""
        buf += p
        if _ENDS_CLAUSE.search(buf):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


_ENDS_CLAUSE = re.compile(rf"{_MARK}+$")


def _merge_unspeakable(chunks: list[str], limit: int) -> tuple[str, ...]:
    out: list[str] = []
    pending = ""  # leading punctuation waiting for the next speakable chunk
    for c in chunks:
        if is_speakable(c):
            if pending and len(pending) + len(c) <= limit:
                c = pending + c
            pending = ""
            out.append(c)
        elif out and len(out[-1]) + len(c) <= limit:
            out[-1] += c
        else:
            pending = c if len(c) <= limit else ""
    return tuple(out)


def split_document(
    doc: Document,
    max_chars: int,
    by_clause: bool = False,
    chunker: Callable[[str, Callable[[], tuple[str, ...]]], tuple[str, ...]] | None = None,
    *,
    title: bool = False,
) -> list[Sentence]:
    """All sentences of doc in reading order, with ids, boundaries, point numbers and chunks (one per
    clause with by_clause, see chunk_sentence). `chunker(text, compute)`: a memo of earlier answers
    (plan.PlanMemo.chunks) that calls compute() only for a sentence it has not seen. `title`: the
    document's own title (Document.spoken_title) is said first, see with_title."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    out: list[Sentence] = []
    n = 0
    for section in doc.sections:
        first_in_section = True
        point: int | None = None
        for pi, para in enumerate(section.paragraphs):
            if para.point is not None:
                point = para.point
            elif para.heading:
                point = None
            first_in_para = True
            for text in split_sentences(para.text):
                compute = functools.partial(chunk_sentence, text, max_chars, by_clause)
                chunks = chunker(text, compute) if chunker else compute()
                if not chunks:
                    continue
                if first_in_section:
                    boundary = Boundary.FIRST
                elif first_in_para:
                    boundary = Boundary.POINT if para.point is not None else Boundary.PARAGRAPH
                else:
                    boundary = Boundary.SENTENCE
                n += 1
                out.append(
                    Sentence(
                        id=f"s{section.number:02d}-{n:04d}",
                        text=text,
                        section=section.number,
                        paragraph=pi,
                        point=point,
                        boundary=boundary,
                        chunks=chunks,
                    )
                )
                first_in_section = first_in_para = False
    if title and doc.spoken_title:
        compute = functools.partial(chunk_sentence, doc.spoken_title, max_chars, by_clause)
        out = with_title(out, doc, chunker(doc.spoken_title, compute) if chunker else compute())
    return out


_NOT_WORDS = re.compile(r"[\W_]+")


def with_title(sentences: list[Sentence], doc: Document, chunks: tuple[str, ...]) -> list[Sentence]:
    """The sentences with the document's title said first: sentence 0 of the first section (its id
    s01-0000 takes no other sentence's), then a section's pause. Unchanged when the document has no
    title of its own, nothing of it can be said, or its text already opens with the title."""
    if not sentences or not chunks or not doc.spoken_title:
        return sentences
    first = sentences[0]
    if _NOT_WORDS.sub("", first.text) == _NOT_WORDS.sub("", doc.spoken_title):
        return sentences
    said = Sentence(
        id=f"s{first.section:02d}-0000",
        text=doc.spoken_title,
        section=first.section,
        paragraph=-1,
        point=None,
        boundary=Boundary.FIRST,
        chunks=chunks,
        role=Role.TITLE,
    )
    return [said, dataclasses.replace(first, boundary=Boundary.AFTER_TITLE), *sentences[1:]]


def display_pieces(text: str, chunks: list[str]) -> list[str]:
    """The pieces of text (as written, spaces kept) that the chunks read: chunks are text with its
    whitespace removed, and possibly with unspeakable pieces left out."""
    out: list[str] = []
    pos = 0
    for chunk in chunks:
        start = pos
        for ch in chunk:
            while pos < len(text) and text[pos] != ch:
                pos += 1
            pos += 1
        out.append(text[start:pos].strip())
    if out:
        out[-1] += text[pos:].rstrip()
    return out
