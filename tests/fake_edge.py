"""A local stand-in for the edge read-aloud WebSocket service, for tests and the benchmark.

It speaks the wire protocol edge_tts.Communicate expects (speech.config + ssml in; turn.start,
audio.metadata, binary audio frames and turn.end out) and returns real MP3 made by ffmpeg from a sine
tone of `s_per_char` seconds per character, so the client's decoding and timing are exercised for real.

Misbehaviour is scripted: `script` is a queue of behaviours taken by successive requests in arrival
order, `per_text` a queue per exact text; when both are empty a request is answered normally.
Behaviours: ok, 403 (with a skewed Date header), 429, 503, drop (close mid-audio, no turn.end),
short (half the audio, then turn.end), noaudio (turn.end only), hang (never answer), unknown (an
unknown Path frame).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import uuid
from collections import defaultdict, deque
from email.utils import formatdate
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import unescape

from aiohttp import WSMsgType, web

TICKS_PER_S = 10_000_000
FRAME_BYTES = 4096  # audio is sent in several binary frames, as the real service does
_REFUSALS = ("403", "429", "503")  # answered at the HTTP handshake, before any WebSocket traffic
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")


@lru_cache(maxsize=256)
def make_mp3(duration_s: float) -> bytes:
    """A sine tone of the given length as 24 kHz mono 48 kbit/s MP3 (the service's output format)."""
    import imageio_ffmpeg

    # Written to a file, not a pipe: only then can ffmpeg go back and fill in the Xing/LAME header
    # whose encoder-delay and padding fields let the decoder return the exact length (±20 ms, not +60).
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "tone.mp3")
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=24000:duration={duration_s:.3f}",
            "-ac",
            "1",
            "-ar",
            "24000",
            "-b:a",
            "48k",
            "-f",
            "mp3",
            path,
        ]
        subprocess.run(cmd, capture_output=True, check=True)
        with open(path, "rb") as f:
            return f.read()


def _text_frame(request_id: str, path: str, body: str, content_type: str = "application/json") -> str:
    return (
        f"X-RequestId:{request_id}\r\nContent-Type:{content_type}; charset=utf-8\r\nPath:{path}\r\n\r\n{body}"
    )


def _audio_frame(request_id: str, audio: bytes | None) -> bytes:
    # Header lines end with CRLF and Path is not first: edge_tts parses the header block including
    # the 2-byte length prefix, so the first line's key is garbled, exactly as with the real service.
    lines = f"X-RequestId:{request_id}\r\n"
    if audio is not None:
        lines += "Content-Type:audio/mpeg\r\n"
    lines += "X-StreamId:1\r\nPath:audio\r\n"
    header = lines.encode()
    return len(header).to_bytes(2, "big") + header + (audio or b"")


def _ssml_text(message: str) -> str:
    m = re.search(r"<prosody[^>]*>(.*)</prosody>", message, re.S)
    return unescape(m.group(1)) if m else ""


