"""Rasa component: selects the knowledge entry a question asks for.

It learns from the retrieval-intent examples (``ask_homestead/HS01`` …) on the pipeline's
features (``bot.tfidf_lr``) and writes its ranking where Rasa's ResponseSelector would
(``response_selector.default``), so actions and tools read it the usual way.

Its confidence combines the topic classifier that ran before it with its own model:
p(entry) = p_intent(topic) · p_answer(entry | topic). With some fifty entries the answer model
alone spreads its probability thin; within the topic it is sharp, and the topic classifier
keeps it low for messages that are no knowledge question at all.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.tfidf_component import TfidfComponent

# Weight of a topic the intent ranking leaves out (it is truncated to its best labels).
UNRANKED_TOPIC = 1e-3


def weigh_by_topic(
    ranked: list[tuple[str, float]], keys: dict[str, str], intent_ranking: list[dict]
) -> list[tuple[str, float]]:
    """p(entry) = p(topic) · p_answer(entry | topic): the topic classifier says how likely the
    message asks about the entry's topic at all (chit-chat and out-of-scope take their share),
    the answer model which entry within the topic. Unchanged without an intent ranking.
    """
    topics = {i.get(INTENT_NAME_KEY): float(i.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for i in intent_ranking}
    if not topics:
        return ranked

    def topic_of(entry_id: str) -> str:
        return keys.get(entry_id, "").split("/", 1)[0]

    mass: dict[str, float] = {}
    for entry_id, p in ranked:
        mass[topic_of(entry_id)] = mass.get(topic_of(entry_id), 0.0) + p
    weighed = [
        (e, topics.get(topic_of(e), UNRANKED_TOPIC) * p / mass[topic_of(e)] if mass[topic_of(e)] else 0.0)
        for e, p in ranked
    ]
    return sorted(weighed, key=lambda item: -item[1])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KnowledgeAnswerSelector(TfidfComponent):
    """Ranks knowledge entries with their own probabilities."""

    def train(self, training_data: TrainingData) -> Resource:
        examples, labels, keys = [], [], {}
        for example in training_data.intent_examples:
            key = example.get(INTENT_RESPONSE_KEY)
            if key and "/" in key and example.get(TEXT):
                entry_id = key.split("/", 1)[1]
                keys[entry_id] = key  # entry id -> intent_response_key
                examples.append(example)
                labels.append(entry_id)
        responses = {k: v for k, v in training_data.responses.items() if k.startswith("utter_") and "/" in k}
        self.extra = {"keys": keys, "responses": responses}
        return self.fit(examples, labels)

    def process(self, messages: list[Message]) -> list[Message]:
        keys = self.extra.get("keys", {})
        responses = self.extra.get("responses", {})
        retrieval_intents = sorted({k.split("/", 1)[0] for k in keys.values()})
        length = int(self._config["ranking_length"])
        for message, ranked in self.rankings(messages, length=None):
            ranked = weigh_by_topic(ranked, keys, message.get(INTENT_RANKING_KEY) or [])[:length]
            ranking = [
                {"id": i, PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: keys.get(e, e)}
                for i, (e, p) in enumerate(ranked)
            ]
            top_key = ranking[0][INTENT_RESPONSE_KEY]
            utter = f"utter_{top_key}"
            prediction = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: responses.get(utter, []),
                    PREDICTED_CONFIDENCE_KEY: ranking[0][PREDICTED_CONFIDENCE_KEY],
                    INTENT_RESPONSE_KEY: top_key,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter,
                },
                RESPONSE_SELECTOR_RANKING_KEY: ranking,
            }
            message.set(
                RESPONSE_SELECTOR_PROPERTY_NAME,
                {
                    RESPONSE_SELECTOR_RETRIEVAL_INTENTS: retrieval_intents,
                    RESPONSE_SELECTOR_DEFAULT_INTENT: prediction,
                },
                add_to_output=True,
            )
        return messages
