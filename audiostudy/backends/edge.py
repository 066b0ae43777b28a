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
from .options import parse_pitch, parse_rate, parse_volume, rate_factor
from .voices import DEFAULT_VOICE, check_voice_shape, validate_voice

log = logging.getLogger(__name__)

TICKS_PER_MS = 10_000  # edge reports offsets in 100-ns ticks
# Below this many seconds per speakable character (at +0% rate) audio is taken to be cut off.
# Chinese is read at ~0.2-0.25 s per character, so this leaves a 3-4x margin.
MIN_S_PER_CHAR = 0.06
# Boundary events that end this far past the decoded audio mean the audio stopped early.
BOUNDARY_SLACK_MS = 500
SILENCE_MS = 100  # what a chunk with nothing to say (only punctuation) becomes
RETRY_STATUSES = {403, 408, 429, 500, 502, 503, 504}


class EdgeSynthesisError(SynthesisError):
    """SynthesisError that also says which chunk indices failed (all of them with keep_going)."""

    def __init__(self, message: str, failed: Sequence[int]) -> None:
        super().__init__(message)
        self.failed = tuple(failed)


class _Incomplete(Exception):
    """The stream ended (or claimed to) but the audio is not the whole text."""


@dataclass
class _ChunkFailed(Exception):
    index: int
    attempts: int
    reason: str
    hint: str = ""
    preview: str = ""


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


def _speakable_weight(text: str) -> float:
    """Roughly how many Chinese-character-lengths of speech the text holds."""
    weight = 0.0
    for ch in text:
        if ch.isalnum():
            # CJK counts as a syllable; Latin letters and digits are shorter each (a word is several).
            weight += 1.0 if ord(ch) >= 0x2E80 else 0.25
    return weight


def _describe(exc: BaseException) -> tuple[str, bool, float | None]:
    """(reason for the user, retryable, server-suggested delay in s) for one failed attempt."""
    import aiohttp
    from edge_tts import exceptions as ee

    if isinstance(exc, aiohttp.WSServerHandshakeError | aiohttp.ClientResponseError):
        status = exc.status
        phrase = {403: "Forbidden", 429: "Too Many Requests", 503: "Service Unavailable"}.get(status, "")
        retry_after = exc.headers.get("Retry-After", "") if exc.headers is not None else ""
        seconds = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None
        return f"HTTP {status} {phrase}".strip(), status in RETRY_STATUSES, seconds
    if isinstance(exc, TimeoutError):
        return "no answer in time", True, None  # the caller knows the limit and adds it
    if isinstance(exc, _Incomplete):
        return f"audio cut off ({exc})", True, None
    if isinstance(exc, ee.NoAudioReceived):
        return "no audio received", True, None
    if isinstance(exc, ee.EdgeTTSException):
        return f"unexpected answer ({type(exc).__name__}: {exc})", True, None
    if isinstance(exc, aiohttp.ClientError | OSError):
        return f"connection failed ({_connection_detail(exc)})", True, None
    return f"{type(exc).__name__}: {exc}", False, None


def _connection_detail(exc: BaseException) -> str:
    """A short, one-line account of a connection failure (aiohttp's own repr includes the SSL object)."""
    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        why = os_error.strerror or str(os_error) or type(os_error).__name__
        return f"{exc.host}:{exc.port}: {why}"
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def _hint(reason: str) -> str:
    """What the user can do about a failure that outlasted the retries."""
    if reason.startswith("HTTP 403"):
        return " (if this keeps happening, update edge-tts: pip install -U edge-tts)"
    if reason.startswith(("HTTP 429", "HTTP 503")):
        return " (the service is throttling us; a lower concurrency may help)"
    if reason.startswith(("no answer", "connection failed")):
        return " (check the internet connection)"
    return ""


