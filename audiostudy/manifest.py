"""The manifest's JSON, made in one place from the Timeline and the build's records. Its shape is
read by tests, `play`, `outline`, the feeds, the library and the player page (player.js)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import __version__
from .backends.registry import LOCAL, local_voice
from .folder import MANIFEST, text_sha256
from .model import Document, PlacedSentence
from .options import BuildOptions
from .opus import opus_name
from .timeline import PlacedSection, Timeline
from .writers import WRITERS


@dataclass(frozen=True)
class Reading:
    """Who read the build: the engine asked for, and the sentences that fell back to the local voice."""

    engine: str
    identity: str
    voice: str  # the main engine's voice (its default when none was asked for)
    fallback: tuple[str, ...] = ()  # sentence ids read by the local voice instead


def voices_heard(sentences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The voices actually heard, most characters first, with how much of the document each read:
    a build whose sentences fell back to the offline voice says so instead of naming the voice asked
    for."""
    chars: dict[tuple[str, str], list[int]] = {}
    for s in sentences:
        tally = chars.setdefault((s["engine"], s["voice"]), [0, 0])
        tally[0] += 1
        tally[1] += len(s["text"])
    total = sum(c for _, c in chars.values()) or 1
    ranked = sorted(chars.items(), key=lambda kv: -kv[1][1])
    return [
        {"engine": e, "voice": v, "sentences": n, "chars": c, "share": round(c / total, 4)}
        for (e, v), (n, c) in ranked
    ] or [{"engine": "", "voice": "", "sentences": 0, "chars": 0, "share": 0.0}]


def _section_record(ps: PlacedSection, opus: bool) -> dict[str, Any]:
    sa = ps.audio
    return {
        "number": ps.number,
        "title": sa.section.title,
        "kind": sa.section.kind.value,
        "file": sa.file,
        "start_ms": ps.start_ms,
        "end_ms": ps.end_ms,
        "duration_ms": ps.duration_ms,
        "chars": sa.section.chars,
        "points": [
            {
                "number": p.number,
                "title": p.title,
                "start_ms": p.start_ms,
                "end_ms": p.end_ms,
                "section_start_ms": p.section_start_ms,
                "section_end_ms": p.section_end_ms,
            }
            for p in ps.points
        ],
        "fingerprint": sa.fingerprint,
        **({"files": {"opus": opus_name(sa.file)}} if opus else {}),
    }


def _sentence_record(ps: PlacedSentence, section: int, reading: Reading) -> dict[str, Any]:
    s = ps.sentence
    fell_back = s.id in reading.fallback
    return {
        "id": s.id,
        "text": s.text,
        "section": section,
        "paragraph": s.paragraph,
        "point": s.point,
        "start_ms": ps.doc_start_ms,
        "end_ms": ps.doc_end_ms,
        "section_start_ms": ps.start_ms,
        "section_end_ms": ps.end_ms,
        "engine": LOCAL if fell_back else reading.engine,
        "voice": local_voice() if fell_back else reading.voice,
        "chunks": list(ps.spoken),
        "clauses": [{"text": c.text, "start_ms": c.doc_start_ms, "end_ms": c.doc_end_ms} for c in ps.clauses],
    }


def files_of(stem: str, formats: tuple[str, ...], summary: dict[str, Any] | None) -> dict[str, str]:
    files: dict[str, str] = {
        fmt: f"{stem}.{fmt}" for fmt in ("mp3", "m4b", "opus", *WRITERS) if fmt in formats
    }
    if "html" in formats:
        files["html"] = "index.html"
    if summary:
        files["summary"] = summary["file"]
    return files


def outputs_of(timeline: Timeline, files: dict[str, str], opus: bool) -> list[str]:
    """Every file of the build, the manifest last (clean_stale and is_current read this list)."""
    sections = [ps.audio.file for ps in timeline.sections]
    opus_sections = [opus_name(f) for f in sections] if opus else []
    return sections + opus_sections + list(files.values()) + [MANIFEST]


def make_manifest(
    doc: Document,
    timeline: Timeline,
    opts: BuildOptions,
    reading: Reading,
    fingerprint: str,
    summary: dict[str, Any] | None,
    stem: str,
) -> dict[str, Any]:
    opus = "opus" in opts.formats
    sentences = [_sentence_record(s, ps.number, reading) for ps in timeline.sections for s in ps.sentences]
    voices = voices_heard(sentences)
    files = files_of(stem, opts.formats, summary)
    manifest: dict[str, Any] = {
        "audiostudy": __version__,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "title": doc.title,
        "source": doc.source,
        "url": doc.url or None,
        "source_sha256": text_sha256(doc),
        "encoding": doc.encoding,
        "meta": dict(doc.meta),
        "engine": voices[0]["engine"],
        "engine_identity": reading.identity,
        "voice": voices[0]["voice"],
        "voices": voices,
        "settings": opts.to_manifest(),
        "fallback": {"engine": LOCAL, "sentences": list(reading.fallback)} if reading.fallback else None,
        "duration_ms": timeline.duration_ms,
        "files": files,
        "outputs": outputs_of(timeline, files, opus),
        "sections": [_section_record(ps, opus) for ps in timeline.sections],
        "sentences": sentences,
        "fingerprint": fingerprint,
    }
    if summary:
        manifest["summary"] = summary
    return manifest
