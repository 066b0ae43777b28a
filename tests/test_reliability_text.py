"""Hostile text: property-based tests over the loader, the segmenter and the reading normaliser.

Promises: nothing crashes except with InputError; the segments re-join to the speakable text of the
document; no empty or unspeakable chunk reaches an engine; the offline engine is only ever handed
Chinese characters and punctuation.
"""

from __future__ import annotations

import re
import string

from fakes import FakeBackend
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audiostudy.backends import VoiceSettings
from audiostudy.document import load, parse
from audiostudy.errors import InputError
from audiostudy.loaders import decode_bytes
from audiostudy.normalize import _KEEP_PUNCT, to_reading
from audiostudy.pipeline import plan_jobs
from audiostudy.segment import is_speakable, split_document

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
PUNCT = st.sampled_from(list("，。！？；：、“”‘’（）《》【】…—·,.!?;:'\"()[]-%/~#*>|`_"))
CONTROL = st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Zs"))
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
DIGITS = st.characters(categories=("Nd", "No", "Nl"))
LATIN = st.sampled_from(list(string.ascii_letters + string.digits + "ÀéßΩжـ"))
ANY = st.characters()  # every code point, lone surrogates included
NUMBERY = st.sampled_from(
    ["12:30", "2023年", "3.5%", "1/3", "km", "¥100", "-5", "1,000", "2024-01-02", "10-20",
     "0571-12345678", "H2O", "COVID-19", "第2", "2个", "〇", "１２３"]
)  # fmt: skip

piece = st.one_of(
    st.text(CHINESE, min_size=1, max_size=12),
    st.text(PUNCT, min_size=1, max_size=3),
    st.text(CONTROL, min_size=1, max_size=2),
    st.text(EMOJI, min_size=1, max_size=2),
    st.text(DIGITS, min_size=1, max_size=4),
    st.text(LATIN, min_size=1, max_size=8),
    st.text(ANY, min_size=1, max_size=3),
    NUMBERY,
    st.just("\n"),
    st.just("\n\n"),
    st.sampled_from(["一、", "（一）", "1. ", "## ", "第一章 ", "同志们：", "```", "- ", "| a | b |"]),
)
hostile_text = st.lists(piece, max_size=40).map("".join)


