"""Rasa components that clean a message before and after tokenising.

- ``TextCleaner`` (before the tokenizer): traditional characters to simplified, full-width
  to half-width, emoji dropped (``bot.text.clean``).
- ``FillerTokenFilter`` (after the tokenizer): voice-transcript fillers (嗯、那个、就是说)
  dropped as whole tokens, so 额 of 金额 stays.

Training examples are cleaned the same way, except where cleaning would move the character
offsets of annotated entities.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text import FILLER_TOKENS, clean


class _Stateless(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._clean(example, training=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._clean(message, training=False)
        return messages

    def _clean(self, message: Message, training: bool) -> None:
        raise NotImplementedError


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class TextCleaner(_Stateless):
    """Rewrites the message text: simplified, half-width, without emoji."""

    def _clean(self, message: Message, training: bool) -> None:
        text = message.get(TEXT)
        if not text:
            return
        cleaned = clean(text)
        if training and message.get(ENTITIES) and len(cleaned) != len(text):
            return
        if cleaned:  # a message of emoji only stays as it is (the gibberish rule declines it)
            message.set(TEXT, cleaned)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FillerTokenFilter(_Stateless):
    """Drops filler tokens (嗯、那个、就是说 …) from the message's tokens."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    def _clean(self, message: Message, training: bool) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not tokens:
            return
        kept = [t for t in tokens if t.text not in FILLER_TOKENS]
        if kept and len(kept) != len(tokens):
            message.set(TOKENS_NAMES[TEXT], kept)
