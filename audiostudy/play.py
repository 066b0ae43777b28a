"""`audiostudy play DOC WHICH`: play one section or point now.

From a document that is built and unchanged this only reads the manifest and hands a file to a
player (no engine, no synthesis). A document never built, or edited since, is built first; the
clip cache means only what changed is synthesised.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backends import Backend
from .document import load
from .errors import UsageError
from .folder import is_current, output_dir, read_manifest, text_sha256
from .manifest import Manifest, SectionEntry, read
from .model import Document
from .options import BuildOptions
from .structure import cn_number
from .webpage import fmt_ms

# Players tried in this order: command line before the file, and whether it needs WAV input.
PLAYERS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "quiet"), False),
    ("mpv", ("--no-video", "--really-quiet"), False),
    ("vlc", ("--intf", "dummy", "--play-and-exit"), False),
    ("afplay", (), False),
    ("paplay", (), True),
    ("cvlc", ("--play-and-exit",), False),
)


@dataclass(frozen=True)
class Target:
    section: int  # the document's section number (1-based, as `outline` shows)
    point: int | None
    title: str

    @property
    def label(self) -> str:
        return f"{self.section}.{self.point}" if self.point else str(self.section)


def resolve(doc: Document, which: str) -> Target:
    """A section or point of `doc` from a number (2), a Chinese ordinal (二), a point (2.3) or a
    word found in exactly one section or point title."""
    w = which.strip().rstrip("、.．。")
    n_sec = len(doc.sections)
    m = re.fullmatch(r"(\d+|[一二三四五六七八九十两]+)(?:[.．](\d+|[一二三四五六七八九十两]+))?", w)
    if m:
        sec_no = cn_number(m.group(1))
        section = next((s for s in doc.sections if s.number == sec_no), None)
        if section is None:
            raise UsageError(f"no section {m.group(1)}: the document has {n_sec} sections (see `outline`)")
        if m.group(2) is None:
            return Target(section.number, None, section.title)
        pt_no = cn_number(m.group(2))
        point = next((p for p in section.points if p.number == pt_no), None)
        if point is None:
            has = f"{len(section.points)} points" if section.points else "no points"
            raise UsageError(f"no point {w}: section {section.number} has {has}")
        return Target(section.number, point.number, point.title)
    if not w:
        raise UsageError("say which section: a number (2), 二, a point (2.3) or a word from a title")
    matches = []
    for s in doc.sections:
        if w in s.title:
            matches.append(Target(s.number, None, s.title))
        matches += [Target(s.number, p.number, p.title) for p in s.points if w in p.title]
    exact = [t for t in matches if t.title == w]
    if len(exact) == 1:
        return exact[0]
    if (
        len(matches) > 1
        and matches[0].point is None
        and all(t.section == matches[0].section for t in matches)
    ):
        return matches[0]  # a section and some of its own points: the section holds them all
    if not matches:
        raise UsageError(f"no section or point title contains {w!r} (see `audiostudy outline`)")
    if len(matches) > 1:
        listed = "; ".join(f"{t.label} {t.title}" for t in matches)
        raise UsageError(f"{w!r} matches {len(matches)} titles: {listed}; use a number")
    return matches[0]


def options_like(manifest: dict[str, Any] | None, out_root: Path, cache_dir: Path | None) -> BuildOptions:
    """Build options repeating an earlier build's (so its cached clips are reused), else defaults."""
    try:
        if manifest:
            return BuildOptions.from_manifest(manifest, out_root=out_root, cache_dir=cache_dir)
    except (TypeError, ValueError, UsageError):
        pass
    return BuildOptions(out_root=out_root, cache_dir=cache_dir)


def _section_record(manifest: Manifest, doc: Document, target: Target) -> SectionEntry:
    """The manifest's record of the target's section (the manifest numbers only sections that
    have something to say, so match by title and order)."""
    title = next(s.title for s in doc.sections if s.number == target.section)
    nth = sum(1 for s in doc.sections if s.title == title and s.number < target.section)
    found = [s for s in manifest.sections if s.title == title]
    if nth >= len(found):
        raise UsageError(f"section {target.section} ({title}) has nothing to read aloud")
    return found[nth]


