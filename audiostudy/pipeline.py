"""Document -> sentences -> chunks -> cached clips -> section files -> whole-document files.

Synthesis only ever writes to the clip cache, so an interrupted or failed build loses nothing: the
rerun finds every finished chunk there. Assembly reads clips back one at a time and streams each
section to a WAV on disk, keeping memory flat in document length.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from . import __version__
from .backends import Backend, VoiceSettings, get_backend
from .cache import ClipCache, chunk_key
from .document import load
from .errors import BatchError, EngineError, InputError, OutputError, SynthesisError, UsageError, os_reason
from .inputs.base import url_stem
from .lexicon import Lexicon, load_lexicon
from .loaders import DOC_SUFFIXES, is_url
from .model import Document, Sentence
from .names import safe_filename
from .pauses import Pauses
from .segment import is_speakable, split_document


@dataclass(frozen=True)
class StudyOptions:
    shadow: float = 0.0  # 跟读: silence after each sentence = shadow x its duration
    repeat: int = 1  # each sentence this many times


FORMATS = ("mp3", "m4b", "srt", "vtt", "lrc", "html", "opus")
DEFAULT_FORMATS = ("mp3", "m4b", "srt", "vtt", "lrc", "html")  # opus only when asked for


@dataclass(frozen=True)
class BuildOptions:
    out_root: Path = Path("audio")
    engine: str = "offline"
    settings: VoiceSettings = field(default_factory=VoiceSettings)
    pauses: Pauses = field(default_factory=Pauses)
    study: StudyOptions = field(default_factory=StudyOptions)
    formats: tuple[str, ...] = DEFAULT_FORMATS
    speed: float = 1.0
    loudnorm: float | None = None
    mp3_kbps: int = 64
    cache_dir: Path | None = None
    workers: int | None = None
    force: bool = False
    fallback: str | None = None  # "offline": fill chunks the online engine failed with the offline voice
    summary: bool = False  # also write <stem>-summary.mp3: section titles and point sentences
    lexicons: tuple[Path, ...] = ()  # --lexicon files, after the built-in, user and beside-the-document ones
    backend_options: dict[str, Any] = field(default_factory=dict)


class Reporter(Protocol):
    def stage(self, text: str) -> None: ...
    def start_synthesis(self, total_chars: int, cached_chars: int, todo: int, cached: int) -> None: ...
    def advance(self, chars: int) -> None: ...


class QuietReporter:
    def stage(self, text: str) -> None:
        pass

    def start_synthesis(self, total_chars: int, cached_chars: int, todo: int, cached: int) -> None:
        pass

    def advance(self, chars: int) -> None:
        pass


@dataclass(frozen=True)
class Job:
    """One chunk to synthesise: where it belongs and the exact text the engine receives."""

    sentence: int  # index into the sentence list
    spoken: str
    key: str
    engine: str
    trim: bool = True  # cut the engine's silence around the clip (see Backend.trim_silence)
    display: str = ""  # the chunk as written (before reading normalisation)
    lexicon: tuple[str, ...] = ()  # words whose spoken form the pronunciation lexicon set


@dataclass
class BuildResult:
    out_dir: Path
    manifest: dict[str, Any]
    synthesised: int = 0
    cached: int = 0
    up_to_date: bool = False
    fallback_sentences: list[str] = field(default_factory=list)
    relexed: dict[int, tuple[str, ...]] = field(default_factory=dict)  # sentence -> lexicon words in it

    @property
    def summary(self) -> str:
        if self.up_to_date:
            return f"{self.out_dir}: up to date (nothing changed; use --force to rebuild)"
        m = self.manifest
        mins = m["duration_ms"] / 60000
        s = (
            f"{self.out_dir}: {len(m['sections'])} sections, {mins:.1f} min; "
            f"{self.synthesised} synthesised, {self.cached} from cache; {voices_text(m)}"
        )
        if self.relexed:
            n = len(self.relexed)
            words = "、".join(dict.fromkeys(w for ws in self.relexed.values() for w in ws))
            s += f"; {n} sentence{'s' if n > 1 else ''} with lexicon readings synthesised ({words})"
        if self.fallback_sentences:
            s += (
                f"; {len(self.fallback_sentences)} sentences fell back to the offline voice "
                "(run the same command again to retry them online)"
            )
        return s


def voices_text(manifest: dict[str, Any]) -> str:
    """'engine edge, voice X', or every voice heard with its share when more than one read."""
    voices = manifest.get("voices") or [{"engine": manifest.get("engine"), "voice": manifest.get("voice")}]
    if len(voices) == 1:
        v = voices[0]
        return f"engine {v['engine']}, voice {v['voice']}"
    return "voices " + ", ".join(f"{v['voice']} ({v['engine']}) {v['share']:.0%} of the text" for v in voices)


def output_dir(path: str | Path, doc: Document, out_root: Path) -> Path:
    """OUT/<name>: the file's stem; for stdin the title; for a web page its title, else the last
    part of its address. safe_filename keeps any of them one plain folder inside out_root."""
    if str(path) == "-":
        stem = doc.title
    elif is_url(path):
        stem = doc.title or url_stem(str(path))
    else:
        stem = Path(path).stem
    return out_root / safe_filename(stem, fallback="document")


def plan_jobs(
    sentences: list[Sentence], backend: Backend, settings: VoiceSettings, lexicon: Lexicon | None = None
) -> list[list[Job]]:
    """Per sentence, the chunks to synthesise: the pronunciation lexicon rewrites what is spoken (never
    the sentence text shown), then reading normalisation for engines that need it."""
    from .normalize import to_reading

    identity = backend.identity(settings)
    plan: list[list[Job]] = []
    for i, s in enumerate(sentences):
        jobs = []
        for chunk in s.chunks:
            spoken, used = lexicon.apply(chunk) if lexicon else (chunk, ())
            spoken = to_reading(spoken) if backend.needs_normalisation else spoken
            if is_speakable(spoken):
                key = chunk_key(identity, settings, spoken)
                used_words = tuple(e.word for e in used)
                jobs.append(Job(i, spoken, key, backend.name, backend.trim_silence, chunk, used_words))
        plan.append(jobs)
    return plan


def synthesise_missing(
    jobs: list[Job],
    backend: Backend,
    settings: VoiceSettings,
    cache: ClipCache,
    reporter: Reporter,
) -> tuple[int, int]:
    """Synthesise every job whose key is not cached. Returns (synthesised, cached) counts."""
    unique: dict[str, Job] = {}
    for j in jobs:
        unique.setdefault(j.key, j)
    todo = [j for k, j in unique.items() if k not in cache]
    cached_chars = sum(len(j.spoken) for j in unique.values()) - sum(len(j.spoken) for j in todo)
    reporter.start_synthesis(
        sum(len(j.spoken) for j in unique.values()), cached_chars, len(todo), len(unique) - len(todo)
    )

    def done(i: int, clip: Any) -> None:
        cache.put(todo[i].key, clip)
        reporter.advance(len(todo[i].spoken))

    if todo:
        backend.synthesize([j.spoken for j in todo], settings, done)
    return len(todo), len(unique) - len(todo)


def fingerprint(doc_text: str, plan: list[list[Job]], opts: BuildOptions) -> str:
    """Everything that changes any output; equal fingerprints mean the outputs are current."""
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(doc_text.encode("utf-8"))
    h.update(json.dumps([[j.key for j in js] for js in plan]).encode())
    o = asdict(
        replace(opts, out_root=Path("."), cache_dir=None, force=False, workers=None, backend_options={})
    )
    h.update(json.dumps(o, sort_keys=True, default=str).encode())
    return h.hexdigest()


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(out_dir: Path, fp: str) -> bool:
    m = read_manifest(out_dir)
    if not m or m.get("fingerprint") != fp:
        return False
    return all((out_dir / f).is_file() for f in m.get("outputs", []))


def build(
    path: str | Path,
    opts: BuildOptions | None = None,
    reporter: Reporter | None = None,
    backend: Backend | None = None,
) -> BuildResult:
    from .assemble import assemble

    opts = opts or BuildOptions()
    reporter = reporter or QuietReporter()
    doc = load(path)  # bad input fails here, before anything is created
    own_backend = backend is None
    if backend is None:
        backend = resolve_backend(opts, reporter)
    if backend.name == "offline" and (opts.settings.voice or opts.settings.volume != "+0%"):
        # --engine auto chose the offline voice: the default edge voice and the edge volume are not
        # this build's (they would be recorded in the manifest and split the cache from plain
        # offline builds). A voice asked for by name never gets here: the CLI refuses it offline.
        opts = replace(opts, settings=replace(opts.settings, voice="", volume="+0%"))
    try:
        lexicon = load_lexicon(path, opts.lexicons)
        lexicon.keep_whole()  # before chunking: a lexicon word is never split between chunks
        sentences = split_document(doc, backend.max_chars, backend.clause_chunks)
        plan = plan_jobs(sentences, backend, opts.settings, lexicon)
        out_dir = output_dir(path, doc, opts.out_root)
        fp = fingerprint(doc_text_of(doc), plan, opts)
        if not opts.force and is_current(out_dir, fp):
            return BuildResult(out_dir, read_manifest(out_dir) or {}, up_to_date=True)
        ensure_dir(out_dir)  # an unwritable --out fails now, not after minutes of synthesis

        cache = ClipCache(opts.cache_dir)
        reporter.stage(f"synthesising with {backend.name}")
        fallback: list[str] = []
        keys = {j.key for js in plan for j in js}
        had = {k for k in keys if k in cache} if opts.fallback == "offline" else set()
        relexed = _relexed(plan, cache)
        try:
            n_new, n_cached = synthesise_missing(
                [j for js in plan for j in js], backend, opts.settings, cache, reporter
            )
        except (SynthesisError, EngineError):
            # EngineError: the service could not be reached at all; with a fallback asked for,
            # every sentence then falls back (and is listed as such).
            if opts.fallback != "offline" or backend.name == "offline":
                raise
            plan, fallback, n_new, n_cached = _fill_with_offline(
                plan, sentences, cache, opts, reporter, lexicon
            )
            # Count what the online engine did finish too, not only the offline fill.
            n_new += sum(1 for k in keys - had if k in cache)
            n_cached += len(had)
        reporter.stage("stitching and encoding")
        # A build with fallen-back sentences is not the build asked for: its manifest must not
        # vouch for the fingerprint, so the same command run again retries those sentences online
        # (everything else comes from the cache) instead of answering "up to date".
        manifest_fp = f"{fp}+fallback" if fallback else fp
        manifest = assemble(doc, sentences, plan, cache, out_dir, opts, backend, manifest_fp, fallback)
        return BuildResult(out_dir, manifest, n_new, n_cached, fallback_sentences=fallback, relexed=relexed)
    finally:
        if own_backend:
            backend.close()


def _relexed(plan: list[list[Job]], cache: ClipCache) -> dict[int, tuple[str, ...]]:
    """Sentences about to be synthesised (not cached) whose spoken text the lexicon set -> its words."""
    out: dict[int, tuple[str, ...]] = {}
    for jobs in plan:
        for j in jobs:
            if j.lexicon and j.key not in cache:
                out[j.sentence] = tuple(dict.fromkeys(out.get(j.sentence, ()) + j.lexicon))
    return out


def doc_text_of(doc: Document) -> str:
    return "\n\n".join(s.text for s in doc.sections)


def text_sha256(doc: Document) -> str:
    """Hash of the document's text as recorded in the manifest (`play` checks a build is current)."""
    return hashlib.sha256(doc_text_of(doc).encode("utf-8")).hexdigest()


