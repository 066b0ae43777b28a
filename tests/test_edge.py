"""The edge backend against a local fake of the service: the real edge_tts.Communicate, real MP3."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import edge_tts.communicate
import pytest
from edge_tts.drm import DRM
from fake_edge import FakeEdgeServer  # tests/ has no __init__.py, so pytest puts it on sys.path

from audiostudy.backends import Backend, Clip, VoiceSettings
from audiostudy.backends.edge import EdgeBackend, EdgeSynthesisError, probe
from audiostudy.errors import EngineError, SynthesisError, UsageError

S_PER_CHAR = 0.2
TOLERANCE_MS = 60
TEXTS = [
    "同志们，今天我们讨论三个问题。第一是学习。",
    "第二是工作！",
    "第三是作风建设，要久久为功；持之以恒。",
    "谢谢大家。",
    "我们要坚持问题导向。",
    "把各项工作做实做细。",
]
SETTINGS = VoiceSettings(voice="zh-CN-YunyangNeural")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEdgeServer]:
    srv = FakeEdgeServer(s_per_char=S_PER_CHAR).start()
    # Communicate imports WSS_URL by name, so the constant must be patched where it is used.
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", srv.url)
    monkeypatch.setattr(DRM, "clock_skew_seconds", 0.0)  # a 403 test shifts this process-wide clock
    try:
        yield srv
    finally:
        srv.stop()


def backend(**kw: object) -> EdgeBackend:
    opts: dict[str, object] = {"concurrency": 2, "timeout_s": 5, "retries": 4, "backoff_base_s": 0.01}
    opts.update(kw)
    return EdgeBackend(**opts)  # type: ignore[arg-type]


def run(b: EdgeBackend, texts: list[str], settings: VoiceSettings = SETTINGS) -> dict[int, Clip]:
    got: dict[int, Clip] = {}

    def on_done(i: int, clip: Clip) -> None:
        assert i not in got, "a chunk was delivered twice"
        got[i] = clip

    b.synthesize(texts, settings, on_done)
    return got


def assert_complete(texts: list[str], got: dict[int, Clip]) -> None:
    assert sorted(got) == list(range(len(texts)))
    for i, text in enumerate(texts):
        clip = got[i]
        assert clip.sample_rate == 24000
        assert abs(clip.duration_ms - len(text) * S_PER_CHAR * 1000) <= TOLERANCE_MS, (text, clip.duration_ms)
        starts = list(clip.boundaries_ms)
        assert starts == sorted(starts)
        assert all(0 <= s <= clip.duration_ms for s in starts)
        expected = FakeEdgeServer.expected_starts_ms(text, S_PER_CHAR)
        assert len(starts) == len(expected)
        assert all(abs(a - b) <= 1 for a, b in zip(starts, expected, strict=True))


# --- the normal path ---


def test_normal_clips_timing_and_protocol(server: FakeEdgeServer) -> None:
    got = run(backend(), TEXTS)
    assert_complete(TEXTS, got)
    assert server.requests == len(TEXTS)
    assert sorted(server.texts) == sorted(TEXTS)
    assert server.max_concurrent <= 2
    # The DRM parameters edge-tts appends reach the server (and are ignored by it).
    assert {"Sec-MS-GEC", "Sec-MS-GEC-Version", "ConnectionId"} <= server.query_keys[0]


def test_concurrency_is_bounded(server: FakeEdgeServer) -> None:
    server.latency_s = 0.15
    texts = [f"第{i}句话。" for i in range(12)]
    got = run(backend(concurrency=3), texts)
    assert len(got) == 12
    assert server.max_concurrent == 3  # used, never exceeded


def test_backend_satisfies_protocol() -> None:
    b = EdgeBackend()
    assert isinstance(b, Backend)
    assert b.name == "edge" and not b.needs_normalisation and b.max_chars <= 1000
    assert b.identity(VoiceSettings()) == "edge:zh-CN-YunyangNeural"
    assert b.identity(VoiceSettings(voice="zh-CN-XiaoxiaoNeural")) == "edge:zh-CN-XiaoxiaoNeural"


def test_punctuation_only_chunk_needs_no_request(server: FakeEdgeServer) -> None:
    got = run(backend(), ["……", "好。"])
    assert got[0].duration_ms == 100 and server.requests == 1


# --- failures that are retried ---


def test_403_with_skewed_date_then_success(server: FakeEdgeServer) -> None:
    server.add("403")
    got = run(backend(concurrency=1), TEXTS[:2])
    assert_complete(TEXTS[:2], got)
    assert server.count("403") == 1 and server.requests == 3
    assert abs(DRM.clock_skew_seconds - server.skew_s) < 5  # edge-tts's own clock correction ran


def test_burst_of_429_then_success(server: FakeEdgeServer) -> None:
    server.add("429", "429", "429", "503")
    b = backend(concurrency=2, retries=5)
    got = run(b, TEXTS)
    assert_complete(TEXTS, got)
    assert server.requests == len(TEXTS) + 4
    assert b.stats["retries"] == 4


def test_dropped_connection_is_retried_and_never_returned(server: FakeEdgeServer) -> None:
    victim = TEXTS[2]
    server.add("drop", "drop", text=victim)
    got = run(backend(), TEXTS)
    assert_complete(TEXTS, got)  # full length: the truncated audio never reached on_done
    assert server.texts.count(victim) == 3


def test_short_audio_with_turn_end_is_caught(server: FakeEdgeServer) -> None:
    # The stream claims to be complete, but the audio stops halfway through the sentence boundaries.
    victim = TEXTS[0]
    server.add("short", text=victim)
    got = run(backend(), TEXTS[:2])
    assert_complete(TEXTS[:2], got)
    assert server.texts.count(victim) == 2


def test_turn_end_without_audio_is_retried(server: FakeEdgeServer) -> None:
    server.add("noaudio", text=TEXTS[1])
    got = run(backend(), TEXTS[:3])
    assert_complete(TEXTS[:3], got)
    assert server.texts.count(TEXTS[1]) == 2


def test_hang_times_out_and_is_retried(server: FakeEdgeServer) -> None:
    server.add("hang", text=TEXTS[3])
    t0 = time.monotonic()
    got = run(backend(timeout_s=1.0), TEXTS[:4])
    assert_complete(TEXTS[:4], got)
    assert time.monotonic() - t0 < 4
    assert server.texts.count(TEXTS[3]) == 2


def test_unknown_frame_is_retried(server: FakeEdgeServer) -> None:
    server.add("unknown", text=TEXTS[0])
    got = run(backend(), TEXTS[:2])
    assert_complete(TEXTS[:2], got)
    assert server.texts.count(TEXTS[0]) == 2


# --- failures that end the run ---


def test_persistent_failure_stops_with_resume_message(server: FakeEdgeServer) -> None:
    victim = TEXTS[4]
    server.add(*["drop"] * 10, text=victim)
    got: dict[int, Clip] = {}
    with pytest.raises(SynthesisError) as info:
        backend(concurrency=1, retries=3).synthesize(TEXTS, SETTINGS, lambda i, c: got.__setitem__(i, c))
    msg = str(info.value)
    assert "3 attempts for chunk 5 (“我们要坚持问题导向。”) failed" in msg and "cut off" in msg
    assert "run the same command again" in msg and "\n" not in msg
    assert isinstance(info.value, EdgeSynthesisError) and info.value.failed == (4,)
    # Chunks before the victim were delivered, even those still decoding when it failed (later ones
    # may have been done during its backoff).
    assert {0, 1, 2, 3} <= set(got) and 4 not in got
    assert f"{len(got)} of {len(TEXTS)} chunks are saved" in msg
    assert server.texts.count(victim) == 3


def test_throttled_for_good_names_the_status(server: FakeEdgeServer) -> None:
    server.add(*["429"] * 50)
    with pytest.raises(SynthesisError, match=r"HTTP 429 Too Many Requests"):
        run(backend(retries=3), TEXTS[:3])
    time.sleep(0.2)
    assert server.current == 0  # outstanding requests were cancelled and their sockets closed


def test_persistent_403_suggests_updating_edge_tts(server: FakeEdgeServer) -> None:
    server.add(*["403"] * 20)
    with pytest.raises(SynthesisError, match=r"HTTP 403 Forbidden.*pip install -U edge-tts"):
        run(backend(concurrency=1, retries=2), TEXTS[:1])
    assert server.count("403") == 4  # edge-tts's own clock-skew retry inside each of our 2 attempts


def test_throttling_holds_back_every_request(server: FakeEdgeServer) -> None:
    server.add("429")
    run(backend(concurrency=2, backoff_base_s=0.4), TEXTS[:4])
    assert server.requests == 5
    # The 429 (the first of the two opening requests) starts a cooldown of 0.2-0.4 s that every
    # request not yet sent waits out, not only the refused one.
    refused_at = server.arrivals[0]
    assert min(server.arrivals[2:]) >= refused_at + 0.19


def test_keep_going_reports_every_failed_chunk(server: FakeEdgeServer) -> None:
    server.add(*["noaudio"] * 5, text=TEXTS[1])
    server.add(*["noaudio"] * 5, text=TEXTS[3])
    got: dict[int, Clip] = {}
    with pytest.raises(EdgeSynthesisError) as info:
        backend(retries=2, keep_going=True).synthesize(TEXTS, SETTINGS, lambda i, c: got.__setitem__(i, c))
    assert info.value.failed == (1, 3)
    assert sorted(got) == [0, 2, 4, 5]


def test_server_lost_mid_run_is_retried_then_reported(server: FakeEdgeServer) -> None:
    server.latency_s = 0.3  # so chunk 2 is still in flight when chunk 1 is delivered
    got: dict[int, Clip] = {}

    def on_done(i: int, clip: Clip) -> None:
        got[i] = clip
        server.stop()  # the service goes away after the first chunk

    with pytest.raises(SynthesisError) as info:
        backend(concurrency=1, retries=3).synthesize(TEXTS[:3], SETTINGS, on_done)
    msg = str(info.value)
    assert re.search(r"3 attempts for chunk [23] .* failed \(connection failed", msg)
    assert f"{len(got)} of 3 chunks are saved" in msg and "check the internet connection" in msg
    assert 0 in got and len(got) < 3


def test_server_down_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", f"ws://127.0.0.1:{port}/edge?TrustedClientToken=x")
    t0 = time.monotonic()
    with pytest.raises(EngineError, match="cannot reach"):
        run(backend(backoff_base_s=1.0), TEXTS)
    assert time.monotonic() - t0 < 2
    assert probe(timeout_s=1.0) is False


def test_probe_sees_the_server(server: FakeEdgeServer) -> None:
    assert probe(timeout_s=2.0) is True


def test_bad_settings_fail_before_any_request(server: FakeEdgeServer) -> None:
    with pytest.raises(UsageError, match="did you mean zh-CN-YunyangNeural"):
        run(backend(), TEXTS, VoiceSettings(voice="zh-CN-YunyangNeual"))
    with pytest.raises(UsageError, match=r"--rate"):
        run(backend(), TEXTS, VoiceSettings(rate="fast"))
    assert server.requests == 0
    # With voices_known=False any well-formed name is sent as is.
    got = run(backend(voices_known=False), TEXTS[:1], VoiceSettings(voice="zh-CN-XiaohanNeural"))
    assert len(got) == 1


def test_fast_rate_is_not_mistaken_for_truncation(server: FakeEdgeServer) -> None:
    # At +100% the voice is twice as fast; the fake's 0.2 s/char tone stands in for fast speech at
    # 0.1 s/char here, well above the 0.03 s/char floor.
    server.s_per_char = 0.1
    texts = ["今天我们来学习。"]
    got = run(backend(), texts, VoiceSettings(rate="+100%"))
    assert abs(got[0].duration_ms - 800) <= TOLERANCE_MS
    assert server.requests == 1
