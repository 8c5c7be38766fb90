"""The query log store and the event broker's writer."""

from __future__ import annotations

import asyncio
import json

from bot.pii import PHONE, hash_sender
from bot.querylog.broker import QueryLogBroker
from bot.querylog.store import QueryLog, load_salt
from bot.querylog.writer import QueryLogWriter
from bot.reply_meta import reply_meta

SALT = b"unit-salt"


def user_event(sender, text, intent="ask_homestead", ts=1000.0, **extra):
    return {
        "event": "user",
        "sender_id": sender,
        "timestamp": ts,
        "text": text,
        "input_channel": "rest",
        "parse_data": {
            "intent": {"name": intent, "confidence": 0.9},
            "response_selector": {
                "default": {"ranking": [{"intent_response_key": "ask_homestead/HS01", "confidence": 0.8}]}
            },
        },
        "metadata": {"model_id": "m1", **extra},
    }


def bot_event(sender, meta, ts=1000.05):
    return {"event": "bot", "sender_id": sender, "timestamp": ts, "data": {"custom": meta}}


def slot_event(sender, name, value):
    return {"event": "slot", "sender_id": sender, "name": name, "value": value}


def test_message_row_is_masked_segmented_and_hashed(query_log):
    writer = QueryLogWriter(query_log, SALT)
    writer.handle(user_event("u1", "我电话13912345678，宅基地归谁所有"))
    writer.handle(bot_event("u1", reply_meta("HS01", "answered", "ask_homestead", 0.8)))
    row = query_log.messages()[0]
    assert row["text"] == f"我电话{PHONE}，宅基地归谁所有"
    assert "13912345678" not in json.dumps(row, ensure_ascii=False)
    assert "宅基地" in row["text_seg"].split()
    assert row["sender"] == hash_sender("u1", SALT)
    assert (row["answer_id"], row["outcome"], row["channel"], row["model_id"]) == (
        "HS01",
        "answered",
        "rest",
        "m1",
    )
    assert row["intent"] == "ask_homestead" and row["intent_confidence"] == 0.9
    assert row["response_ms"] == 50.0
    assert json.loads(row["guesses"])[0]["id"] == "HS01"


def test_feedback_is_recorded_against_the_answer(query_log):
    writer = QueryLogWriter(query_log, SALT)
    writer.handle(user_event("u1", "宅基地归谁所有"))
    writer.handle(bot_event("u1", reply_meta("HS01", "answered", "ask_homestead", 0.8)))
    writer.handle(user_event("u1", "没用", intent="feedback"))
    writer.handle(bot_event("u1", reply_meta("HS01", "smalltalk", "feedback", 0.9)))
    writer.handle(slot_event("u1", "feedback", {"answer_id": "HS01", "value": "not_useful"}))
    rows = {r["text"]: r for r in query_log.messages()}
    assert rows["宅基地归谁所有"]["feedback"] == "not_useful"
    assert rows["没用"]["feedback"] is None


def test_picked_suggestion_is_marked_and_leaves_the_unanswered_list(query_log):
    writer = QueryLogWriter(query_log, SALT)
    writer.handle(user_event("u1", "房子的事"))
    writer.handle(bot_event("u1", reply_meta(None, "suggested", "ask_homestead", 0.3)))
    writer.handle(user_event("u2", "草场的事"))
    writer.handle(bot_event("u2", reply_meta(None, "suggested", "ask_grassland", 0.3)))
    writer.handle(user_event("u1", "2", intent="choose_option"))
    writer.handle(bot_event("u1", reply_meta("HS02", "answered", "choose_option", 1.0)))
    rows = {r["text"]: r for r in query_log.messages()}
    assert rows["房子的事"]["picked"] == "HS02"
    assert [r["text"] for r in query_log.unanswered()] == ["草场的事"]


def test_unanswered_search_splits_chinese_words(query_log):
    writer = QueryLogWriter(query_log, SALT)
    for i, text in enumerate(["离婚了孩子归谁", "宅基地边界吵架了", "羊拉稀怎么办"]):
        writer.handle(user_event(f"s{i}", text, intent="out_of_scope"))
        writer.handle(bot_event(f"s{i}", reply_meta(None, "fallback", "out_of_scope", 0.9)))
    assert [r["text"] for r in query_log.unanswered("孩子")] == ["离婚了孩子归谁"]
    assert [r["text"] for r in query_log.unanswered("宅基地 边界")] == ["宅基地边界吵架了"]
    assert query_log.unanswered("草场") == []
    assert len(query_log.unanswered()) == 3


def test_role_from_slot_and_metadata(query_log):
    writer = QueryLogWriter(query_log, SALT)
    writer.handle(slot_event("u1", "role", "understander"))
    writer.handle(user_event("u1", "宅基地"))
    writer.handle(user_event("u2", "宅基地", role="understander"))
    writer.handle(user_event("u3", "宅基地"))
    roles = [r["role"] for r in reversed(query_log.messages())]
    assert roles == ["understander", "understander", "villager"]


def test_handoff_keeps_phone_only_in_its_table(query_log):
    row_id = query_log.add_handoff(
        {
            "sender": "h",
            "village": "巴音嘎查",
            "phone": "13912345678",
            "question": "我电话13912345678 宅基地",
            "conversation": ["用户：13912345678"],
        }
    )
    item = query_log.handoffs()[0]
    assert item["id"] == row_id and item["status"] == "new" and item["phone"] == "13912345678"
    assert "13912345678" not in item["question"] + item["conversation"]


def test_stats_count_outcomes_and_feedback(query_log):
    writer = QueryLogWriter(query_log, SALT)
    writer.handle(user_event("u1", "宅基地归谁所有"))
    writer.handle(bot_event("u1", reply_meta("HS01", "answered", "ask_homestead", 0.8)))
    writer.handle(slot_event("u1", "feedback", {"answer_id": "HS01", "value": "useful"}))
    stats = query_log.stats()
    assert stats["messages"] == 1 and stats["by_outcome"] == {"answered": 1}
    assert stats["feedback"]["HS01"] == {"useful": 1, "not_useful": 0}


def test_salt_file_is_created_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("QUERY_LOG_SALT", raising=False)
    path = tmp_path / "salt"
    first = load_salt(path)
    assert first == load_salt(path) and len(first) == 64
    assert (path.stat().st_mode & 0o777) == 0o600


def test_broker_keeps_going_when_the_database_is_unusable(tmp_path):
    broker = QueryLogBroker(db_path=str(tmp_path / "no-such-dir" / "file" / "\0bad.db"), salt=SALT)
    for i in range(1000):
        broker.publish(user_event("u", f"问题{i}"))  # never raises
    assert broker.flush(), "the writer drops the events but keeps answering"
    assert broker.is_ready()
    asyncio.run(broker.close())


def test_broker_writes_in_the_background(tmp_path):
    db = tmp_path / "log.db"
    broker = QueryLogBroker(db_path=str(db), salt=SALT)
    for i in range(50):
        broker.publish(user_event(f"u{i}", f"宅基地问题{i}"))
        broker.publish(bot_event(f"u{i}", reply_meta("HS01", "answered", "ask_homestead", 0.8)))
    broker.flush()
    asyncio.run(broker.close())
    log = QueryLog(db)
    assert log.count() == 50
    assert all(r["outcome"] == "answered" for r in log.messages(100))