def speakable_chars(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def no_surrogates(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


class NormalisingFake(FakeBackend):
    """Shaped like the offline engine: long chunks, and text rewritten into readable Chinese."""

    name = "fake-offline"
    max_chars = 60
    needs_normalisation = True


def parsed_or_none(text: str):
    try:
        return parse(text, source="hostile.txt")
    except InputError:
        return None


@SETTINGS
@given(hostile_text)
@example("①")  # a circled number: str.isdigit() says yes, int() says no
def test_parse_never_crashes_except_input_error(text):
    doc = parsed_or_none(text)
    if doc is not None:
        assert doc.sections
        assert any(is_speakable(p.text) for s in doc.sections for p in s.paragraphs)


@SETTINGS
@given(hostile_text, st.sampled_from([1, 2, 5, 40, 60]))
def test_segments_rejoin_to_the_speakable_text(text, max_chars):
    doc = parsed_or_none(text)
    if doc is None:
        return
    sentences = split_document(doc, max_chars)
    expected = speakable_chars("".join(p.text for s in doc.sections for p in s.paragraphs))
    got = speakable_chars("".join(c for s in sentences for c in s.chunks))
    assert got == expected
    for s in sentences:
        assert s.chunks
        for c in s.chunks:
            assert c and is_speakable(c) and len(c) <= max_chars
            assert not re.search(r"\s", c)


@SETTINGS
@given(hostile_text)
def test_no_empty_or_unspeakable_chunk_reaches_an_engine(text):
    doc = parsed_or_none(no_surrogates(text))
    if doc is None:
        return
    for backend in (FakeBackend(), NormalisingFake()):
        sentences = split_document(doc, backend.max_chars)
        plan = plan_jobs(sentences, backend, VoiceSettings())
        assert len(plan) == len(sentences)
        for jobs in plan:
            for job in jobs:
                assert job.spoken.strip() and is_speakable(job.spoken), job


def offline_can_say(text: str) -> bool:
    return all("\u4e00" <= c <= "\u9fa5" or c in _KEEP_PUNCT for c in text)


@SETTINGS
@given(hostile_text)
def test_reading_is_only_chinese_and_punctuation(text):
    reading = to_reading(text)
    assert offline_can_say(reading), [c for c in reading if not offline_can_say(c)]


@SETTINGS
@given(st.text(st.sampled_from("0123456789０１٣४.,:-/%年月日时 km个ABx"), max_size=30))
def test_reading_of_number_soup(text):
    reading = to_reading(text)
    assert offline_can_say(reading)
    if any(c.isdigit() for c in text if c.isascii()):
        assert reading  # digits are read, never silently dropped


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_decode_or_fail_cleanly(data):
    try:
        text, enc = decode_bytes(data, "blob")
    except InputError:
        return
    assert isinstance(text, str) and enc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.binary(min_size=1, max_size=20),
            st.text(CHINESE, min_size=1, max_size=10).map(lambda s: s.encode("utf-8")),
            st.sampled_from(
                [b"\xff\xfe", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\x80", b"\xc3", b"\n", b"\r\n", b"\x00"]
            ),
        ),
        max_size=20,
    ).map(b"".join),
    st.sampled_from(["doc.txt", "doc.md", "doc"]),
)
def test_loading_hostile_bytes_from_a_file(tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        doc = load(path)
    except InputError as e:
        assert "\n" not in str(e)
        return
    # Whatever decoded is plain text a build can write out: no lone surrogates survive loading.
    for s in doc.sections:
        for p in s.paragraphs:
            p.text.encode("utf-8")
    sentences = split_document(doc, 60)
    plan_jobs(sentences, NormalisingFake(), VoiceSettings())


def test_huge_unpunctuated_mixed_line():
    line = ("中文English混合😀123" * 3000) + "\u0000\u200b\u202e" + ("اَلْعَرَبِيَّةُ" * 200)
    doc = parse("标题\n" + line + "\n", source="x.txt")
    sentences = split_document(doc, 60)
    assert speakable_chars("".join(c for s in sentences for c in s.chunks)) == speakable_chars(
        "".join(p.text for s in doc.sections for p in s.paragraphs)
    )
    for jobs in plan_jobs(sentences, NormalisingFake(), VoiceSettings()):
        for j in jobs:
            assert offline_can_say(j.spoken) and is_speakable(j.spoken)


def test_lone_surrogates_in_text_do_not_crash_planning():
    """parse() takes any str (an API caller may hold surrogate escapes from a lenient decode)."""
    doc = parsed_or_none("标题\n第一句\udcff话。\ud800第二句。\n")
    if doc is None:
        return
    sentences = split_document(doc, 60)
    for backend in (FakeBackend(), NormalisingFake()):
        plan = plan_jobs(sentences, backend, VoiceSettings())
        assert all(j.spoken.encode("utf-8") for js in plan for j in js)


def test_a_file_cut_off_inside_a_character_is_read_with_a_warning(tmp_path):
    """A truncated download ends in the middle of a UTF-8 character: the text before it is read and
    the user is told where the file was cut."""
    import subprocess
    import sys

    whole = "学习会讲话\n同志们：\n一、提高认识。\n一是要重视学习。\n".encode()
    cut = whole + "学".encode()[:2]  # two of the character's three bytes
    doc = tmp_path / "cut.txt"
    doc.write_bytes(cut)
    proc = subprocess.run(
        [sys.executable, "-m", "audiostudy", "outline", str(doc)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and f"byte {len(whole)}" in warnings[0], proc.stderr
    assert "Traceback" not in proc.stderr and "提高认识" in proc.stdout
    text, enc = decode_bytes(cut, "cut.txt")
    assert text == whole.decode() and enc == "utf-8"
