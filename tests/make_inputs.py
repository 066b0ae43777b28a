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
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


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


def make_epub(
    path: Path,
    *,
    chapters: list[tuple[str, str, str, list[tuple[str, str]]]] | None = None,
    cover: bytes | None = COVER,
    title: str = "学习之道",
    author: str = "张三",
) -> Path:
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
            toc.append(
                (
                    epub.Section(toc_title, href=name),
                    [epub.Link(f"{name}#{a}", t, f"{name}-{a}") for a, t in subs],
                )
            )
        else:
            toc.append(epub.Link(name, toc_title, name))
    book.toc = toc
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = (["cover"] if cover is not None else []) + ["nav", copyright_page, *items]
    epub.write_epub(str(path), book)
    return path


# ---------------------------------------------------------------- PDF

PDF_TITLE = "关于加强学习的通知"
PDF_PARAS = [
    "各单位：",
    "为进一步加强学习，提高干部队伍的综合素质和履职能力，推动各项工作高质量发展，现将有关事项通知如下。",
    "一、总体要求",
    "坚持学以致用、用以促学、学用相长，把学习贯穿于工作的全过程和各方面，做到学习有计划、有检查、有总结，"
    "切实把学习成果转化为推动工作的实际成效，努力建设学习型机关，营造比学赶超的浓厚氛围。",
    "二、主要任务",
    "（一）抓好集中学习。每月至少组织一次集中学习，由主要负责同志带头领学，其他同志围绕主题交流发言，"
    "确保人人参与、个个发言，学习内容要紧扣中心工作，学习形式要灵活多样，学习效果要看得见、摸得着。",
    "（二）抓好个人自学。每名干部都要制定个人学习计划，每天挤出时间读书看报，做好学习笔记，"
    "每季度撰写一篇学习心得，年底进行评比表彰，对学习成绩突出的个人给予通报表扬。",
    "三、工作要求",
    "各单位要高度重视，加强组织领导，明确责任分工，确保各项任务落到实处，学习情况于每季度末报送办公室。",
]
PDF_HEADER = "学习资料汇编（内部资料）"
PDF_FOOTER = "办公室印发"


def make_pdf(
    path: Path,
    paragraphs: list[str] = PDF_PARAS,
    *,
    title: str = PDF_TITLE,
    header: str = PDF_HEADER,
    footer: str = PDF_FOOTER,
    per_line: int = 28,
    lines_per_page: int = 12,
    columns: int = 1,
    password: str | None = None,
    pages_repeat: int = 1,
) -> Path:
    """A Chinese A4 PDF: running header and footer, '- n -' page numbers, a 2-character indent at the
    start of each paragraph, lines broken at per_line characters, and few enough lines per page that
    paragraphs run across pages. columns=2 sets two narrow columns side by side."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    encrypt = None
    if password:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encrypt = StandardEncryption(password, ownerPassword=password + "-owner")
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    width, height = A4
    size = 12
    lines: list[str] = []
    for _ in range(pages_repeat):
        for p in paragraphs:
            text = "\u3000\u3000" + p
            lines += [text[i : i + per_line] for i in range(0, len(text), per_line)]
    col_w = per_line * size + 30
    page = 0
    while lines or page == 0:
        page += 1
        c.setFont("STSong-Light", 9)
        c.drawCentredString(width / 2, height - 40, header)
        c.drawCentredString(width / 2, 50, footer)
        c.drawCentredString(width / 2, 30, f"- {page} -")
        y = height - 90
        if page == 1 and title:
            c.setFont("STSong-Light", 18)
            c.drawCentredString(width / 2, y, title)
            y -= 40
        c.setFont("STSong-Light", size)
        for col in range(columns):
            x = 60 + col * col_w
            for k in range(lines_per_page):
                if not lines:
                    break
                c.drawString(x, y - k * size * 1.8, lines.pop(0))
        c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A 'scan': one page holding only an image, no text layer."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(io.BytesIO(tiny_png((240, 240, 240), 64))), 50, 50, 495, 742)
    c.showPage()
    c.save()
    return path


# ---------------------------------------------------------------- web page

WEB_TITLE = "深入学习 扎实工作"
WEB_PARAS = [
    "近日，全市召开学习交流会，各部门负责同志参加会议并作交流发言。",
    "会议指出，学习是做好各项工作的基础，要坚持读原著、学原文、悟原理，把学习成果转化为工作实效。",
    "会议强调，要以钉钉子精神抓好落实，一件事情接着一件事情办，一年接着一年干，确保各项任务按期完成。",
    "会议要求，各部门要结合实际制定具体措施，明确时间表和路线图，定期检查督促，及时总结经验。",
]


def web_page(charset_meta: bool = True, title: str = WEB_TITLE) -> bytes:
    """A GBK news page: menus, an ad and comments around the article, date in the metadata."""
    head = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">' if charset_meta else ""
    p = [f"<p>{x}</p>" for x in WEB_PARAS]
    paras = "\n".join([p[0], "<h2>一、提高认识</h2>", p[1], p[2], "<h2>二、狠抓落实</h2>", p[3]])
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head>{head}
<title>{title}_新闻中心_示例网</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2024-05-06T08:00:00+08:00">
</head><body>
<div id="nav" class="nav"><ul><li><a href="/">首页</a></li><li><a href="/news">新闻中心</a></li>
<li><a href="/video">视频频道</a></li><li><a href="/about">关于我们</a></li></ul></div>
<div class="ad banner">广告：限时特惠，点击立即购买优惠套餐！</div>
<div class="main"><article>
<h1>{title}</h1>
<div class="info">2024-05-06 08:00 来源：示例网</div>
{paras}
</article></div>
<div class="ad sidebar-ad">热门推荐：免费领取学习资料大礼包</div>
<div id="comments" class="comments"><h3>网友评论</h3>
<div class="comment"><p>网友甲：写得真好，学习了！</p></div>
<div class="comment"><p>网友乙：支持，点赞！</p></div></div>
<div class="footer"><p>版权所有 示例网 京ICP备12345678号</p><p><a href="/contact">联系我们</a></p></div>
</body></html>"""
    return html.encode("gbk")
