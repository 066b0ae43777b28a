"""How long a build will be, before building: the offline voice's speaking rate plus every pause the
build inserts, counted from the same chunks and pause settings the build uses.

Calibrated on a real offline build of ../shared/samples/speech.txt, clause by clause (59 sentences,
322 chunks, 3,151 characters of reading text): a least-squares fit of each sentence's audio, less the
clause pauses between its chunks, gives 181 ms per character (SPOKEN_CHARS_PER_SECOND) plus ~300 ms
per chunk (CHUNK_OVERHEAD_MS: the engine's own padding around every clip, which the build keeps). The
estimate was then 12.49 min against 12.49 min built, every section within 3 %. (With the earlier
60-character chunks and trimmed clips the same fit gave 175 ms + 200 ms per chunk: 10.20 vs 10.18 min.)
"""

from __future__ import annotations

from dataclasses import dataclass

from .backends.offline import OfflineBackend
from .model import Document, Sentence
from .normalize import to_reading
from .pauses import Pauses
from .segment import split_document

SPOKEN_CHARS_PER_SECOND = 5.5
CHUNK_OVERHEAD_MS = 300


def clause_pause_ms(chunk: str, pauses: Pauses) -> int:
    """Silence the build puts after chunk when another chunk of the same sentence follows it: the
    pause the assembler takes from the same settings (by the clause mark the chunk ends on)."""
    return pauses.clause_pause_ms(chunk)


def spoken_chars(text: str) -> int:
    """Characters the offline voice says for text: Chinese characters of its reading."""
    return sum(1 for c in to_reading(text) if "\u4e00" <= c <= "\u9fa5")


def sentence_ms(sentence: Sentence, pauses: Pauses) -> int:
    """The sentence's own audio: its chunks spoken and the pauses between them."""
    ms_per_char = 1000 / SPOKEN_CHARS_PER_SECOND
    speech = sum(spoken_chars(c) * ms_per_char + CHUNK_OVERHEAD_MS for c in sentence.chunks)
    gaps = sum(clause_pause_ms(c, pauses) for c in sentence.chunks[:-1])
    return round(speech) + gaps


@dataclass(frozen=True)
class Estimate:
    sections_ms: tuple[int, ...]  # one per section, in order, like the built section files
    total_ms: int  # the whole-document file: sections and the pauses between them


def estimate(doc: Document, pauses: Pauses | None = None, speak_title: bool = True) -> Estimate:
    """`speak_title`: the build says the document's title first (BuildOptions.speak_title)."""
    pauses = pauses or Pauses()
    per_section: dict[int, int] = {s.number: 0 for s in doc.sections}
    backend = OfflineBackend
    for sentence in split_document(doc, backend.max_chars, backend.clause_chunks, title=speak_title):
        per_section[sentence.section] += pauses.before(sentence.boundary)
        per_section[sentence.section] += sentence_ms(sentence, pauses)
    spoken = [ms for ms in per_section.values() if ms]
    total = sum(spoken) + pauses.section_ms * max(0, len(spoken) - 1)
    return Estimate(tuple(per_section.values()), total)
