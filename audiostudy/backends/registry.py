"""Engine names -> factories, and the policy that picks among them: `auto` (the online voice when
the service answers, else the local one) and the fallback that fills sentences an online engine
could not finish. Adding an engine is one module in backends/ plus one line in ENGINES."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import EngineError, UsageError
from .base import Backend, VoiceSettings


def _offline(**options: Any) -> Backend:
    from .offline import OfflineBackend

    return OfflineBackend(**options)


def _edge(**options: Any) -> Backend:
    from .edge import EdgeBackend

    return EdgeBackend(**options)


ENGINES: dict[str, Callable[..., Backend]] = {"offline": _offline, "edge": _edge}
AUTO = "auto"  # the online engine when it answers, else the local one; decided once per run
ONLINE = "edge"  # what auto prefers
LOCAL = "offline"  # what auto falls back to, and the only engine that can fill for an online one
ENGINE_CHOICES = (*ENGINES, AUTO)
FALLBACKS = (LOCAL,)


def get_backend(name: str, **options: Any) -> Backend:
    factory = ENGINES.get(name)
    if factory is None:
        raise UsageError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINE_CHOICES)}")
    return factory(**options)


def check_engine(name: str) -> str:
    if name not in ENGINE_CHOICES:
        raise UsageError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINE_CHOICES)}")
    return name


def check_fallback(name: str | None) -> str | None:
    if name is not None and name not in FALLBACKS:
        raise UsageError(f"--fallback can only be {' or '.join(map(repr, FALLBACKS))}, got {name!r}")
    return name


def online_reachable() -> bool:
    """True when the online engine's service answers now (one short request)."""
    from .edge import probe

    return probe()


def choose_auto() -> str:
    """The engine `auto` means right now."""
    return ONLINE if online_reachable() else LOCAL


def takes_voices(name: str) -> bool:
    """Whether --voice applies: every engine but the local one (which has a single voice)."""
    return name != LOCAL


def local_voice() -> str:
    from .offline import OfflineBackend

    return OfflineBackend.default_voice


def live_checked(voice: str) -> str:
    """A voice from the built-in list, or else one the live list (when the service answers) has."""
    from .voices import SOURCE_ONLINE, list_voices, validate_voice

    try:
        return validate_voice(voice)
    except UsageError:
        live, source = list_voices(None, online=True)
        if source != SOURCE_ONLINE:
            raise
        return validate_voice(voice, [v["ShortName"] for v in live])


def voice_settings(engine: str, voice: str, rate: str, pitch: str, volume: str) -> VoiceSettings:
    """Checked voice settings for `engine`, in their canonical spelling (part of the cache keys)."""
    from .options import parse_pitch, parse_rate, parse_volume

    rate, pitch, volume = parse_rate(rate), parse_pitch(pitch), parse_volume(volume)
    if takes_voices(engine):
        from .voices import DEFAULT_VOICE, validate_voice

        voice = live_checked(voice) if voice else validate_voice(DEFAULT_VOICE)
    elif voice:
        raise UsageError("--voice picks an edge voice; the offline engine has one voice (use --engine edge)")
    elif volume != "+0%":
        raise UsageError("--volume applies to edge voices; for the offline voice use --loudnorm")
    return VoiceSettings(voice=voice, rate=rate, pitch=pitch, volume=volume)


def settle_voice(engine: str, voice: str, rate: str, pitch: str, volume: str) -> tuple[str, VoiceSettings]:
    """The engine and checked settings for a voice request. `auto` with a voice asked for by name
    becomes the online engine, or an error when it is unreachable: never read with another voice."""
    settings = voice_settings(engine, voice, rate, pitch, volume)
    if engine == AUTO and voice:
        if not online_reachable():
            raise EngineError(
                f"{ONLINE}-tts is unreachable, so --voice {settings.voice} cannot be used; "
                "check the connection, or use --engine offline for the offline voice"
            )
        engine = ONLINE
    return engine, settings
