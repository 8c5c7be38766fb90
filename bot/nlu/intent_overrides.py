"""Rules that overrule the intent classifier where a rule is more reliable than a model.

- emergency: trigger phrases of a scam in progress (``bot.emergency``), or the classifier
  giving ``emergency`` at least ``emergency_threshold`` anywhere in its ranking (recall first);
- choose_option: a bare pick from a numbered list ("2", "第二个");
- out_of_scope: nothing to understand (punctuation, emoji, key mashing, fillers only).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.choices import parse_choice
from bot.emergency import is_emergency
from bot.text import is_gibberish, normalise

OVERRIDE_KEY = "intent_override"
# The assistant itself tells people to reply "找人"; these short forms must always work.
HANDOFF_KEYWORDS = {"找人", "找人帮忙", "转人工", "人工", "真人", "找真人", "人工客服", "人工服务"}


def decide_override(
    text: str, ranking: list[dict[str, Any]], emergency_threshold: float
) -> tuple[str, str] | None:
    """The intent a rule imposes on ``text`` and the rule's name, or None."""
    if is_emergency(text):
        return "emergency", "emergency_phrases"
    for item in ranking:
        if (
            item.get(INTENT_NAME_KEY) == "emergency"
            and item.get(PREDICTED_CONFIDENCE_KEY, 0) >= emergency_threshold
        ):
            return "emergency", "emergency_classifier"
    if parse_choice(text) is not None:
        return "choose_option", "numbered_choice"
    if normalise(text).strip("。.!！?？ ") in HANDOFF_KEYWORDS:
        return "handoff", "handoff_keyword"
    if is_gibberish(text):
        return "out_of_scope", "gibberish"
    top = ranking[0].get(INTENT_NAME_KEY) if ranking else None
    if top == "choose_option":  # a pick is recognised by rule only; take the runner-up
        runner_up = next((r for r in ranking[1:]), None)
        if runner_up:
            return runner_up[INTENT_NAME_KEY], "not_a_choice"
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentOverrides(GraphComponent, IntentClassifier):
    """Applies ``decide_override`` after the intent classifier, before the FallbackClassifier."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"emergency_threshold": 0.3}

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentOverrides:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = message.data.get(INTENT_RANKING_KEY) or []
            decision = decide_override(
                message.get(TEXT) or "", ranking, float(self.component_config["emergency_threshold"])
            )
            if decision is None:
                continue
            intent, rule = decision
            confidence = 1.0
            if rule == "not_a_choice":
                confidence = next(
                    r[PREDICTED_CONFIDENCE_KEY] for r in ranking if r[INTENT_NAME_KEY] == intent
                )
            forced = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence}
            message.data[INTENT] = forced
            message.data[INTENT_RANKING_KEY] = [forced] + [
                r for r in ranking if r.get(INTENT_NAME_KEY) not in (intent, "choose_option")
            ]
            message.set(OVERRIDE_KEY, rule, add_to_output=True)
        return messages
