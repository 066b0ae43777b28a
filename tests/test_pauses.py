"""Clause pauses follow the mark; pause settings round-trip through a manifest."""

from __future__ import annotations

import pytest

from audiostudy.errors import UsageError
from audiostudy.pauses import Pauses


def test_clause_pause_follows_the_mark() -> None:
    p = Pauses(clause_ms=200)
    enum, comma, colon, semi, dash = (
        p.clause_pause_ms(c) for c in ("总结工作、", "今天，", "任务是：", "甲；", "要求——")
    )
    assert enum < comma < colon and colon == semi == dash
    assert comma == 200 and p.clause_pause_ms("今天，”") == comma  # a closing quote does not hide it
    assert p.clause_pause_ms("一个很长的分句被切开") < comma  # cut inside a clause: shortest
    assert Pauses(clause_ms=0).clause_pause_ms("今天，") == 0


def test_from_dict_ignores_other_versions_keys_and_validates() -> None:
    assert Pauses.from_dict({"chunk_ms": 150, "sentence_ms": 300}) == Pauses(sentence_ms=300)
    with pytest.raises(UsageError, match="clause"):
        Pauses(clause_ms=-1)
