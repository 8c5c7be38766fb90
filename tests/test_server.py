"""The running assistant through REST: contract, behaviours, roles, hand-off, query log."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.launcher import meta_of
from bot.querylog.store import QueryLog

pytestmark = pytest.mark.server


def new_sender() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def say(assistant, text, sender, **metadata):
    replies = assistant.ask(text, sender, metadata or None)
    meta = meta_of(replies)
    assert meta is not None, f"exactly one metadata message expected: {replies}"
    return "\n".join(r.get("text", "") for r in replies if r.get("text")), meta


def wait_for_rows(db, predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        log = QueryLog(db)
        try:
            rows = log.messages(100000)
            handoffs = log.handoffs()
        finally:
            log.close()
        if predicate(rows, handoffs) or time.monotonic() > deadline:
            return rows, handoffs
        time.sleep(0.2)


def test_every_message_gets_exactly_one_metadata_message(assistant):
    sender = new_sender()
    for text in ["你好", "宅基地归谁所有", "1", "没用", "asdfgh", "谢谢", "再见"]:
        _, meta = say(assistant, text, sender)
        assert set(meta) == {"answer_id", "outcome", "intent", "confidence"}
        assert isinstance(meta["confidence"], float)


def test_emergency_comes_first_with_the_amount(assistant, kb):
    text, meta = say(assistant, "救命 我刚给冒充公安的人转了两万块 他还让我再转", new_sender())
    assert meta["outcome"] == "emergency" and meta["answer_id"] == "EF07" and meta["intent"] == "emergency"
    first_line = text.splitlines()[0]
    assert "两万块" in first_line
    assert "110" in text and "96110" in text and "止付" in text


def test_out_of_scope_declines_shows_topics_offers_a_person_and_is_logged(assistant):
    sender = new_sender()
    text, meta = say(assistant, "工地老板拖欠我半年工钱不给", sender)
    assert meta["outcome"] == "fallback" and meta["answer_id"] is None
    assert "答不上来" in text and "找人" in text and "1. 宅基地" in text
    rows, _ = wait_for_rows(
        assistant.db_path, lambda r, h: any(x["text"] == "工地老板拖欠我半年工钱不给" for x in r)
    )
    row = next(x for x in rows if x["text"] == "工地老板拖欠我半年工钱不给")
    assert row["outcome"] == "fallback" and row["channel"] == "rest" and row["model_id"]
    assert row["response_ms"] is not None and row["intent"] == "out_of_scope"
    log = QueryLog(assistant.db_path)
    assert any(r["id"] == row["id"] for r in log.unanswered("工钱"))


def test_topic_menu_numbers_lead_to_an_answer(assistant, kb):
    sender = new_sender()
    _, meta = say(assistant, "你能做什么", sender)
    assert meta["intent"] == "capabilities"
    text, _ = say(assistant, "2", sender)
    assert "草场方面可以问" in text
    grassland = [e.id for e in kb if e.topic == "grassland"]
    _, meta = say(assistant, "1", sender)
    assert meta["outcome"] == "answered" and meta["answer_id"] == grassland[0]


def test_feedback_is_recorded_against_the_answer(assistant):
    sender = new_sender()
    _, meta = say(assistant, "宅基地到底是归集体还是归个人", sender)
    assert meta["outcome"] == "answered"
    answer_id = meta["answer_id"]
    _, meta = say(assistant, "没用", sender)
    assert meta["intent"] == "feedback" and meta["answer_id"] == answer_id
    rows, _ = wait_for_rows(
        assistant.db_path,
        lambda r, h: any(x["text"] == "宅基地到底是归集体还是归个人" and x["feedback"] for x in r),
    )
    row = next(x for x in rows if x["text"] == "宅基地到底是归集体还是归个人")
    assert row["feedback"] == "not_useful" and row["answer_id"] == answer_id

    other = new_sender()
    say(assistant, "草场承包期到底多少年", other)
    _, meta = say(assistant, "1", other)
    assert meta["intent"] == "choose_option" and meta["outcome"] == "smalltalk"
    rows, _ = wait_for_rows(
        assistant.db_path, lambda r, h: any(x["text"] == "草场承包期到底多少年" and x["feedback"] for x in r)
    )
    assert next(x for x in rows if x["text"] == "草场承包期到底多少年")["feedback"] == "useful"


def test_understander_role_by_message_and_by_metadata(assistant, kb):
    sender = new_sender()
    _, meta = say(assistant, "我是法律明白人", sender)
    assert meta["intent"] == "declare_understander"
    text, meta = say(assistant, "宅基地能卖给城里人吗", sender)
    assert meta["outcome"] == "answered"
    for section in ("【简明回答】", "【法律依据】", "【朗读稿】", "【去哪办】"):
        assert section in text
    text, _ = say(assistant, "宅基地能卖给城里人吗", new_sender(), role="understander")
    assert "【朗读稿】" in text
    text, _ = say(assistant, "宅基地能卖给城里人吗", new_sender())
    assert "【朗读稿】" not in text and "依据：" in text


def test_handoff_asks_village_and_phone_and_stores_a_follow_up(assistant):
    sender = new_sender()
    say(assistant, "我家宅基地的事情太复杂了", sender)
    text, meta = say(assistant, "帮我找个真人问问", sender)
    assert meta["outcome"] == "handoff" and "嘎查" in text
    text, meta = say(assistant, "德岭山镇乌兰村", sender)
    assert meta["outcome"] == "handoff" and "手机号" in text
    text, meta = say(assistant, "13912345678", sender)
    assert meta["outcome"] == "handoff" and "登记好了" in text
    rows, handoffs = wait_for_rows(
        assistant.db_path, lambda r, h: any(x["village"] == "德岭山镇乌兰村" for x in h)
    )
    item = next(x for x in handoffs if x["village"] == "德岭山镇乌兰村")
    assert item["phone"] == "13912345678" and item["status"] == "new"
    assert item["question"] == "我家宅基地的事情太复杂了"
    assert all("13912345678" not in (r["text"] or "") for r in rows), "phones stay out of the message log"


def test_handoff_prefills_the_village_from_what_was_said(assistant):
    sender = new_sender()
    say(assistant, "我是川井苏木哈日嘎查的，邻居占了我家宅基地咋办", sender)
    text, meta = say(assistant, "找人", sender)
    assert meta["outcome"] == "handoff" and "川井苏木哈日嘎查" in text and "手机号" in text
    text, _ = say(assistant, "不留", sender)
    assert "登记好了" in text
    _, handoffs = wait_for_rows(
        assistant.db_path, lambda r, h: any(x["village"] == "川井苏木哈日嘎查" for x in h)
    )
    assert next(x for x in handoffs if x["village"] == "川井苏木哈日嘎查")["phone"] is None


def test_emergency_during_a_handoff_comes_first(assistant):
    sender = new_sender()
    say(assistant, "转人工", sender)
    _, meta = say(assistant, "对方还在电话上让我把钱转到安全账户 快", sender)
    assert meta["outcome"] == "emergency"
    _, meta = say(assistant, "谢谢", sender)
    assert meta["intent"] == "thanks"


def test_suggestions_accept_a_number(assistant):
    sender = new_sender()
    text, meta = say(assistant, "宅基地", sender)
    if meta["outcome"] == "answered":
        pytest.skip("the model answered outright; suggestion flow covered by action tests")
    assert meta["outcome"] == "suggested" and "您是想问" in text
    _, meta = say(assistant, "1", sender)
    assert meta["outcome"] == "answered" and meta["intent"] == "choose_option"


def test_no_row_is_lost_with_200_concurrent_messages(assistant):
    texts = [f"宅基地的问题 第{i}条" for i in range(200)]

    def send(i):
        return say(assistant, texts[i], f"load-{i % 40}")[1]

    with ThreadPoolExecutor(max_workers=20) as pool:
        metas = list(pool.map(send, range(200)))
    assert all(m is not None for m in metas)
    wanted = set(texts)

    def all_logged(rows, handoffs):
        done = [r for r in rows if r["text"] in wanted]
        return len(done) >= len(wanted) and all(r["outcome"] for r in done)

    rows, _ = wait_for_rows(assistant.db_path, all_logged, timeout=30)
    logged = [r for r in rows if r["text"] in wanted]
    missing = set(texts) - {r["text"] for r in logged}
    assert len(logged) == 200, f"not logged: {sorted(missing)}"
    assert all(r["outcome"] for r in logged)
    assert all(r["sender"] and not r["sender"].startswith("load-") for r in logged)


def test_a_question_during_the_handoff_ends_it_and_is_answered(assistant):
    sender = new_sender()
    _, meta = say(assistant, "找人", sender)
    assert meta["outcome"] == "handoff"
    _, meta = say(assistant, "先不说这个了，宅基地到底归集体还是归个人", sender)
    assert meta["outcome"] == "answered" and meta["answer_id"] == "HS01"
    _, meta = say(assistant, "你好", sender)
    assert meta["intent"] == "greet", "the hand-off form is no longer waiting for a village"
