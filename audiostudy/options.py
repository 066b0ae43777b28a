"""Build options: one record, checked when it is made (so library callers get the same checks as
the command line), written to and read back from the manifest's `settings` in one place. Error
messages name the command-line option a user would change."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .backends.base import VoiceSettings
from .backends.registry import LOCAL, check_engine, check_fallback
from .errors import UsageError
from .pauses import Pauses
from .writers import WRITERS

# Whole-document audio, the text formats of the writers table, the player page, Ogg Opus.
FORMATS = ("mp3", "m4b", *WRITERS, "html", "opus")
DEFAULT_FORMATS = tuple(f for f in FORMATS if f != "opus")  # opus only when asked for


def _between(option: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    if not lo <= value <= hi:
        raise UsageError(f"--{option} must be between {lo} and {hi}{unit}, got {value}")


@dataclass(frozen=True)
class StudyOptions:
    shadow: float = 0.0  # 跟读: silence after each sentence = shadow x its duration
    repeat: int = 1  # each sentence this many times

    def __post_init__(self) -> None:
        _between("repeat", self.repeat, 1, 10)
        _between("shadow", self.shadow, 0, 5)


@dataclass(frozen=True)
class BuildOptions:
    out_root: Path = Path("audio")
    engine: str = LOCAL
    settings: VoiceSettings = field(default_factory=VoiceSettings)
    pauses: Pauses = field(default_factory=Pauses)
    study: StudyOptions = field(default_factory=StudyOptions)
    formats: tuple[str, ...] = DEFAULT_FORMATS
    speed: float = 1.0
    loudnorm: float | None = None
    mp3_kbps: int = 64
    cache_dir: Path | None = None
    workers: int | None = None
    force: bool = False
    fallback: str | None = None  # registry.LOCAL: fill chunks the online engine failed with the offline voice
    summary: bool = False  # also write <stem>-summary.mp3: section titles and point sentences
    speak_title: bool = True  # say the document's own title first (Document.spoken_title)
    lexicons: tuple[Path, ...] = ()  # --lexicon files, after the built-in, user and beside-the-document ones
    backend_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = [f for f in self.formats if f not in FORMATS]
        if bad:
            raise UsageError(f"unknown format {bad[0]!r}; choose from: {' '.join(FORMATS)}")
        _between("speed", self.speed, 0.5, 2.0)
        check_fallback(self.fallback)
        check_engine(self.engine)
        # Checked here, not after minutes of synthesis (ffmpeg) or as a traceback (the worker pool).
        _between("bitrate", self.mp3_kbps, 8, 320, " kbit/s")
        if self.workers is not None:
            _between("workers", self.workers, 1, 64)
        if self.loudnorm is not None:
            _between("loudnorm", self.loudnorm, -70, -5, " LUFS")

    def to_manifest(self) -> dict[str, Any]:
        """The manifest's `settings`: what changes the sound."""
        return {
            **asdict(self.settings),
            "pauses": asdict(self.pauses),
            "study": asdict(self.study),
            "speed": self.speed,
            "loudnorm": self.loudnorm,
            "mp3_kbps": self.mp3_kbps,
            "speak_title": self.speak_title,
        }

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], **given: Any) -> BuildOptions:
        """Options repeating an earlier build's (so its cached clips are reused); `given` (the
        output root, the cache) wins. Raises UsageError, TypeError or ValueError on a damaged one."""
        st = dict(manifest.get("settings") or {})
        files = manifest.get("files") or {}
        return cls(
            engine=str(manifest.get("engine") or LOCAL),
            settings=VoiceSettings(
                voice=st.get("voice", ""),
                rate=st.get("rate", "+0%"),
                pitch=st.get("pitch", "+0Hz"),
                volume=st.get("volume", "+0%"),
            ),
            pauses=Pauses.from_dict(st.get("pauses", {})),
            study=StudyOptions(**st.get("study", {})),
            formats=tuple(f for f in FORMATS if f in files) or DEFAULT_FORMATS,
            speed=float(st.get("speed", 1.0)),
            loudnorm=st.get("loudnorm"),
            mp3_kbps=int(st.get("mp3_kbps", 64)),
            summary="summary" in files,
            speak_title=bool(st.get("speak_title", True)),
            **given,
        )
