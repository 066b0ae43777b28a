"""The MB-MelGAN vocoder rewritten, in memory, into operations XNNPACK runs fast (the file is never
changed; backends/patched.py keeps the result in the user cache folder).

The exported graph spends a third of its time in three constructions that LiteRT's XNNPACK delegate
runs far below its convolution speed. Each is replaced by the same arithmetic in a shape it runs well:

- Upsampling: TRANSPOSE_CONV with stride s and kernel 2s. Output block j (s samples) is
  x[j]·W[0:s] + x[j-1]·W[s:2s], i.e. a kernel-2 convolution over the input with s·O output channels,
  reshaped to s samples of O channels and cropped as TensorFlow's SAME padding crops.
- Dilated convolutions: SPACE_TO_BATCH_ND → CONV_2D → BATCH_TO_SPACE_ND (how TensorFlow exports a
  dilation) becomes one CONV_2D with that dilation; the reflection padding before it already gives
  the valid convolution its length.
- The PQMF synthesis: zero-stuffing by 4 (a transposed convolution with stride 4), zero padding and a
  63-tap filter over four bands, i.e. four of every five multiplies are by zero. As a polyphase
  filter it is one small convolution over the bands at their own rate, one output channel per phase.

The first two are bit-identical; the third adds terms in another order (≤ 2e-7 apart on real mels,
tests/test_offline_engine.py). Together the vocoder takes 0.65–0.70x the time (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fastspeech import drop_unused_weights, patch_tables

_OPTIONS = {"CONV_2D": "Conv2D", "PAD": "Pad", "RESHAPE": "Reshape", "STRIDED_SLICE": "StridedSlice"}


class _Graph:
    """The vocoder's only subgraph, with what the rewrites need to read and add to it."""

    def __init__(self, model: bytes) -> None:
        self.S, fu = patch_tables()
        self.fu = fu
        self.m = fu.read_model_from_bytearray(bytearray(model))
        self.sg = self.m.subgraphs[0]
        self.m.buffers.append(self.S.BufferT())
        self.empty = len(self.m.buffers) - 1  # the buffer of every new activation tensor

    def code(self, op: Any) -> int:
        return self.code_of(self.m.operatorCodes[op.opcodeIndex])

    def const(self, t: int, dtype: type = np.float32) -> np.ndarray:
        tensor = self.sg.tensors[t]
        return np.frombuffer(bytes(self.m.buffers[tensor.buffer].data), dtype).reshape(tensor.shape)

    def consumer(self, t: int, code: int) -> Any:
        users = [op for op in self.sg.operators if t in op.inputs]
        if len(users) != 1 or self.code(users[0]) != code:
            raise ValueError(f"unexpected vocoder graph after tensor {t}")
        return users[0]

    def add_const(self, value: np.ndarray) -> int:
        buf = self.S.BufferT()
        buf.data = np.frombuffer(np.ascontiguousarray(value).tobytes(), np.uint8)
        self.m.buffers.append(buf)
        t = self.S.TensorT()
        t.shape = np.array(value.shape, np.int32)
        t.type = self.S.TensorType.FLOAT32 if value.dtype == np.float32 else self.S.TensorType.INT32
        t.buffer = len(self.m.buffers) - 1
        return self._append(t)

    def add_activation(self, signature: list[int]) -> int:
        """A float tensor whose -1 dimension (time) is set when the input is resized."""
        t = self.S.TensorT()
        t.shape = np.array([max(1, d) for d in signature], np.int32)
        t.shapeSignature = np.array(signature, np.int32)
        t.type = self.S.TensorType.FLOAT32
        t.buffer = self.empty
        return self._append(t)

    def _append(self, t: Any) -> int:
        t.name = f"audiostudy/{len(self.sg.tensors)}".encode()
        self.sg.tensors.append(t)
        return len(self.sg.tensors) - 1

    def op(self, name: str, inputs: list[int], output: int, **options: Any) -> Any:
        S = self.S
        code = getattr(S.BuiltinOperator, name)
        index = next((i for i, oc in enumerate(self.m.operatorCodes) if self.code_of(oc) == code), None)
        if index is None:
            oc = S.OperatorCodeT()
            oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = code, min(code, 127), 1
            self.m.operatorCodes.append(oc)
            index = len(self.m.operatorCodes) - 1
        kind = _OPTIONS[name]
        opts = getattr(S, f"{kind}OptionsT")()
        for key, value in options.items():
            setattr(opts, key, value)
        op = S.OperatorT()
        op.opcodeIndex = index
        op.inputs, op.outputs = np.array(inputs, np.int32), np.array([output], np.int32)
        op.builtinOptionsType, op.builtinOptions = getattr(S.BuiltinOptions, f"{kind}Options"), opts
        return op

    @staticmethod
    def code_of(oc: Any) -> int:
        return -1 if oc.customCode else int(max(oc.builtinCode, oc.deprecatedBuiltinCode))

    def conv(self, x: int, weights: np.ndarray, bias: np.ndarray, output: int) -> Any:
        """A VALID, stride-1, undilated CONV_2D."""
        w, b = self.add_const(weights.astype(np.float32)), self.add_const(bias.astype(np.float32))
        options = {"padding": self.S.Padding.VALID, "strideW": 1, "strideH": 1}
        return self.op("CONV_2D", [x, w, b], output, dilationWFactor=1, dilationHFactor=1, **options)

    def pad(self, x: int, pads: list[list[int]], output: int) -> Any:
        return self.op("PAD", [x, self.add_const(np.array(pads, np.int32))], output)

    def reshape(self, x: int, shape: list[int], output: int) -> Any:
        new_shape = np.array(shape, np.int32)
        return self.op("RESHAPE", [x, self.add_const(new_shape)], output, newShape=new_shape)

    def time_slice(self, x: int, begin: int, end: int, output: int) -> Any:
        """x[:, begin:end] of a [1, T, 1, C] tensor (end < 0 counts from the end)."""
        bounds = ([0, begin, 0, 0], [0, end, 0, 0], [1, 1, 1, 1])
        limits = [self.add_const(np.array(v, np.int32)) for v in bounds]
        whole = 0b1101  # every axis but time taken whole
        return self.op("STRIDED_SLICE", [x, *limits], output, beginMask=whole, endMask=whole)

    def to_bytes(self) -> bytes:
        drop_unused_weights(self.m)  # the replaced operators' weights
        return bytes(self.fu.convert_object_to_bytearray(self.m))


