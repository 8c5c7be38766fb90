"""Answering knowledge questions, offering suggestions, picking from numbered lists."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import corpus, knowledge, role_of, send_meta
from bot.choices import parse_choice
from bot.decide import Thresholds, decide
from bot.feedback import NOT_USEFUL, USEFUL
from bot.replies import (
    FEEDBACK_OPTIONS,
    TOPIC_OPTION_PREFIX,
    answer_text,
    suggestion_list,
    topic_entries,
    topic_menu,
)


def give_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, entry_id: str, confidence: float
) -> list[dict[str, Any]]:
    """Send the entry in the asker's role, ask for feedback, remember what was answered."""
    entry = knowledge().entries[entry_id]
    dispatcher.utter_message(text=answer_text(entry, role_of(tracker), corpus()))
    dispatcher.utter_message(response="utter_feedback_prompt")
    send_meta(dispatcher, tracker, "answered", entry_id, confidence)
    return [SlotSet("last_answer_id", entry_id), SlotSet("pending_options", FEEDBACK_OPTIONS)]


def decline(dispatcher: CollectingDispatcher, tracker: Tracker, outcome: str) -> list[dict[str, Any]]:
    """Say honestly we cannot answer, show the topic menu, offer a person."""
    menu, options = topic_menu(knowledge())
    dispatcher.utter_message(response="utter_out_of_scope", menu=menu)
    send_meta(dispatcher, tracker, outcome)
    return [SlotSet("pending_options", options)]


def suggest(
    dispatcher: CollectingDispatcher, tracker: Tracker, options: list[str], confidence: float
) -> list[dict[str, Any]]:
    dispatcher.utter_message(response="utter_suggest", options=suggestion_list(knowledge(), options))
    send_meta(dispatcher, tracker, "suggested", None, confidence)
    return [SlotSet("pending_options", options)]


def answer_or_suggest(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    decision = decide(tracker.latest_message, Thresholds.from_env())
    known = [i for i in decision.options if i in knowledge().entries]
    if decision.outcome == "answered" and decision.answer_id in knowledge().entries:
        return give_answer(dispatcher, tracker, decision.answer_id, decision.confidence)
    if decision.outcome == "suggested" and known:
        return suggest(dispatcher, tracker, known, decision.confidence)
    return decline(dispatcher, tracker, "fallback")


class ActionAnswerQuestion(Action):
    """A knowledge question: answer, suggest candidates, or decline."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        return answer_or_suggest(dispatcher, tracker)


class ActionFallback(Action):
    """Not understood with confidence: suggest when a knowledge entry is plausible, else decline."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        return answer_or_suggest(dispatcher, tracker)


class ActionOutOfScope(Action):
    """Outside what the assistant answers: say so, show the menu, offer a person."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        return decline(dispatcher, tracker, "fallback")


class ActionChooseOption(Action):
    """A number picks from the list the assistant showed last (topics, suggestions, feedback)."""

    def name(self) -> str:
        return "action_choose_option"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        options = tracker.get_slot("pending_options") or []
        number = parse_choice(tracker.latest_message.get("text") or "")
        if not number or number > len(options):
            if not options:
                return decline(dispatcher, tracker, "fallback")
            dispatcher.utter_message(response="utter_choice_invalid")
            send_meta(dispatcher, tracker, "fallback")
            return []
        picked = options[number - 1]
        if picked.startswith(TOPIC_OPTION_PREFIX):
            text, entry_ids = topic_entries(knowledge(), picked[len(TOPIC_OPTION_PREFIX) :])
            dispatcher.utter_message(text=text)
            send_meta(dispatcher, tracker, "smalltalk")
            return [SlotSet("pending_options", entry_ids)]
        if picked in FEEDBACK_OPTIONS:
            value = USEFUL if picked == FEEDBACK_OPTIONS[0] else NOT_USEFUL
            return record_feedback(dispatcher, tracker, value)
        if picked in knowledge().entries:
            return give_answer(dispatcher, tracker, picked, 1.0)
        return decline(dispatcher, tracker, "fallback")


def record_feedback(
    dispatcher: CollectingDispatcher, tracker: Tracker, value: str | None
) -> list[dict[str, Any]]:
    """Thank the asker and record the feedback against the last answer (the broker logs it)."""
    answer_id = tracker.get_slot("last_answer_id")
    response = {USEFUL: "utter_feedback_useful", NOT_USEFUL: "utter_feedback_not_useful"}
    dispatcher.utter_message(response=response.get(value, "utter_feedback_unclear"))
    send_meta(dispatcher, tracker, "smalltalk", answer_id)
    events: list[dict[str, Any]] = [SlotSet("pending_options", [])]
    if value and answer_id:
        events.append(SlotSet("feedback", {"answer_id": answer_id, "value": value}))
    return events
