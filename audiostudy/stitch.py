"""Stitching: cached clips and the pauses between them streamed into one WAV per section, with
where every sentence and clause landed (in samples of that WAV). Used by the section files and the
summary track alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .audio import SAMPLE_RATE, WavAssembler, normalise_clip
from .cache import ClipCache
from .errors import SynthesisError
from .model import Sentence
from .options import StudyOptions
from .pauses import Pauses
from .plan import Job, Plan


@dataclass(frozen=True)
class Placed:
    index: int  # into the sentence list
    start: int  # samples, in the section's raw (1x) timeline
    end: int
    spans: tuple[tuple[int, int], ...]  # each clause of its first reading, same timeline


def sentence_audio(jobs: list[Job], sentence_id: str, cache: ClipCache) -> list[bytes]:
    """One sentence's chunks: cached clips, at our rate, engine silence trimmed."""
    pcms = []
    for job in jobs:
        clip = cache.get(job.key)
        if clip is None:
            raise SynthesisError(
                f"the audio for sentence {sentence_id} is missing from the cache "
                "(cleared or damaged during the build?); run the same command again"
            )
        pcms.append(normalise_clip(clip, trim=job.trim))
    return pcms


def say(wav: WavAssembler, pcms: list[bytes], jobs: list[Job], pauses: Pauses) -> tuple[tuple[int, int], ...]:
    """Append one sentence, clause by clause, with the pause each clause's mark asks for. Returns
    where each clause landed (samples)."""
    spans = []
    for c, pcm in enumerate(pcms):
        if c:
            wav.add_silence(pauses.clause_pause_ms(jobs[c - 1].spoken))
        start = wav.samples
        wav.add_pcm(pcm)
        spans.append((start, wav.samples))
    return tuple(spans)


def stitch_section(
    idxs: list[int],
    sentences: list[Sentence],
    plan: Plan,
    cache: ClipCache,
    wav_path: Path,
    pauses: Pauses,
    study: StudyOptions,
) -> tuple[int, list[Placed]]:
    """The sentences `idxs` into wav_path, each repeated and shadowed as `study` asks. Returns the
    WAV's length in samples and where each sentence landed."""
    wav = WavAssembler(wav_path)
    placed: list[Placed] = []
    try:
        for i in idxs:
            jobs = plan[i]
            if not jobs:
                continue
            if wav.samples:
                wav.add_silence(pauses.before(sentences[i].boundary))
            start = wav.samples
            pcms = sentence_audio(jobs, sentences[i].id, cache)  # read once, however many repeats
            spans = say(wav, pcms, jobs, pauses)
            for _ in range(1, max(1, study.repeat)):
                wav.add_silence(pauses.sentence_ms)
                say(wav, pcms, jobs, pauses)
            end = wav.samples
            placed.append(Placed(i, start, end, spans))
            if study.shadow > 0:
                # 跟读: room to repeat the sentence aloud, as long as one reading of it times the factor.
                once_ms = (end - start) * 1000 // SAMPLE_RATE // max(1, study.repeat)
                wav.add_silence(int(once_ms * study.shadow))
        return wav.samples, placed
    finally:
        wav.close()