def _fill_with_offline(
    plan: list[list[Job]],
    sentences: list[Sentence],
    cache: ClipCache,
    opts: BuildOptions,
    reporter: Reporter,
    lexicon: Lexicon | None = None,
) -> tuple[list[list[Job]], list[str], int, int]:
    """Replace every sentence the online engine could not finish with the offline voice, whole
    sentences at a time so one sentence never mixes voices, and report exactly which.

    The online engine must have been run with keep_going (resolve_backend sees to it): then every
    chunk it could do is cached and exactly the sentences with a failed chunk are missing. The
    offline voice keeps the user's rate and pitch, so the filled sentences keep the pace."""
    offline = get_backend("offline", workers=opts.workers)
    offline_settings = VoiceSettings(rate=opts.settings.rate, pitch=opts.settings.pitch)
    try:
        offline_plan = plan_jobs(sentences, offline, offline_settings, lexicon)
        new_plan: list[list[Job]] = []
        fallback: list[str] = []
        for i, jobs in enumerate(plan):
            if all(j.key in cache for j in jobs):
                new_plan.append(jobs)
            else:
                new_plan.append(offline_plan[i])
                fallback.append(sentences[i].id)
        reporter.stage(f"filling {len(fallback)} sentences with the offline voice")
        n_new, n_cached = synthesise_missing(
            [j for js in new_plan for j in js if j.engine == "offline"],
            offline,
            offline_settings,
            cache,
            reporter,
        )
        return new_plan, fallback, n_new, n_cached
    finally:
        offline.close()


