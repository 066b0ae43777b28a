"""FastSpeech2 + Multi-band MelGAN on LiteRT (ai-edge-litert), with no TensorFlow.

The acoustic model `fastspeech2_quan.tflite` was exported with a rate-0.5 dropout left switched on at
inference on its f0 and energy embeddings: each is `x * 2 * Cast(RandomUniform(shape) >= 0.5)`, and
`RandomUniform` is a TensorFlow Flex op that only full TensorFlow can run. LiteRT's builtin
RANDOM_UNIFORM would run it, but keeps its generator state per interpreter (it is reseeded only when
the graph is re-prepared, i.e. when an input changes shape), so a chunk's audio would depend on what
the worker said before it.

So at load time, in memory (the file is never changed), each dropout's mask becomes a model input:
the SHAPE → RandomUniform → GREATER_EQUAL → CAST ops are removed and the CAST output tensor is added
to the subgraph's inputs; the Flex operator code is re-pointed at the builtin RANDOM_UNIFORM, so no
custom code is left in the model. The caller feeds the masks: Bernoulli(0.5) draws from a seed (the
voice as it always sounded, but reproducible), or 0.5 everywhere, which is the dropout switched off
(`x * 2 * 0.5 = x`, proper inference behaviour). Each synthesis is then a pure function of
(phone ids, speed, f0, seed).

The patched model is then cut in two (split_postnet): the decoder, which takes the masks and gives
the mel before the postnet, and the postnet, so that several dropout draws share one postnet pass.
The vocoder's graph is rewritten too (vocoder_graph.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

_FLEX_RANDOM = b"FlexRandomUniform"
_MASK_WIDTH = 256  # f0/energy embedding width: masks are [1, phones, 256]
VOCODER_WINDOW = 256  # mel frames per vocoder call at most (Voice.audio)
VOCODER_CONTEXT = 20  # frames of context on each side of a window: the receptive field is ±16.1


def patch_tables() -> tuple[Any, Any]:
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    return schema, flatbuffer_utils


def patch_acoustic(model: bytes) -> tuple[bytes, int]:
    """The acoustic model with every dropout mask turned into an extra input; also the mask count.

    Raises ValueError when the model does not have the expected shape of dropout."""
    schema, fu = patch_tables()
    m = fu.read_model_from_bytearray(bytearray(model))
    flex = {i for i, oc in enumerate(m.operatorCodes) if oc.customCode == _FLEX_RANDOM}
    for i in flex:
        oc = m.operatorCodes[i]
        oc.builtinCode = schema.BuiltinOperator.RANDOM_UNIFORM
        oc.deprecatedBuiltinCode = schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES
        oc.customCode = None
    masks = 0
    for sg in m.subgraphs:
        drop: set[int] = set()
        for k, op in enumerate(sg.operators):
            if op.opcodeIndex not in flex:
                continue
            chain = _dropout_chain(m, sg, k, fu)
            drop |= set(chain)
            mask = sg.operators[chain[-1]].outputs[0]
            tensor = sg.tensors[mask]
            tensor.shape = np.array([1, 1, _MASK_WIDTH], np.int32)
            tensor.shapeSignature = np.array([1, -1, _MASK_WIDTH], np.int32)
            sg.inputs = np.append(np.asarray(sg.inputs, np.int32), np.int32(mask))
            masks += 1
        sg.operators = [op for k, op in enumerate(sg.operators) if k not in drop]
    if masks == 0:
        raise ValueError("no FlexRandomUniform dropout found in the acoustic model")
    return bytes(fu.convert_object_to_bytearray(m)), masks


def _dropout_chain(m: Any, sg: Any, k: int, fu: Any) -> list[int]:
    """Operator indices SHAPE, RandomUniform, GREATER_EQUAL, CAST of the dropout around op k."""
    producers = {t: j for j, op in enumerate(sg.operators) for t in op.outputs}
    consumers: dict[int, list[int]] = {}
    for j, op in enumerate(sg.operators):
        for t in op.inputs:
            consumers.setdefault(int(t), []).append(j)
    chain = [producers[sg.operators[k].inputs[0]], k]
    for expected in ("GREATER_EQUAL", "CAST"):
        nxt = consumers.get(int(sg.operators[chain[-1]].outputs[0]), [])
        if len(nxt) != 1 or fu.opcode_to_name(m, sg.operators[nxt[0]].opcodeIndex) != expected:
            raise ValueError(f"unexpected graph after {_FLEX_RANDOM.decode()}: wanted {expected}")
        chain.append(nxt[0])
    shape_op = sg.operators[chain[0]]
    if fu.opcode_to_name(m, shape_op.opcodeIndex) != "SHAPE" or len(consumers[int(shape_op.outputs[0])]) != 1:
        raise ValueError("unexpected graph before the dropout's random draw")
    return chain


def custom_ops(model: bytes) -> list[str]:
    """Names of the custom (non-builtin) operator codes a model still uses."""
    _, fu = patch_tables()
    m = fu.read_model_from_bytearray(bytearray(model))
    return [oc.customCode.decode() for oc in m.operatorCodes if oc.customCode]


@dataclass(frozen=True)
class Acoustic:
    """The patched acoustic model in two parts: phones → the decoder's mel (`mel_before`), then the
    postnet's refinement of it (`mel_after`), so that several dropout draws can share one postnet."""

    decoder: bytes
    postnet: bytes
    masks: int


