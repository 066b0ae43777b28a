"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def sample_speech_path() -> Path:
    """The shared sample speech; CI clones the repo with shared/ as a sibling of the repo folder."""
    path = Path(__file__).parents[1].parent / "shared/samples/speech.txt"
    if not path.is_file():
        pytest.skip(f"sample speech not found at {path}")
    return path
