"""The manifest: a typed record made in one place from the Timeline and the build's records, and
its JSON (`to_json` / `from_json`). The JSON shape is read by tests, `play`, `outline`, the feeds,
the library and the player page (player.js)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .backends.registry import LOCAL, local_voice
from .folder import MANIFEST, opus_name, read_manifest, source_id, text_sha256
from .model import Document, PlacedPoint, PlacedSentence
from .writers import WRITERS

if TYPE_CHECKING:
    from .options import BuildOptions
    from .timeline import PlacedSection, Timeline


@dataclass(frozen=True)
class Reading:
    """Who read the build: the engine asked for, and the sentences that fell back to the local voice."""

    engine: str
    identity: str
    voice: str  # the main engine's voice (its default when none was asked for)
    fallback: tuple[str, ...] = ()  # sentence ids read by the local voice instead


PointEntry = PlacedPoint  # a point's place, as the timeline has it


@dataclass(frozen=True)
class SectionEntry:
    number: int  # 1-based among the sections that have something to say
    title: str
    kind: str
    file: str
    start_ms: int
    end_ms: int
    duration_ms: int
    chars: int
    points: tuple[PointEntry, ...]
    fingerprint: str
    files: dict[str, str] | None = None  # other formats of this section (opus)


@dataclass(frozen=True)
class ClauseEntry:
    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class SentenceEntry:
    id: str
    text: str
    section: int  # SectionEntry.number
    paragraph: int
    point: int | None
    start_ms: int
    end_ms: int
    section_start_ms: int
    section_end_ms: int
    engine: str
    voice: str
    chunks: tuple[str, ...]
    clauses: tuple[ClauseEntry, ...]
    role: str = "text"  # model.Role: "title" for the document's title, said first (paragraph -1)


@dataclass(frozen=True)
class VoiceEntry:
    engine: str
    voice: str
    sentences: int
    chars: int
    share: float


@dataclass(frozen=True)
class Manifest:
    """manifest.json as a record. `to_json` gives the JSON shape the tests, the feeds and the player
    page read; `from_json` reads it back (ValueError when it is not one of ours)."""

    audiostudy: str
    built_at: str
    title: str
    source: str
    source_path: str  # folder.source_id: the absolute path (an address; "-" for stdin)
    url: str | None
    source_sha256: str
    encoding: str
    meta: dict[str, str]
    engine: str
    engine_identity: str
    voice: str
    voices: tuple[VoiceEntry, ...]
    settings: dict[str, Any]
    fallback: dict[str, Any] | None
    duration_ms: int
    files: dict[str, str]
    outputs: tuple[str, ...]
    sections: tuple[SectionEntry, ...]
    sentences: tuple[SentenceEntry, ...]
    fingerprint: str
    summary: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = _plain(asdict(self))
        if self.summary is None:
            del data["summary"]
        for s in data["sections"]:
            if s["files"] is None:
                del s["files"]
        return data

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        try:
            d = _known(cls, _DEFAULTS, data)  # older manifests lack some keys, newer ones add some
            d["voices"] = tuple(_known(VoiceEntry, {}, v) for v in d["voices"] or ())
            d["sections"] = tuple(_section(s) for s in d["sections"])
            d["sentences"] = tuple(_sentence(s) for s in d["sentences"])
            d["outputs"] = tuple(d["outputs"])
            return cls(**d)
        except (TypeError, KeyError, AttributeError, ValueError) as e:
            raise ValueError(f"not an audiostudy manifest: {e}") from e


def _known(cls: Any, defaults: dict[str, Any], data: Any) -> Any:
    """data's values for cls's fields, over the defaults; a record when defaults is empty."""
    names = {f.name for f in fields(cls)}
    values = {**defaults, **{k: v for k, v in dict(data).items() if k in names}}
    return values if defaults else cls(**values)


def _section(s: dict[str, Any]) -> SectionEntry:
    d = _known(SectionEntry, _SECTION_DEFAULTS, s)
    d["points"] = tuple(_known(PointEntry, {}, p) for p in d["points"])
    return SectionEntry(**d)


def _sentence(s: dict[str, Any]) -> SentenceEntry:
    d = _known(SentenceEntry, _SENTENCE_DEFAULTS, s)
    d["chunks"] = tuple(d["chunks"])
    d["clauses"] = tuple(_known(ClauseEntry, {}, c) for c in d["clauses"])
    return SentenceEntry(**d)


_DEFAULTS: dict[str, Any] = {
    "audiostudy": "",
    "built_at": "",
    "source": "",
    "source_path": "",
    "url": None,
    "source_sha256": "",
    "encoding": "utf-8",
    "meta": {},
    "engine": "",
    "engine_identity": "",
    "voice": "",
    "voices": (),
    "settings": {},
    "fallback": None,
    "files": {},
    "outputs": (),
    "sentences": (),
    "fingerprint": "",
}
_SECTION_DEFAULTS: dict[str, Any] = {"kind": "", "chars": 0, "points": (), "fingerprint": ""}
_SENTENCE_DEFAULTS: dict[str, Any] = {
    "paragraph": 0,
    "point": None,
    "engine": "",
    "voice": "",
    "chunks": (),
    "clauses": (),
    "role": "text",
}


def _plain(value: Any) -> Any:
    """asdict keeps tuples; JSON wants lists (json.dumps would do it, but equality with a read-back
    dict needs lists)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def voices_heard(sentences: list[SentenceEntry]) -> tuple[VoiceEntry, ...]:
    """The voices actually heard, most characters first, with how much of the document each read:
    a build whose sentences fell back to the offline voice says so instead of naming the voice asked
    for."""
    chars: dict[tuple[str, str], list[int]] = {}
    for s in sentences:
        tally = chars.setdefault((s.engine, s.voice), [0, 0])
        tally[0] += 1
        tally[1] += len(s.text)
    total = sum(c for _, c in chars.values()) or 1
    ranked = sorted(chars.items(), key=lambda kv: -kv[1][1])
    return tuple(VoiceEntry(e, v, n, c, round(c / total, 4)) for (e, v), (n, c) in ranked) or (
        VoiceEntry("", "", 0, 0, 0.0),
    )


