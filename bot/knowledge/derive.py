"""Files derived from ``knowledge/``: Rasa training data and responses, the jieba dictionary.

They are committed (Rasa and reviewers read them) and rebuilt by ``python -m bot kb build``;
a test fails when they drift from the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot import paths
from bot.knowledge.loader import TOPIC_INTENTS, KnowledgeBase, load, load_lexicon, response_key
from bot.places import place_aliases

HEADER = "# Generated from knowledge/ by `python -m bot kb build`. Do not edit by hand.\n"

# jieba part-of-speech tags for the lexicon categories (ns: place, n: noun).
LEXICON_TAGS = {"towns": "ns", "sumu": "ns", "regions": "ns"}
LEXICON_SKIP = {"village_suffixes"}


def _yaml_str(text: str) -> str:
    """A double-quoted YAML scalar."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render_nlu(kb: KnowledgeBase) -> str:
    """Retrieval-intent examples and responses for every entry."""
    lines = [HEADER, 'version: "3.1"', "", "nlu:"]
    for intent in TOPIC_INTENTS.values():
        entries = [e for e in kb if TOPIC_INTENTS[e.topic] == intent]
        for entry in entries:
            lines.append(f"- intent: {response_key(entry)}")
            lines.append("  examples: |")
            for question in entry.questions.all():
                lines.append(f"    - {' '.join(question.split())}")
    lines += ["", "responses:"]
    for entry in kb:
        lines.append(f"  utter_{response_key(entry)}:")
        lines.append(f"  - text: {_yaml_str(entry.answer)}")
    return "\n".join(lines) + "\n"


def render_jieba_dict(lexicon: dict[str, list[str]]) -> str:
    """jieba user dictionary: one ``word tag`` per line (no frequency: jieba keeps the word whole)."""
    seen: set[str] = set()
    lines = []
    for category, words in lexicon.items():
        if category in LEXICON_SKIP:
            continue
        tag = LEXICON_TAGS.get(category, "n")
        if tag == "ns":  # places are also written without 镇 / 苏木 (海流图, 川井)
            words = list(place_aliases(words))
        for word in words:
            if word not in seen:
                seen.add(word)
                lines.append(f"{word} {tag}")
    return "\n".join(lines) + "\n"


@dataclass
class Derived:
    path: Path
    content: str


def derived_files(knowledge_dir: Path | None = None) -> list[Derived]:
    """What every derived file should contain, given the knowledge base."""
    kb = load(knowledge_dir)
    return [
        Derived(paths.derived_nlu_file(), render_nlu(kb)),
        Derived(paths.jieba_dict_file(), render_jieba_dict(load_lexicon(knowledge_dir))),
    ]


def build(knowledge_dir: Path | None = None) -> list[Path]:
    """Write the derived files that changed; returns those written."""
    written = []
    for derived in derived_files(knowledge_dir):
        current = derived.path.read_text(encoding="utf-8") if derived.path.exists() else None
        if current != derived.content:
            derived.path.parent.mkdir(parents=True, exist_ok=True)
            derived.path.write_text(derived.content, encoding="utf-8")
            written.append(derived.path)
    return written


def stale(knowledge_dir: Path | None = None) -> list[Path]:
    """Derived files whose content differs from what the knowledge base gives."""
    out = []
    for derived in derived_files(knowledge_dir):
        current = derived.path.read_text(encoding="utf-8") if derived.path.exists() else None
        if current != derived.content:
            out.append(derived.path)
    return out