def patch_vocoder(model: bytes) -> bytes:
    """The vocoder with all three rewrites; ValueError when its graph is not the one expected."""
    g = _Graph(model)
    B = g.S.BuiltinOperator
    ops: list[Any] = []
    rewritten = {"upsampling": 0, "PQMF": 0}
    for op in list(g.sg.operators):
        if g.code(op) == B.TRANSPOSE_CONV and op.builtinOptions.strideH > 1:
            ops += _upsample(g, op)
            rewritten["upsampling"] += 1
        elif g.code(op) == B.SPACE_TO_BATCH_ND:
            _undilate(g, op)  # drops this op and its BATCH_TO_SPACE_ND
        elif g.code(op) == B.TRANSPOSE_CONV:
            ops += _polyphase(g, op)
            rewritten["PQMF"] += 1
            break  # the PQMF is the graph's last step
        elif g.code(op) != B.BATCH_TO_SPACE_ND:
            ops.append(op)
    missing = [name for name, n in rewritten.items() if not n]
    if missing:
        raise ValueError(f"no {' or '.join(missing)} found in the vocoder")
    g.sg.operators = ops
    return g.to_bytes()


def _upsample(g: _Graph, op: Any) -> list[Any]:
    """TRANSPOSE_CONV [1, T, 1, I] → [1, sT, 1, O] (stride s, kernel 2s, SAME) as PAD, CONV_2D,
    RESHAPE, STRIDED_SLICE."""
    s = op.builtinOptions.strideH
    w = g.const(op.inputs[1])  # [O, 2s, 1, I]
    o, k, _, i = w.shape
    if k != 2 * s:
        raise ValueError("unexpected upsampling kernel in the vocoder")
    conv = np.empty((s * o, 2, 1, i), np.float32)
    for r in range(s):  # output channel (r, o): sample r of a block; tap 0 is the earlier input
        conv[r * o : (r + 1) * o, 0] = w[:, s + r]
        conv[r * o : (r + 1) * o, 1] = w[:, r]
    padded, wide, folded = (g.add_activation([1, -1, 1, c]) for c in (i, s * o, o))
    before = (k - s) // 2  # SAME: of the (T+1)s samples keep [before, before + sT)
    return [
        g.pad(int(op.inputs[2]), [[0, 0], [1, 1], [0, 0], [0, 0]], padded),
        g.conv(padded, conv, np.zeros(s * o), wide),
        g.reshape(wide, [1, -1, 1, o], folded),
        g.time_slice(folded, before, before - s, int(op.outputs[0])),
    ]