def resolve_backend(opts: BuildOptions, reporter: Reporter) -> Backend:
    name = opts.engine
    if name == "auto":
        from .backends.edge import probe

        name = "edge" if probe() else "offline"
        reporter.stage(
            f"engine auto: chose {name} ({'online' if name == 'edge' else 'edge-tts unreachable'})"
        )
    if name == "offline":
        return get_backend("offline", workers=opts.workers)
    options = dict(opts.backend_options)
    if opts.fallback == "offline":
        # Finish every chunk the online voice can before reporting the failed ones; stopping at the
        # first failure would hand every chunk not yet done to the offline voice.
        options.setdefault("keep_going", True)
    return get_backend(name, **options)


def clean_stale(out_dir: Path, old: dict[str, Any] | None, new_outputs: list[str]) -> None:
    """Delete files an earlier build of ours wrote that this build did not (a removed section).
    Only names recorded in our own previous manifest are touched, and only inside out_dir."""
    if not old:
        return
    keep = set(new_outputs)
    for name in old.get("outputs", []):
        if not isinstance(name, str) or not name or name in keep or "/" in name or "\\" in name:
            continue
        if name.startswith(".") or not (out_dir / name).is_file():
            continue  # never a folder: an empty name in a damaged manifest is out_dir itself
        (out_dir / name).unlink(missing_ok=True)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def ensure_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise OutputError(f"cannot write to {path}: {os_reason(e)}; choose another folder with --out") from e


