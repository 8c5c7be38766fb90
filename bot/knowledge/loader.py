"""Load the knowledge base from ``knowledge/`` without any Rasa dependency."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot import paths
from bot.knowledge.schema import Entry

ENTRIES_SUBDIR = "entries"
LEXICON_FILE = "lexicon.yml"

# Each topic is one retrieval intent; its entries are the responses the selector chooses from.
TOPIC_INTENTS = {
    "homestead": "ask_homestead",
    "grassland": "ask_grassland",
    "elder_fraud": "ask_elder_fraud",
    "service": "ask_service",
}
TOPIC_LABELS = {
    "homestead": "宅基地",
    "grassland": "草场",
    "elder_fraud": "防范养老诈骗",
    "service": "法律服务与求助",
}


@dataclass
class Problem:
    """One finding of the knowledge check, printed as ``file: path: message``."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


@dataclass
class KnowledgeBase:
    """Entries by id, plus the file each came from and the problems met while loading."""

    entries: dict[str, Entry] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def __iter__(self):
        return iter(sorted(self.entries.values(), key=lambda e: e.id))

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)


def response_key(entry: Entry) -> str:
    """The retrieval intent key of an entry, e.g. ``ask_homestead/HS01``."""
    return f"{TOPIC_INTENTS[entry.topic]}/{entry.id}"


def _error_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "."


def load_entry_file(path: Path, display: str) -> tuple[Entry | None, list[Problem]]:
    """Parse and validate one entry file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return None, [Problem(display, ".", f"cannot read YAML: {exc}".replace("\n", " "))]
    if not isinstance(raw, dict):
        return None, [Problem(display, ".", "an entry file holds one mapping")]
    try:
        return Entry.parse_obj(raw), []
    except ValidationError as exc:
        return None, [Problem(display, _error_path(e["loc"]), e["msg"]) for e in exc.errors()]


def load(knowledge_dir: Path | None = None) -> KnowledgeBase:
    """Load every ``knowledge/entries/*.yml``; problems are collected, never raised."""
    root = knowledge_dir or paths.knowledge_dir()
    kb = KnowledgeBase()
    for path in sorted((root / ENTRIES_SUBDIR).glob("*.yml")):
        display = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
        entry, problems = load_entry_file(path, display)
        kb.problems.extend(problems)
        if entry is None:
            continue
        if entry.id in kb.entries:
            first = kb.files[entry.id]
            kb.problems.append(Problem(display, "id", f"{entry.id} already defined in {first}"))
            continue
        if path.stem != entry.id:
            kb.problems.append(Problem(display, "id", f"file name must be {entry.id}.yml"))
        kb.entries[entry.id] = entry
        kb.files[entry.id] = Path(display)
    return kb


def load_lexicon(knowledge_dir: Path | None = None) -> dict[str, list[str]]:
    """The curated lexicon: ``{category: [word, ...]}`` (places, terms, typos …)."""
    root = knowledge_dir or paths.knowledge_dir()
    data = yaml.safe_load((root / LEXICON_FILE).read_text(encoding="utf-8")) or {}
    return {str(k): [str(w) for w in (v or [])] for k, v in data.items()}
