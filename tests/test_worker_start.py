"""What an offline worker's start-up relies on. The patched acoustic model is kept in the user cache
folder: the first load patches and stores it, later loads read it back unchanged (and skip the patch),
and a damaged copy is patched again. The install check runs while the workers start, and a damaged
install is still one clear error with no worker left behind."""

from __future__ import annotations

import pytest

from audiostudy.backends import VoiceSettings, voice_assets
from audiostudy.backends import patched as cache
from audiostudy.backends.fastspeech import patch_acoustic, split_postnet
from audiostudy.backends.offline import OfflineBackend
from audiostudy.backends.voice_assets import SHA256, read_asset
from audiostudy.errors import EngineError

NAME = "fastspeech2_quan.tflite"


@pytest.fixture(scope="module")
def model() -> bytes:
    return read_asset(NAME)


def test_stored_once_then_read_back_without_patching(tmp_path, monkeypatch, model):
    older = tmp_path / f"fastspeech2-litert-{SHA256[NAME][:16]}-p1.tflite"  # an older format's copy
    older.write_bytes(b"16 MB nobody reads any more")
    first = cache.patched_acoustic(lambda: model, SHA256[NAME], tmp_path)
    assert not older.exists()
    assert first == split_postnet(*patch_acoustic(model))  # the very bytes the patch gives
    assert len(list(tmp_path.glob("*.tflite"))) == 2 and not list(tmp_path.glob(".*part"))

    def no_patch(_: bytes) -> tuple[bytes, int]:
        raise AssertionError("patched again although a verified copy is stored")

    monkeypatch.setattr(cache, "patch_acoustic", no_patch)
    assert cache.patched_acoustic(lambda: model, SHA256[NAME], tmp_path) == first


def test_damaged_copy_is_patched_again(tmp_path, model):
    good = cache.patched_acoustic(lambda: model, SHA256[NAME], tmp_path)
    stored = next(tmp_path.glob("*-decoder.tflite"))
    stored.write_bytes(stored.read_bytes()[:1000])  # truncated
    assert cache.patched_acoustic(lambda: model, SHA256[NAME], tmp_path) == good
    assert stored.read_bytes() == good.decoder  # and stored whole again


def test_unwritable_folder_only_costs_the_patch(tmp_path, model):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert cache.patched_acoustic(lambda: model, SHA256[NAME], blocker / "voice") == split_postnet(
        *patch_acoustic(model)
    )


def test_damaged_install_is_one_clear_error_and_no_worker_stays(monkeypatch):
    monkeypatch.setitem(voice_assets.SHA256, "mb_melgan.tflite", "0" * 64)
    backend = OfflineBackend(workers=1)
    started: list = []
    real = backend.close

    def spy(abandon: bool = False) -> None:  # the workers the check found launched
        started.extend(backend._pool._processes.values() if backend._pool else [])
        real(abandon)

    monkeypatch.setattr(backend, "close", spy)
    with pytest.raises(EngineError, match="mb_melgan.tflite is damaged"):
        backend.synthesize(["你好。"], VoiceSettings(), lambda i, c: None)
    assert backend._pool is None and started
    for proc in started:
        proc.join(10)
        assert not proc.is_alive()


def test_patched_vocoder_is_stored_once_then_read_back(tmp_path, monkeypatch):
    from audiostudy.backends.vocoder_graph import patch_vocoder

    shipped = read_asset("mb_melgan.tflite")
    first = cache.patched_vocoder(lambda: shipped, SHA256["mb_melgan.tflite"], tmp_path)
    assert first == patch_vocoder(shipped)
    assert len(list(tmp_path.glob("mb-melgan-*.tflite"))) == 1

    def no_patch(_: bytes) -> bytes:
        raise AssertionError("patched again although a verified copy is stored")

    monkeypatch.setattr(cache, "patch_vocoder", no_patch)
    assert cache.patched_vocoder(lambda: shipped, SHA256["mb_melgan.tflite"], tmp_path) == first


@pytest.mark.slow
def test_workers_are_given_phone_ids_and_never_load_pypinyin():
    """The build process reads the text into phone ids (backends/offline._Phones), so a worker's
    start-up has no pypinyin in it; the audio is the same as a worker reading the text itself."""
    from audiostudy.backends import offline

    texts = ["你好。", "学习贯彻党的精神，"]
    backend = OfflineBackend(workers=1)
    got: dict[int, bytes] = {}
    try:
        backend.synthesize(texts, VoiceSettings(), lambda i, clip: got.__setitem__(i, clip.pcm))
        assert backend._pool is not None
        in_worker = backend._pool.submit(eval, "'pypinyin' in __import__('sys').modules").result()
    finally:
        backend.close()
    assert in_worker is False
    offline.load_voice()  # here, reading the text itself
    assert [got[i] for i in range(2)] == [offline._synth_robust(t, "+0%", "+0Hz") for t in texts]
