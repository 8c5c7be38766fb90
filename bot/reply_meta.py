"""The reply metadata contract: one message per user message with ``custom`` =
``{"answer_id", "outcome", "intent", "confidence"}``. The REST channel returns it; other
channels drop it (``is_reply_meta``).
"""

from __future__ import annotations

from typing import Any

OUTCOMES = ("answered", "suggested", "fallback", "emergency", "handoff", "smalltalk")
KEYS = ("answer_id", "outcome", "intent", "confidence")


def reply_meta(answer_id: str | None, outcome: str, intent: str | None, confidence: float) -> dict:
    """The ``custom`` payload of the metadata message."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    return {
        "answer_id": answer_id,
        "outcome": outcome,
        "intent": intent,
        "confidence": round(float(confidence), 4),
    }


def is_reply_meta(custom: Any) -> bool:
    """True for the metadata payload (channels other than REST drop such messages)."""
    return isinstance(custom, dict) and set(custom) == set(KEYS) and custom.get("outcome") in OUTCOMES
