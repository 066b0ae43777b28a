"""What went wrong with an edge-tts request, for the retry loop and for the user: whether to retry
and after how long, a one-line reason, and what the user can do about a failure that outlasted the
retries."""

from __future__ import annotations

from dataclasses import dataclass

from .edge_stream import Incomplete

RETRY_STATUSES = {403, 408, 429, 500, 502, 503, 504}


@dataclass
class ChunkFailed(Exception):
    """A chunk failed for good: after `attempts` attempts, for `reason`."""

    index: int
    attempts: int
    reason: str
    hint: str = ""
    preview: str = ""


def describe(exc: BaseException) -> tuple[str, bool, float | None]:
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
    if isinstance(exc, Incomplete):
        return f"audio cut off ({exc})", True, None
    if isinstance(exc, ee.NoAudioReceived):
        return "no audio received", True, None
    if isinstance(exc, ee.EdgeTTSException):
        return f"unexpected answer ({type(exc).__name__}: {exc})", True, None
    if isinstance(exc, aiohttp.ClientError | OSError):
        return f"connection failed ({connection_detail(exc)})", True, None
    return f"{type(exc).__name__}: {exc}", False, None


def connection_detail(exc: BaseException) -> str:
    """A short, one-line account of a connection failure (aiohttp's own repr includes the SSL object)."""
    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        why = os_error.strerror or str(os_error) or type(os_error).__name__
        return f"{exc.host}:{exc.port}: {why}"
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def hint(reason: str) -> str:
    """What the user can do about a failure that outlasted the retries."""
    if reason.startswith("HTTP 403"):
        return " (if this keeps happening, update edge-tts: pip install -U edge-tts)"
    if reason.startswith(("HTTP 429", "HTTP 503")):
        return " (the service is throttling us; a lower concurrency may help)"
    if reason.startswith(("no answer", "connection failed")):
        return " (check the internet connection)"
    return ""


def preview(text: str, n: int = 12) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"
