"""Encoded audio as frames, so the whole-document files are joined from the section encodes instead of
encoding all the audio a second time.

An MP3 (MPEG layer III) or ADTS AAC stream is a run of self-contained frames of a fixed number of
samples, each starting with a header that gives its length in bytes. Two encodes laid end to end
play back to back; each keeps its encoder's priming (`delay`: the samples before its first input
sample when every frame is played), so where a section's speech lands in the joined file is known
to the sample. The gaps between sections are whole frames of an encoded silence, chosen so each
section lands within half a frame (12 ms MP3, 21 ms AAC at 24 kHz) of where the timeline puts it;
the errors never add up from one section to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError

# An MP3 decoder's own delay, on top of the encoder's (the LAME tag counts only the encoder's); players
# drop it from the start of a file.
MP3_DECODER_DELAY = 529
# ffmpeg's native AAC encoder primes every stream with one frame; ADTS has nowhere to say so.
AAC_PRIMING = 1024

_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MP3_KBPS = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


@dataclass(frozen=True)
class Frames:
    """The audio frames of one encode, without tags or an Info/Xing header frame."""

    data: bytes
    offsets: tuple[int, ...]  # where each frame starts in `data`
    frame_samples: int  # 576 (MPEG-2 layer III), 1152 (MPEG-1) or 1024 (AAC)
    delay: int  # samples before the first input sample when every frame is decoded

    @property
    def count(self) -> int:
        return len(self.offsets)

    @property
    def samples(self) -> int:
        return self.count * self.frame_samples

    def head(self, n: int) -> bytes:
        """The first n frames' bytes."""
        if n > self.count:
            raise ValueError(f"{n} frames asked of {self.count}")
        return self.data[: self.offsets[n]] if n < self.count else self.data


def _mp3_frame(data: bytes, p: int) -> tuple[int, int]:
    """(length in bytes, samples) of the MP3 frame at p."""
    h = data[p : p + 4]
    if len(h) < 4 or h[0] != 0xFF or (h[1] & 0xE0) != 0xE0 or (h[1] >> 1) & 3 != 1:
        raise ValueError(f"no MPEG layer III frame at byte {p}")
    version = (h[1] >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5 (1 is reserved: KeyError)
    kbps = _MP3_KBPS[3 if version == 3 else 2][h[2] >> 4]
    rate = _MP3_RATES[version][(h[2] >> 2) & 3]
    coeff, samples = (144, 1152) if version == 3 else (72, 576)
    return coeff * kbps * 1000 // rate + ((h[2] >> 1) & 1), samples


def _id3_size(data: bytes) -> int:
    if not data.startswith(b"ID3") or len(data) < 10:
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return 10 + size + (10 if data[5] & 0x10 else 0)  # footer flag


def _lame_delay(frame: bytes) -> int | None:
    """Encoder delay from an Info/Xing frame's LAME tag, or None when the frame is audio."""
    for tag in (b"Info", b"Xing"):
        at = frame.find(tag, 4, 40)
        if at >= 0:
            break
    else:
        return None
    flags = int.from_bytes(frame[at + 4 : at + 8], "big")
    lame = at + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    d = frame[lame + 21 : lame + 24]
    return (d[0] << 4) | (d[1] >> 4) if len(d) == 3 else 0


def read_mp3(path: Path) -> Frames:
    """The frames of an MP3 file written by ffmpeg's libmp3lame (ID3 tag and Info frame left out)."""
    data = path.read_bytes()
    p, offsets, samples, delay = _id3_size(data), [], 576, 0
    try:
        first_len, samples = _mp3_frame(data, p)
        tagged = _lame_delay(data[p : p + first_len])
        if tagged is not None:
            delay, p = tagged, p + first_len
        start = p
        while p < len(data) and not data.startswith(b"TAG", p):  # an ID3v1 tag ends some files
            offsets.append(p - start)
            p += _mp3_frame(data, p)[0]
    except (ValueError, IndexError, KeyError) as e:
        raise OutputError(f"cannot read the MP3 frames of {path.name}: {e}") from e
    return Frames(data[start:p], tuple(offsets), samples, delay + MP3_DECODER_DELAY)


def read_adts(path: Path) -> Frames:
    """The frames of an ADTS AAC stream written by ffmpeg's native AAC encoder."""
    data = path.read_bytes()
    p, offsets = 0, []
    while p < len(data):
        h = data[p : p + 7]
        if len(h) < 7 or h[0] != 0xFF or (h[1] & 0xF6) != 0xF0:
            raise OutputError(f"cannot read the AAC frames of {path.name}: no ADTS header at byte {p}")
        offsets.append(p)
        p += ((h[3] & 3) << 11) | (h[4] << 3) | (h[5] >> 5)
    return Frames(data, tuple(offsets), 1024, AAC_PRIMING)


READERS = {"mp3": read_mp3, "adts": read_adts}


def join(
    parts: list[Frames], starts: list[int], silence: Frames, end: int | None = None
) -> tuple[bytes, list[int], int]:
    """The parts back to back, each preceded (but the first) by as many frames of `silence` as bring
    its first sample nearest `starts[k]` (samples of the joined file). When `end` is given, the last
    part splits the difference between its start and the file's end (its encoder padding keeps
    both from being right at once): each is within a frame. Returns the bytes, where each part's
    first sample landed and the joined length in samples."""
    out: list[bytes] = []
    landed: list[int] = []
    pos = 0
    for k, (part, target) in enumerate(zip(parts, starts, strict=True)):
        if out:
            gap = target - pos - part.delay
            if end is not None and k == len(parts) - 1:
                gap = (gap + end - pos - part.samples) // 2
            n = min(max(1, round(gap / silence.frame_samples)), silence.count)
            out.append(silence.head(n))
            pos += n * silence.frame_samples
        landed.append(pos + part.delay)
        out.append(part.data)
        pos += part.samples
    return b"".join(out), landed, pos
