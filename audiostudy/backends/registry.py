"""Engine names -> factories, and the policy that picks among them: `auto` (the online voice when
the service answers, else the local one) and the fallback that fills sentences an online engine
could not finish. Adding an engine is one module in backends/ plus one line in ENGINES."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import UsageError
from .base import Backend


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
