"""Review actions on logged questions, shared by the CLI (and the console): each writes what
it means for training, records who and when, and can be undone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.querylog.store import QueryLog
from bot.review import to_knowledge
from bot.review.grouping import Group, group_messages
from bot.review.store import ReviewStore


class Review:
    def __init__(
        self, log: QueryLog, store: ReviewStore, knowledge_dir: Path | None = None, root: Path | None = None
    ):
        self.log, self.store = log, store
        self.knowledge_dir, self.root = knowledge_dir, root

    def inbox(self, search: str | None = None, limit: int = 2000) -> list[Group]:
        """Unanswered questions not yet reviewed, grouped by similarity."""
        done = self.store.reviewed_message_ids()
        rows = [r for r in self.log.unanswered(search, limit=limit) if r["id"] not in done]
        return group_messages(rows)

    def act(
        self,
        who: str,
        kind: str,
        message_ids: list[int],
        entry_id: str | None = None,
        text: str | None = None,
    ) -> dict[str, Any]:
        """``assign`` (to ``entry_id``), ``out_of_scope``, ``new_entry`` or ``spam`` for the
        messages; ``text`` is the reviewer's edit of the question (default: the first message's)."""
        if not message_ids:
            raise ValueError("no messages given")
        rows = {r["id"]: r for r in self.log.messages_by_id(message_ids)}
        missing = sorted(set(message_ids) - set(rows))
        if missing:
            raise ValueError(f"no logged messages {missing}")
        question = text if text is not None else rows[message_ids[0]]["text"]
        if kind == "assign":
            if not entry_id:
                raise ValueError("assign needs an entry id")
            question = to_knowledge.add_to_entry(entry_id, question, self.knowledge_dir)
        elif kind == "out_of_scope":
            question = to_knowledge.add_out_of_scope(question, self.root)
        else:
            question = to_knowledge.clean_question(question)
        action_id = self.store.record(who, kind, message_ids, entry_id, question)
        return self.store.action(action_id)

    def undo(self, who: str, action_id: int) -> dict[str, Any]:
        action = self.store.action(action_id)
        if action["undone_at"]:
            raise ValueError(f"action {action_id} is already undone")
        if action["kind"] == "assign":
            to_knowledge.remove_from_entry(action["entry_id"], action["text"], self.knowledge_dir)
        elif action["kind"] == "out_of_scope":
            to_knowledge.remove_out_of_scope(action["text"], self.root)
        self.store.mark_undone(action_id, who)
        return self.store.action(action_id)
