"""Rasa entity extractor running the spaCy rules of ``bot.entity_rules``."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import entity_rules

logger = logging.getLogger(__name__)

PLACES_FILE = "places.json"
PLACE_CATEGORIES = ("towns", "sumu", "regions")


def _places_from_lexicon(path: Path) -> list[str]:
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [name for category in PLACE_CATEGORIES for name in lexicon.get(category) or []]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class SpacyRuleEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts place, village, amount and elapsed_time entities by rules."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"lexicon": "knowledge/lexicon.yml"}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the lexicon changes (Rasa only fingerprints config and data)."""
        path = Path(config.get("lexicon") or cls.get_default_config()["lexicon"])
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        places: list[str] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.places = places or []
        self._nlp = entity_rules.build_nlp(self.places)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyRuleEntityExtractor:
        return cls(config, model_storage, resource, _places_from_lexicon(Path(config["lexicon"])))

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / PLACES_FILE).write_text(json.dumps(self.places, ensure_ascii=False))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SpacyRuleEntityExtractor:
        places: list[str] = []
        try:
            with model_storage.read_from(resource) as model_dir:
                places = json.loads((model_dir / PLACES_FILE).read_text())
        except (ValueError, FileNotFoundError):
            logger.warning("SpacyRuleEntityExtractor: no places in %s", resource.name)
        return cls(config, model_storage, resource, places)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = entity_rules.extract(self._nlp, text)
            for entity in found:
                entity["confidence_entity"] = 1.0
            found = self.add_extractor_name(found)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
