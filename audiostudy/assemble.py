"""Stitch cached clips into section files and whole-document files, then write subtitles, the
manifest and the player page.

Every output is written under a temporary name and renamed into place; the manifest goes last, so
its fingerprint vouches for a complete set of files.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .audio import (
    SAMPLE_RATE,
    EncodeOptions,
    WavAssembler,
    atomic_path,
    concat_inputs,
    encode,
    ms_to_samples,
    normalise_clip,
    write_silence_wav,
)
from .backends import Backend
from .backends.offline import OfflineBackend
from .cache import ClipCache
from .chapters import Tags, cover_png, ffmetadata, tag_mp4
from .errors import SynthesisError
from .model import Boundary, Chapter, Document, PlacedClause, PlacedSentence, Section, Sentence
from .names import safe_filename
from .opus import opus_name, write_opus
from .pauses import Pauses
from .pipeline import (
    BuildOptions,
    Job,
    clean_stale,
    ensure_dir,
    read_manifest,
    remove_tree,
    text_sha256,
)
from .segment import display_pieces
from .writers import LRCWriter, SRTWriter, VTTWriter, write_manifest


@dataclass
class _Placed:
    index: int  # into the sentence list
    start: int  # samples, in the section's raw (1x) timeline
    end: int
    spans: list[tuple[int, int]]  # each clause of its first reading, same timeline


@dataclass
class _SectionAudio:
    section: Section
    file: str
    wav: Path
    samples: int
    placed: list[_Placed]
    fingerprint: str


def _pause_ms(boundary: Boundary, opts: BuildOptions) -> int:
    p = opts.pauses
    return {
        Boundary.FIRST: p.paragraph_ms,
        Boundary.SENTENCE: p.sentence_ms,
        Boundary.PARAGRAPH: p.paragraph_ms,
        Boundary.POINT: p.point_ms,
    }[boundary]


def sentence_audio(jobs: list[Job], sentence_id: str, cache: ClipCache) -> list[bytes]:
    """One sentence's chunks: cached clips, at our rate, engine silence trimmed."""
    pcms = []
    for job in jobs:
        clip = cache.get(job.key)
        if clip is None:
            raise SynthesisError(
                f"the audio for sentence {sentence_id} is missing from the cache "
                "(cleared or damaged during the build?); run the same command again"
            )
        pcms.append(normalise_clip(clip, trim=job.trim))
    return pcms


def say(wav: WavAssembler, pcms: list[bytes], jobs: list[Job], pauses: Pauses) -> list[tuple[int, int]]:
    """Append one sentence, clause by clause, with the pause each clause's mark asks for. Returns
    where each clause landed (samples)."""
    spans = []
    for c, pcm in enumerate(pcms):
        if c:
            wav.add_silence(pauses.clause_pause_ms(jobs[c - 1].spoken))
        start = wav.samples
        wav.add_pcm(pcm)
        spans.append((start, wav.samples))
    return spans


def _stitch_section(
    section: Section,
    idxs: list[int],
    sentences: list[Sentence],
    plan: list[list[Job]],
    cache: ClipCache,
    wav_path: Path,
    opts: BuildOptions,
) -> tuple[int, list[_Placed]]:
    wav = WavAssembler(wav_path)
    placed: list[_Placed] = []
    try:
        for i in idxs:
            jobs = plan[i]
            if not jobs:
                continue
            if wav.samples:
                wav.add_silence(_pause_ms(sentences[i].boundary, opts))
            start = wav.samples
            pcms = sentence_audio(jobs, sentences[i].id, cache)  # read once, however many repeats
            spans = say(wav, pcms, jobs, opts.pauses)
            for _ in range(1, max(1, opts.study.repeat)):
                wav.add_silence(opts.pauses.sentence_ms)
                say(wav, pcms, jobs, opts.pauses)
            end = wav.samples
            placed.append(_Placed(i, start, end, spans))
            if opts.study.shadow > 0:
                # 跟读: room to repeat the sentence aloud, as long as one reading of it times the factor.
                once_ms = (end - start) * 1000 // SAMPLE_RATE // max(1, opts.study.repeat)
                wav.add_silence(int(once_ms * opts.study.shadow))
        return wav.samples, placed
    finally:
        wav.close()


