"""One edge-tts request and its audio: the stream read to `turn.end` (MP3 bytes and sentence
boundaries), the MP3 decoded to PCM by ffmpeg in a subprocess, and the checks that catch audio the
service cut off while reporting success (`Incomplete`)."""

from __future__ import annotations

import asyncio
import functools
import math

from ..errors import EngineError
from .base import SAMPLE_RATE, Clip, VoiceSettings
from .options import rate_factor

TICKS_PER_MS = 10_000  # edge reports offsets in 100-ns ticks
# Below this many seconds per speakable character (at +0% rate) audio is taken to be cut off.
# Chinese is read at ~0.2-0.25 s per character, so this leaves a 3-4x margin.
MIN_S_PER_CHAR = 0.06
# Boundary events that end this far past the decoded audio mean the audio stopped early.
BOUNDARY_SLACK_MS = 500


class Incomplete(Exception):
    """The stream ended (or claimed to) but the audio is not the whole text."""


def speakable_weight(text: str) -> float:
    """Roughly how many Chinese-character-lengths of speech the text holds."""
    weight = 0.0
    for ch in text:
        if ch.isalnum():
            # CJK counts as a syllable; Latin letters and digits are shorter each (a word is several).
            weight += 1.0 if ord(ch) >= 0x2E80 else 0.25
    return weight


async def fetch(text: str, settings: VoiceSettings, timeout_s: float) -> tuple[bytes, list[tuple[int, int]]]:
    """One request: MP3 bytes and sentence (start, end) in ms; Incomplete if turn.end is missing."""
    import edge_tts

    comm = edge_tts.Communicate(
        text,
        settings.voice,
        rate=settings.rate,
        pitch=settings.pitch,
        volume=settings.volume,
        boundary="SentenceBoundary",
        connect_timeout=max(1, min(10, math.ceil(timeout_s))),
        receive_timeout=max(1, math.ceil(timeout_s)),
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
        raise Incomplete("the connection closed before turn.end")
    return bytes(audio), bounds


def checked_clip(
    text: str, settings: VoiceSettings, pcm: bytes, bounds: list[tuple[int, int]], min_s_per_char: float
) -> Clip:
    """The clip, or Incomplete when the audio is shorter than the text or its own boundaries."""
    last_end = max((e for _, e in bounds), default=0)
    duration_ms = len(pcm) // 2 * 1000 // SAMPLE_RATE
    if last_end > duration_ms + BOUNDARY_SLACK_MS:
        raise Incomplete(f"{duration_ms} ms of audio, but the sentences run to {last_end} ms")
    # A faster rate legitimately shortens the audio; never assume slower than half speed.
    floor_ms = 1000 * min_s_per_char * speakable_weight(text) / max(0.5, rate_factor(settings.rate))
    if duration_ms < floor_ms:
        raise Incomplete(f"{duration_ms} ms of audio for {len(text)} characters")
    # Offsets are relative to the clip; keep them monotonic and inside it.
    monotonic: list[int] = []
    for s, _ in bounds:
        s = min(max(s, monotonic[-1] if monotonic else 0), duration_ms)
        monotonic.append(s)
    return Clip(pcm, SAMPLE_RATE, tuple(monotonic))


@functools.cache
def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception as exc:
        raise EngineError(
            f"edge: ffmpeg is needed to decode the voice's MP3 ({exc}); pip install imageio-ffmpeg"
        ) from exc


async def decode(mp3: bytes) -> bytes:
    """MP3 → 24 kHz mono s16le PCM, in a subprocess so the event loop keeps serving the sockets."""
    args = ["-hide_banner", "-loglevel", "error", "-f", "mp3", "-i", "pipe:0", "-f", "s16le"]
    args += ["-acodec", "pcm_s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "pipe:1"]
    pipe = asyncio.subprocess.PIPE
    proc = await asyncio.create_subprocess_exec(ffmpeg_exe(), *args, stdin=pipe, stdout=pipe, stderr=pipe)
    try:
        out, err = await proc.communicate(mp3)
    except asyncio.CancelledError:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    if proc.returncode != 0 or not out:
        raise Incomplete(f"undecodable audio: {err.decode(errors='replace').strip()[:120]}")
    return out
