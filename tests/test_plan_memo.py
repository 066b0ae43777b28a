"""The planning memo (plan.PlanMemo): an edit re-plans only the text that changed, gives exactly the
plan a fresh planning gives, and a memo made under other settings or damaged is not used."""

from __future__ import annotations

import json

from fakes import DOC, FakeBackend, opts, write

import audiostudy.plan as plan_module
import audiostudy.segment as segment
from audiostudy.backends import VoiceSettings
from audiostudy.backends.offline import OfflineBackend
from audiostudy.cache import ClipCache
from audiostudy.document import load
from audiostudy.lexicon import Entry, Lexicon, load_lexicon
from audiostudy.pipeline import build, plan_jobs
from audiostudy.plan import MEMO_EXT, PlanMemo, _memo_id
from audiostudy.segment import split_document


def _counting(monkeypatch):  # type: ignore[no-untyped-def]
    """Count the sentences chunked and the chunks read from scratch."""
    seen: dict[str, list[str]] = {"chunked": [], "read": []}
    chunk, reading = segment.chunk_sentence, plan_module._reading

    def chunk_sentence(text, *a, **k):  # type: ignore[no-untyped-def]
        seen["chunked"].append(text)
        return chunk(text, *a, **k)

    def _reading(chunk_text, *a, **k):  # type: ignore[no-untyped-def]
        seen["read"].append(chunk_text)
        return reading(chunk_text, *a, **k)

    monkeypatch.setattr(segment, "chunk_sentence", chunk_sentence)
    monkeypatch.setattr(plan_module, "_reading", _reading)
    return seen


def test_an_edit_plans_only_the_new_sentence(tmp_path, monkeypatch):
    src = write(tmp_path)
    build(src, opts(tmp_path), backend=FakeBackend())
    out = tmp_path / "audio" / "doc"
    assert ClipCache(tmp_path / "cache").encode_path(_memo_id(out), MEMO_EXT).is_file()
    assert not list(out.glob(".*"))  # nothing of ours among the user's files
    seen = _counting(monkeypatch)
    src.write_text(DOC.replace("内容在此。", "内容在此。新的一句，两个分句。"), encoding="utf-8")
    engine = FakeBackend()
    build(src, opts(tmp_path), backend=engine)
    assert seen["chunked"] == ["新的一句，两个分句。"]
    assert seen["read"] == list(engine.calls) == ["新的一句，两个分句。"]


def test_the_memo_gives_the_plan_a_fresh_planning_gives(tmp_path):
    """Offline chunking (clauses, lexicon words, reading normalisation) with and without the memo."""
    text = "一、总体要求\n2024年长期目标完成率达95.5%，着力推进，给予支持。\n同志们，散会！\n"
    src = write(tmp_path, text)
    doc, backend, settings = load(src), OfflineBackend(), VoiceSettings()
    lexicon = load_lexicon(src, ())
    fresh_sentences = split_document(doc, backend.max_chars, backend.clause_chunks)
    fresh = plan_jobs(fresh_sentences, backend, settings, lexicon)
    key = PlanMemo.key_for(lexicon, backend)
    first = PlanMemo(key)
    split_document(doc, backend.max_chars, backend.clause_chunks, first.chunks)
    plan_jobs(fresh_sentences, backend, settings, lexicon, first)
    cache = ClipCache(tmp_path / "cache")
    first.write(cache, tmp_path)
    memo = PlanMemo.read(cache, tmp_path, key)
    sentences = split_document(doc, backend.max_chars, backend.clause_chunks, memo.chunks)
    assert sentences == fresh_sentences
    assert plan_jobs(sentences, backend, settings, lexicon, memo) == fresh
    assert any(j.lexicon for js in fresh for j in js)  # the lexicon did change something


def test_a_memo_from_other_settings_or_damaged_is_not_used(tmp_path):
    backend = OfflineBackend()
    lexicon = Lexicon([Entry("行长", "杭长", (), "test")])
    key = PlanMemo.key_for(lexicon, backend)
    memo = PlanMemo(key)
    memo.chunks("甲。", lambda: ("乙",))  # a wrong answer, to see whether it comes back
    cache = ClipCache(tmp_path / "cache")
    memo.write(cache, tmp_path)
    assert PlanMemo.read(cache, tmp_path, key).chunks("甲。", lambda: ("甲。",)) == ("乙",)
    other = PlanMemo.key_for(Lexicon([Entry("行长", "航长", (), "test")]), backend)
    assert other != key
    assert PlanMemo.read(cache, tmp_path, other).chunks("甲。", lambda: ("甲。",)) == ("甲。",)
    assert PlanMemo.key_for(lexicon, FakeBackend()) != key  # another chunk limit
    assert PlanMemo.read(cache, tmp_path / "another-document", key).chunks("甲。", lambda: ("甲。",)) == (
        "甲。",
    )
    for damaged in ("{", "[]", json.dumps({"format": 1, "key": key, "chunks": {"甲。": [1]}, "spoken": {}})):
        cache.encode_path(_memo_id(tmp_path), MEMO_EXT).write_text(damaged, encoding="utf-8")
        assert PlanMemo.read(cache, tmp_path, key).chunks("甲。", lambda: ("甲。",)) == ("甲。",)


def test_jieba_released_after_planning_comes_back_with_the_kept_words():
    from audiostudy import words

    words.keep_whole(["甲乙丙丁戊"])
    before = words.cut("甲乙丙丁戊己庚辛很好")
    assert "甲乙丙丁戊" in before and words.is_loaded()
    words.release()
    assert not words.is_loaded()
    assert words.cut("甲乙丙丁戊己庚辛很好") == before
