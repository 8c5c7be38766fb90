"""Near-duplicate questions grouped together, by a similarity that works for Chinese:
jieba words and character bigrams (Dice coefficient, which is kinder than Jaccard to a short
and a long wording of the same question), single pass, the group's first text as leader.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import jieba

# Two questions this similar (Dice of their word and bigram sets) are the same question.
SIMILARITY = 0.4
_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def features(text: str) -> frozenset[str]:
    """Words (jieba) and character bigrams of the text, punctuation dropped."""
    core = "".join(_KEEP.findall(text)).lower()
    words = {f"w:{w}" for w in jieba.cut(core) if w.strip()}
    bigrams = {f"c:{core[i : i + 2]}" for i in range(len(core) - 1)} or {f"c:{core}"}
    return frozenset(words | bigrams)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


@dataclass
class Group:
    """Near-duplicate logged messages: the leader's text, the members, what the assistant guessed."""

    leader: dict[str, Any]
    members: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def first_seen(self) -> str:
        return min(m["ts"] for m in self.members)

    @property
    def last_seen(self) -> str:
        return max(m["ts"] for m in self.members)

    @property
    def ids(self) -> list[int]:
        return [m["id"] for m in self.members]

    def guesses(self, top: int = 3) -> list[tuple[str, int]]:
        """The entries the assistant answered or offered for these messages, most frequent first."""
        counts: Counter[str] = Counter()
        for m in self.members:
            if m.get("answer_id"):
                counts[m["answer_id"]] += 1
            for guess in json.loads(m.get("guesses") or "[]"):
                entry = guess.get("id") if isinstance(guess, dict) else guess
                if entry:
                    counts[str(entry)] += 1
        return counts.most_common(top)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.leader["text"],
            "count": self.count,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "guesses": [g for g, _ in self.guesses()],
            "message_ids": self.ids,
            "texts": [m["text"] for m in self.members],
        }


def group_messages(rows: list[dict[str, Any]], threshold: float = SIMILARITY) -> list[Group]:
    """Rows of the query log grouped by text similarity; biggest groups first, then newest."""
    groups: list[tuple[frozenset[str], Group]] = []
    for row in sorted(rows, key=lambda r: r["id"]):
        feats = features(row.get("text") or "")
        best, best_score = None, threshold
        for leader_feats, group in groups:
            score = similarity(feats, leader_feats)
            if score >= best_score:
                best, best_score = group, score
        if best is None:
            groups.append((feats, Group(leader=row, members=[row])))
        else:
            best.members.append(row)
    return sorted((g for _, g in groups), key=lambda g: (g.count, g.last_seen), reverse=True)
