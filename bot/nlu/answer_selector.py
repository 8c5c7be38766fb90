"""Rasa component: selects the knowledge entry a question asks for.

It learns from the retrieval-intent examples (``ask_homestead/HS01`` …) on the pipeline's
features (``bot.tfidf_lr``) and writes its ranking where Rasa's ResponseSelector would
(``response_selector.default``), so actions and tools read it the usual way; its confidence
is the answer's own, independent of the intent's.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sparse_features import sentence_counts
from bot.tfidf_lr import TfidfLogisticRegression

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KnowledgeAnswerSelector(GraphComponent, IntentClassifier):
    """Ranks knowledge entries with their own probabilities."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"c": 10.0, "ranking_length": 10}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: TfidfLogisticRegression | None = None,
        responses: dict[str, list[dict[str, Any]]] | None = None,
        keys: dict[str, str] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.responses = responses or {}
        self.keys = keys or {}  # entry id -> intent_response_key

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnowledgeAnswerSelector:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples, labels = [], []
        for example in training_data.intent_examples:
            key = example.get(INTENT_RESPONSE_KEY)
            if key and "/" in key and example.get(TEXT):
                entry_id = key.split("/", 1)[1]
                self.keys[entry_id] = key
                examples.append(example)
                labels.append(entry_id)
        self.model = TfidfLogisticRegression(float(self._config["c"])).fit(sentence_counts(examples), labels)
        self.responses = {
            k: v for k, v in training_data.responses.items() if k.startswith("utter_") and "/" in k
        }
        with self._model_storage.write_to(self._resource) as model_dir:
            self.model.save(model_dir)
            (model_dir / "responses.json").write_text(
                json.dumps({"responses": self.responses, "keys": self.keys}, ensure_ascii=False)
            )
        logger.info("answer selector trained on %d questions of %d entries", len(examples), len(set(labels)))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> KnowledgeAnswerSelector:
        try:
            with model_storage.read_from(resource) as model_dir:
                model = TfidfLogisticRegression.load(model_dir)
                stored = json.loads((model_dir / "responses.json").read_text())
        except (ValueError, FileNotFoundError):
            logger.warning("KnowledgeAnswerSelector: no trained model in %s", resource.name)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, stored["responses"], stored["keys"])

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return messages
        rankings = self.model.rank(sentence_counts(with_text, len(self.model.idf), cache=True))
        for message, ranked in zip(with_text, rankings, strict=True):
            ranked = ranked[: int(self._config["ranking_length"])]
            ranking = [
                {"id": i, PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: self.keys.get(e, e)}
                for i, (e, p) in enumerate(ranked)
            ]
            top_key = ranking[0][INTENT_RESPONSE_KEY]
            utter = f"utter_{top_key}"
            prediction = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(utter, []),
                    PREDICTED_CONFIDENCE_KEY: ranking[0][PREDICTED_CONFIDENCE_KEY],
                    INTENT_RESPONSE_KEY: top_key,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter,
                },
                RESPONSE_SELECTOR_RANKING_KEY: ranking,
            }
            retrieval_intents = sorted({k.split("/", 1)[0] for k in self.keys.values()})
            message.set(
                RESPONSE_SELECTOR_PROPERTY_NAME,
                {
                    RESPONSE_SELECTOR_RETRIEVAL_INTENTS: retrieval_intents,
                    RESPONSE_SELECTOR_DEFAULT_INTENT: prediction,
                },
                add_to_output=True,
            )
        return messages
