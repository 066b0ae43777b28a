"""EPUB, PDF and web pages: the outline found, the exact text read, and one clear error for bad input.

Every input file is generated here: the EPUB with ebooklib, the PDFs with reportlab's built-in CID font
STSong-Light, the web page encoded as GBK and served from 127.0.0.1.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import make_inputs as mk
import pytest
from fakes import FakeBackend
from mutagen.mp4 import MP4
from test_cli import assert_one_line_error, run

from audiostudy.document import load, outline_lines
from audiostudy.pipeline import BuildOptions, build
from audiostudy.segment import split_document


def read_aloud(doc) -> list[str]:
    return [s.text for s in split_document(doc, 200)]


def build_fake(src: str | Path, tmp: Path, formats=("mp3", "m4b")):
    opts = BuildOptions(out_root=tmp / "audio", cache_dir=tmp / "cache", formats=formats)
    return build(src, opts, backend=FakeBackend())


# ---------------------------------------------------------------- EPUB


def _without_nav(src: Path, dst: Path) -> Path:
    """An EPUB 2 style book: the same, with only the NCX as its table of contents."""
    import re

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("nav.xhtml"):
                continue
            if item.filename.endswith(".opf"):
                opf = re.sub(r"<item [^>]*nav\.xhtml[^>]*/>", "", data.decode("utf-8"))
                data = re.sub(r'<itemref idref="nav"[^>]*/>', "", opf).encode("utf-8")
            zout.writestr(item, data)
    return dst


@pytest.mark.parametrize("toc", ["nav", "ncx"])
def test_epub_outline_and_text(tmp_path, toc):
    book = mk.make_epub(tmp_path / "book.epub")
    if toc == "ncx":
        book = _without_nav(book, tmp_path / "ncx.epub")
        assert not any(n.endswith("nav.xhtml") for n in zipfile.ZipFile(book).namelist())
    doc = load(book)
    assert outline_lines(doc) == [
        "学习之道  (117 字, 2 部分)",
        "  [作者] 张三",
        " 1. 第一章 学习的意义  [body, 76 字]",
        "      1.1 一、为什么学  [23 字]",
        "      1.2 二、学什么  [16 字]",
        # No sub-entries in the TOC: the Chinese rules find 一是/二是 inside the chapter.
        " 2. 第二章 学习的方法  [body, 41 字]",
        "      2.1 一是读原文，悟原理  [10 字]",
        "      2.2 二是联系实际，学以致用  [12 字]",
    ]
    # Cover, nav page and copyright page not read; footnote marker and note, alt text, pinyin dropped.
    assert read_aloud(doc) == [
        "第一章 学习的意义",
        "学习是立身之本，也是成事之基。",
        "我们要把学习当作一种责任。",
        "一、为什么学",
        "形势在变，任务在变，不学就会落后。",
        "二、学什么",
        "要学理论，也要学业务。",
        "第二章 学习的方法",
        "方法得当，事半功倍。",
        "一是读原文，悟原理。",
        "二是联系实际，学以致用。",
    ]
    assert doc.title == "学习之道" and doc.author == "张三" and doc.cover == mk.COVER


def test_epub_title_author_cover_go_into_the_m4b(tmp_path):
    r = build_fake(mk.make_epub(tmp_path / "book.epub"), tmp_path)
    m4b = MP4(str(r.out_dir / "book.m4b"))
    assert m4b["\xa9nam"] == ["学习之道"] and m4b["\xa9ART"] == ["张三"]
    assert bytes(m4b["covr"][0]) == mk.COVER
    assert [s["title"] for s in r.manifest["sections"]] == ["第一章 学习的意义", "第二章 学习的方法"]


def _with_encryption(src: Path, dst: Path, algorithm: str) -> Path:
    enc = (
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        f'<enc:EncryptionMethod Algorithm="{algorithm}"/>'
        '<enc:CipherData><enc:CipherReference URI="EPUB/ch1.xhtml"/></enc:CipherData>'
        "</enc:EncryptedData></encryption>"
    )
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("META-INF/encryption.xml", enc)
    return dst


def test_drm_epub_is_one_clear_error(tmp_path):
    src = mk.make_epub(tmp_path / "plain.epub")
    drm = _with_encryption(src, tmp_path / "drm.epub", "http://www.w3.org/2001/04/xmlenc#aes128-cbc")
    out = tmp_path / "out"
    res = run("build", str(drm), "--out", str(out), "--engine", "offline")
    assert_one_line_error(res, "DRM-protected")
    assert not out.exists()


def test_font_obfuscation_is_not_drm(tmp_path):
    src = mk.make_epub(tmp_path / "plain.epub")
    book = _with_encryption(src, tmp_path / "fonts.epub", "http://www.idpf.org/2008/embedding")
    assert read_aloud(load(book))[0] == "第一章 学习的意义"


# ---------------------------------------------------------------- PDF


def test_pdf_paragraphs_across_lines_and_pages(tmp_path):
    pdf = mk.make_pdf(tmp_path / "notice.pdf")
    import pdfplumber

    with pdfplumber.open(pdf) as p:
        assert len(p.pages) == 2
        # The generated file really breaks a paragraph over the page: page 2 starts mid-paragraph.
        assert p.pages[1].extract_text().splitlines()[1] == "学习效果要看得见、摸得着。"
    doc = load(pdf)
    assert doc.title == mk.PDF_TITLE
    assert outline_lines(doc) == [
        "关于加强学习的通知  (388 字, 4 部分)",
        " 1. 开场  [opening, 53 字]",
        " 2. 一、总体要求  [body, 98 字]",
        " 3. 二、主要任务  [body, 182 字]",
        "      3.1 （一）抓好集中学习  [95 字]",
        "      3.2 （二）抓好个人自学  [81 字]",
        " 4. 三、工作要求  [body, 55 字]",
    ]
    # Exactly the paragraphs written: no header, footer or page number, no line broken in two.
    assert [p.text for s in doc.sections for p in s.paragraphs] == mk.PDF_PARAS


def test_two_columns_are_read_one_after_the_other(tmp_path):
    pdf = mk.make_pdf(tmp_path / "cols.pdf", columns=2, per_line=14, lines_per_page=10)
    doc = load(pdf)
    assert [p.text for s in doc.sections for p in s.paragraphs] == mk.PDF_PARAS


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: mk.make_pdf(d / "locked.pdf", password="secret"), "encrypted"),
        (lambda d: mk.make_scanned_pdf(d / "scan.pdf"), "it is a scan"),
        (lambda d: _bytes(d / "broken.pdf", b"%PDF-1.4 not really"), "not a readable PDF"),
        (lambda d: _bytes(d / "broken.epub", b"PK not a zip"), "not a readable EPUB"),
    ],
)
def test_bad_documents_are_one_clear_error(tmp_path, make, fragment):
    src = make(tmp_path)
    out = tmp_path / "out"
    res = run("build", str(src), "--out", str(out), "--engine", "offline")
    assert_one_line_error(res, fragment)
    assert not out.exists()


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- outline on every format


def test_outline_command_on_epub_pdf_and_html(tmp_path):
    (tmp_path / "page.html").write_bytes(mk.web_page())
    for src, first in [
        (mk.make_epub(tmp_path / "book.epub"), "学习之道  (117 字, 2 部分)"),
        (mk.make_pdf(tmp_path / "notice.pdf"), "关于加强学习的通知  (388 字, 4 部分)"),
        (tmp_path / "page.html", "深入学习 扎实工作  (181 字, 3 部分)"),
    ]:
        res = run("outline", str(src), "--out", str(tmp_path / "audio"))
        assert res.exit_code == 0, res.stderr
        assert res.stdout.splitlines()[0] == first


def test_folder_build_includes_the_new_formats(tmp_path):
    from audiostudy.pipeline import build_any

    docs = tmp_path / "docs"
    docs.mkdir()
    mk.make_epub(docs / "book.epub")
    mk.make_pdf(docs / "notice.pdf")
    (docs / "page.html").write_bytes(mk.web_page())
    opts = BuildOptions(out_root=tmp_path / "audio", cache_dir=tmp_path / "cache", formats=("mp3",))
    results = build_any(str(docs), opts, backend=FakeBackend())
    assert sorted(r.out_dir.name for r in results) == ["book", "notice", "page"]


# ---------------------------------------------------------------- web pages


@pytest.fixture
def server():
    """127.0.0.1: /news/2024/0506.html (GBK, charset only in the header), /missing (404), /slow (answers
    after 3 s), /huge (says 50 MB), /endless (50 MB without a length), /notice.pdf."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pdf_bytes: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/news/2024/0506.html":
                self._send(mk.web_page(charset_meta=False), "text/html; charset=GBK")
            elif self.path == "/notice.pdf":
                self._send(pdf_bytes["pdf"], "application/pdf")
            elif self.path == "/slow":
                time.sleep(3)
                self._send(b"<html></html>", "text/html")
            elif self.path in ("/huge", "/endless"):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                if self.path == "/huge":
                    self.send_header("Content-Length", str(50 * 1024 * 1024))
                self.end_headers()
                try:
                    for _ in range(50):
                        self.wfile.write(b"<p>" + b"x" * (1024 * 1024) + b"</p>")
                except OSError:
                    pass  # the client hung up, as it should
            else:
                self.send_error(404, "Not Found")

        def _send(self, body: bytes, ctype: str):
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # a client that gave up (timeout, size limit) is expected here

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base, pdf_bytes
    httpd.shutdown()
    httpd.server_close()


