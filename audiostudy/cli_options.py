"""The command line's options, each declared once (type, flag, help), and the one function that turns
the build command's values into checked `BuildOptions`. `cli` lists them per command and forwards;
defaults stay in the command signatures (the pauses' come from `Pauses`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .pauses import Pauses

if TYPE_CHECKING:
    from .options import BuildOptions

PAUSES = Pauses()  # the defaults the options show

# --- shared by several commands ---
Doc = Annotated[
    str,
    typer.Argument(help="Document: a .txt, .md, .docx, .epub, .pdf or .html file, an http(s) address, or -."),
]
Docs = Annotated[
    str,
    typer.Argument(
        help="Document: a .txt, .md, .docx, .epub, .pdf or .html file, a folder of them, "
        "an http(s) address, or - for stdin."
    ),
]
Lexicons = Annotated[
    list[Path] | None,
    typer.Option(
        "--lexicon",
        metavar="<file>",
        help="Pronunciation lexicon (`词 pin1 yin1` or `原文 => 读法` lines); repeatable, later files win. "
        "Also read: the built-in list, lexicon.txt in the user config folder, <document>.lexicon.txt.",
    ),
]
OutRoot = Annotated[Path, typer.Option("--out", "-o", help="Output root; files go to OUT/<document-stem>/.")]
CacheDir = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir", help="Clip cache folder (default: the user cache dir, or $AUDIOSTUDY_CACHE_DIR)."
    ),
]
BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Also write podcast feeds (OUT/feed.xml, OUT/<doc>/feed.xml) for OUT published at this URL.",
    ),
]
FeedSections = Annotated[
    bool, typer.Option("--feed-sections", help="Podcast feeds with one episode per section.")
]

# --- build: the voice ---
Engine = Annotated[
    str, typer.Option(help="auto (edge when reachable, else offline; decided once) | offline | edge.")
]
Voice = Annotated[str, typer.Option(help="edge voice, e.g. zh-CN-YunyangNeural (see `audiostudy voices`).")]
Rate = Annotated[str, typer.Option(help="Speaking rate: +10%, -5% or 1.2 (= +20%).")]
Pitch = Annotated[str, typer.Option(help="Pitch shift, e.g. +0Hz, -5Hz.")]
Volume = Annotated[str, typer.Option(help="edge voices only: volume, e.g. -10%.")]

# --- build: pauses ---
PauseClause = Annotated[
    int, typer.Option(help="Pause after a clause ending in ， ms (、 half of it, ：；—— 1.5x).")
]
PauseSentence = Annotated[int, typer.Option(help="Pause between sentences, ms.")]
PauseParagraph = Annotated[int, typer.Option(help="Pause between paragraphs, ms.")]
PausePoint = Annotated[int, typer.Option(help="Pause before a point (一是…), ms.")]
PauseSection = Annotated[int, typer.Option(help="Pause between sections in the whole file, ms.")]

# --- build: outputs and study ---
Formats = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        "-f",
        metavar="<format>",
        help="Outputs besides the section MP3s (repeatable; default all but opus): "
        "mp3 m4b srt vtt lrc html opus (Ogg Opus, whole and sections).",
    ),
]
Speed = Annotated[float, typer.Option(help="Tempo factor without pitch change, 0.5-2.0, e.g. 1.25.")]
Loudnorm = Annotated[
    float | None, typer.Option(help="Normalise loudness to this LUFS (EBU R128, two-pass), e.g. -16.")
]
Bitrate = Annotated[int, typer.Option(help="MP3/AAC bitrate, kbit/s.")]
Shadow = Annotated[float, typer.Option(help="跟读: after each sentence, silence of this x its length (0-5).")]
Repeat = Annotated[int, typer.Option(help="Say each sentence this many times (1-10).")]
Summary = Annotated[
    bool,
    typer.Option("--summary", help="Also write <stem>-summary.mp3: section titles and point sentences."),
]
SpeakTitle = Annotated[
    bool,
    typer.Option(
        "--speak-title/--no-speak-title",
        help="Say the document's title (its title line, # heading or the file's own title) first, "
        "then a section's pause.",
    ),
]

# --- build: engines and running ---
Concurrency = Annotated[int, typer.Option(help="edge: requests in flight at once.")]
Fallback = Annotated[
    str | None,
    typer.Option(help="offline: fill sentences the online voice failed with the offline voice."),
]
Workers = Annotated[int | None, typer.Option(help="offline: worker processes (default: by length, ≤ cores).")]
Force = Annotated[bool, typer.Option(help="Rebuild even when the outputs are up to date.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
Progress = Annotated[
    str,
    typer.Option(
        help="Progress on stderr: bar (for people), jsonl (one JSON object per line: done/total "
        "chunks, characters, elapsed, ETA; for scripts) or none."
    ),
]


def build_options(
    *,
    out_root: Path,
    engine: str,
    pause_clause: int,
    pause_sentence: int,
    pause_paragraph: int,
    pause_point: int,
    pause_section: int,
    fmt: list[str] | None,
    speed: float,
    loudnorm: float | None,
    bitrate: int,
    shadow: float,
    repeat: int,
    summary: bool,
    speak_title: bool,
    concurrency: int,
    fallback: str | None,
    workers: int | None,
    cache_dir: Path | None,
    force: bool,
    lexicon: list[Path] | None,
    **_: Any,  # the command's other values (the document, progress, the voice: see with_voice)
) -> BuildOptions:
    """The build command's values as BuildOptions (checked when made)."""
    from .options import DEFAULT_FORMATS, BuildOptions, StudyOptions

    return BuildOptions(
        out_root=out_root,
        engine=engine,
        pauses=Pauses(
            clause_ms=pause_clause,
            sentence_ms=pause_sentence,
            paragraph_ms=pause_paragraph,
            point_ms=pause_point,
            section_ms=pause_section,
        ),
        study=StudyOptions(shadow=shadow, repeat=repeat),
        formats=tuple(fmt) if fmt else DEFAULT_FORMATS,
        speed=speed,
        loudnorm=loudnorm,
        mp3_kbps=bitrate,
        cache_dir=cache_dir,
        workers=workers,
        force=force,
        fallback=fallback,
        lexicons=tuple(lexicon or ()),
        summary=summary,
        speak_title=speak_title,
        # With a fallback, edge finishes every chunk it can before reporting the ones that failed.
        # The voice is checked by with_voice, against the live list when it is not a built-in one.
        backend_options={
            "concurrency": concurrency,
            "keep_going": fallback is not None,
            "voices_known": False,
        },
    )


def with_voice(opts: BuildOptions, voice: str, rate: str, pitch: str, volume: str) -> BuildOptions:
    """The options with the engine settled for the voice asked for (`auto` with a named voice needs
    the online engine) and the voice settings checked."""
    from .backends.registry import settle_voice

    engine, settings = settle_voice(opts.engine, voice, rate, pitch, volume)
    return replace(opts, engine=engine, settings=settings)
