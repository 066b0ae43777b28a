from __future__ import annotations

import os

from audiostudy.backends import Clip, VoiceSettings
from audiostudy.cache import ClipCache, chunk_key


def test_keys_change_with_every_sound_setting():
    base = chunk_key("edge:zh-CN-YunyangNeural", VoiceSettings(voice="v"), "你好。")
    assert base == chunk_key("edge:zh-CN-YunyangNeural", VoiceSettings(voice="v"), "你好。")
    assert base != chunk_key("edge:zh-CN-XiaoxiaoNeural", VoiceSettings(voice="v"), "你好。")
    assert base != chunk_key("edge:zh-CN-YunyangNeural", VoiceSettings(voice="w"), "你好。")
    assert base != chunk_key("edge:zh-CN-YunyangNeural", VoiceSettings(voice="v", rate="+10%"), "你好。")
    assert base != chunk_key("edge:zh-CN-YunyangNeural", VoiceSettings(voice="v", pitch="+5Hz"), "你好。")
    assert base != chunk_key("edge:zh-CN-YunyangNeural", VoiceSettings(voice="v"), "你好！")


def test_roundtrip_and_corrupt_entry_is_a_miss(tmp_path):
    c = ClipCache(tmp_path)
    clip = Clip(b"\x01\x02" * 1000, 24000, (0, 15))
    c.put("ab" * 32, clip)
    assert c.get("ab" * 32) == clip
    path = next(tmp_path.glob("*/*.clip"))
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    assert c.get("ab" * 32) is None
    assert not path.exists()  # removed, so the next build re-synthesises it


def test_truncated_write_never_loads(tmp_path):
    c = ClipCache(tmp_path)
    c.put("cd" * 32, Clip(b"\x05\x00" * 5000, 24000))
    path = next(tmp_path.glob("*/*.clip"))
    whole = path.read_bytes()
    for cut in (3, 10, len(whole) // 2, len(whole) - 1):
        path.write_bytes(whole[:cut])
        assert c.get("cd" * 32) is None


def test_put_leaves_no_temporary_files(tmp_path):
    c = ClipCache(tmp_path)
    for i in range(5):
        c.put(f"{i:02d}" * 32, Clip(os.urandom(200), 24000))
    assert c.info()[0] == 5
    assert not list(tmp_path.rglob(".tmp-*"))
    assert c.clear() == 5 and c.info() == (0, 0)


def test_env_var_sets_default_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOSTUDY_CACHE_DIR", str(tmp_path / "x"))
    assert ClipCache().root == tmp_path / "x"


def test_damaged_entry_counts_as_missing_so_the_build_resynthesises_it(tmp_path):
    c = ClipCache(tmp_path)
    c.put("ef" * 32, Clip(b"\x07\x00" * 3000, 24000))
    assert "ef" * 32 in c
    path = next(tmp_path.glob("*/*.clip"))
    whole = path.read_bytes()
    path.write_bytes(whole[:-10])  # truncated
    assert "ef" * 32 not in c and not path.exists()
    c.put("ef" * 32, Clip(b"\x07\x00" * 3000, 24000))
    path.write_bytes(b"garbage")
    assert "ef" * 32 not in c


def test_clear_deletes_only_cache_entries(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.clip").write_bytes(b"not ours: not in a two-hex-digit folder")
    c = ClipCache(tmp_path)
    c.put("ab" * 32, Clip(b"\x01\x00" * 100, 24000))
    assert c.clear() == 1
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "sub" / "a.clip").exists()
    assert not (tmp_path / "ab").exists()
