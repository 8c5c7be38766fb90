"""Reviewed questions into training data: a logged question assigned to an entry becomes one of
its ``questions.from_log`` (PII masked); one marked out of scope becomes an out_of_scope
example. The YAML is edited round-trip (ruamel), so everything else in the file stays as written.
"""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML

from bot import paths, pii

OUT_OF_SCOPE_FILE = "data/nlu/from_log_out_of_scope.yml"
_HEADER = (
    "# Out-of-scope examples added by trainers from the query log (python -m bot review, or\n"
    "# the review console). PII is masked.\n"
)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _entry_file(entry_id: str, knowledge_dir: Path | None) -> Path:
    path = (knowledge_dir or paths.knowledge_dir()) / "entries" / f"{entry_id}.yml"
    if not path.is_file():
        raise ValueError(f"no knowledge entry {entry_id}")
    return path


def clean_question(text: str) -> str:
    """The text as a training question: PII masked, one line, not empty."""
    cleaned = " ".join(pii.mask(text).split())
    if not cleaned:
        raise ValueError("empty question")
    return cleaned


def add_to_entry(entry_id: str, text: str, knowledge_dir: Path | None = None) -> str:
    """Append ``text`` (masked) to the entry's ``questions.from_log``; returns what was written."""
    question = clean_question(text)
    path = _entry_file(entry_id, knowledge_dir)
    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    log = data["questions"].setdefault("from_log", [])
    if question not in log:
        log.append(question)
        _write(yaml, data, path)
    return question


def remove_from_entry(entry_id: str, question: str, knowledge_dir: Path | None = None) -> bool:
    """Undo ``add_to_entry``; True when the question was there."""
    path = _entry_file(entry_id, knowledge_dir)
    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    log = data["questions"].get("from_log") or []
    if question not in log:
        return False
    log.remove(question)
    if not log:
        del data["questions"]["from_log"]
    _write(yaml, data, path)
    return True


def _out_of_scope_path(root: Path | None) -> Path:
    return (root or paths.ROOT) / OUT_OF_SCOPE_FILE


def _read_out_of_scope(path: Path) -> list[str]:
    if not path.is_file():
        return []
    data = _yaml().load(path.read_text(encoding="utf-8")) or {}
    for block in data.get("nlu") or []:
        if block.get("intent") == "out_of_scope":
            return [
                line[2:].strip()
                for line in str(block.get("examples", "")).splitlines()
                if line.startswith("- ")
            ]
    return []


def _write_out_of_scope(path: Path, examples: list[str]) -> None:
    if not examples:  # an intent block without examples is invalid training data
        path.unlink(missing_ok=True)
        return
    lines = [_HEADER + 'version: "3.1"', "nlu:", "- intent: out_of_scope", "  examples: |"]
    lines += [f"    - {e}" for e in examples]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_out_of_scope(text: str, root: Path | None = None) -> str:
    question = clean_question(text)
    path = _out_of_scope_path(root)
    examples = _read_out_of_scope(path)
    if question not in examples:
        _write_out_of_scope(path, [*examples, question])
    return question


def remove_out_of_scope(question: str, root: Path | None = None) -> bool:
    path = _out_of_scope_path(root)
    examples = _read_out_of_scope(path)
    if question not in examples:
        return False
    _write_out_of_scope(path, [e for e in examples if e != question])
    return True


def _write(yaml: YAML, data, path: Path) -> None:
    out = io.StringIO()
    yaml.dump(data, out)
    path.write_text(out.getvalue(), encoding="utf-8")
