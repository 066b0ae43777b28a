"""P7: how long reading an EPUB and a PDF takes next to synthesising what they say.

Generates a 300-page EPUB (30 chapters x 10 sections, ~500 characters a page) and a 100-page Chinese
PDF (reportlab, STSong-Light, running header/footer and page numbers), times load() on each, and
compares that with the synthesis time the same number of characters would take with the offline
voice. The synthesis rate is measured in the same run from two short real offline builds (2 and 8
sentences, empty caches, one worker): (t8 - t2) / (chars8 - chars2), so the model's start-up does not
count as synthesis.

    python scripts/bench_inputs.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

SENTENCES = [
    "我们要把学习作为一种政治责任。",
    "学习是立身之本，也是成事之基。",
    "形势在变，任务在变，工作要求也在变。",
    "必须坚持学以致用，用以促学。",
    "要在学懂弄通做实上下功夫。",
    "把学习成果转化为推动工作的实际成效。",
    "一件事情接着一件事情办，一年接着一年干。",
    "确保各项任务按期保质完成。",
]
PAGE_CHARS = 500


def synthesis_rate(work: Path) -> dict:
    """Seconds of offline synthesis per character, start-up excluded."""
    times = {}
    chars = {}
    for n in (2, 8):
        doc = work / f"rate{n}.txt"
        text = "".join(SENTENCES[:n])
        doc.write_text(text + "\n", encoding="utf-8")
        args = [sys.executable, "-m", "audiostudy", "build", str(doc), "--engine", "offline"]
        args += ["--workers", "1"]
        args += ["--out", str(work / "audio"), "--cache-dir", str(work / f"cache{n}"), "-q", "-f", "mp3"]
        t0 = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times[n], chars[n] = time.perf_counter() - t0, len(text)
    per_char = (times[8] - times[2]) / (chars[8] - chars[2])
    return {"per_char_s": per_char, "t2_s": times[2], "t8_s": times[8], "chars": chars}


def make_big_epub(path: Path) -> int:
    import make_inputs as mk

    para = "".join(SENTENCES)  # ~110 characters
    chapters = []
    for c in range(1, 31):
        subs, body = [], [f"<h1>第{c}章 学习与实践</h1>"]
        for s in range(1, 11):
            subs.append((f"s{s}", f"第{s}节"))
            body.append(f'<h2 id="s{s}">第{s}节</h2>')
            body += [f"<p>{para}</p>"] * (PAGE_CHARS // len(para))
        chapters.append((f"ch{c:02d}.xhtml", f"第{c}章 学习与实践", "\n".join(body), subs))
    mk.make_epub(path, chapters=chapters)
    return 300


def make_big_pdf(path: Path, pages: int = 100) -> int:
    import make_inputs as mk

    per_line, per_page = 28, 30
    lines_per_copy = sum(-(-(len(p) + 2) // per_line) for p in mk.PDF_PARAS)
    mk.make_pdf(
        path, per_line=per_line, lines_per_page=per_page, pages_repeat=-(-pages * per_page // lines_per_copy)
    )
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def run() -> dict:
    from audiostudy.document import load

    with tempfile.TemporaryDirectory(prefix="audiostudy-bench-inputs-") as tmp:
        work = Path(tmp)
        rate = synthesis_rate(work)
        out: dict = {"rate": rate}
        for kind, make in (("epub", make_big_epub), ("pdf", make_big_pdf)):
            path = work / f"big.{kind}"
            pages = make(path)
            t0 = time.perf_counter()
            doc = load(path)
            parse_s = time.perf_counter() - t0
            synth_s = doc.chars * rate["per_char_s"]
            out[kind] = {
                "pages": pages,
                "chars": doc.chars,
                "sections": len(doc.sections),
                "parse_s": parse_s,
                "synthesis_estimate_s": synth_s,
                "ratio": parse_s / synth_s,
            }
    return out


if __name__ == "__main__":
    r = run()
    rate = r["rate"]
    print(
        f"offline synthesis: {rate['per_char_s']:.3f} s/char (2 sentences {rate['t2_s']:.1f} s, "
        f"8 sentences {rate['t8_s']:.1f} s)"
    )
    for kind in ("epub", "pdf"):
        x = r[kind]
        print(
            f"{kind}: {x['pages']} pages, {x['chars']:,} chars, {x['sections']} sections; parse "
            f"{x['parse_s']:.2f} s; synthesis ~{x['synthesis_estimate_s'] / 3600:.1f} h; "
            f"ratio {x['ratio']:.5f}"
        )
