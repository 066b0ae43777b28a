"""EPUB, PDF and web pages are optional parts of the install (extras). Without one, opening such a
document is one line naming the exact `pip install 'audiostudy[...]'`, a non-zero exit, no traceback
and nothing written; a plain-text build needs none of them.

The missing library is simulated by blocking its import (sys.modules[name] = None makes `import name`
raise ImportError, as it does when the package is not installed)."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import make_inputs as mk
import pytest
from fakes import FakeBackend
from test_cli import assert_one_line_error, run

from audiostudy.pipeline import BuildOptions, build

LIBRARIES = {"epub": ["ebooklib"], "pdf": ["pdfplumber"], "web": ["trafilatura", "lxml.html.clean"]}


def block(monkeypatch: pytest.MonkeyPatch, *extras: str) -> None:
    for extra in extras:
        for module in LIBRARIES[extra]:
            monkeypatch.setitem(sys.modules, module, None)


@pytest.mark.parametrize(
    ("extra", "make"),
    [
        ("epub", lambda d: mk.make_epub(d / "book.epub")),
        ("pdf", lambda d: mk.make_pdf(d / "notice.pdf")),
        ("web", lambda d: (d / "saved.html").write_bytes(mk.web_page()) and d / "saved.html"),
        ("web", lambda d: "http://127.0.0.1:9/news.html"),  # refused before any fetch
    ],
)
def test_missing_extra_is_one_line_with_the_install_command(tmp_path, monkeypatch, extra, make):
    src = make(tmp_path)
    block(monkeypatch, extra)
    out = tmp_path / "out"
    res = run("build", str(src), "--out", str(out), "--engine", "offline", "--cache-dir", str(tmp_path / "c"))
    assert_one_line_error(res, f"pip install 'audiostudy[{extra}]'")
    assert not out.exists() and not (tmp_path / "c").exists()  # nothing written
    res = run("outline", str(src))
    assert_one_line_error(res, f"pip install 'audiostudy[{extra}]'")


def test_a_pdf_behind_an_address_needs_the_pdf_extra(tmp_path, monkeypatch):
    pdf = mk.make_pdf(tmp_path / "notice.pdf").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(pdf)))
            self.end_headers()
            self.wfile.write(pdf)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        block(monkeypatch, "pdf")
        out = tmp_path / "out"
        url = f"http://127.0.0.1:{httpd.server_address[1]}/notice.pdf"
        res = run("build", url, "--out", str(out), "--engine", "offline")
        assert_one_line_error(res, "pip install 'audiostudy[pdf]'", url)
        assert not out.exists()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_plain_text_needs_no_extra(tmp_path, monkeypatch):
    block(monkeypatch, "epub", "pdf", "web")
    src = tmp_path / "speech.txt"
    src.write_text("小结\n同志们：\n一、抓学习。\n一是读原文。\n", encoding="utf-8")
    opts = BuildOptions(out_root=tmp_path / "audio", cache_dir=tmp_path / "cache", formats=("mp3",))
    r = build(src, opts, backend=FakeBackend())
    assert (r.out_dir / "manifest.json").is_file() and r.synthesised > 0
