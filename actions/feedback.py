"""Feedback on the last answer ("有用" / "没用")."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker

from actions.answer import record_feedback
from bot.feedback import polarity


class ActionRecordFeedback(Action):
    def name(self) -> str:
        return "action_record_feedback"

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        return record_feedback(dispatcher, tracker, polarity(tracker.latest_message.get("text") or ""))
