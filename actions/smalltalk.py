"""Greetings, thanks, goodbyes, what the assistant can do, who it is; the asker's role."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet

from actions.common import knowledge, latest_intent, send_meta
from bot.replies import UNDERSTANDER, VILLAGER, topic_menu

RESPONSES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thanks": "utter_thanks",
    "bot_identity": "utter_bot_identity",
    "capabilities": "utter_capabilities",
}


class ActionSmalltalk(Action):
    def name(self) -> str:
        return "action_smalltalk"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        intent, _ = latest_intent(tracker)
        events: list[dict[str, Any]] = []
        if intent == "capabilities":
            menu, options = topic_menu(knowledge())
            dispatcher.utter_message(response="utter_capabilities", menu=menu)
            events.append(SlotSet("pending_options", options))
        else:
            dispatcher.utter_message(response=RESPONSES.get(intent or "", "utter_greet"))
        send_meta(dispatcher, tracker, "smalltalk")
        return events


class ActionSetRole(Action):
    """Saying "我是法律明白人" switches to the scripted replies; "我是村民" switches back."""

    def name(self) -> str:
        return "action_set_role"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        intent, _ = latest_intent(tracker)
        role = UNDERSTANDER if intent == "declare_understander" else VILLAGER
        dispatcher.utter_message(response=f"utter_role_{role}")
        send_meta(dispatcher, tracker, "smalltalk")
        return [SlotSet("role", role)]
