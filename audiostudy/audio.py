"""The only module that touches pydub and ffmpeg.

Clips are 16-bit mono PCM. A section is assembled by streaming clips and silences into a WAV file
on disk, one section at a time, so memory stays flat however long the document is; the
whole-document files are made by ffmpeg's concat demuxer from the section WAVs.
"""

from __future__ import annotations

import re
import subprocess
import warnings
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

with warnings.catch_warnings():
    # pydub looks for ffmpeg on PATH at import and warns when there is none; we point it at the
    # PyPI binary just below, so the warning would only mislead.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

from .backends.base import SAMPLE_RATE, Clip
from .errors import OutputError
from .folder import atomic_path

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
# pydub shells out to `ffmpeg` found on PATH unless told otherwise; point it at the PyPI binary so
# that no system package is needed.
AudioSegment.converter = FFMPEG
AudioSegment.ffmpeg = FFMPEG

SAMPLE_WIDTH = 2  # bytes per sample: s16le
# Below this level (dBFS) a 10 ms frame counts as silence when trimming engine padding. The offline
# voice's padding sits below -60 dBFS and its quietest consonant onsets above -45.
TRIM_THRESHOLD_DBFS = -50.0
TRIM_CHUNK_MS = 5


@dataclass(frozen=True)
class EncodeOptions:
    """How finished audio is encoded. Bitrates in kbit/s; mono speech needs little."""

    mp3_kbps: int = 64
    aac_kbps: int = 64
    opus_kbps: int = 28  # Ogg Opus, speech-tuned (VoIP mode); VBR lands near 30 kbit/s on speech
    speed: float = 1.0  # tempo factor applied with ffmpeg's atempo (pitch unchanged)
    loudnorm: float | None = None  # target integrated loudness in LUFS, e.g. -16 for phones


def _segment(pcm: bytes, rate: int) -> AudioSegment:
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=rate, channels=1)


def normalise_clip(clip: Clip, trim: bool = True) -> bytes:
    """Bring a clip to SAMPLE_RATE and cut the engine's leading/trailing silence, so the pauses
    between sentences are exactly what the settings say."""
    seg = _segment(clip.pcm, clip.sample_rate)
    if clip.sample_rate != SAMPLE_RATE:
        seg = seg.set_frame_rate(SAMPLE_RATE)
    if trim and len(seg) > 0:
        lead = detect_leading_silence(seg, TRIM_THRESHOLD_DBFS, TRIM_CHUNK_MS)
        tail = detect_leading_silence(seg.reverse(), TRIM_THRESHOLD_DBFS, TRIM_CHUNK_MS)
        if lead + tail < len(seg):
            seg = seg[lead : len(seg) - tail]
    return bytes(seg.raw_data)


def ms_to_samples(ms: int) -> int:
    return ms * SAMPLE_RATE // 1000


def samples_to_ms(n: int) -> int:
    return n * 1000 // SAMPLE_RATE