def play_section(
    document: str | Path,
    which: str,
    out_root: Path,
    export: Path | None = None,
    print_path: bool = False,
    cache_dir: Path | None = None,
    *,
    backend: Backend | None = None,
) -> list[str]:
    """Play (or export, or locate) one section or point; returns the lines to print."""
    doc = load(document)
    target = resolve(doc, which)  # a bad WHICH fails before any build
    if export is not None and export.suffix.lower() != ".mp3":
        raise UsageError(f"--export writes MP3; give a path ending in .mp3, not {export.name}")
    out_dir = output_dir(document, doc, out_root)
    data = read_manifest(out_dir)
    manifest = read(out_dir)
    lines: list[str] = []
    if manifest is None or not is_current(out_dir, data, source_sha256=text_sha256(doc)):
        from .pipeline import build

        why = "changed since it was built" if data else "not built yet"
        print(f"{document}: {why}; building it first", flush=True)
        r = build(document, options_like(data, out_root, cache_dir), backend=backend)
        manifest = r.record
        lines.append(f"built {out_dir}: {r.synthesised} synthesised, {r.cached} from cache")
    rec = _section_record(manifest, doc, target)
    section_file = out_dir / rec.file
    start, end = 0, rec.duration_ms
    if target.point is not None:
        pt = next((p for p in rec.points if p.number == target.point), None)
        if pt is None:
            raise UsageError(f"point {target.label} has nothing to read aloud")
        start, end = pt.section_start_ms, pt.section_end_ms

    what = f"{target.label} {target.title} ({fmt_ms(end - start)})"
    if export is not None:
        _extract(section_file, export, target, start, end)
        lines.append(f"wrote {what} to {export}")
        return lines
    if not print_path and find_player() is None:
        opened = open_player_page(out_dir, rec, target, what)
        if opened:
            return lines + opened
    path = section_file if target.point is None else _temp_cut(section_file, out_dir.name, target, start, end)
    if print_path:
        lines.append(str(path))
        return lines
    return lines + play_file(path, what)


def page_address(out_dir: Path, rec: SectionEntry, target: Target) -> str | None:
    """The player page's file:// address at the target (index.html#s=2 or #s=2.3), if it was built.
    The page numbers sections as the manifest does (only those with something to say)."""
    page = out_dir / "index.html"
    if not page.is_file():
        return None
    at = f"{rec.number}" + (f".{target.point}" if target.point is not None else "")
    return f"{page.resolve().as_uri()}#s={at}"


def open_player_page(out_dir: Path, rec: SectionEntry, target: Target, what: str) -> list[str]:
    """No audio player installed: open the player page in the default browser at the target."""
    import webbrowser

    address = page_address(out_dir, rec, target)
    if address is None or not webbrowser.open(address):
        return []
    return [
        f"no audio player found; opened the player page in the browser at {what} (press play there):",
        address,
    ]


def _extract(section_file: Path, dest: Path, target: Target, start: int, end: int) -> None:
    from .audio import cut
    from .errors import OutputError

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if target.point is None:
            tmp = dest.with_name(f".{dest.name}.part")
            shutil.copyfile(section_file, tmp)
            tmp.replace(dest)
        else:
            cut(section_file, dest, start, end)
    except OSError as e:
        raise OutputError(f"cannot write {dest}: {e.strerror or e}") from e


def _temp_cut(section_file: Path, stem: str, target: Target, start: int, end: int) -> Path:
    from .audio import cut

    folder = Path(tempfile.gettempdir()) / "audiostudy-play"
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{stem}-{target.label}.mp3"
    cut(section_file, dest, start, end)
    return dest


def find_player() -> tuple[str, list[str], bool] | None:
    for name, args, needs_wav in PLAYERS:
        exe = shutil.which(name)
        if exe:
            return name, [exe, *args], needs_wav
    return None


def play_file(path: Path, what: str) -> list[str]:
    """Play with the first player found; Ctrl-C stops playback and returns normally."""
    found = find_player()
    if found is None:
        names = ", ".join(n for n, _, _ in PLAYERS)
        return [f"no audio player found (looked for {names}); the audio for {what} is at:", str(path)]
    name, cmd, needs_wav = found
    if needs_wav:
        path = _as_wav(path)
    print(f"playing {what} with {name} (Ctrl-C stops)", flush=True)
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = subprocess.Popen([*cmd, str(path)], stdin=subprocess.DEVNULL)
        code = proc.wait()
    except KeyboardInterrupt:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return ["stopped"]
    except OSError as e:
        from .errors import OutputError

        raise OutputError(f"cannot start {name}: {e.strerror or e}; the file is at {path}") from e
    if code != 0:
        from .errors import OutputError

        raise OutputError(f"{name} could not play {path} (exit {code}); the file is at {path}")
    return []


def _as_wav(path: Path) -> Path:
    from .audio import SAMPLE_RATE, decode_pcm

    dest = Path(tempfile.gettempdir()) / "audiostudy-play" / (path.stem + ".wav")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dest), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(decode_pcm(path))
    return dest
