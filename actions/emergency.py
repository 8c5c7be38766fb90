"""A scam in progress or money just lost: EF07's steps as the very first reply."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet

from actions.common import entities_of, knowledge, send_meta
from bot.entity_rules import amount_from
from bot.replies import emergency_reply

EMERGENCY_ENTRY = "EF07"


class ActionEmergency(Action):
    def name(self) -> str:
        return "action_emergency"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        entry = knowledge().entries[EMERGENCY_ENTRY]
        dispatcher.utter_message(text=emergency_reply(entry, amount_from(entities_of(tracker))))
        send_meta(dispatcher, tracker, "emergency", EMERGENCY_ENTRY)
        return [SlotSet("last_answer_id", EMERGENCY_ENTRY), SlotSet("pending_options", [])]