class WavAssembler:
    """Streams PCM and silences into a WAV file; `samples` says where the next piece will land."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._wav = wave.open(str(path), "wb")  # noqa: SIM115 - closed in close()
        self._wav.setnchannels(1)
        self._wav.setsampwidth(SAMPLE_WIDTH)
        self._wav.setframerate(SAMPLE_RATE)
        self.samples = 0

    def add_silence(self, ms: int) -> None:
        n = ms_to_samples(ms)
        # Written in 1 s blocks so a long pause never allocates much.
        while n > 0:
            step = min(n, SAMPLE_RATE)
            self._wav.writeframesraw(b"\0\0" * step)
            self.samples += step
            n -= step

    def add_pcm(self, pcm: bytes) -> None:
        self._wav.writeframesraw(pcm)
        self.samples += len(pcm) // SAMPLE_WIDTH

    def close(self) -> None:
        self._wav.close()


def write_silence_wav(path: Path, ms: int) -> None:
    a = WavAssembler(path)
    a.add_silence(ms)
    a.close()


def _run(args: Sequence[str], what: str) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-y", *args], capture_output=True)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        if "No space left" in proc.stderr.decode("utf-8", "replace"):
            raise OutputError(f"disk full while {what}; free some space and run again")
        raise OutputError(f"ffmpeg failed while {what}: {tail[0]}")
    return proc


def _filters(opts: EncodeOptions) -> list[str]:
    chain = []
    if opts.speed != 1.0:
        chain.append(f"atempo={opts.speed:.4f}")
    if opts.loudnorm is not None:
        chain.append(f"loudnorm=I={opts.loudnorm}:TP=-1.5:LRA=11")
    return chain


def _measure_loudnorm(inputs: list[str], opts: EncodeOptions) -> str:
    """First pass of two-pass EBU R128 normalisation: measure, then feed the numbers back so the
    second pass applies a linear gain (no pumping) and lands on the target."""
    pre = [f"atempo={opts.speed:.4f}"] if opts.speed != 1.0 else []
    chain = ",".join([*pre, f"loudnorm=I={opts.loudnorm}:TP=-1.5:LRA=11:print_format=json"])
    proc = _run([*inputs, "-af", chain, "-f", "null", "-"], "measuring loudness")
    text = proc.stderr.decode("utf-8", "replace")
    m = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", text, re.S)
    if not m:
        return ""
    import json

    v = json.loads(m.group(0))
    if v.get("input_i") in ("-inf", None):
        return ""
    return (
        f":measured_I={v['input_i']}:measured_TP={v['input_tp']}:measured_LRA={v['input_lra']}"
        f":measured_thresh={v['input_thresh']}:offset={v['target_offset']}:linear=true"
    )


def encode(
    inputs: list[str],
    out: Path,
    kind: str,
    opts: EncodeOptions,
    metadata_file: Path | None = None,
) -> None:
    """Encode to `out` ("mp3", "opus" or "m4b"/"m4a"). Not atomic by itself: callers write to a temporary
    name with `atomic_path` and rename, so a reader never sees half a file. `inputs` are ffmpeg
    input arguments (e.g. ["-i", "a.wav"])."""
    chain = _filters(opts)
    if opts.loudnorm is not None:
        measured = _measure_loudnorm(inputs, opts)
        chain[-1] += measured
    args = list(inputs)
    if metadata_file is not None:
        args += [
            "-f",
            "ffmetadata",
            "-i",
            str(metadata_file),
            "-map",
            "0:a",
            "-map_metadata",
            "1",
            "-map_chapters",
            "1",
        ]
    if chain:
        # loudnorm works at 192 kHz internally; bring it back to our rate.
        args += ["-af", ",".join(chain), "-ar", str(SAMPLE_RATE)]
    args += ["-ac", "1", *_codec_args(kind, opts)]
    _run([*args, str(out)], f"writing {out.name.removeprefix('.').removesuffix('.part')}")


def _mp3_args(opts: EncodeOptions) -> list[str]:
    # LAME quality 7 (of 0 best .. 9 fastest): 1.6x faster than the default 5 and no audible
    # difference on mono speech at 64 kbit/s.
    lame = ["-c:a", "libmp3lame", "-b:a", f"{opts.mp3_kbps}k", "-compression_level", "7"]
    return [*lame, "-id3v2_version", "3", "-f", "mp3"]


def _opus_args(opts: EncodeOptions) -> list[str]:
    # Opus in Ogg, tuned for speech: VoIP mode and variable bitrate; 24 kHz is one of its native rates.
    return [
        "-c:a",
        "libopus",
        "-b:a",
        f"{opts.opus_kbps}k",
        "-vbr",
        "on",
        "-application",
        "voip",
        "-f",
        "ogg",
    ]


def _aac_args(opts: EncodeOptions) -> list[str]:
    # The "fast" AAC coder is 3x faster than the default two-loop search (10 min of speech: 3 s
    # instead of 9.5 s on one core); at 64 kbit/s mono speech the difference is not audible.
    return ["-c:a", "aac", "-aac_coder", "fast", "-b:a", f"{opts.aac_kbps}k"]


# ffmpeg output arguments per kind of encode: an MP3, an Ogg Opus, an MP4 audiobook (m4b/m4a) or a
# bare AAC stream (ADTS frames, joined into the M4B by audiofiles.py).
CODECS: dict[str, Callable[[EncodeOptions], list[str]]] = {
    "mp3": _mp3_args,
    "opus": _opus_args,
    "m4b": lambda o: [*_aac_args(o), "-movflags", "+faststart", "-f", "mp4"],
    "m4a": lambda o: [*_aac_args(o), "-movflags", "+faststart", "-f", "mp4"],
    "adts": lambda o: [*_aac_args(o), "-f", "adts"],
}


def _codec_args(kind: str, opts: EncodeOptions) -> list[str]:
    return CODECS[kind](opts)


def remux(stream: Path, stream_format: str, out: Path, kind: str, metadata_file: Path, skip: int = 0) -> None:
    """Wrap an already-encoded stream ("mp3" or "aac" frames) into `out` ("mp3" or "m4b") with the
    tags and chapters of `metadata_file`, copying the audio. An AAC stream's first `skip` samples
    (the encoder's priming) are cut by the MP4's edit list. Callers write to a temporary name."""
    if stream_format == "aac":
        # Straight from ADTS, the MP4 track keeps ADTS's 1/28224000 time base and long chapter times
        # overflow; an MP4 of the bare stream first gives the track our sample rate's time base.
        # Starting it before zero makes the muxer write the edit list that hides the priming.
        track = stream.with_suffix(".m4a")
        offset = ["-itsoffset", f"{-skip / SAMPLE_RATE:.6f}"] if skip else []
        _run(
            [*offset, "-f", "aac", "-i", str(stream), "-c", "copy", "-f", "mp4", str(track)],
            "wrapping the AAC",
        )
        stream, stream_format = track, "mp4"
    container = (
        ["-id3v2_version", "3", "-f", "mp3"] if kind == "mp3" else ["-movflags", "+faststart", "-f", "mp4"]
    )
    args = ["-f", stream_format, "-i", str(stream), "-f", "ffmetadata", "-i", str(metadata_file)]
    args += ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy", *container]
    _run([*args, str(out)], f"writing {out.name.removeprefix('.').removesuffix('.part')}")


def concat_inputs(list_file: Path, parts: Sequence[Path]) -> list[str]:
    """ffmpeg input arguments that play `parts` back to back (concat demuxer, no re-decoding of
    everything into memory)."""
    lines = []
    for p in parts:
        # The concat list quotes with single quotes; escape any in the path.
        lines.append("file '" + str(p.resolve()).replace("'", "'\\''") + "'")
    list_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["-f", "concat", "-safe", "0", "-i", str(list_file)]


def decode_pcm(path: Path | str, rate: int = SAMPLE_RATE) -> bytes:
    """Decode any audio file to mono s16le PCM at `rate`."""
    proc = _run(["-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"], f"decoding {path}")
    return proc.stdout


def duration_ms(path: Path | str) -> int:
    """Exact decoded duration, by decoding (container durations of MP3 are estimates)."""
    return samples_to_ms(len(decode_pcm(path)) // SAMPLE_WIDTH)


def cut(src: Path, out: Path, start_ms: int, end_ms: int) -> None:
    """Copy a time range of an encoded file without re-encoding (for `play 2.3 --export`)."""
    fmt = "mp3" if out.suffix.lower() == ".mp3" else "mp4"
    with atomic_path(out) as tmp:
        _run(
            [
                "-ss",
                f"{start_ms / 1000:.3f}",
                "-i",
                str(src),
                "-t",  # a duration after the input: ffmpeg versions differ on an input's -to
                f"{(end_ms - start_ms) / 1000:.3f}",
                "-c",
                "copy",
                "-map",
                "0:a",
                # No Xing/LAME header: one copied from the source's would tell players to drop the
                # source's encoder delay and end padding from this cut too (ffmpeg 7 copies them).
                *(["-write_xing", "0"] if fmt == "mp3" else []),
                "-f",
                fmt,
                str(tmp),
            ],
            f"cutting {out.name}",
        )
