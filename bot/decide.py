"""Answer, suggest or fall back: the decision on a knowledge question, free of Rasa imports.

The intent classifier names the topic; the response selector ranks the knowledge entries with
its own confidence. We answer only when the selected entry itself is confident and clearly
ahead; when unsure between candidates we offer up to three to pick from; otherwise we say we
cannot answer.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from bot.text import without_fillers

KNOWLEDGE_INTENTS = ("ask_homestead", "ask_grassland", "ask_elder_fraud", "ask_service")
# A bare topic word ("草场", "宅基地") names a topic, not a question: offer its questions instead.
MIN_QUESTION_CHARS = 4
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Thresholds:
    """Confidence thresholds; each can be overridden by an environment variable."""

    answer: float = 0.35  # selected entry's confidence to answer outright
    margin: float = 0.1  # lead over the runner-up needed to answer outright
    suggest: float = 0.2  # best entry's confidence to offer suggestions at all
    option: float = 0.08  # confidence for a further candidate to be listed
    intent: float = 0.4  # topic intent confidence to answer outright
    max_options: int = 3

    @classmethod
    def from_env(cls) -> Thresholds:
        def get(name: str, default: float) -> float:
            return float(os.environ.get(f"ANSWER_THRESHOLD_{name.upper()}", default))

        base = cls()
        return cls(
            answer=get("answer", base.answer),
            margin=get("margin", base.margin),
            suggest=get("suggest", base.suggest),
            option=get("option", base.option),
            intent=get("intent", base.intent),
        )


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    confidence: float


@dataclass
class Decision:
    outcome: str  # answered | suggested | fallback
    answer_id: str | None = None
    confidence: float = 0.0
    options: list[str] = field(default_factory=list)


def han_chars(text: str) -> int:
    """Chinese characters in ``text``, fillers (嗯, 那个 …) not counted."""
    return len(re.findall(r"[\u4e00-\u9fff]", without_fillers(text)))


def candidates(parse_data: dict) -> list[Candidate]:
    """Knowledge entries ranked by the response selector (best first)."""
    selector = (parse_data.get("response_selector") or {}).get("default") or {}
    ranking = (selector.get("ranking")) or []
    out = []
    for item in ranking:
        key = item.get("intent_response_key") or ""
        if "/" in key:
            out.append(Candidate(key.rsplit("/", 1)[1], float(item.get("confidence") or 0.0)))
    return sorted(out, key=lambda c: c.confidence, reverse=True)


def topic_intent(parse_data: dict) -> tuple[str | None, float]:
    """The best knowledge intent and its confidence, looking past ``nlu_fallback``."""
    for item in parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]:
        if item.get("name") in KNOWLEDGE_INTENTS:
            return item["name"], float(item.get("confidence") or 0.0)
    return None, 0.0


def decide(parse_data: dict, thresholds: Thresholds | None = None) -> Decision:
    """What to do with a message classified as a knowledge question (or not understood)."""
    t = thresholds or Thresholds()
    ranked = candidates(parse_data)
    if not ranked:
        return Decision("fallback")
    intent = parse_data.get("intent") or {}
    _, topic_confidence = topic_intent(parse_data)
    top = ranked[0]
    runner_up = ranked[1].confidence if len(ranked) > 1 else 0.0
    confident = (
        han_chars(parse_data.get("text") or "") >= MIN_QUESTION_CHARS
        and intent.get("name") in KNOWLEDGE_INTENTS
        and topic_confidence >= t.intent
        and top.confidence >= t.answer
        and top.confidence - runner_up >= t.margin
    )
    if confident:
        return Decision("answered", top.entry_id, top.confidence)
    if top.confidence >= t.suggest and topic_confidence >= t.option:
        options = [c.entry_id for c in ranked[: t.max_options] if c.confidence >= t.option]
        return Decision("suggested", None, top.confidence, options or [top.entry_id])
    return Decision("fallback", None, top.confidence)
