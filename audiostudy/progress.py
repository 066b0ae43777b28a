"""Build progress for people (a rich bar) and for programs (JSON lines on stderr).

Both follow the pipeline's Reporter protocol. A clip is reported only after it is in the cache, so
whatever a progress line counts as done survives a kill at that moment.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

PROGRESS_MODES = ("bar", "jsonl", "none")


class RichReporter:
    """A progress bar with ETA measured in characters, cached ones counted as done."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console = console
        self.enabled = enabled
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def stage(self, text: str) -> None:
        self.stop()
        if self.enabled:
            self.console.print(Text(text, style="dim"))  # not markup: `audiostudy[pdf]` stays as written

    def start_synthesis(self, total_chars: int, cached_chars: int, todo: int, cached: int) -> None:
        if not self.enabled:
            return
        self.console.print(f"[dim]{todo} to synthesise, {cached} from cache[/dim]")
        if todo == 0:
            return
        self.progress = Progress(
            TextColumn("合成 synthesising"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.completed}/{task.total} chars"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("synth", total=total_chars, completed=cached_chars)

    def advance(self, chars: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, chars)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class JsonlReporter:
    """One JSON object per line: {"event": "stage"|"start"|"clip", ...}. A "clip" line carries
    done/total chunks (cached ones count as done), characters, elapsed seconds and an ETA from the
    rate of the clips synthesised so far (null until the first one)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.t0 = time.monotonic()
        self.total = self.done = self.chars_total = self.chars_done = 0
        self._synth_t0 = self.t0
        self._new_chars = 0

    def _emit(self, event: str, **fields: object) -> None:
        line = {"event": event, "elapsed_s": round(time.monotonic() - self.t0, 3), **fields}
        self.stream.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.stream.flush()

    def stage(self, text: str) -> None:
        self._emit("stage", text=text)

    def start_synthesis(self, total_chars: int, cached_chars: int, todo: int, cached: int) -> None:
        self.total, self.done = todo + cached, cached
        self.chars_total, self.chars_done = total_chars, cached_chars
        self._synth_t0, self._new_chars = time.monotonic(), 0
        self._emit("start", **self._counts(), todo=todo, cached=cached)

    def advance(self, chars: int) -> None:
        self.done += 1
        self.chars_done += chars
        self._new_chars += chars
        self._emit("clip", **self._counts())

    def _counts(self) -> dict[str, object]:
        spent = time.monotonic() - self._synth_t0
        left = self.chars_total - self.chars_done
        eta = round(left * spent / self._new_chars, 1) if self._new_chars else None
        return {
            "done": self.done,
            "total": self.total,
            "chars_done": self.chars_done,
            "chars_total": self.chars_total,
            "eta_s": eta,
        }

    def stop(self) -> None:
        pass
