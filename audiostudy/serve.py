"""`audiostudy serve [OUT]`: the library, every player page and the podcast feeds over HTTP.

Starlette routes on Uvicorn. Files are sent by Starlette's FileResponse, which answers byte-range
requests (206 with Content-Range) so phones seek and resume. The server is read-only (GET and HEAD),
serves only files inside OUT (no `..`, no absolute paths, no hidden files, no symlink that leads
outside) and never lists a folder: a document folder shows its player page. Feeds, chapter files and
section transcripts are rendered live from the manifests, with the server's own address as base URL.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from .chapters import cover_png
from .errors import UsageError, os_reason
from .feed import (
    FEED_NAME,
    LIBRARY_TITLE,
    companions,
    cover,
    media_type,
    render_feed,
)
from .library import library, load_manifest, render_library
from .manifest import Manifest
from .player import render_player
from .webpage import url

FEED_TYPE = "application/rss+xml; charset=utf-8"


def safe_path(root: Path, rel: str) -> Path | None:
    """`rel` (a decoded URL path below the root) as a path inside `root`, or None when it would
    leave it: `..` or `.` parts, absolute paths, backslashes, hidden names, symlinks leading out."""
    if rel.startswith("/") or "\\" in rel or "\0" in rel or ":" in rel.split("/", 1)[0]:
        return None
    parts = [p for p in rel.split("/") if p]
    if any(p.startswith(".") for p in parts):  # "..", ".", and hidden files such as .work or .x.part
        return None
    target = root.joinpath(*parts)
    real_root = Path(os.path.realpath(root))
    if not Path(os.path.realpath(target)).is_relative_to(real_root):
        return None
    return target


def _manifest_of(doc_dir: Path, root: Path) -> Manifest | None:
    return load_manifest(doc_dir) if doc_dir.parent == root else None


def create_app(root: Path, per_section: bool = False) -> Starlette:
    root = root.resolve()

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def home(request: Request) -> Response:
        docs = library(root)
        return HTMLResponse(render_library([(d.name, m) for d, m in docs], feed=FEED_NAME if docs else ""))

    async def library_feed(request: Request) -> Response:
        sections = per_section or request.query_params.get("sections") == "1"
        return Response(render_feed(library(root), base(request), root, sections), media_type=FEED_TYPE)

    async def library_cover(request: Request) -> Response:
        return Response(cover(LIBRARY_TITLE), media_type="image/png")

    async def favicon(request: Request) -> Response:  # browsers ask for it on every site
        return Response(cover_png(LIBRARY_TITLE, size=32), media_type="image/png")

    async def anything(request: Request) -> Response:
        rel = request.path_params["path"]
        target = safe_path(root, rel)
        if target is None:
            return PlainTextResponse("forbidden: only files inside the library are served", 403)
        if target.is_dir():
            return _folder(request, root, target, rel)
        if target.is_file() and target.name != FEED_NAME:  # a feed is always made live, for this address
            return FileResponse(target, media_type=media_type(target.name))
        return _generated(request, root, target, base(request), per_section)

    return Starlette(
        routes=[
            Route("/", home, methods=["GET", "HEAD"]),
            Route("/" + FEED_NAME, library_feed, methods=["GET", "HEAD"]),
            Route("/cover.png", library_cover, methods=["GET", "HEAD"]),
            Route("/favicon.ico", favicon, methods=["GET", "HEAD"]),
            Route("/{path:path}", anything, methods=["GET", "HEAD"]),
        ]
    )


def _folder(request: Request, root: Path, folder: Path, rel: str) -> Response:
    """A document folder shows its player page (never a listing)."""
    if not rel.endswith("/"):
        # The page's relative links (the audio) must resolve inside the folder.
        return RedirectResponse("/" + url(rel) + "/", status_code=308)
    if (folder / "index.html").is_file():
        return FileResponse(folder / "index.html", media_type=media_type("index.html"))
    m = _manifest_of(folder, root)
    if m is None:
        return PlainTextResponse("not found", 404)
    return HTMLResponse(render_player(m))


def _generated(request: Request, root: Path, target: Path, base: str, per_section: bool) -> Response:
    """The files a feed points at that a build does not write: a document's feed, its chapter files,
    section transcripts and cover, made from the manifest."""
    m = _manifest_of(target.parent, root)
    if m is None:
        return PlainTextResponse("not found", 404)
    if target.name == FEED_NAME:
        sections = per_section or request.query_params.get("sections") == "1"
        body = render_feed([(target.parent, m)], base, root, sections, whole_library=False)
        return Response(body, media_type=FEED_TYPE)
    made = {**companions(target.parent, m, False), **companions(target.parent, m, True)}
    if target.name not in made:
        return PlainTextResponse("not found", 404)
    content = made[target.name]
    return Response(content, media_type=media_type(target.name))


# ---------------------------------------------------------------------------------- running it


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one); a clear error when the address is taken."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {os_reason(e)}; try another --port") from e
    return sock


def lan_address() -> str:
    """This computer's address on the local network (the interface that would route outwards; a
    UDP connect sends nothing), or 127.0.0.1 when there is none."""
    with suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: never contacted
        return str(s.getsockname()[0])
    return "127.0.0.1"


def qr_lines(text: str) -> str:
    """A QR code of `text` drawn with block characters for the terminal."""
    import io

    import segno

    buf = io.StringIO()
    segno.make(text, error="m").terminal(out=buf, compact=True)
    return buf.getvalue()


def announce(root: Path, host: str, port: int) -> list[str]:
    """What `serve` prints: where to open it, the feed, and on the network a QR code of the link."""
    everywhere = host in ("0.0.0.0", "::")
    shown = lan_address() if everywhere else host
    link = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"
    lines = [f"serving {root} at {link} (read-only; Ctrl-C stops)", f"podcast feed: {link}{FEED_NAME}"]
    if everywhere:
        lines += ["on a phone in the same network, open this link or scan:", qr_lines(link).rstrip("\n")]
    return lines


def make_server(root: Path, per_section: bool = False) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(root, per_section),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=3,
    )
    return uvicorn.Server(config)


def run(root: Path, sock: socket.socket, per_section: bool = False) -> None:
    """Serve until Ctrl-C (or SIGTERM); returns normally after a clean shutdown."""
    server = make_server(root, per_section)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down gracefully, then re-raised the signal it caught
    finally:
        sock.close()


@contextmanager
def serving(root: Path, per_section: bool = False, host: str = "127.0.0.1") -> Iterator[str]:
    """Run the server in a background thread on a free port; yields its base URL (tests, bench)."""
    sock = bind(host, 0)
    server = make_server(root, per_section)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
