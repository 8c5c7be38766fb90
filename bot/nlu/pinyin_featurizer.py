"""Rasa sparse featurizer: pinyin syllable n-grams of the message (see ``bot.pinyin``)."""

from __future__ import annotations

import bisect
import json
import logging
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import pinyin

logger = logging.getLogger(__name__)

ATTRIBUTES = (TEXT, RESPONSE)
VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class PinyinFeaturizer(SparseFeaturizer, GraphComponent):
    """Adds pinyin n-gram features per token (sequence) and per message (sentence)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SparseFeaturizer.get_default_config(), "max_ngram": 2, "min_count": 1}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabulary: dict[str, int] | None = None,
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PinyinFeaturizer:
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("max_ngram", 2)) < 1:
            raise ValueError("max_ngram must be at least 1")

    def _features_of(self, text: str) -> list[tuple[int, str]]:
        return pinyin.ngrams(pinyin.syllables(text), int(self._config["max_ngram"]))

    def train(self, training_data: TrainingData) -> Resource:
        counts: dict[str, int] = {}
        for example in training_data.training_examples:
            for attribute in ATTRIBUTES:
                text = example.get(attribute)
                if text:
                    for _, name in self._features_of(text):
                        counts[name] = counts.get(name, 0) + 1
        kept = sorted(n for n, c in counts.items() if c >= int(self._config["min_count"]))
        self.vocabulary = {name: i for i, name in enumerate(kept)}
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / VOCABULARY_FILE).write_text(json.dumps(kept, ensure_ascii=False))
        logger.debug("pinyin vocabulary: %d features", len(kept))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> PinyinFeaturizer:
        vocabulary = None
        try:
            with model_storage.read_from(resource) as model_dir:
                kept = json.loads((model_dir / VOCABULARY_FILE).read_text())
                vocabulary = {name: i for i, name in enumerate(kept)}
        except (ValueError, FileNotFoundError):
            logger.warning("PinyinFeaturizer: no trained vocabulary in %s", resource.name)
        return cls(config, model_storage, resource, execution_context, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            for attribute in ATTRIBUTES:
                self._featurize(example, attribute)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._featurize(message, TEXT)
        return messages

    def _featurize(self, message: Message, attribute: str) -> None:
        text = message.get(attribute)
        tokens = message.get(TOKENS_NAMES[attribute], [])
        if not text or not tokens or not self.vocabulary:
            return
        starts = [t.start for t in tokens]
        cells = set()
        for offset, name in self._features_of(text):
            column = self.vocabulary.get(name)
            if column is not None:
                # The token holding the n-gram's first character.
                row = max(0, bisect.bisect_right(starts, offset) - 1)
                cells.add((row, column))
        rows = [r for r, _ in cells]
        columns = [c for _, c in cells]
        ones = np.ones(len(cells), dtype=np.float32)
        shape = (len(tokens), len(self.vocabulary))
        sequence = scipy.sparse.coo_matrix((ones, (rows, columns)), shape=shape)
        present = sorted({c for _, c in cells})
        sentence = scipy.sparse.coo_matrix(
            (np.ones(len(present), dtype=np.float32), ([0] * len(present), present)),
            shape=(1, len(self.vocabulary)),
        )
        self.add_features_to_message(sequence, sentence, attribute, message)