def _section_entry(ps: PlacedSection, opus: bool) -> SectionEntry:
    sa = ps.audio
    return SectionEntry(
        ps.number,
        sa.section.title,
        sa.section.kind.value,
        sa.file,
        ps.start_ms,
        ps.end_ms,
        ps.duration_ms,
        sa.section.chars,
        ps.points,
        sa.fingerprint,
        {"opus": opus_name(sa.file)} if opus else None,
    )


def _sentence_entry(ps: PlacedSentence, section: int, reading: Reading) -> SentenceEntry:
    s = ps.sentence
    fell_back = s.id in reading.fallback
    return SentenceEntry(
        s.id,
        s.text,
        section,
        s.paragraph,
        s.point,
        ps.doc_start_ms,
        ps.doc_end_ms,
        ps.start_ms,
        ps.end_ms,
        LOCAL if fell_back else reading.engine,
        local_voice() if fell_back else reading.voice,
        ps.spoken,
        tuple(ClauseEntry(c.text, c.doc_start_ms, c.doc_end_ms) for c in ps.clauses),
        s.role.value,
    )


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
) -> Manifest:
    opus = "opus" in opts.formats
    sentences = [_sentence_entry(s, ps.number, reading) for ps in timeline.sections for s in ps.sentences]
    voices = voices_heard(sentences)
    files = files_of(stem, opts.formats, summary)
    return Manifest(
        audiostudy=__version__,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        title=doc.title,
        source=doc.source,
        source_path=source_id(doc.source),
        url=doc.url or None,
        source_sha256=text_sha256(doc),
        encoding=doc.encoding,
        meta=dict(doc.meta),
        engine=voices[0].engine,
        engine_identity=reading.identity,
        voice=voices[0].voice,
        voices=voices,
        settings=opts.to_manifest(),
        fallback={"engine": LOCAL, "sentences": list(reading.fallback)} if reading.fallback else None,
        duration_ms=timeline.duration_ms,
        files=files,
        outputs=tuple(outputs_of(timeline, files, opus)),
        sections=tuple(_section_entry(ps, opus) for ps in timeline.sections),
        sentences=tuple(sentences),
        fingerprint=fingerprint,
        summary=summary,
    )


def read(out_dir: Path) -> Manifest | None:
    """The manifest of the build in out_dir; None when there is none or it is not one of ours."""
    return parse(read_manifest(out_dir))


def parse(data: dict[str, Any] | None) -> Manifest | None:
    """A manifest.json already read (folder.read_manifest) as a Manifest; None when it is none of ours."""
    try:
        return Manifest.from_json(data) if data is not None else None
    except ValueError:
        return None
