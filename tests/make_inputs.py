"""Builders for the input-format tests and the benchmark: an EPUB (ebooklib), a Chinese PDF
(reportlab with its built-in CID font STSong-Light) and a GBK web page with chrome around the article."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def tiny_png(rgb: tuple[int, int, int] = (200, 30, 30), size: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(rgb) * size for _ in range(size))
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------- EPUB

COVER = tiny_png()
CH1 = """<h1>第一章 学习的意义</h1>
<p>学习是立身之本<sup><a href="#fn1" epub:type="noteref">[1]</a></sup>，也是
成事之基。</p>
<p><img src="fig.png" alt="一幅插图的说明文字"/>我们要把学习当作一种责任。</p>
<h2 id="s1">一、为什么学</h2>
<p>形势在变，任务在变，不学就会落后。</p>
<h2 id="s2">二、学什么</h2>
<p>要学<ruby>理<rt>lǐ</rt></ruby>论，也要学业务。</p>
<aside epub:type="footnote" id="fn1"><p>[1] 这是一条脚注，不应朗读。</p></aside>"""
CH2 = """<h1>第二章 学习的方法</h1>
<p>方法得当，事半功倍。</p>
<p>一是读原文，悟原理。</p>
<p>二是联系实际，学以致用。</p>"""
COPYRIGHT = """<p>书名：学习之道</p><p>ISBN 978-7-000-00000-0</p><p>版权所有 侵权必究</p>"""


def make_epub(path: Path, *, chapters: list[tuple[str, str, str, list[tuple[str, str]]]] | None = None,
              cover: bytes | None = COVER, title: str = "学习之道", author: str = "张三") -> Path:
    """chapters: (file name, TOC title, body XHTML, [(anchor, sub-entry title)]). Default: two
    chapters, the first with two sub-entries, plus a copyright page and the navigation page in the
    spine (neither listed in the TOC)."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("audiostudy-test")
    book.set_title(title)
    book.set_language("zh")
    book.add_author(author)
    if cover is not None:
        book.set_cover("cover.png", cover)
    if chapters is None:
        chapters = [
            ("ch1.xhtml", "第一章 学习的意义", CH1, [("s1", "一、为什么学"), ("s2", "二、学什么")]),
            ("ch2.xhtml", "第二章 学习的方法", CH2, []),
        ]
    copyright_page = epub.EpubHtml(title="版权信息", file_name="copyright.xhtml", lang="zh")
    copyright_page.content = COPYRIGHT
    book.add_item(copyright_page)
    toc: list = []
    items = []
    for name, toc_title, body, subs in chapters:
        item = epub.EpubHtml(title=toc_title, file_name=name, lang="zh")
        item.content = body
        book.add_item(item)
        items.append(item)
        if subs:
            toc.append((epub.Section(toc_title, href=name),
                        [epub.Link(f"{name}#{a}", t, f"{name}-{a}") for a, t in subs]))
        else:
            toc.append(epub.Link(name, toc_title, name))
    book.toc = toc
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = (["cover"] if cover is not None else []) + ["nav", copyright_page, *items]
    epub.write_epub(str(path), book)
    return path
