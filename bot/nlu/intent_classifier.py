"""Rasa intent classifier: TF-IDF-weighted pipeline features + logistic regression.

Measured on this data (README, "Choosing the classifiers"): as accurate as DIET or better on
unseen questions, and it trains in seconds instead of minutes on the 2-core machine.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sparse_features import sentence_counts
from bot.tfidf_lr import TfidfLogisticRegression

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(GraphComponent, IntentClassifier):
    """Classifies intents (retrieval intents count as their base intent)."""

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
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TfidfIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get("text") and e.get(INTENT)]
        labels = [e.get(INTENT) for e in examples]
        self.model = TfidfLogisticRegression(float(self._config["c"])).fit(sentence_counts(examples), labels)
        with self._model_storage.write_to(self._resource) as model_dir:
            self.model.save(model_dir)
        logger.info("intent classifier trained on %d examples of %d intents", len(examples), len(set(labels)))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfIntentClassifier:
        try:
            with model_storage.read_from(resource) as model_dir:
                return cls(config, model_storage, resource, TfidfLogisticRegression.load(model_dir))
        except (ValueError, FileNotFoundError):
            logger.warning("TfidfIntentClassifier: no trained model in %s", resource.name)
            return cls(config, model_storage, resource)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        with_text = [m for m in messages if m.get("text")]
        if not with_text:
            return messages
        rankings = self.model.rank(sentence_counts(with_text, len(self.model.idf), cache=True))
        for message, ranked in zip(with_text, rankings, strict=True):
            ranking = [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: p} for n, p in ranked]
            ranking = ranking[: int(self._config["ranking_length"])]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
