"""What the TF-IDF logistic-regression components share: config, training, persistence, ranking."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.focus import tail_start
from bot.nlu.sparse_features import sentence_counts, tail_counts
from bot.tfidf_lr import TfidfLogisticRegression

logger = logging.getLogger(__name__)

EXTRA_FILE = "extra.json"


class TfidfComponent(GraphComponent, IntentClassifier):
    """Base: learns labels of messages from their sentence features; subclasses say which labels."""

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
        extra: dict[str, Any] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.extra: dict[str, Any] = extra or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TfidfComponent:
        return cls(config, model_storage, resource)

    def fit(self, examples: list[Message], labels: list[str]) -> Resource:
        """Train on ``examples`` labelled ``labels`` and persist the model and ``self.extra``."""
        self.model = TfidfLogisticRegression(float(self._config["c"])).fit(sentence_counts(examples), labels)
        with self._model_storage.write_to(self._resource) as model_dir:
            self.model.save(model_dir)
            (model_dir / EXTRA_FILE).write_text(json.dumps(self.extra, ensure_ascii=False))
        logger.info(
            "%s trained on %d examples of %d labels", type(self).__name__, len(examples), len(set(labels))
        )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfComponent:
        try:
            with model_storage.read_from(resource) as model_dir:
                model = TfidfLogisticRegression.load(model_dir)
                extra = json.loads((model_dir / EXTRA_FILE).read_text())
        except (ValueError, FileNotFoundError):
            logger.warning("%s: no trained model in %s", cls.__name__, resource.name)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model, extra)

    def _with_tail(self, message: Message, ranked: list[tuple[str, float]], width: int):
        """A long message is read twice: whole, and by its last clauses (people tell the story
        first and ask at the end); the surer reading wins. Averaging the two was worse: where
        the story carries the topic, a vague last clause ("咋办？") dragged the answer down.
        """
        start = tail_start(message.get(TEXT))
        tail = tail_counts(message, start, width) if start else None
        if tail is None or self.model is None:
            return ranked
        tail_ranked = self.model.rank(tail)[0]
        return tail_ranked if tail_ranked[0][1] > ranked[0][1] else ranked

    def rankings(
        self, messages: list[Message], length: int | None = -1
    ) -> list[tuple[Message, list[tuple[str, float]]]]:
        """Messages with text, each with its labels ranked (at most ``length``; -1: the
        configured ``ranking_length``; None: all).
        """
        with_text = [m for m in messages if m.get(TEXT)]
        if self.model is None or not with_text:
            return []
        width = len(self.model.idf)
        ranked = self.model.rank(sentence_counts(with_text, width, cache=True))
        ranked = [self._with_tail(m, r, width) for m, r in zip(with_text, ranked, strict=True)]
        if length == -1:
            length = int(self._config["ranking_length"])
        return [(m, r[:length]) for m, r in zip(with_text, ranked, strict=True)]