def _section_fingerprint(
    section: Section,
    placed: list[_Placed],
    sentences: list[Sentence],
    plan: list[list[Job]],
    opts: BuildOptions,
    labels: tuple[str, ...],
) -> str:
    """Everything that goes into a section file: each sentence's audio (keys) and where it sits
    (which fixes the pauses), the points (its chapters), tags and encode settings. Equal
    fingerprints let a rebuild keep the file already there."""
    h = hashlib.sha256()
    h.update(repr(labels).encode())
    h.update(repr([(p.number, p.title) for p in section.points]).encode())
    h.update(
        repr(
            [(p.start, p.end, sentences[p.index].point, [j.key for j in plan[p.index]]) for p in placed]
        ).encode()
    )
    h.update(repr((asdict(opts.study), opts.speed, opts.loudnorm, opts.mp3_kbps)).encode())
    return h.hexdigest()


@contextmanager
def _folder_lock(out_dir: Path) -> Iterator[None]:
    """One build at a time assembles into a folder: two runs of the same command at once would
    otherwise delete each other's .work files and temporary outputs. The OS drops the lock when the
    process dies, so a killed build never leaves the folder locked."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; concurrent builds of one folder race
        yield
        return
    # Lock the folder itself: no lock file to leave behind.
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove_partials(out_dir: Path) -> None:
    """Temporary outputs (.NAME.part) left by a build that was killed mid-encode."""
    for p in out_dir.glob(".*.part"):
        if p.is_file():
            p.unlink(missing_ok=True)


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


def assemble(
    doc: Document,
    sentences: list[Sentence],
    plan: list[list[Job]],
    cache: ClipCache,
    out_dir: Path,
    opts: BuildOptions,
    backend: Backend,
    fp: str,
    fallback: list[str],
) -> dict[str, Any]:
    ensure_dir(out_dir)
    with _folder_lock(out_dir):
        old = read_manifest(out_dir)
        work = out_dir / ".work"
        remove_tree(work)
        _remove_partials(out_dir)
        work.mkdir()
        try:
            return _assemble(doc, sentences, plan, cache, out_dir, work, opts, backend, fp, fallback, old)
        finally:
            remove_tree(work)


def _assemble(
    doc: Document,
    sentences: list[Sentence],
    plan: list[list[Job]],
    cache: ClipCache,
    out_dir: Path,
    work: Path,
    opts: BuildOptions,
    backend: Backend,
    fp: str,
    fallback: list[str],
    old: dict[str, Any] | None,
) -> dict[str, Any]:
    speed = opts.speed
    enc = EncodeOptions(mp3_kbps=opts.mp3_kbps, aac_kbps=opts.mp3_kbps, speed=speed, loudnorm=opts.loudnorm)

    def ms(samples: int) -> int:
        # Raw (1x) samples -> ms in the encoded file, where atempo has scaled time by 1/speed.
        return round(samples * 1000 / SAMPLE_RATE / speed)

    by_section: dict[int, list[int]] = {}
    for i, s in enumerate(sentences):
        by_section.setdefault(s.section, []).append(i)

    stem = out_dir.name
    old_sections = {s.get("file"): s.get("fingerprint") for s in (old or {}).get("sections", [])}
    sections: list[_SectionAudio] = []
    speaking = [s for s in doc.sections if any(plan[i] for i in by_section.get(s.number, []))]
    for n, sec in enumerate(speaking, start=1):
        idxs = by_section.get(sec.number, [])
        wav = work / f"{n:03d}.wav"
        samples, placed = _stitch_section(sec, idxs, sentences, plan, cache, wav, opts)
        name = f"{n:02d}-{safe_filename(sec.title, fallback='section')}.mp3"
        labels = (sec.title, name, doc.title, f"{n}/{len(speaking)}")
        sfp = _section_fingerprint(sec, placed, sentences, plan, opts, labels)
        sections.append(_SectionAudio(sec, name, wav, samples, placed, sfp))

    gap = ms_to_samples(opts.pauses.section_ms)
    offsets = []
    pos = 0
    for k, sa in enumerate(sections):
        if k:
            pos += gap
        offsets.append(pos)
        pos += sa.samples
    total_samples = pos

    # --- per-section files, with their points as chapters --------------------------------------
    def point_chapters(sa: _SectionAudio, base: int) -> list[Chapter]:
        starts: list[tuple[str, int]] = []
        for pt in sa.section.points:
            first = next((p for p in sa.placed if sentences[p.index].point == pt.number), None)
            if first is not None:
                starts.append((pt.title, first.start))
        if not starts:
            return []
        if starts[0][1] > 0:
            starts.insert(0, (sa.section.title, 0))
        out = []
        for k, (title, st) in enumerate(starts):
            end = starts[k + 1][1] if k + 1 < len(starts) else sa.samples
            out.append(Chapter(title, ms(base + st), ms(base + end)))
        return out

    def write_section(k: int) -> None:
        sa = sections[k]
        target = out_dir / sa.file
        if old_sections.get(sa.file) == sa.fingerprint and target.is_file():
            return  # same audio as the file already there: keep it, skip the encode
        tags = Tags(
            title=sa.section.title,
            album=doc.title,
            artist=doc.author or "audiostudy",
            track=(k + 1, len(sections)),
        )
        meta = work / f"{k:03d}.ffmeta"
        meta.write_text(ffmetadata(point_chapters(sa, 0), tags), encoding="utf-8")
        with atomic_path(target) as tmp:
            encode(["-i", str(sa.wav)], tmp, "mp3", enc, metadata_file=meta)

    def write_section_opus(k: int) -> None:
        sa = sections[k]
        target = out_dir / opus_name(sa.file)
        if old_sections.get(sa.file) == sa.fingerprint and target.is_file():
            return
        tags = Tags(title=sa.section.title, album=doc.title, track=(k + 1, len(sections)))
        with atomic_path(target) as tmp:
            meta = work / f"{k:03d}.opus.ffmeta"
            write_opus(["-i", str(sa.wav)], tmp, meta, enc, tags, point_chapters(sa, 0))

    # --- whole-document files -----------------------------------------------------------------
    doc_chapters = []
    for k, sa in enumerate(sections):
        end = offsets[k + 1] if k + 1 < len(sections) else total_samples
        doc_chapters.append(Chapter(sa.section.title, ms(offsets[k]), ms(end)))
    parts: list[Path] = []
    silence = work / "section-pause.wav"
    write_silence_wav(silence, opts.pauses.section_ms)
    for k, sa in enumerate(sections):
        if k:
            parts.append(silence)
        parts.append(sa.wav)
    inputs = concat_inputs(work / "concat.txt", parts)
    # The book's own cover when it has one (an EPUB), else a plain one made from the title.
    cover = doc.cover if _is_image(doc.cover) else cover_png(doc.title)
    doc_tags = Tags(title=doc.title, album=doc.title, artist=doc.author or "audiostudy", cover=cover)
    meta = work / "chapters.ffmeta"
    meta.write_text(ffmetadata(doc_chapters, doc_tags), encoding="utf-8")

    def whole(kind: str) -> None:
        with atomic_path(out_dir / f"{stem}.{kind}") as tmp:
            if kind == "opus":
                write_opus(inputs, tmp, work / "opus.ffmeta", enc, doc_tags, doc_chapters)
                return
            encode(inputs, tmp, kind, enc, metadata_file=meta)
            if kind == "m4b":
                tag_mp4(tmp, doc_tags)

    # Every encode is an ffmpeg subprocess, so two threads keep both cores busy. Longest first
    # (the whole-document files, then sections by length): the last job to start is then a short
    # one and neither core idles long at the end.
    jobs: list[tuple[int, Callable[[], None]]] = [
        (total_samples * (3 if kind == "m4b" else 2), functools.partial(whole, kind))
        for kind in ("m4b", "mp3", "opus")
        if kind in opts.formats
    ]
    jobs += [(sa.samples, functools.partial(write_section, k)) for k, sa in enumerate(sections)]
    if "opus" in opts.formats:
        jobs += [(sa.samples, functools.partial(write_section_opus, k)) for k, sa in enumerate(sections)]
    jobs.sort(key=lambda j: -j[0])
    with ThreadPoolExecutor(2) as pool:
        for fut in [pool.submit(fn) for _, fn in jobs]:
            fut.result()

    summary = None
    if opts.summary:
        from .summary import build_summary

        summary = build_summary(doc, sentences, plan, cache, out_dir, work, opts, enc)

    # --- timeline records ------------------------------------------------------------------------
    placed_all: list[PlacedSentence] = []
    section_records = []
    sentence_records = []
    fallback_set = set(fallback)
    main_voice = opts.settings.voice or getattr(backend, "default_voice", "")
    offline_voice = OfflineBackend.default_voice
    for k, sa in enumerate(sections):
        base = offsets[k]
        end = offsets[k] + sa.samples
        points = []
        for ch in point_chapters(sa, 0):
            pt = next((p for p in sa.section.points if p.title == ch.title), None)
            if pt is None:
                continue
            points.append(
                {
                    "number": pt.number,
                    "title": pt.title,
                    "start_ms": ch.start_ms + ms(base),
                    "end_ms": ch.end_ms + ms(base),
                    "section_start_ms": ch.start_ms,
                    "section_end_ms": ch.end_ms,
                }
            )
        section_records.append(
            {
                "number": k + 1,
                "title": sa.section.title,
                "kind": sa.section.kind.value,
                "file": sa.file,
                "start_ms": ms(base),
                "end_ms": ms(end),
                "duration_ms": ms(sa.samples),
                "chars": sa.section.chars,
                "points": points,
                "fingerprint": sa.fingerprint,
                **({"files": {"opus": opus_name(sa.file)}} if "opus" in opts.formats else {}),
            }
        )
        for p in sa.placed:
            s = sentences[p.index]
            pieces = display_pieces(s.text, [j.display for j in plan[p.index]])
            clauses = tuple(
                PlacedClause(text, ms(base + a), ms(base + b))
                for text, (a, b) in zip(pieces, p.spans, strict=True)
            )
            ps = PlacedSentence(s, ms(p.start), ms(p.end), ms(base + p.start), ms(base + p.end), clauses)
            placed_all.append(ps)
            sentence_records.append(
                {
                    "id": s.id,
                    "text": s.text,
                    "section": k + 1,
                    "paragraph": s.paragraph,
                    "point": s.point,
                    "start_ms": ps.doc_start_ms,
                    "end_ms": ps.doc_end_ms,
                    "section_start_ms": ps.start_ms,
                    "section_end_ms": ps.end_ms,
                    "engine": "offline" if s.id in fallback_set else backend.name,
                    "voice": offline_voice if s.id in fallback_set else main_voice,
                    "chunks": [j.spoken for j in plan[p.index]],
                    "clauses": [
                        {"text": c.text, "start_ms": c.doc_start_ms, "end_ms": c.doc_end_ms} for c in clauses
                    ],
                }
            )

    voices = voices_heard(sentence_records)
    files: dict[str, str] = {}
    for fmt in ("mp3", "m4b", "opus", "srt", "vtt", "lrc"):
        if fmt in opts.formats:
            files[fmt] = f"{stem}.{fmt}"
    if "html" in opts.formats:
        files["html"] = "index.html"
    if summary:
        files["summary"] = summary["file"]
    outputs = [sa.file for sa in sections] + list(files.values()) + ["manifest.json"]
    if "opus" in opts.formats:
        outputs[len(sections) : len(sections)] = [opus_name(sa.file) for sa in sections]
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
        "engine_identity": backend.identity(opts.settings),
        "voice": voices[0]["voice"],
        "voices": voices,
        "settings": {
            **asdict(opts.settings),
            "pauses": asdict(opts.pauses),
            "study": asdict(opts.study),
            "speed": opts.speed,
            "loudnorm": opts.loudnorm,
            "mp3_kbps": opts.mp3_kbps,
        },
        "fallback": {"engine": "offline", "sentences": fallback} if fallback else None,
        "duration_ms": ms(total_samples),
        "files": files,
        "outputs": outputs,
        "sections": section_records,
        "sentences": sentence_records,
        "fingerprint": fp,
    }
    if summary:
        manifest["summary"] = summary

    for fmt, writer in (("srt", SRTWriter()), ("vtt", VTTWriter())):
        if fmt in opts.formats:
            with atomic_path(out_dir / files[fmt]) as tmp, tmp.open("w", encoding="utf-8") as f:
                writer.write(placed_all, f)
    if "lrc" in opts.formats:
        with atomic_path(out_dir / files["lrc"]) as tmp, tmp.open("w", encoding="utf-8") as f:
            LRCWriter().write(placed_all, f, title=doc.title)
    if "html" in opts.formats:
        from .player import write_player

        with atomic_path(out_dir / "index.html") as tmp, tmp.open("w", encoding="utf-8") as f:
            write_player(manifest, f)
    clean_stale(out_dir, old, outputs)
    with atomic_path(out_dir / "manifest.json") as tmp, tmp.open("w", encoding="utf-8") as f:
        write_manifest(manifest, f)
    return manifest


def _is_image(data: bytes | None) -> bool:
    """Only JPEG and PNG go into an MP4 cover atom."""
    return bool(data) and (data or b"").startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