def _undilate(g: _Graph, op: Any) -> None:
    """SPACE_TO_BATCH_ND → EXPAND_DIMS → CONV_2D → SQUEEZE → BATCH_TO_SPACE_ND as EXPAND_DIMS →
    CONV_2D(dilation) → SQUEEZE, in place."""
    B = g.S.BuiltinOperator
    d = int(g.const(op.inputs[1], np.int32)[0])
    expand = g.consumer(int(op.outputs[0]), B.EXPAND_DIMS)
    conv = g.consumer(int(expand.outputs[0]), B.CONV_2D)
    squeeze = g.consumer(int(conv.outputs[0]), B.SQUEEZE)
    back = g.consumer(int(squeeze.outputs[0]), B.BATCH_TO_SPACE_ND)
    if conv.builtinOptions.padding != g.S.Padding.VALID:
        raise ValueError("unexpected padding in a dilated convolution of the vocoder")
    expand.inputs = np.array([op.inputs[0], expand.inputs[1]], np.int32)
    conv.builtinOptions.dilationWFactor = d
    squeeze.outputs = np.array(back.outputs, np.int32)


def _polyphase(g: _Graph, op: Any) -> list[Any]:
    """The PQMF tail (TRANSPOSE_CONV stride s → SQUEEZE → PAD p → EXPAND_DIMS → CONV_2D taps →
    SQUEEZE) as PAD → CONV_2D over the bands (one output channel per phase r) → RESHAPE:
    y[s·q + r] = Σ_d Σ_c x[q + d, c] · G[r, d, c]."""
    B = g.S.BuiltinOperator
    squeeze = g.consumer(int(op.outputs[0]), B.SQUEEZE)
    pad = g.consumer(int(squeeze.outputs[0]), B.PAD)
    expand = g.consumer(int(pad.outputs[0]), B.EXPAND_DIMS)
    conv = g.consumer(int(expand.outputs[0]), B.CONV_2D)
    last = g.consumer(int(conv.outputs[0]), B.SQUEEZE)
    if int(last.outputs[0]) not in g.sg.outputs:
        raise ValueError("unexpected operations after the vocoder's PQMF")
    s = op.builtinOptions.strideW
    up = g.const(op.inputs[1]).astype(np.float64)  # [C, 1, s, Cin]
    taps = g.const(conv.inputs[1])[0, 0].astype(np.float64)  # [n, C]
    p = int(g.const(pad.inputs[1], np.int32)[1, 0])
    if up.shape[2] != s or int(g.const(pad.inputs[1], np.int32)[1, 1]) != p:
        raise ValueError("unexpected PQMF synthesis in the vocoder")
    shifts = range(-((p + s) // s), (len(taps) - p + s) // s + 1)
    gains = np.zeros((s, len(shifts), up.shape[3]))
    for r in range(s):
        for di, d in enumerate(shifts):
            for k in range(s):
                j = s * d + k - r + p  # the filter tap that meets band sample q + d, stuffed at k
                if 0 <= j < len(taps):
                    gains[r, di] += taps[j] @ up[:, 0, k, :]
    used = np.flatnonzero(np.abs(gains).sum(axis=(0, 2)))
    gains = gains[:, used[0] : used[-1] + 1]
    left, right = -shifts[used[0]], shifts[used[-1]]
    bias = g.const(conv.inputs[2]) if len(conv.inputs) > 2 and conv.inputs[2] >= 0 else np.zeros(1)
    cin = up.shape[3]
    padded, phases = g.add_activation([1, 1, -1, cin]), g.add_activation([1, 1, -1, s])
    return [
        g.pad(int(op.inputs[2]), [[0, 0], [0, 0], [left, right], [0, 0]], padded),
        g.conv(padded, gains[:, None], np.full(s, float(bias[0])), phases),
        g.reshape(phases, [1, -1, 1], int(last.outputs[0])),
    ]
