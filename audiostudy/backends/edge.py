"""The edge-tts backend: Microsoft's neural voices over the Edge read-aloud WebSocket.

The service is fragile (403 waves, 429/503 throttling, silent hangs, NoAudioReceived, streams cut
off before `turn.end` that edge-tts reports as success), so every request is bounded by our own
timeout, runs under a small concurrency limit, is checked for completeness, and is retried with
exponential backoff and jitter. Finished chunks go to `on_done` at once, so a failed run resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..errors import EngineError, SynthesisError, UsageError
from .base import SAMPLE_RATE, Clip, VoiceSettings
from .edge_failures import ChunkFailed, connection_detail, describe, hint, preview
from .edge_stream import MIN_S_PER_CHAR, checked_clip, decode, fetch, ffmpeg_exe, speakable_weight
from .options import parse_pitch, parse_rate, parse_volume
from .voices import DEFAULT_VOICE, check_voice_shape, validate_voice

log = logging.getLogger(__name__)

SILENCE_MS = 100  # what a chunk with nothing to say (only punctuation) becomes


class EdgeSynthesisError(SynthesisError):
    """SynthesisError that also says which chunk indices failed (all of them with keep_going)."""

    def __init__(self, message: str, failed: Sequence[int]) -> None:
        super().__init__(message)
        self.failed = tuple(failed)


@dataclass
class _Run:
    """State shared by the tasks of one synthesize() call."""

    sem: asyncio.Semaphore
    decode_sem: asyncio.Semaphore
    successes: int = 0
    cooldown_until: float = 0.0  # monotonic time before which no new request starts
    stopping: bool = False  # a chunk failed for good: start no new attempts
    # Chunks whose audio has arrived and is being decoded: after a failure they are worth finishing.
    decoding: set[int] = field(default_factory=set)


class _Stopped(Exception):
    """The run is stopping; this chunk did not get its turn."""


class EdgeBackend:
    name = "edge"
    max_chars = 300  # far below edge-tts's 4096-byte split, which would cut Chinese mid-sentence
    clause_chunks = False  # the service reads punctuation itself: whole sentences
    trim_silence = True
    needs_normalisation = False  # the service reads digits, dates and Latin itself
    default_voice = DEFAULT_VOICE  # what the manifest records when no --voice is given
    online = True

    def __init__(
        self,
        concurrency: int = 4,
        timeout_s: float = 30,
        retries: int = 5,
        voices_known: bool = True,
        *,
        known_voices: Sequence[str] | None = None,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 30.0,
        keep_going: bool = False,
        min_s_per_char: float = MIN_S_PER_CHAR,
    ) -> None:
        if concurrency < 1 or retries < 1 or timeout_s <= 0:
            raise UsageError("edge: concurrency and retries must be at least 1 and the timeout positive")
        self.concurrency = concurrency
        self.timeout_s = float(timeout_s)  # bound on one whole request, connect to turn.end
        self.retries = retries  # attempts per chunk, the first included
        self.voices_known = voices_known  # False: accept any well-formed voice name
        self.known_voices = list(known_voices) if known_voices is not None else None  # None: built-in
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.keep_going = keep_going  # True: after a chunk fails for good, still do the others
        self.min_s_per_char = min_s_per_char
        self.stats: Counter[str] = Counter()  # attempts, retries and their reasons, across calls

    # --- Protocol ---
    def voice_of(self, settings: VoiceSettings) -> str:
        name = settings.voice or DEFAULT_VOICE
        if self.voices_known:
            return validate_voice(name, self.known_voices)
        return check_voice_shape(name)

    def identity(self, settings: VoiceSettings) -> str:
        return f"edge:{self.voice_of(settings)}"

    def check(self, settings: VoiceSettings) -> VoiceSettings:
        """Settings in edge's exact form, or UsageError: call before a build to fail up front."""
        return VoiceSettings(
            voice=self.voice_of(settings),
            rate=parse_rate(settings.rate),
            pitch=parse_pitch(settings.pitch),
            volume=parse_volume(settings.volume),
        )

    def synthesize(
        self,
        texts: Sequence[str],
        settings: VoiceSettings,
        on_done: Callable[[int, Clip], None],
    ) -> None:
        settings = self.check(settings)
        if not texts:
            return
        ffmpeg_exe()  # fail before any request if ffmpeg is missing
        asyncio.run(self._run(list(texts), settings, on_done))

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""

    # --- the run ---
    async def _run(
        self, texts: list[str], settings: VoiceSettings, on_done: Callable[[int, Clip], None]
    ) -> None:
        run = _Run(asyncio.Semaphore(self.concurrency), asyncio.Semaphore(max(2, os.cpu_count() or 2)))
        # All tasks exist up front but the semaphore (FIFO) admits them in order, so progress and the
        # cache fill roughly front to back, and at most `concurrency` connections are ever open.
        tasks = {asyncio.create_task(self._chunk(i, t, settings, run)): i for i, t in enumerate(texts)}
        pending = set(tasks)
        delivered = 0
        failures: list[BaseException] = []
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=tasks.__getitem__):
                    exc = task.exception()
                    if exc is None:
                        on_done(tasks[task], task.result())
                        delivered += 1
                    else:
                        failures.append(exc)
                if failures and (not self.keep_going or any(isinstance(f, EngineError) for f in failures)):
                    break
            if pending:
                # Stopping early: drop what still needs the network, but deliver audio that has
                # already arrived and is only being decoded, so a rerun need not fetch it again.
                run.stopping = True
                for task in pending:
                    if tasks[task] not in run.decoding:
                        task.cancel()
                await asyncio.wait(pending)
                for task in sorted(pending, key=tasks.__getitem__):
                    if not task.cancelled() and task.exception() is None:
                        on_done(tasks[task], task.result())
                        delivered += 1
                pending = set()
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if failures:
            raise self._final_error(failures, delivered, len(texts))

    def _final_error(self, failures: list[BaseException], delivered: int, total: int) -> Exception:
        for f in failures:
            if isinstance(f, EngineError):
                return f
        chunk_failures = sorted((f for f in failures if isinstance(f, ChunkFailed)), key=lambda f: f.index)
        if len(chunk_failures) != len(failures):  # a bug, not a service failure: let it surface
            other = next(f for f in failures if not isinstance(f, ChunkFailed))
            return other if isinstance(other, Exception) else RuntimeError(repr(other))
        first = chunk_failures[0]
        more = f" (and {len(chunk_failures) - 1} more chunks)" if len(chunk_failures) > 1 else ""
        return EdgeSynthesisError(
            f"edge-tts: {first.attempts} attempts for chunk {first.index + 1} (“{first.preview}”) failed "
            f"({first.reason}){more}; "
            f"{delivered} of {total} chunks are saved — run the same command again to resume{first.hint}",
            [f.index for f in chunk_failures],
        )

    async def _chunk(self, index: int, text: str, settings: VoiceSettings, run: _Run) -> Clip:
        if speakable_weight(text) == 0:
            # Punctuation alone makes the service answer with no audio, which would look like a failure.
            return Clip(b"\0\0" * (SAMPLE_RATE * SILENCE_MS // 1000), SAMPLE_RATE)
        import aiohttp

        for attempt in range(1, self.retries + 1):
            if run.stopping:
                raise _Stopped()
            try:
                async with run.sem:
                    # Waiting here, holding a slot, also holds back the tasks queued on the semaphore.
                    wait = run.cooldown_until - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self.stats["attempts"] += 1
                    mp3, bounds = await asyncio.wait_for(
                        fetch(text, settings, self.timeout_s), self.timeout_s
                    )
                run.decoding.add(index)
                try:
                    async with run.decode_sem:
                        pcm = await decode(mp3)
                    clip = checked_clip(text, settings, pcm, bounds, self.min_s_per_char)
                finally:
                    run.decoding.discard(index)
                run.successes += 1
                return clip
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if isinstance(exc, aiohttp.ClientConnectorError) and run.successes == 0:
                    # Nothing has worked yet and we cannot even connect: offline or blocked. Say so now
                    # instead of backing off for a minute.
                    raise EngineError(
                        f"edge-tts: cannot reach the speech service ({connection_detail(exc)}); "
                        "check the internet connection, or use --engine offline"
                    ) from exc
                reason, retryable, retry_after = describe(exc)
                if isinstance(exc, TimeoutError):
                    reason = f"no answer within {self.timeout_s:g} s"
                self.stats[f"failed: {reason.split(' (')[0]}"] += 1
                if not retryable or attempt == self.retries:
                    raise ChunkFailed(index, attempt, reason, hint(reason), preview(text)) from exc
                delay = self._backoff(attempt, retry_after)
                if reason.startswith(("HTTP 429", "HTTP 503")):
                    # Throttling is about all our connections: hold every new request back, not just this one.
                    run.cooldown_until = max(run.cooldown_until, time.monotonic() + delay)
                self.stats["retries"] += 1
                msg = "edge: chunk %d (%s) attempt %d failed: %s; retrying in %.1f s"
                log.info(msg, index + 1, preview(text), attempt, reason, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cap = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        delay = cap / 2 + random.uniform(0, cap / 2)  # "equal jitter": spread out, never zero
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, self.backoff_max_s))
        return delay


def probe(timeout_s: float = 2.0, voice: str = DEFAULT_VOICE) -> bool:
    """True when the edge service starts answering a one-character request within timeout_s.

    For --engine auto. Only public edge-tts API is used (so a new edge-tts release cannot break it
    silently), and the request is abandoned at the first answer. Offline, DNS fails at once; the
    timeout covers networks that swallow packets instead.
    """

    async def first_answer() -> None:
        import edge_tts

        comm = edge_tts.Communicate("好", voice, connect_timeout=max(1, math.ceil(timeout_s)))
        async with contextlib.aclosing(comm.stream()) as stream:
            async for _ in stream:
                return
        raise EngineError("edge: the service closed without answering")

    async def bounded() -> bool:
        try:
            await asyncio.wait_for(first_answer(), timeout_s)
            return True
        except Exception:  # any failure means "not usable now"; the caller falls back to offline
            return False

    return asyncio.run(bounded())