def _preview(text: str, n: int = 12) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


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
        self._ffmpeg: str | None = None

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
        self._ffmpeg_exe()  # fail before any request if ffmpeg is missing
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
        chunk_failures = sorted((f for f in failures if isinstance(f, _ChunkFailed)), key=lambda f: f.index)
        if len(chunk_failures) != len(failures):  # a bug, not a service failure: let it surface
            other = next(f for f in failures if not isinstance(f, _ChunkFailed))
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
        if _speakable_weight(text) == 0:
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
                    mp3, bounds = await asyncio.wait_for(self._fetch(text, settings), self.timeout_s)
                run.decoding.add(index)
                try:
                    async with run.decode_sem:
                        pcm = await self._decode(mp3)
                    clip = self._checked_clip(text, settings, pcm, bounds)
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
                        f"edge-tts: cannot reach the speech service ({_connection_detail(exc)}); "
                        "check the internet connection, or use --engine offline"
                    ) from exc
                reason, retryable, retry_after = _describe(exc)
                if isinstance(exc, TimeoutError):
                    reason = f"no answer within {self.timeout_s:g} s"
                self.stats[f"failed: {reason.split(' (')[0]}"] += 1
                if not retryable or attempt == self.retries:
                    raise _ChunkFailed(index, attempt, reason, _hint(reason), _preview(text)) from exc
                delay = self._backoff(attempt, retry_after)
                if reason.startswith(("HTTP 429", "HTTP 503")):
                    # Throttling is about all our connections: hold every new request back, not just this one.
                    run.cooldown_until = max(run.cooldown_until, time.monotonic() + delay)
                self.stats["retries"] += 1
                msg = "edge: chunk %d (%s) attempt %d failed: %s; retrying in %.1f s"
                log.info(msg, index + 1, _preview(text), attempt, reason, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cap = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        delay = cap / 2 + random.uniform(0, cap / 2)  # "equal jitter": spread out, never zero
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, self.backoff_max_s))
        return delay

    async def _fetch(self, text: str, settings: VoiceSettings) -> tuple[bytes, list[tuple[int, int]]]:
        """One request: MP3 bytes and sentence (start, end) in ms; _Incomplete if turn.end is missing."""
        import edge_tts

        comm = edge_tts.Communicate(
            text,
            settings.voice,
            rate=settings.rate,
            pitch=settings.pitch,
            volume=settings.volume,
            boundary="SentenceBoundary",
            connect_timeout=max(1, min(10, math.ceil(self.timeout_s))),
            receive_timeout=max(1, math.ceil(self.timeout_s)),
        )
        audio = bytearray()
        bounds: list[tuple[int, int]] = []  # (start, end) in ms
        async for chunk in comm.stream():
            if chunk["type"] == "audio":
                audio += chunk.get("data", b"")
            elif chunk["type"] == "SentenceBoundary":
                start = int(chunk.get("offset", 0)) // TICKS_PER_MS
                bounds.append((start, start + int(chunk.get("duration", 0)) // TICKS_PER_MS))
        # edge-tts moves a request's audio byte count into cumulative_audio_bytes only when turn.end
        # arrives; when the socket simply closes it returns normally with the bytes still pending.
        state = comm.state
        if "chunk_audio_bytes" in state and (
            state["chunk_audio_bytes"] != 0 or state.get("cumulative_audio_bytes") != len(audio)
        ):
            raise _Incomplete("the connection closed before turn.end")
        return bytes(audio), bounds

    def _checked_clip(
        self, text: str, settings: VoiceSettings, pcm: bytes, bounds: list[tuple[int, int]]
    ) -> Clip:
        """The clip, or _Incomplete when the audio is shorter than the text or its own boundaries."""
        last_end = max((e for _, e in bounds), default=0)
        duration_ms = len(pcm) // 2 * 1000 // SAMPLE_RATE
        if last_end > duration_ms + BOUNDARY_SLACK_MS:
            raise _Incomplete(f"{duration_ms} ms of audio, but the sentences run to {last_end} ms")
        # A faster rate legitimately shortens the audio; never assume slower than half speed.
        floor_ms = 1000 * self.min_s_per_char * _speakable_weight(text) / max(0.5, rate_factor(settings.rate))
        if duration_ms < floor_ms:
            raise _Incomplete(f"{duration_ms} ms of audio for {len(text)} characters")
        # Offsets are relative to the clip; keep them monotonic and inside it.
        monotonic: list[int] = []
        for s, _ in bounds:
            s = min(max(s, monotonic[-1] if monotonic else 0), duration_ms)
            monotonic.append(s)
        return Clip(pcm, SAMPLE_RATE, tuple(monotonic))

    def _ffmpeg_exe(self) -> str:
        if self._ffmpeg is None:
            try:
                import imageio_ffmpeg

                self._ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
            except Exception as exc:
                raise EngineError(
                    f"edge: ffmpeg is needed to decode the voice's MP3 ({exc}); pip install imageio-ffmpeg"
                ) from exc
        return self._ffmpeg

    async def _decode(self, mp3: bytes) -> bytes:
        """MP3 → 24 kHz mono s16le PCM, in a subprocess so the event loop keeps serving the sockets."""
        args = ["-hide_banner", "-loglevel", "error", "-f", "mp3", "-i", "pipe:0", "-f", "s16le"]
        args += ["-acodec", "pcm_s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "pipe:1"]
        pipe = asyncio.subprocess.PIPE
        proc = await asyncio.create_subprocess_exec(
            self._ffmpeg_exe(), *args, stdin=pipe, stdout=pipe, stderr=pipe
        )
        try:
            out, err = await proc.communicate(mp3)
        except asyncio.CancelledError:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        if proc.returncode != 0 or not out:
            raise _Incomplete(f"undecodable audio: {err.decode(errors='replace').strip()[:120]}")
        return out


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
