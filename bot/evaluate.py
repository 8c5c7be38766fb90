"""Ask the running assistant the dev questions and score the replies.

The dev questions (../shared/dev-questions.yml) are never trained on; they show how the
assistant does on questions it has not seen.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import paths

EMERGENCY = "EMERGENCY"
OOS = "OOS"


@dataclass
class Result:
    text: str
    expect: str
    meta: dict | None

    @property
    def kind(self) -> str:
        if self.expect == EMERGENCY:
            return "emergency"
        if self.expect == OOS:
            return "oos"
        return "in_scope" if self.expect[:2] in ("HS", "GL", "EF", "SV") else "behaviour"

    @property
    def got(self) -> str:
        m = self.meta or {}
        if self.kind == "in_scope":
            return str(m.get("answer_id") or m.get("outcome"))
        if self.kind == "behaviour":
            return str(m.get("intent"))
        return str(m.get("outcome"))

    @property
    def ok(self) -> bool:
        m = self.meta or {}
        if self.kind == "in_scope":
            return m.get("answer_id") == self.expect
        if self.kind == "emergency":
            return m.get("outcome") == "emergency"
        if self.kind == "oos":
            return m.get("outcome") == "fallback"
        return m.get("intent") == self.expect


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def rate(self, kind: str) -> float:
        items = [r for r in self.results if r.kind == kind]
        return sum(r.ok for r in items) / len(items) if items else 1.0

    def count(self, kind: str) -> int:
        return sum(r.kind == kind for r in self.results)

    def confusions(self) -> Counter:
        return Counter((r.expect, r.got) for r in self.results if not r.ok)

    def table(self) -> str:
        lines = [f"{'kind':<10} {'items':>5} {'right':>7}"]
        for kind in ("in_scope", "emergency", "oos", "behaviour"):
            lines.append(f"{kind:<10} {self.count(kind):>5} {self.rate(kind):>7.1%}")
        wrong = [r for r in self.results if not r.ok]
        if wrong:
            lines.append("\nconfusions (expected -> got: count):")
            for (expect, got), n in self.confusions().most_common():
                lines.append(f"  {expect:>9} -> {got:<12} {n}")
            lines.append("\nmisses:")
            for r in wrong:
                m = r.meta or {}
                lines.append(
                    f"  [{r.expect}->{r.got} {m.get('outcome')} {m.get('intent')} "
                    f"{m.get('confidence')}] {r.text}"
                )
        return "\n".join(lines)


def load_items(path: Path | None = None, in_scope_ids: set[str] | None = None) -> list[dict]:
    """Dev items: all EMERGENCY, OOS and behaviour items, and in-scope items of ``in_scope_ids``."""
    items = yaml.safe_load((path or paths.dev_questions_file()).read_text(encoding="utf-8")) or []
    out = []
    for item in items:
        expect = str(item["expect"])
        is_entry = expect[:2] in ("HS", "GL", "EF", "SV") and expect[2:].isdigit()
        if is_entry and in_scope_ids is not None and expect not in in_scope_ids:
            continue
        out.append({"text": str(item["text"]), "expect": expect})
    return out


def run(ask: Callable[[str, str], dict | None], items: list[dict], workers: int = 4) -> Report:
    """Ask each item in a fresh conversation; ``ask(text, sender)`` returns the reply metadata."""

    def one(item: dict) -> Result:
        return Result(item["text"], item["expect"], ask(item["text"], f"dev-{uuid.uuid4().hex[:12]}"))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return Report(list(pool.map(one, items)))


def main() -> int:
    """``python -m bot eval``: start the assistant on spare ports and print the table."""
    from bot.launcher import Assistant, meta_of

    items = load_items()
    env = {"QUERY_LOG_DB": str(paths.var_dir() / "eval-querylog.db")}
    with Assistant(
        rasa_port=15105, action_port=15155, log_dir=paths.var_dir() / "logs", env=env
    ) as assistant:
        report = run(lambda text, sender: meta_of(assistant.ask(text, sender)), items)
    print(report.table())
    return 0