WEB_READ = [
    mk.WEB_PARAS[0],
    "一、提高认识",
    mk.WEB_PARAS[1],
    mk.WEB_PARAS[2],
    "二、狠抓落实",
    mk.WEB_PARAS[3],
]
CHROME = ["首页", "新闻中心", "广告", "热门推荐", "网友", "版权所有", "联系我们", "来源", "2024"]


def test_gbk_page_from_a_url(server, tmp_path):
    base, _ = server
    url = f"{base}/news/2024/0506.html"
    doc = load(url)
    assert doc.title == mk.WEB_TITLE and dict(doc.meta)["日期"] == "2024-05-06"
    assert outline_lines(doc) == [
        "深入学习 扎实工作  (181 字, 3 部分)",
        "  [日期] 2024-05-06",
        " 1. 开场  [opening, 31 字]",
        " 2. 一、提高认识  [body, 100 字]",
        " 3. 二、狠抓落实  [body, 50 字]",
    ]
    res = run("outline", url, "--out", str(tmp_path / "audio"))
    assert res.exit_code == 0 and res.stdout.splitlines()[:5] == outline_lines(doc)
    said = read_aloud(doc)
    assert [p.text for s in doc.sections for p in s.paragraphs] == WEB_READ
    assert not [c for c in CHROME if any(c in s for s in said)]
    # Built: into a folder named after the page's title, the address in the manifest.
    r = build_fake(url, tmp_path, formats=("mp3",))
    assert r.out_dir == tmp_path / "audio" / "深入学习 扎实工作"
    manifest = json.loads((r.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["url"] == url and manifest["source"] == url


def test_saved_html_file_uses_its_meta_charset(tmp_path):
    page = tmp_path / "saved.html"
    page.write_bytes(mk.web_page(charset_meta=True))
    doc = load(page)
    assert doc.encoding == "gb18030"
    assert [p.text for s in doc.sections for p in s.paragraphs] == WEB_READ


def test_pdf_behind_an_address(server, tmp_path):
    base, files = server
    files["pdf"] = mk.make_pdf(tmp_path / "notice.pdf").read_bytes()
    doc = load(f"{base}/notice.pdf")
    assert [p.text for s in doc.sections for p in s.paragraphs] == mk.PDF_PARAS
    assert doc.url == f"{base}/notice.pdf"


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/missing", "answered 404"),
        ("/slow", "timed out"),
        ("/huge", "over the 20 MB limit"),
        ("/endless", "larger than the 20 MB limit"),
    ],
)
def test_bad_addresses_are_one_clear_error(server, tmp_path, monkeypatch, path, fragment):
    monkeypatch.setenv("AUDIOSTUDY_FETCH_TIMEOUT", "1")
    base, _ = server
    out = tmp_path / "out"
    res = run("build", base + path, "--out", str(out), "--engine", "offline")
    assert_one_line_error(res, fragment)
    assert not out.exists()


def test_url_folder_name_stays_inside_out(tmp_path):
    from audiostudy.model import Document
    from audiostudy.pipeline import output_dir

    out = tmp_path / "audio"
    for title, url, name in [
        ("../../etc", "https://example.org/a", "_.._etc"),
        ("", "https://example.org/news/2024/../%2e%2e/ok-page.html", "ok-page"),
        ("", "https://example.org/", "example.org"),
    ]:
        got = output_dir(url, Document(title=title, sections=()), out)
        assert got.parent == out and got.name == name
