"""`audiostudy outline`: the tree found in a document, estimated minutes, actual minutes once built."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .document import outline_lines
from .estimate import estimate
from .model import Document

if TYPE_CHECKING:
    from .lexicon import Lexicon


def render_outline(
    doc: Document,
    path: str | Path,
    out_root: Path,
    reading: bool = False,
    lexicons: tuple[Path, ...] = (),
    speak_title: bool = True,
) -> list[str]:
    from .folder import other_source, output_dir, read_manifest
    from .manifest import parse

    lines = outline_lines(doc)
    out_dir = output_dir(path, doc, out_root)
    data = read_manifest(out_dir)
    note = build_note(out_dir, data, doc)
    # Another document's build: its minutes are not this one's.
    manifest = None if other_source(data, doc) else parse(data)
    built = {s.title: s for s in manifest.sections} if manifest else {}
    guess = estimate(doc, speak_title=speak_title)
    lines.append("")
    lines.append(
        f"{doc.chars} 字, about {guess.total_ms / 60000:.1f} min (estimated); encoding {doc.encoding}"
    )
    if speak_title and doc.spoken_title:
        lines.append(f"  title, said first: {doc.spoken_title}")
    for s, est_ms in zip(doc.sections, guess.sections_ms, strict=True):
        est = est_ms / 60000
        got = built.get(s.title)
        actual = f", built {got.duration_ms / 60000:.1f} min ({got.file})" if got else ""
        lines.append(f"  {s.number:>2}. ~{est:.1f} min{actual}")
    if manifest:
        lines.append(f"built: {manifest.duration_ms / 60000:.1f} min with {manifest.engine}")
    if note:
        lines.append(f"built: {out_dir} {note}")
    if reading:
        from .lexicon import load_lexicon

        lexicon = load_lexicon(path, lexicons)
        lexicon.keep_whole()
        lines += _reading_lines(doc, lexicon)
        lines += _polyphone_lines(doc, lexicon)
    return lines


def _reading_lines(doc: Document, lexicon: Lexicon) -> list[str]:
    """What the offline voice's reading rewrites, once each, in the text as the build sends it: the
    lexicon first, so a word it covers is listed only with its reading (under polyphonic words)."""
    from .normalize import reading_changes

    lines = ["", "reading (offline voice):"]
    seen = set()
    for s in doc.sections:
        for p in s.paragraphs:
            for token, said in reading_changes(lexicon.apply(p.text)[0]):
                if (token, said) not in seen:
                    seen.add((token, said))
                    lines.append(f"  {token} → {said}")
    if not seen:
        lines.append("  (nothing to rewrite: every character is read as written)")
    return lines


def build_note(out_dir: Path, data: dict[str, Any] | None, doc: Document) -> str:
    """What is wrong with the build in out_dir as a build of doc: it "holds the build of <another
    document>…", or is of an earlier text; "" when it is this document's as it is now (or none)."""
    from .folder import changed_since, other_source

    theirs = other_source(data, doc)
    if theirs:
        return f"holds the build of {theirs}, not of this document (build this one with --out DIR)"
    if not changed_since(data, doc):
        return ""
    if not (data or {}).get("source_path"):  # built before the source was recorded: which, unknown
        return "is of another text: the document changed since it was built, or is not the one built there"
    return "is of an earlier text: the document changed since it was built (build it again)"


def _polyphone_lines(doc: Document, lexicon: Lexicon) -> list[str]:
    """Every polyphonic word, the reading it gets and where the reading comes from, once each."""
    from .polyphones import polyphonic_words

    lines = ["", "polyphonic words (多音字): reading · from"]
    seen = set()
    for s in doc.sections:
        for p in s.paragraphs:
            for r in polyphonic_words(p.text, lexicon):
                if r not in seen:
                    seen.add(r)
                    lines.append(f"  {r.word}  {r.reading} · {r.source}")
    if not seen:
        lines.append("  (none)")
    return lines