def build_any(
    path: str, opts: BuildOptions, reporter: Reporter | None = None, backend: Backend | None = None
) -> list[BuildResult]:
    """Build one document, or every document in a folder plus a library index page. A given
    backend is used but not closed."""
    p = Path(path)
    if path == "-" or is_url(path) or not p.is_dir():
        return [build(path, opts, reporter, backend=backend)]
    docs = sorted(f for f in p.iterdir() if f.suffix.lower() in DOC_SUFFIXES and not f.name.startswith("."))
    if not docs:
        raise UsageError(f"no documents ({', '.join(DOC_SUFFIXES)}) in {p}")
    by_dir: dict[str, list[str]] = {}
    for d in docs:
        by_dir.setdefault(safe_filename(d.stem, fallback="document"), []).append(d.name)
    clash = next((names for names in by_dir.values() if len(names) > 1), None)
    if clash:
        raise UsageError(f"{' and '.join(clash)} would both build into the same folder; rename one")
    reporter = reporter or QuietReporter()
    own = backend is None
    engine = backend or resolve_backend(opts, reporter)
    results: list[BuildResult] = []
    failed: list[str] = []
    try:
        for d in docs:
            try:
                results.append(build(d, opts, reporter, backend=engine))
            except (InputError, SynthesisError) as e:
                # One unreadable or unsayable document does not stop the others.
                reporter.stage(f"skipped {d.name}: {e}")
                failed.append(f"{d.name} ({e})")
    finally:
        if own:
            engine.close()
    if results:
        write_library(opts.out_root, results)
    if failed:
        raise BatchError(f"{len(failed)} of {len(docs)} documents failed: {'; '.join(failed)}", list(results))
    return results


def write_library(out_root: Path, results: list[BuildResult]) -> None:
    from .audio import atomic_path
    from .player import render_library

    entries = [
        {
            "title": r.manifest.get("title", r.out_dir.name),
            "dir": r.out_dir.name,
            "duration_ms": r.manifest.get("duration_ms", 0),
            "sections": len(r.manifest.get("sections", [])),
        }
        for r in results
    ]
    with atomic_path(out_root / "index.html") as tmp:
        tmp.write_text(render_library(entries), encoding="utf-8")
