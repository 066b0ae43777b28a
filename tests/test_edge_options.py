"""Validation of edge voice options and the known-voice list (no network)."""

from __future__ import annotations

from typing import Any

import edge_tts
import pytest

from audiostudy.backends import voices
from audiostudy.backends.options import parse_pitch, parse_rate, parse_volume, rate_factor
from audiostudy.errors import UsageError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+10%", "+10%"),
        ("-5%", "-5%"),
        ("10%", "+10%"),
        (" +0% ", "+0%"),
        ("1.2", "+20%"),
        ("1.2x", "+20%"),
        ("0.8X", "-20%"),
        ("1", "+0%"),
        ("2x", "+100%"),
        ("1.25x", "+25%"),
    ],
)
def test_parse_rate(given: str, expected: str) -> None:
    assert parse_rate(given) == expected


@pytest.mark.parametrize("bad", ["fast", "+10", "10 percent", "+-5%", "", "x1.2", "+500%", "0.2x", "10"])
def test_parse_rate_rejects_with_example(bad: str) -> None:
    with pytest.raises(UsageError, match=r"--rate .*e\.g\.|--rate .*like --rate \+10%") as info:
        parse_rate(bad)
    assert "\n" not in str(info.value)


def test_parse_pitch_and_volume() -> None:
    assert parse_pitch("+0Hz") == "+0Hz"
    assert parse_pitch("-5Hz") == "-5Hz"
    assert parse_pitch("5hz") == "+5Hz"
    assert parse_pitch("0") == "+0Hz"
    assert parse_volume("+0%") == "+0%"
    assert parse_volume("-20%") == "-20%"
    assert parse_volume("0") == "+0%"
    for bad in ("-5", "5%", "high", "+300Hz"):
        with pytest.raises(UsageError, match="--pitch"):
            parse_pitch(bad)
    for bad in ("loud", "20", "+5Hz", "+150%"):
        with pytest.raises(UsageError, match="--volume"):
            parse_volume(bad)


def test_rate_factor() -> None:
    assert rate_factor("+50%") == 1.5
    assert rate_factor("-20%") == 0.8
    assert rate_factor("garbage") == 1.0


def test_builtin_voices_cover_the_chinese_locales() -> None:
    listed, source = voices.list_voices("zh-CN", online=False)
    assert source == voices.SOURCE_BUILTIN
    names = {v["ShortName"] for v in listed}
    assert {"zh-CN-YunyangNeural", "zh-CN-XiaoxiaoNeural", "zh-CN-liaoning-XiaobeiNeural"} <= names
    assert all(v["Locale"].startswith("zh-CN") for v in listed)
    by_name = {v["ShortName"]: v for v in voices.builtin_voices()}
    assert by_name["zh-CN-shaanxi-XiaoniNeural"]["Locale"] == "zh-CN-shaanxi"
    assert by_name["zh-HK-WanLungNeural"]["Gender"] == "Male"
    assert len(voices.list_voices("zh", online=False)[0]) >= 13
    assert voices.list_voices("en-us", online=False)[0]
    assert voices.list_voices("xx-YY", online=False)[0] == []


def test_live_list_is_used_when_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_list(**_: Any) -> list[dict[str, Any]]:
        return [
            {"ShortName": "zh-CN-XiaohanNeural", "Locale": "zh-CN", "Gender": "Female"},
            {"ShortName": "de-DE-KatjaNeural", "Locale": "de-DE", "Gender": "Female"},
        ]

    monkeypatch.setattr(edge_tts, "list_voices", fake_list)
    listed, source = voices.list_voices("zh-CN", online=True)
    assert source == voices.SOURCE_ONLINE
    assert [v["ShortName"] for v in listed] == ["zh-CN-XiaohanNeural"]


def test_live_list_failure_falls_back_to_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    async def failing(**_: Any) -> list[dict[str, Any]]:
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(edge_tts, "list_voices", failing)
    listed, source = voices.list_voices(None, online=True)
    assert source == voices.SOURCE_BUILTIN and len(listed) == len(voices.builtin_voices())


def test_validate_voice() -> None:
    assert voices.validate_voice("zh-CN-YunyangNeural") == "zh-CN-YunyangNeural"
    assert voices.validate_voice("zh-cn-yunyangneural") == "zh-CN-YunyangNeural"
    with pytest.raises(UsageError, match="did you mean zh-CN-XiaoxiaoNeural"):
        voices.validate_voice("zh-CN-XiaoxaioNeural")
    with pytest.raises(UsageError, match="audiostudy voices"):
        voices.validate_voice("Bob")
    # Against a live list, a voice missing from the built-in list is fine.
    assert voices.validate_voice("zh-CN-XiaohanNeural", ["zh-CN-XiaohanNeural"]) == "zh-CN-XiaohanNeural"


def test_check_voice_shape() -> None:
    assert voices.check_voice_shape("zh-CN-shaanxi-XiaoniNeural") == "zh-CN-shaanxi-XiaoniNeural"
    with pytest.raises(UsageError, match="not an edge voice name"):
        voices.check_voice_shape("Yunyang")