class FakeEdgeServer:
    def __init__(self, latency_s: float = 0.0, s_per_char: float = 0.2, skew_s: float = 3600.0) -> None:
        self.latency_s = latency_s  # delay before the first answer frame of each request
        self.s_per_char = s_per_char
        self.skew_s = skew_s  # how far the Date header of a 403 is off
        self.script: deque[str] = deque()
        self.per_text: dict[str, deque[str]] = defaultdict(deque)
        self.requests = 0  # HTTP requests seen (handshakes, including refused ones)
        self.behaviours: list[str] = []  # behaviour used for each request, in arrival order
        self.texts: list[str] = []  # text of each ssml request answered or refused after upgrade
        self.query_keys: list[set[str]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each request
        self.current = 0
        self.max_concurrent = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- control, from the test thread ---
    def add(self, *behaviours: str, text: str | None = None) -> None:
        (self.per_text[text] if text is not None else self.script).extend(behaviours)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/edge?TrustedClientToken=x"

    def count(self, behaviour: str) -> int:
        return self.behaviours.count(behaviour)

    def start(self) -> FakeEdgeServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-edge", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake edge server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._stop(), self._loop)
        fut.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> FakeEdgeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the server, in its own thread and loop ---
    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/edge", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _next_behaviour(self, text: str) -> str:
        queue = self.per_text.get(text)
        if queue:
            return queue.popleft()
        # A refusal at the head of the script belongs to the next handshake, not to this request.
        if self.script and self.script[0] not in _REFUSALS:
            return self.script.popleft()
        return "ok"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.arrivals.append(time.monotonic())
        self.query_keys.append(set(request.query))
        self.current += 1
        self.max_concurrent = max(self.max_concurrent, self.current)
        try:
            return await self._serve(request)
        finally:
            self.current -= 1

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        # Refusals happen at the handshake, before the text is known: only `script` can ask for them.
        if self.script and self.script[0] in _REFUSALS:
            behaviour = self.script.popleft()
            self.behaviours.append(behaviour)
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            headers = {}
            if behaviour == "403":
                headers["Date"] = formatdate(time.time() + self.skew_s, usegmt=True)
            if behaviour == "429":
                headers["Retry-After"] = "0"
            return web.Response(status=int(behaviour), headers=headers, text="refused")

        ws = web.WebSocketResponse()
        await ws.prepare(request)
        text: str | None = None
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            if "Path:speech.config" in msg.data:
                continue
            if "Path:ssml" in msg.data:
                text = _ssml_text(msg.data)
                self.texts.append(text)
                behaviour = self._next_behaviour(text)
                self.behaviours.append(behaviour)
                if behaviour == "hang":
                    continue  # keep reading until the client gives up and closes
                if self.latency_s:
                    await asyncio.sleep(self.latency_s)
                await self._answer(ws, text, behaviour)
                if behaviour == "drop":
                    break
        await ws.close()
        return ws

    async def _answer(self, ws: web.WebSocketResponse, text: str, behaviour: str) -> None:
        rid = uuid.uuid4().hex
        await ws.send_str(_text_frame(rid, "turn.start", '{"context":{"serviceTag":"fake"}}'))
        if behaviour == "unknown":
            await ws.send_str(_text_frame(rid, "fake.surprise", "{}"))
            await ws.send_str(_text_frame(rid, "turn.end", "{}"))
            return
        if behaviour != "noaudio":
            loop = asyncio.get_running_loop()
            audio = await loop.run_in_executor(None, make_mp3, round(len(text) * self.s_per_char, 3))
            frames = [audio[i : i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]
            marks = self._boundaries(text, len(frames))
            if behaviour in ("drop", "short"):
                frames = frames[: max(1, len(frames) // 2)]
            for n, frame in enumerate(frames):
                for meta in marks.get(n, []):
                    await ws.send_str(_text_frame(rid, "audio.metadata", json.dumps(meta)))
                await ws.send_bytes(_audio_frame(rid, frame))
            if behaviour == "drop":
                return  # the connection closes without turn.end: edge-tts reports success
            await ws.send_bytes(_audio_frame(rid, None))  # the real service's empty end-of-audio frame
        await ws.send_str(_text_frame(rid, "turn.end", "{}"))

    def _boundaries(self, text: str, n_frames: int) -> dict[int, list[dict[str, Any]]]:
        """SentenceBoundary metadata keyed by the audio frame it precedes (sent just before it)."""
        total_s = len(text) * self.s_per_char
        out: dict[int, list[dict[str, Any]]] = defaultdict(list)
        pos = 0
        for m in _SENTENCE.finditer(text):
            start_s, dur_s = pos * self.s_per_char, len(m.group()) * self.s_per_char
            pos = m.end()
            item = {
                "Type": "SentenceBoundary",
                "Data": {
                    "Offset": round(start_s * TICKS_PER_S),
                    "Duration": round(dur_s * TICKS_PER_S),
                    "text": {"Text": m.group(), "Length": len(m.group()), "BoundaryType": "SentenceBoundary"},
                },
            }
            frame = min(n_frames - 1, int(start_s / total_s * n_frames)) if total_s else 0
            out[frame].append({"Metadata": [item]})
        return out

    @staticmethod
    def expected_starts_ms(text: str, s_per_char: float) -> list[int]:
        return [round(m.start() * s_per_char * 1000) for m in _SENTENCE.finditer(text)]