def split_postnet(model: bytes, masks: int) -> Acoustic:
    """The model's postnet (every operator only its mel_after output needs) as a model of its own
    whose inputs are mel_before and the frame mask; the rest, without it, outputs mel_before. Each
    keeps only the weights its operators use. Running one after the other is the whole model."""
    _, fu = patch_tables()

    def part(keep: set[int], inputs: list[int] | None, outputs: list[int]) -> bytes:
        m = fu.read_model_from_bytearray(bytearray(model))
        sg = m.subgraphs[0]
        sg.operators = [op for k, op in enumerate(sg.operators) if k in keep]
        if inputs is not None:
            sg.inputs = np.array(inputs, np.int32)
        sg.outputs = np.array(outputs, np.int32)
        drop_unused_weights(m)
        return bytes(fu.convert_object_to_bytearray(m))

    m = fu.read_model_from_bytearray(bytearray(model))
    sg = m.subgraphs[0]
    before, after, *rest = (int(t) for t in sg.outputs)
    post = _needed(sg, [after]) - _needed(sg, [before, *rest])
    made = {int(t) for k in post for t in sg.operators[k].outputs}
    outside = {int(t) for k in post for t in sg.operators[k].inputs if t >= 0} - made
    feeds = sorted(t for t in outside if m.buffers[sg.tensors[t].buffer].data is None)
    mask = [t for t in feeds if t != before]
    if before not in feeds or len(mask) != 1 or list(sg.tensors[mask[0]].shape)[-1] != 1:
        raise ValueError("unexpected postnet in the acoustic model")
    everything = set(range(len(sg.operators)))
    decoder = part(everything - post, None, [before, *rest])
    return Acoustic(decoder, part(post, [before, mask[0]], [after]), masks)


def drop_unused_weights(m: Any) -> None:
    """Empty every buffer no remaining operator of m's (one) subgraph reads: a model loaded from
    bytes keeps them all in memory."""
    sg = m.subgraphs[0]
    used = {int(t) for op in sg.operators for t in (*op.inputs, *op.outputs) if t >= 0}
    kept = {sg.tensors[t].buffer for t in used}
    for i, buffer in enumerate(m.buffers):
        if i not in kept:
            buffer.data = None


def _needed(sg: Any, outputs: list[int]) -> set[int]:
    """Indices of the operators these output tensors depend on."""
    producer = {int(t): k for k, op in enumerate(sg.operators) for t in op.outputs}
    ops: set[int] = set()
    stack, seen = list(outputs), set()
    while stack:
        t = stack.pop()
        if t in seen or t not in producer:
            continue
        seen.add(t)
        ops.add(producer[t])
        stack += [int(x) for x in sg.operators[producer[t]].inputs if x >= 0]
    return ops


@dataclass(frozen=True)
class Prosody:
    """What the acoustic model takes besides phones: duration and f0 ratios, and the dropout."""

    speed: float = 1.0  # phone-duration ratio: < 1 speaks faster
    f0: float = 1.0
    seed: int | None = 0  # None: dropout switched off; else Bernoulli(0.5) masks drawn from this seed
    takes: int = 1  # with a seed: the mean of this many mels, drawn from seed, seed + 1, …


