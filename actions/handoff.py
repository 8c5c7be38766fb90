"""Hand-off to a person: ask the village and an optional phone, store a follow-up item."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entities_of, role_of, send_meta
from bot import pii
from bot.entity_rules import village_from
from bot.querylog.store import QueryLog, load_salt

logger = logging.getLogger(__name__)

NOT_GIVEN = "未提供"
DECLINE = re.compile(r"^(不留|不用|不要|没有|没|算了|不方便|跳过|不想留|不给|不说|不知道)")
# Intents whose messages are not the question someone wants a person for.
NOT_A_QUESTION = {
    "handoff", "greet", "goodbye", "thanks", "feedback", "choose_option",
    "declare_understander", "declare_villager", "capabilities", "bot_identity",
}  # fmt: skip
MAX_VILLAGE_CHARS = 40
CONVERSATION_TURNS = 8


def user_events(tracker: Tracker) -> list[dict]:
    return [e for e in tracker.events if e.get("event") == "user"]


class ActionHandoffPrefill(Action):
    """Fill the village from places said earlier and note the question to follow up."""

    def name(self) -> str:
        return "action_handoff_prefill"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        events = user_events(tracker)
        village = None
        for event in reversed(events):
            village = village_from((event.get("parse_data") or {}).get("entities") or [])
            if village:
                break
        question = next(
            (
                e.get("text")
                for e in reversed(events[:-1])
                if ((e.get("parse_data") or {}).get("intent") or {}).get("name") not in NOT_A_QUESTION
            ),
            events[-1].get("text") if events else None,
        )
        slots = [SlotSet("handoff_question", question)]
        if village:
            slots.append(SlotSet("village", village))
        return slots


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    def validate_village(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        if value is None:
            return {"village": None}
        said = village_from(entities_of(tracker))
        if said:
            return {"village": said}
        text = " ".join(str(value or "").split())
        if DECLINE.match(text):
            return {"village": NOT_GIVEN}
        if not text or len(text) > MAX_VILLAGE_CHARS:
            dispatcher.utter_message(
                text="请简单告诉我苏木镇和嘎查（村）的名字就行，比如“新忽热苏木巴音嘎查”。"
            )
            return {"village": None}
        return {"village": pii.mask(text)}

    def validate_phone(self, value: Any, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        if value is None:
            return {"phone": None}
        text = str(value).strip()
        phone = pii.find_phone(text)
        if phone:
            return {"phone": phone}
        if DECLINE.match(text):
            return {"phone": NOT_GIVEN}
        dispatcher.utter_message(text="没看出手机号码，请发11位手机号；不想留就回复“不留”。")
        return {"phone": None}


class ActionAskVillage(Action):
    def name(self) -> str:
        return "action_ask_village"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_ask_village")
        send_meta(dispatcher, tracker, "handoff")
        return []


class ActionAskPhone(Action):
    def name(self) -> str:
        return "action_ask_phone"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        village = tracker.get_slot("village")
        if village and village != NOT_GIVEN:
            dispatcher.utter_message(text=f"记下了：{village}。")
        dispatcher.utter_message(response="utter_ask_phone")
        send_meta(dispatcher, tracker, "handoff")
        return []


def conversation_excerpt(tracker: Tracker) -> list[str]:
    """The last turns before the hand-off, as "用户：…" / "助手：…" lines."""
    lines = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append("用户：" + event["text"])
        elif event.get("event") == "bot" and event.get("text"):
            lines.append("助手：" + event["text"])
    return lines[-CONVERSATION_TURNS * 2 :]


def store_handoff(item: dict) -> int:
    log = QueryLog()
    try:
        return log.add_handoff(item)
    finally:
        log.close()


class ActionSubmitHandoff(Action):
    """Store the follow-up item for a legal understander and confirm."""

    def name(self) -> str:
        return "action_submit_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        phone = tracker.get_slot("phone")
        item = {
            "channel": tracker.get_latest_input_channel() or "unknown",
            "sender": pii.hash_sender(tracker.sender_id, load_salt()),
            "role": role_of(tracker),
            "village": tracker.get_slot("village") or NOT_GIVEN,
            "phone": phone if phone and phone != NOT_GIVEN else None,
            "question": tracker.get_slot("handoff_question") or "",
            "conversation": conversation_excerpt(tracker),
        }
        try:
            await asyncio.get_running_loop().run_in_executor(None, store_handoff, item)
            dispatcher.utter_message(response="utter_handoff_done")
        except Exception:
            logger.exception("could not store a hand-off")
            dispatcher.utter_message(response="utter_handoff_failed")
        send_meta(dispatcher, tracker, "handoff")
        return [SlotSet("phone", None), SlotSet("handoff_question", None), SlotSet("requested_slot", None)]
