"""`audiostudy check`: listen back to a built document and mark the sentences heard differently.

The result goes to ``check.json`` in the output folder, and the player page is written again with
those sentences marked. Both belong to the build they were made from (the manifest's fingerprint):
a rebuild writes a fresh player page without marks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import InputError
from .folder import MANIFEST, atomic_path
from .listen import Listener, Report, format_report, listen_build
from .manifest import Manifest, read

CHECK_FILE = "check.json"
# Whisper-base cannot judge a sentence shorter than this many syllables (a salutation such as 同志们
# said alone comes back as 红具门): such sentences are heard and counted, never listed.
MIN_SYLLABLES = 5


def find_build(target: Path, out_root: Path) -> Path:
    """The output folder of a document (as `build` named it), or a built folder itself."""
    if (target / MANIFEST).is_file():
        return target
    from .document import load
    from .folder import output_dir, read_manifest
    from .outline import build_note

    if target.is_dir():
        raise InputError(f"{target} is not a built document (no {MANIFEST} in it)")
    doc = load(target)
    out_dir = output_dir(target, doc, out_root)
    if not (out_dir / MANIFEST).is_file():
        raise InputError(f"{target} has not been built yet (no {out_dir}/{MANIFEST}); run `audiostudy build`")
    note = build_note(out_dir, read_manifest(out_dir), doc)
    if note:
        # Listening to audio of another text scores the wrong thing: say so instead of minutes later.
        raise InputError(f"{out_dir} {note}; to check that build as it is, give the folder: check {out_dir}")
    return out_dir


def check_build(out_dir: Path, model: str | None, threshold: float) -> Report:
    """Hear the build in `out_dir`, write check.json and mark the player page."""
    manifest = read(out_dir)
    report = listen_build(out_dir, Listener(model))
    result = report.to_dict(threshold, MIN_SYLLABLES)
    result["fingerprint"] = manifest.fingerprint if manifest else None
    with atomic_path(out_dir / CHECK_FILE) as tmp, tmp.open("w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    if manifest and manifest.files.get("html"):
        _mark_player(out_dir, manifest, result)
    return report


def report_lines(report: Report, threshold: float, as_json: bool) -> list[str]:
    """What `check` prints: JSON, or the total and every sentence above the threshold."""
    if as_json:
        return [json.dumps(report.to_dict(threshold, MIN_SYLLABLES), ensure_ascii=False, indent=1)]
    n = len(report.sentences)
    lines = list(format_report(report, n, threshold, MIN_SYLLABLES))
    if len(lines) == 1:
        lines.append(f"no sentence above {threshold:.0%} syllable error")
    short = sum(1 for h in report.sentences if len(h.expected) < MIN_SYLLABLES)
    if short:
        noun = "sentence" if short == 1 else "sentences"
        lines.append(f"too short to judge (under {MIN_SYLLABLES} syllables): {short} {noun}")
    return lines


def flags(result: dict[str, Any]) -> dict[str, str]:
    """Sentence id -> what was heard, for the player page's marks."""
    out = {}
    for s in result.get("sentences", []):
        heard = s.get("heard_text") or "（没听到）"
        out[str(s["id"])] = f"听成：{heard}（{s['heard'] or '—'}，误差 {s['error']:.0%}）"
    return out


def _mark_player(out_dir: Path, manifest: Manifest, result: dict[str, Any]) -> None:
    from .player import write_player

    name = manifest.files["html"]
    with atomic_path(out_dir / name) as tmp, tmp.open("w", encoding="utf-8") as f:
        write_player(manifest, f, flags(result))
