"""The output folder: where a document's files go, how each is written (temporary name, then
rename), the lock one build holds on it, its manifest on disk and the one rule for "these files are
current". Every writer goes through here."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OutputError, os_reason
from .inputs.base import is_url, url_stem
from .model import Document
from .names import safe_filename

MANIFEST = "manifest.json"


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


def source_id(source: str) -> str:
    """Which document a build is of, as the manifest records it: a file's absolute path, an address
    as given, "-" for stdin."""
    if source in ("", "-") or is_url(source):
        return source
    return str(Path(source).resolve())


def other_source(old: dict[str, Any] | None, doc: Document) -> str | None:
    """The document whose build a folder holds, when that is another one than doc (another path or
    address, and other text): building doc there would replace it. None for the same document (an
    edit of it too), a moved copy with the same text, or a build made before sources were recorded."""
    theirs = (old or {}).get("source_path")
    if not isinstance(theirs, str) or not theirs or theirs == source_id(doc.source):
        return None
    return None if (old or {}).get("source_sha256") == text_sha256(doc) else theirs


def changed_since(old: dict[str, Any] | None, doc: Document) -> bool:
    """The folder's build is of an earlier text of doc (its text fingerprint differs)."""
    sha = (old or {}).get("source_sha256")
    return bool(sha) and sha != text_sha256(doc)


def opus_name(mp3_name: str) -> str:
    """The Opus file that goes with a section MP3 (same name, .opus)."""
    return str(Path(mp3_name).with_suffix(".opus"))


def doc_text_of(doc: Document) -> str:
    return "\n\n".join(s.text for s in doc.sections)


def text_sha256(doc: Document) -> str:
    """Hash of the document's text as recorded in the manifest (`play` checks a build is current)."""
    return hashlib.sha256(doc_text_of(doc).encode("utf-8")).hexdigest()


@contextmanager
def atomic_path(out: Path, shared: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling path; rename it to `out` only if the block succeeds. `shared`: other
    processes may write `out` at the same time (a shared cache), so the temporary name is our own."""
    try:
        if shared:
            fd, name = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=out.suffix)
            os.close(fd)
        tmp = Path(name) if shared else out.with_name(f".{out.name}.part")
    except OSError as e:
        raise OutputError(f"cannot write {out}: {os_reason(e)}") from e
    try:
        yield tmp
        os.replace(tmp, out)
    except OSError as e:
        raise OutputError(f"cannot write {out}: {os_reason(e)}") from e
    finally:
        tmp.unlink(missing_ok=True)


def write_text(out: Path, text: str) -> None:
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")


def ensure_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise OutputError(f"cannot write to {path}: {os_reason(e)}; choose another folder with --out") from e


@contextmanager
def removed_if_left_empty(path: Path) -> Iterator[None]:
    """When the block fails (an error, Ctrl-C), the folders on the way to path that did not exist
    before it and are still empty are removed: a failed first build leaves no empty output folder. A
    folder with anything in it, or one that was there before, is never touched."""
    missing = [p for p in (path, *path.parents) if not p.exists()]  # deepest first
    try:
        yield
    except BaseException:
        for p in missing:
            try:
                p.rmdir()  # only an empty folder
            except OSError:
                break
        raise


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def remove_partials(out_dir: Path) -> None:
    """Temporary outputs (.NAME.part) left by a build that was killed mid-encode."""
    for p in out_dir.glob(".*.part"):
        if p.is_file():
            p.unlink(missing_ok=True)


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


@contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
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


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Written last: its fingerprint vouches for a complete set of files."""
    write_text(out_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")


def is_current(out_dir: Path, manifest: dict[str, Any] | None, **expected: str) -> bool:
    """The one rule: the manifest records the expected values (the build's fingerprint, or the
    text's hash) and every file it lists is there."""
    if not manifest or any(manifest.get(k) != v for k, v in expected.items()):
        return False
    names = manifest.get("outputs") or [s.get("file", "") for s in manifest.get("sections", [])]
    return all(isinstance(n, str) and n and (out_dir / n).is_file() for n in names)
