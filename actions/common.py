"""Helpers shared by the actions: the knowledge base, the asker's role, the reply metadata."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import legal
from bot.knowledge.loader import KnowledgeBase, load
from bot.replies import ROLES, VILLAGER
from bot.reply_meta import reply_meta

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def knowledge() -> KnowledgeBase:
    """The knowledge base, loaded on first use."""
    kb = load()
    for problem in kb.problems:
        logger.error("knowledge base: %s", problem)
    return kb


def corpus() -> legal.LegalCorpus:
    return legal.corpus()


def role_of(tracker: Tracker) -> str:
    """``villager`` or ``understander``: the channel's metadata wins over the role slot."""
    metadata = tracker.latest_message.get("metadata") or {}
    if metadata.get("role") in ROLES:
        return metadata["role"]
    slot = tracker.get_slot("role")
    return slot if slot in ROLES else VILLAGER


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def send_meta(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    outcome: str,
    answer_id: str | None = None,
    confidence: float | None = None,
) -> None:
    """The one metadata message of this user message (see ``bot.reply_meta``)."""
    intent, intent_confidence = latest_intent(tracker)
    value = intent_confidence if confidence is None else confidence
    dispatcher.utter_message(json_message=reply_meta(answer_id, outcome, intent, value))


def entities_of(tracker: Tracker) -> list[dict[str, Any]]:
    return list(tracker.latest_message.get("entities") or [])
