"""Document -> sentences -> chunks -> cached clips -> section files -> whole-document files.

Synthesis only ever writes to the clip cache, so an interrupted or failed build loses nothing: the
rerun finds every finished chunk there. Assembly reads clips back one at a time and streams each
section to a WAV on disk, keeping memory flat in document length.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from . import words
from .backends import Backend, VoiceSettings
from .backends.registry import AUTO, LOCAL, ONLINE, choose_auto, get_backend
from .cache import ClipCache
from .document import load
from .errors import BatchError, EngineError, FolderTakenError, InputError, SynthesisError, UsageError
from .folder import (
    doc_text_of,
    ensure_dir,
    is_current,
    other_source,
    output_dir,
    read_manifest,
    removed_if_left_empty,
    source_id,
    text_sha256,
    write_text,
)
from .lexicon import Lexicon, load_lexicon
from .library import render_library
from .loaders import DOC_SUFFIXES, is_url
from .manifest import Manifest, Reading, VoiceEntry
from .model import Document, Sentence
from .names import safe_filename
from .options import DEFAULT_FORMATS, FORMATS, BuildOptions, StudyOptions
from .pauses import Pauses
from .plan import Job, Plan, PlanMemo, fingerprint, plan_jobs
from .segment import split_document

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "BuildOptions",
    "BuildResult",
    "Job",
    "Pauses",
    "StudyOptions",
    "build",
    "build_any",
    "get_backend",
    "output_dir",
    "plan_jobs",
    "read_manifest",
    "resolve_backend",
    "synthesise_missing",
    "text_sha256",
]


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
    def record(self) -> Manifest:
        """The manifest as a typed record (`manifest` is its JSON, as written to manifest.json)."""
        return Manifest.from_json(self.manifest)

    @property
    def summary(self) -> str:
        if self.up_to_date:
            return f"{self.out_dir}: up to date (nothing changed; use --force to rebuild)"
        m = self.record
        mins = m.duration_ms / 60000
        s = (
            f"{self.out_dir}: {len(m.sections)} sections, {mins:.1f} min; "
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


def voices_text(m: Manifest) -> str:
    """'engine edge, voice X', or every voice heard with its share when more than one read."""
    voices = m.voices or (VoiceEntry(m.engine, m.voice, 0, 0, 1.0),)
    if len(voices) == 1:
        return f"engine {voices[0].engine}, voice {voices[0].voice}"
    return "voices " + ", ".join(f"{v.voice} ({v.engine}) {v.share:.0%} of the text" for v in voices)


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


def build(
    path: str | Path,
    opts: BuildOptions | None = None,
    reporter: Reporter | None = None,
    backend: Backend | None = None,
    filler: Backend | None = None,
) -> BuildResult:
    """Build one document. A given `backend` (and `filler`, the local engine that reads what an online
    one could not with a fallback asked for) is used but not closed; else they are made from opts."""
    opts = opts or BuildOptions()
    reporter = reporter or QuietReporter()
    doc = load(path)  # bad input fails here, before anything is created
    own_backend = backend is None
    if backend is None:
        backend = resolve_backend(opts, reporter)
    if not backend.online and (opts.settings.voice or opts.settings.volume != "+0%"):
        # --engine auto chose the local voice: the default online voice and its volume are not
        # this build's (they would be recorded in the manifest and split the cache from plain
        # local builds). A voice asked for by name never gets here: the CLI refuses it offline.
        opts = replace(opts, settings=replace(opts.settings, voice="", volume="+0%"))
    try:
        out_dir = output_dir(path, doc, opts.out_root)
        with removed_if_left_empty(out_dir):
            return _build(path, out_dir, doc, opts, reporter, (backend, filler), release=own_backend)
    finally:
        if own_backend:
            backend.close()


def _build(
    path: str | Path,
    out_dir: Path,
    doc: Document,
    opts: BuildOptions,
    reporter: Reporter,
    engines: tuple[Backend, Backend | None],
    release: bool = False,
) -> BuildResult:
    """`release`: the engine is not used again after this build (see OfflineBackend.release)."""
    backend = engines[0]
    lexicon = load_lexicon(path, opts.lexicons)
    fp = fingerprint(doc_text_of(doc), lexicon, backend, opts, doc.spoken_title)
    old = read_manifest(out_dir)
    theirs = other_source(old, doc)
    if theirs and not opts.force:
        raise FolderTakenError(
            f"{out_dir} holds the build of {theirs}; building {source_id(doc.source)} there would replace "
            "it: give another output root with --out DIR (or --force to replace that build)"
        )
    if not opts.force and is_current(out_dir, old, fingerprint=fp):
        return BuildResult(out_dir, old or {}, up_to_date=True)
    ensure_dir(out_dir)  # an unwritable --out fails now, not after minutes of synthesis
    start = getattr(backend, "start", None)  # a local engine's workers load while the text is planned
    if callable(start) and not _same_reading(old, doc, backend, opts):
        start()
    lexicon.keep_whole()  # before chunking: a lexicon word is never split between chunks
    cache = ClipCache(opts.cache_dir)
    memo = PlanMemo.read(cache, out_dir, PlanMemo.key_for(lexicon, backend))
    sentences = split_document(
        doc, backend.max_chars, backend.clause_chunks, memo.chunks, title=opts.speak_title
    )
    plan = plan_jobs(sentences, backend, opts.settings, lexicon, memo)
    if release:
        words.release()  # planned: the ~60 MB dictionary is not needed while the voice speaks
    reporter.stage(f"synthesising with {backend.name}")
    from .assemble import assemble  # stitching and encoding: not needed to answer "up to date"

    relexed = _relexed(plan, cache)
    plan, fallback, n_new, n_cached = _synthesise(plan, sentences, engines, cache, opts, reporter, lexicon)
    if release and callable(getattr(backend, "release", None)):
        backend.release()  # type: ignore[attr-defined]  # its workers exit while we encode
    reporter.stage("stitching and encoding")
    # A build with fallen-back sentences is not the build asked for: its manifest must not
    # vouch for the fingerprint, so the same command run again retries those sentences online
    # (everything else comes from the cache) instead of answering "up to date".
    manifest_fp = f"{fp}+fallback" if fallback else fp
    voice = opts.settings.voice or backend.default_voice
    reading = Reading(backend.name, backend.identity(opts.settings), voice, tuple(fallback))
    manifest = assemble(doc, sentences, plan, cache, out_dir, opts, reading, manifest_fp)
    memo.write(cache, out_dir)
    return BuildResult(out_dir, manifest, n_new, n_cached, fallback_sentences=fallback, relexed=relexed)


def _same_reading(old: dict[str, Any] | None, doc: Document, backend: Backend, opts: BuildOptions) -> bool:
    """The previous build read this very text with this voice: its chunks are most likely all cached
    (only an option changed, or --force), so the engine is not started ahead of need."""
    if not old:
        return False
    settings = old.get("settings") or {}
    return (
        old.get("source_sha256") == text_sha256(doc)
        and old.get("engine_identity") == backend.identity(opts.settings)
        and all(settings.get(k) == getattr(opts.settings, k) for k in ("voice", "rate", "pitch", "volume"))
    )


def _synthesise(
    plan: Plan,
    sentences: list[Sentence],
    engines: tuple[Backend, Backend | None],
    cache: ClipCache,
    opts: BuildOptions,
    reporter: Reporter,
    lexicon: Lexicon,
) -> tuple[Plan, list[str], int, int]:
    """Every chunk of the plan into the cache; with a fallback asked for, the sentences an online
    engine could not finish are read by the local voice. Returns the plan as read, the fallen-back
    sentence ids and the synthesised and cached counts."""
    backend, filler = engines
    keys = {j.key for js in plan for j in js}
    had = {k for k in keys if k in cache} if opts.fallback else set()
    try:
        n_new, n_cached = synthesise_missing(
            [j for js in plan for j in js], backend, opts.settings, cache, reporter
        )
        return plan, [], n_new, n_cached
    except (SynthesisError, EngineError):
        # EngineError: the service could not be reached at all; with a fallback asked for,
        # every sentence then falls back (and is listed as such).
        if not opts.fallback or not backend.online:
            raise
    plan, fallback, n_new, n_cached = _fill_with_offline(
        plan, sentences, cache, opts, reporter, lexicon, filler
    )
    # Count what the online engine did finish too, not only the offline fill.
    return plan, fallback, n_new + sum(1 for k in keys - had if k in cache), n_cached + len(had)


def _relexed(plan: list[list[Job]], cache: ClipCache) -> dict[int, tuple[str, ...]]:
    """Sentences about to be synthesised (not cached) whose spoken text the lexicon set -> its words."""
    out: dict[int, tuple[str, ...]] = {}
    for jobs in plan:
        for j in jobs:
            if j.lexicon and j.key not in cache:
                out[j.sentence] = tuple(dict.fromkeys(out.get(j.sentence, ()) + j.lexicon))
    return out


def _fill_with_offline(
    plan: list[list[Job]],
    sentences: list[Sentence],
    cache: ClipCache,
    opts: BuildOptions,
    reporter: Reporter,
    lexicon: Lexicon | None = None,
    filler: Backend | None = None,
) -> tuple[list[list[Job]], list[str], int, int]:
    """Replace every sentence the online engine could not finish with the offline voice, whole
    sentences at a time so one sentence never mixes voices, and report exactly which.

    The online engine must have been run with keep_going (resolve_backend sees to it): then every
    chunk it could do is cached and exactly the sentences with a failed chunk are missing. The
    offline voice keeps the user's rate and pitch, so the filled sentences keep the pace."""
    offline = filler or get_backend(LOCAL, workers=opts.workers)
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
            [j for js in new_plan for j in js if j.engine == offline.name],
            offline,
            offline_settings,
            cache,
            reporter,
        )
        return new_plan, fallback, n_new, n_cached
    finally:
        if filler is None:
            offline.close()


def resolve_backend(opts: BuildOptions, reporter: Reporter) -> Backend:
    name = opts.engine
    if name == AUTO:
        name = choose_auto()
        why = "online" if name == ONLINE else f"{ONLINE}-tts unreachable"
        reporter.stage(f"engine auto: chose {name} ({why})")
    if name == LOCAL:
        return get_backend(name, workers=opts.workers)
    options = dict(opts.backend_options)
    if opts.fallback:
        # Finish every chunk the online voice can before reporting the failed ones; stopping at the
        # first failure would hand every chunk not yet done to the local voice.
        options.setdefault("keep_going", True)
    return get_backend(name, **options)


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
            except (InputError, SynthesisError, FolderTakenError) as e:
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
    docs = [(r.out_dir.name, r.record) for r in results]
    write_text(out_root / "index.html", render_library(docs, section_titles=False))
