"""Actions run on tracker fixtures: what they say, the metadata, the events they return."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerQuestion, ActionChooseOption, ActionFallback, ActionOutOfScope
from actions.emergency import ActionEmergency
from actions.feedback import ActionRecordFeedback
from actions.handoff import ActionAskPhone, ActionHandoffPrefill, ActionSubmitHandoff, ValidateHandoffForm
from actions.smalltalk import ActionSetRole, ActionSmalltalk
from bot import paths
from bot.querylog.store import QueryLog
from bot.reply_meta import is_reply_meta


def ranking(*pairs):
    return {"default": {"ranking": [{"intent_response_key": f"x/{i}", "confidence": c} for i, c in pairs]}}


def tracker(
    text="",
    intent="ask_homestead",
    confidence=0.95,
    slots=None,
    answers=None,
    entities=None,
    events=None,
    metadata=None,
):
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": entities or [],
        "metadata": metadata or {},
    }
    if answers:
        latest["response_selector"] = ranking(*answers)
    user = {"event": "user", "text": text, "parse_data": latest}
    return Tracker(
        "sender-1",
        {"role": "villager", **(slots or {})},
        latest,
        (events or []) + [user],
        False,
        None,
        {},
        "action_listen",
    )


def run(action, track):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, {}))
    metas = [m["custom"] for m in dispatcher.messages if is_reply_meta(m.get("custom"))]
    assert len(metas) == 1, f"exactly one metadata message, got {metas}"
    return dispatcher.messages, metas[0], events


def texts(messages):
    return "\n".join(m["text"] for m in messages if m.get("text"))


def responses(messages):
    return [m.get("response") for m in messages if m.get("response")]


def test_confident_question_gets_the_villager_answer(kb):
    messages, meta, events = run(
        ActionAnswerQuestion(), tracker("宅基地归谁", answers=[("HS01", 0.9), ("HS02", 0.05)])
    )
    assert meta == {"answer_id": "HS01", "outcome": "answered", "intent": "ask_homestead", "confidence": 0.9}
    assert kb.entries["HS01"].answer in texts(messages) and "依据：" in texts(messages)
    assert "utter_feedback_prompt" in responses(messages)
    assert SlotSet("last_answer_id", "HS01") in events


def test_understander_role_gets_the_script(kb):
    for track in (
        tracker("宅基地归谁", answers=[("HS01", 0.9)], slots={"role": "understander"}),
        tracker("宅基地归谁", answers=[("HS01", 0.9)], metadata={"role": "understander"}),
    ):
        messages, meta, _ = run(ActionAnswerQuestion(), track)
        script = kb.entries["HS01"].script
        assert "【朗读稿】" in texts(messages) and script.explain in texts(messages)
        assert f"【问一句】{script.ask_back}" in texts(messages)


def test_unsure_question_offers_numbered_candidates(kb):
    messages, meta, events = run(
        ActionAnswerQuestion(), tracker("房子的事", answers=[("HS02", 0.3), ("HS03", 0.25), ("HS04", 0.2)])
    )
    assert meta["outcome"] == "suggested" and meta["answer_id"] is None
    suggestion = next(m for m in messages if m.get("response") == "utter_suggest")
    assert suggestion["options"].splitlines()[0] == "1. " + kb.entries["HS02"].title
    assert SlotSet("pending_options", ["HS02", "HS03", "HS04"]) in events


def test_picking_a_number_answers_that_entry():
    track = tracker("2", intent="choose_option", confidence=1.0, slots={"pending_options": ["HS02", "HS03"]})
    _, meta, _ = run(ActionChooseOption(), track)
    assert meta == {"answer_id": "HS03", "outcome": "answered", "intent": "choose_option", "confidence": 1.0}


def test_picking_a_topic_lists_its_questions(kb):
    track = tracker(
        "1", intent="choose_option", confidence=1.0, slots={"pending_options": ["topic:homestead"]}
    )
    messages, meta, events = run(ActionChooseOption(), track)
    assert meta["outcome"] == "smalltalk" and "宅基地方面可以问" in texts(messages)
    homestead = [e.id for e in kb if e.topic == "homestead"]
    assert SlotSet("pending_options", homestead) in events


def test_number_out_of_range_or_without_a_list():
    _, meta, _ = run(
        ActionChooseOption(), tracker("5", intent="choose_option", slots={"pending_options": ["HS01"]})
    )
    assert meta["outcome"] == "fallback"
    messages, meta, _ = run(
        ActionChooseOption(), tracker("5", intent="choose_option", slots={"pending_options": []})
    )
    assert meta["outcome"] == "fallback" and "utter_out_of_scope" in responses(messages)


def test_feedback_by_number_and_by_words():
    track = tracker(
        "1",
        intent="choose_option",
        slots={"pending_options": ["feedback:useful", "feedback:not_useful"], "last_answer_id": "HS01"},
    )
    messages, meta, events = run(ActionChooseOption(), track)
    assert (
        meta["answer_id"] == "HS01"
        and SlotSet("feedback", {"answer_id": "HS01", "value": "useful"}) in events
    )
    messages, meta, events = run(
        ActionRecordFeedback(), tracker("没用，答非所问", intent="feedback", slots={"last_answer_id": "HS01"})
    )
    assert "utter_feedback_not_useful" in responses(messages)
    assert SlotSet("feedback", {"answer_id": "HS01", "value": "not_useful"}) in events


def test_out_of_scope_declines_with_menu_and_handoff_offer():
    messages, meta, events = run(ActionOutOfScope(), tracker("离婚孩子归谁", intent="out_of_scope"))
    assert meta["outcome"] == "fallback" and meta["intent"] == "out_of_scope"
    decline = next(m for m in messages if m.get("response") == "utter_out_of_scope")
    assert decline["menu"].startswith("1. 宅基地")
    assert (
        SlotSet(
            "pending_options", ["topic:homestead", "topic:grassland", "topic:elder_fraud", "topic:service"]
        )
        in events
    )


def test_domain_out_of_scope_text_offers_a_person():
    domain = yaml.safe_load((paths.ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert "找人" in domain["responses"]["utter_out_of_scope"][0]["text"]


def test_nlu_fallback_suggests_when_an_entry_is_plausible():
    track = tracker(
        "草场那个事", intent="nlu_fallback", confidence=0.4, answers=[("GL02", 0.5), ("GL01", 0.45)]
    )
    track.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "ask_grassland", "confidence": 0.35},
    ]
    _, meta, _ = run(ActionFallback(), track)
    assert meta["outcome"] == "suggested"


def test_emergency_repeats_the_amount_and_carries_ef07(kb):
    entities = [{"entity": "amount", "value": "两万块", "start": 5, "end": 8}]
    messages, meta, _ = run(
        ActionEmergency(), tracker("刚被骗了两万块", intent="emergency", confidence=1.0, entities=entities)
    )
    assert meta == {"answer_id": "EF07", "outcome": "emergency", "intent": "emergency", "confidence": 1.0}
    first = messages[0]["text"]
    assert "两万块" in first.splitlines()[0] and kb.entries["EF07"].answer in first


@pytest.mark.parametrize("intent", ["greet", "goodbye", "thanks", "bot_identity", "capabilities"])
def test_smalltalk(intent):
    messages, meta, _ = run(ActionSmalltalk(), tracker("x", intent=intent))
    assert meta["outcome"] == "smalltalk" and meta["intent"] == intent
    assert f"utter_{intent}" in responses(messages)


def test_role_switch():
    _, meta, events = run(ActionSetRole(), tracker("我是法律明白人", intent="declare_understander"))
    assert SlotSet("role", "understander") in events and meta["outcome"] == "smalltalk"
    _, _, events = run(ActionSetRole(), tracker("我是村民", intent="declare_villager"))
    assert SlotSet("role", "villager") in events


def test_handoff_prefill_takes_the_village_and_the_question():
    earlier = {
        "event": "user",
        "text": "我是川井苏木哈日嘎查的，宅基地边界吵起来了",
        "parse_data": {
            "intent": {"name": "ask_homestead"},
            "entities": [
                {"entity": "place", "value": "川井苏木", "start": 2, "end": 6},
                {"entity": "village", "value": "哈日嘎查", "start": 6, "end": 10},
            ],
        },
    }
    events = asyncio.run(
        ActionHandoffPrefill().run(
            CollectingDispatcher(), tracker("找人", intent="handoff", events=[earlier]), {}
        )
    )
    assert SlotSet("village", "川井苏木哈日嘎查") in events
    assert SlotSet("handoff_question", earlier["text"]) in events


def test_handoff_validation():
    form = ValidateHandoffForm()
    dispatcher = CollectingDispatcher()
    track = tracker("德岭山镇乌兰村", intent="nlu_fallback")
    assert form.validate_village("德岭山镇乌兰村", dispatcher, track, {}) == {"village": "德岭山镇乌兰村"}
    assert form.validate_phone("我的电话 139 1234 5678", dispatcher, track, {}) == {"phone": "13912345678"}
    assert form.validate_phone("不留了", dispatcher, track, {}) == {"phone": "未提供"}
    assert form.validate_phone("嗯", dispatcher, track, {}) == {"phone": None}
    assert dispatcher.messages, "an unclear phone answer is asked again"


def test_ask_phone_repeats_the_village():
    messages, meta, _ = run(
        ActionAskPhone(),
        tracker("德岭山镇乌兰村", intent="nlu_fallback", slots={"village": "德岭山镇乌兰村"}),
    )
    assert meta["outcome"] == "handoff" and "德岭山镇乌兰村" in texts(messages)


def test_submit_handoff_stores_a_follow_up_item(tmp_path, monkeypatch):
    monkeypatch.setenv("QUERY_LOG_DB", str(tmp_path / "log.db"))
    monkeypatch.setenv("QUERY_LOG_SALT", "s")
    slots = {
        "village": "德岭山镇乌兰村",
        "phone": "13912345678",
        "handoff_question": "宅基地被占了我电话13912345678",
    }
    messages, meta, events = run(
        ActionSubmitHandoff(), tracker("13912345678", intent="out_of_scope", slots=slots)
    )
    assert meta["outcome"] == "handoff" and "utter_handoff_done" in responses(messages)
    item = QueryLog(tmp_path / "log.db").handoffs()[0]
    assert (item["village"], item["phone"], item["status"]) == ("德岭山镇乌兰村", "13912345678", "new")
    assert "13912345678" not in item["question"]
    assert SlotSet("phone", None) in events


def test_submit_handoff_says_so_when_it_cannot_store(monkeypatch):
    monkeypatch.setattr(
        "actions.handoff.store_handoff", lambda item: (_ for _ in ()).throw(OSError("disk full"))
    )
    messages, meta, _ = run(
        ActionSubmitHandoff(), tracker("不留", intent="out_of_scope", slots={"village": "x"})
    )
    assert "utter_handoff_failed" in responses(messages) and meta["outcome"] == "handoff"


def test_every_response_an_action_names_is_in_the_domain():
    import re

    domain = yaml.safe_load((paths.ROOT / "domain.yml").read_text(encoding="utf-8"))
    used = set()
    for path in (paths.ROOT / "actions").glob("*.py"):
        used |= set(re.findall(r'"(utter_[a-z_]+)"', path.read_text(encoding="utf-8")))
    used |= {"utter_role_villager", "utter_role_understander"}
    missing = {r for r in used if r not in domain["responses"]}
    assert not missing, missing