class Voice:
    """The voice's models in one process. Not thread-safe: one Voice per worker."""

    def __init__(self, acoustic: bytes | Acoustic, vocoder: bytes, threads: int = 1) -> None:
        """`acoustic`: the model file as shipped, or its patched parts (backends/patched.py);
        `vocoder`: as shipped, or vocoder_graph.patch_vocoder's result (the same waveform)."""
        from ai_edge_litert.interpreter import Interpreter

        if not isinstance(acoustic, Acoustic):
            acoustic = split_postnet(*patch_acoustic(acoustic))
        self.n_masks = acoustic.masks
        self.decoder = Interpreter(model_content=acoustic.decoder, num_threads=threads)
        self.postnet = Interpreter(model_content=acoustic.postnet, num_threads=threads)
        self.vocoder = Interpreter(model_content=vocoder, num_threads=threads)

    def masks(self, n_phones: int, seed: int | None) -> list[np.ndarray]:
        shape = (1, n_phones, _MASK_WIDTH)
        if seed is None:
            return [np.full(shape, 0.5, np.float32) for _ in range(self.n_masks)]
        rng = np.random.Generator(np.random.PCG64(seed))
        return [(rng.random(shape, dtype=np.float32) >= 0.5).astype(np.float32) for _ in range(self.n_masks)]

    def mel(self, ids: list[int], prosody: Prosody) -> np.ndarray:
        """The mel spectrogram [1, frames, 80]. The dropout acts on the f0 and energy embeddings after
        the durations are fixed, so every take of a text has the same frames: the decoder's mels of
        the takes average frame by frame (the ensemble of the model's own dropout, instead of one draw
        of it), and the postnet refines their mean once."""
        if prosody.seed is None or prosody.takes <= 1:
            return self._postnet(self._mel(ids, prosody.speed, prosody.f0, prosody.seed))
        takes = [self._mel(ids, prosody.speed, prosody.f0, prosody.seed + k) for k in range(prosody.takes)]
        return self._postnet(np.asarray(np.mean(takes, axis=0, dtype=np.float32)))

    def _mel(self, ids: list[int], speed: float, f0: float, seed: int | None) -> np.ndarray:
        """The decoder's mel (before the postnet) of one dropout draw."""
        return self.run_acoustic(self.decoder, ids, speed, f0, seed)[0]

    def run_acoustic(
        self, it: Any, ids: list[int], speed: float, f0: float, seed: int | None
    ) -> list[np.ndarray]:
        """Every output of `it`, an interpreter of the patched acoustic model (the decoder, or the
        model before split_postnet), for one dropout draw of these phones."""
        inp = it.get_input_details()
        n = len(ids)
        values = [
            np.array([ids], np.int32),
            np.array([0], np.int32),  # speaker id
            np.array([speed], np.float32),
            np.array([f0], np.float32),
            np.array([1.0], np.float32),  # energy ratio
            *self.masks(n, seed),
        ]
        it.resize_tensor_input(inp[0]["index"], [1, n])
        for detail in inp[5:]:
            it.resize_tensor_input(detail["index"], [1, n, _MASK_WIDTH])
        it.allocate_tensors()
        for detail, value in zip(inp, values, strict=True):
            it.set_tensor(detail["index"], value)
        it.invoke()
        return [np.asarray(it.get_tensor(out["index"])) for out in it.get_output_details()]

    def _postnet(self, mel: np.ndarray) -> np.ndarray:
        it = self.postnet
        before, mask = it.get_input_details()  # split_postnet's order
        frames = mel.shape[1]
        it.resize_tensor_input(before["index"], [1, frames, mel.shape[2]])
        it.resize_tensor_input(mask["index"], [1, frames, 1])
        it.allocate_tensors()
        it.set_tensor(before["index"], mel)
        it.set_tensor(mask["index"], np.ones((1, frames, 1), np.float32))  # one utterance: every frame
        it.invoke()
        return np.asarray(it.get_tensor(it.get_output_details()[0]["index"]))

    def audio(self, mel: np.ndarray) -> np.ndarray:
        """The vocoder's waveform for mel, at most VOCODER_WINDOW frames (plus context) per call.

        The vocoder's memory grows by ~0.6 MB per frame it is given (a 30-character clause is ~450
        frames), so a long mel is vocoded in windows, each with VOCODER_CONTEXT frames of context on
        both sides that are then dropped. MB-MelGAN hears ±16.1 frames around each output sample, so
        the samples kept are exactly those of vocoding the whole mel at once (tests compare them)."""
        n = mel.shape[1]
        if n <= VOCODER_WINDOW + 2 * VOCODER_CONTEXT:
            return self._vocode(mel)
        pieces = []
        for a in range(0, n, VOCODER_WINDOW):
            b = min(n, a + VOCODER_WINDOW)
            lo, hi = max(0, a - VOCODER_CONTEXT), min(n, b + VOCODER_CONTEXT)
            y = self._vocode(mel[:, lo:hi])
            hop = len(y) // (hi - lo)
            pieces.append(y[(a - lo) * hop : (b - lo) * hop])
        return np.concatenate(pieces)

    def _vocode(self, mel: np.ndarray) -> np.ndarray:
        it = self.vocoder
        inp = it.get_input_details()[0]["index"]
        it.resize_tensor_input(inp, list(mel.shape))
        it.allocate_tensors()
        it.set_tensor(inp, mel)
        it.invoke()
        return np.asarray(it.get_tensor(it.get_output_details()[0]["index"])[0, :, 0])

    def pcm(self, ids: list[int], prosody: Prosody) -> bytes:
        """Signed 16-bit little-endian mono PCM at 24 kHz."""
        audio = self.audio(self.mel(ids, prosody))
        return np.clip(audio * 32767.0, -32768, 32767).astype("<i2").tobytes()
