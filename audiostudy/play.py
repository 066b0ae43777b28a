"""`audiostudy play DOC WHICH`: play one section or point now.

From a document that is built and unchanged this only reads the manifest and hands a file to a
player (no engine, no synthesis). A document never built, or edited since, is built first; the
clip cache means only what changed is synthesised.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
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
from .model import Document, Section, SectionKind
from .options import BuildOptions
from .structure import cn_number, heading_number
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


_ORDINAL = "一二三四五六七八九十两"
# 2, 二, 二、, 第二, 第二部分, 第二章, each optionally with a point: 2.3, 二.三, 第二部分.3
_WHICH = re.compile(rf"(\d+|第?[{_ORDINAL}]+(?:部分|章|节)?)(?:[.．](\d+|[{_ORDINAL}]+))?")


def resolve(doc: Document, which: str) -> Target:
    """A section or point of `doc`. Digits count sections as `outline` numbers them (开场 is 1 when
    the document opens with one): 2, 2.3. A Chinese ordinal (三, 三、, 第三, 第三部分) is the section whose
    own heading is numbered so (三、…), or the third numbered section when no heading carries a
    number; 三.2 is its second point. Anything else is a word from a title: an exact title, else the
    one section whose title holds it (even if points elsewhere do too), else the one point."""
    w = which.strip().rstrip("、.．。")
    m = _WHICH.fullmatch(w)
    if m:
        section = _numbered_section(doc, m.group(1))
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
    return _by_word(doc, w)


def _numbered_section(doc: Document, token: str) -> Section:
    if token.isdigit():
        found = next((s for s in doc.sections if s.number == int(token)), None)
        if found is None:
            n_sec = len(doc.sections)
            raise UsageError(f"no section {token}: the document has {n_sec} sections (see `outline`)")
        return found
    n = cn_number(token.removeprefix("第").removesuffix("部分").rstrip("章节"))
    body = [s for s in doc.sections if s.kind in (SectionKind.BODY, SectionKind.WHOLE)]
    own = [(heading_number(s.title), s) for s in body]
    if any(k for k, _ in own):
        found = next((s for k, s in own if k == n), None)
        if found is None:
            headed = [_numbering(s.title) for k, s in own if k]
            span = f"{headed[0]} to {headed[-1]}" if len(headed) > 1 else headed[0]
            raise UsageError(f"no section {token}: the numbered headings run {span} (see `outline`)")
        return found
    if not 0 < n <= len(body):
        count = f"{len(body)} numbered sections"
        raise UsageError(f"no section {token}: the document has {count} (see `outline`)")
    return body[n - 1]


def _numbering(title: str) -> str:
    """The heading's own number as written: 三、 / 第三部分 / （三）."""
    m = re.match(r"^\S{0,6}?(?:[、．）)]|部分|章|节)", title)
    return m.group(0) if m else title[:8]


def _by_word(doc: Document, w: str) -> Target:
    """The section or point whose title holds the word w (see resolve)."""
    sections = [Target(s.number, None, s.title) for s in doc.sections if w in s.title]
    points = [Target(s.number, p.number, p.title) for s in doc.sections for p in s.points if w in p.title]
    matches = sections + points
    exact = [t for t in matches if t.title == w]
    if len(exact) == 1:
        return exact[0]
    if len(sections) == 1:
        return sections[0]  # the part about w holds more of it than a point elsewhere
    if not matches:
        raise UsageError(f"no section or point title contains {w!r} (see `audiostudy outline`)")
    if len(matches) > 1:
        listed = "; ".join(f"{t.label} {t.title}" for t in sorted(matches, key=_order))
        raise UsageError(f"{w!r} matches {len(matches)} titles: {listed}; use a number")
    return matches[0]


def _order(t: Target) -> tuple[int, int]:
    return t.section, t.point or 0


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
    if manifest is None or not is_current(out_dir, data, source_sha256=text_sha256(doc)):
        from .pipeline import build

        why = "changed since it was built" if data else "not built yet"
        # Status goes to stderr: stdout carries only what was asked for (`$(… --print-path)`).
        print(f"{document}: {why}; building it first", file=sys.stderr, flush=True)
        r = build(document, options_like(data, out_root, cache_dir), backend=backend)
        manifest = r.record
        print(f"built {out_dir}: {r.synthesised} synthesised, {r.cached} from cache", file=sys.stderr)
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
        return [f"wrote {what} to {export}"]
    if not print_path and find_player() is None:
        opened = open_player_page(out_dir, rec, target, what)
        if opened:
            return opened
    path = section_file if target.point is None else _temp_cut(section_file, out_dir.name, target, start, end)
    if print_path:
        return [str(path)]
    return play_file(path, what)


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
