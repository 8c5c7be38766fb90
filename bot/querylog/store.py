"""The query log in SQLite (sqlite-utils, WAL): one row per user message, plus hand-offs.

Texts are stored masked (``bot.pii``) and senders hashed with a secret salt. ``text_seg``
holds the jieba-segmented text so that Chinese can be searched word by word (SQLite's
default tokenizer cannot split Chinese).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlite_utils

from bot import paths, pii

MESSAGES = "messages"
HANDOFFS = "handoffs"
UNANSWERED_OUTCOMES = ("fallback", "suggested")
HANDOFF_STATUSES = ("new", "contacted", "closed")

MESSAGE_COLUMNS = {
    "id": int,
    "ts": str,
    "channel": str,
    "sender": str,
    "role": str,
    "text": str,
    "text_seg": str,
    "intent": str,
    "intent_confidence": float,
    "answer_id": str,
    "answer_confidence": float,
    "outcome": str,
    "guesses": str,
    "picked": str,
    "feedback": str,
    "model_id": str,
    "response_ms": float,
    "message_id": str,
}
HANDOFF_COLUMNS = {
    "id": int,
    "ts": str,
    "channel": str,
    "sender": str,
    "role": str,
    "village": str,
    "phone": str,
    "question": str,
    "conversation": str,
    "status": str,
    "handler": str,
    "notes": str,
}

_segmenter_lock = threading.Lock()


def _check_columns(row: dict[str, Any], allowed: dict[str, type]) -> None:
    """Column names go into SQL text, so only known ones are accepted."""
    unknown = set(row) - set(allowed)
    if unknown:
        raise ValueError(f"unknown columns: {sorted(unknown)}")


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def segment(text: str) -> str:
    """Space-separated jieba words, for full-text search."""
    import jieba  # deferred: loading the dictionary takes a second

    with _segmenter_lock:
        return " ".join(w for w in jieba.cut_for_search(text) if w.strip())


def load_salt(path: Path | None = None) -> bytes:
    """The secret salt for sender hashes: ``QUERY_LOG_SALT`` or a file created once in var/."""
    value = os.environ.get("QUERY_LOG_SALT")
    if value:
        return value.encode("utf-8")
    path = path or paths.var_dir() / "querylog.salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


class QueryLog:
    """Access to the query log database; one instance per thread."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or paths.query_log_db())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        self.db = sqlite_utils.Database(conn)
        self.ensure_schema()

    def close(self) -> None:
        self.db.conn.close()

    def ensure_schema(self) -> None:
        if MESSAGES not in self.db.table_names():
            self.db[MESSAGES].create(MESSAGE_COLUMNS, pk="id")
            self.db[MESSAGES].create_index(["sender", "id"])
            self.db[MESSAGES].create_index(["outcome"])
            self.db[MESSAGES].create_index(["ts"])
            self.db[MESSAGES].enable_fts(["text_seg"], create_triggers=True, tokenize="unicode61")
        if HANDOFFS not in self.db.table_names():
            self.db[HANDOFFS].create(HANDOFF_COLUMNS, pk="id", defaults={"status": "new"})
            self.db[HANDOFFS].create_index(["status"])

    # ---------------------------------------------------------------- writing

    def insert_message(self, row: dict[str, Any]) -> int:
        """Insert one message row; ``text`` is masked and segmented here."""
        row = dict(row)
        row["text"] = pii.mask(row.get("text") or "")
        row["text_seg"] = segment(row["text"])
        row.setdefault("ts", now_iso())
        _check_columns(row, MESSAGE_COLUMNS)
        columns = list(row)
        sql = f"insert into {MESSAGES} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
        with self.db.conn:  # plain SQL: this runs for every message
            return self.db.conn.execute(sql, [row[c] for c in columns]).lastrowid

    def update_message(self, row_id: int, **fields: Any) -> None:
        if not fields:
            return
        _check_columns(fields, MESSAGE_COLUMNS)
        assignments = ", ".join(f"{column} = ?" for column in fields)
        with self.db.conn:
            self.db.conn.execute(
                f"update {MESSAGES} set {assignments} where id = ?", [*fields.values(), row_id]
            )

    def record_feedback(self, sender: str, answer_id: str | None, value: str) -> int | None:
        """Feedback on the sender's latest answer (of ``answer_id`` when given); returns its row."""
        where = "sender = ? and outcome in ('answered', 'emergency')"
        params: list[Any] = [sender]
        if answer_id:
            where += " and answer_id = ?"
            params.append(answer_id)
        rows = list(self.db[MESSAGES].rows_where(where, params, order_by="id desc", limit=1))
        if not rows:
            return None
        self.update_message(rows[0]["id"], feedback=value)
        return rows[0]["id"]

    def mark_picked(self, sender: str, before_id: int, answer_id: str) -> int | None:
        """Record which suggestion the sender picked, on their latest suggested row."""
        rows = list(
            self.db[MESSAGES].rows_where(
                "sender = ? and outcome = 'suggested' and id < ?",
                [sender, before_id],
                order_by="id desc",
                limit=1,
            )
        )
        if not rows:
            return None
        self.update_message(rows[0]["id"], picked=answer_id)
        return rows[0]["id"]

    def add_handoff(self, item: dict[str, Any]) -> int:
        """Store a follow-up item; the phone is kept here only, never in the message log."""
        item = dict(item)
        item["question"] = pii.mask(item.get("question") or "")
        conversation = [pii.mask(t) for t in item.get("conversation") or []]
        item["conversation"] = json.dumps(conversation, ensure_ascii=False)
        item.setdefault("ts", now_iso())
        item.setdefault("status", "new")
        return self.db[HANDOFFS].insert(item).last_pk

    # ---------------------------------------------------------------- reading

    def count(self, table: str = MESSAGES) -> int:
        return self.db[table].count

    def messages(self, limit: int = 100) -> list[dict]:
        return list(self.db[MESSAGES].rows_where(order_by="id desc", limit=limit))

    def messages_by_id(self, ids: Iterable[int]) -> list[dict]:
        ids = [int(i) for i in ids]
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        return list(self.db[MESSAGES].rows_where(f"id in ({marks})", ids))

    def purge(self, older_than_days: int) -> dict[str, int]:
        """Delete messages and hand-offs older than ``older_than_days``; returns the counts."""
        if older_than_days < 1:
            raise ValueError("older_than_days must be at least 1")
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=older_than_days)).isoformat(
            timespec="milliseconds"
        )
        counts = {}
        with self.db.conn:
            for table in (MESSAGES, HANDOFFS):
                counts[table] = self.db.execute(f"delete from {table} where ts < ?", [cutoff]).rowcount
        return counts

    def update_handoff(self, handoff_id: int, status: str, notes: str | None, handler: str) -> None:
        """Follow-up of a hand-off: its status, notes and who handles it."""
        if status not in HANDOFF_STATUSES:
            raise ValueError(f"status must be one of {', '.join(HANDOFF_STATUSES)}")
        if not self.db[HANDOFFS].count_where("id = ?", [handoff_id]):
            raise KeyError(f"no hand-off {handoff_id}")
        fields = {"status": status, "handler": handler}
        if notes is not None:
            fields["notes"] = notes
        self.db[HANDOFFS].update(handoff_id, fields)

    def handoffs(self, limit: int = 100) -> list[dict]:
        return list(self.db[HANDOFFS].rows_where(order_by="id desc", limit=limit))

    def unanswered(self, search: str | None = None, limit: int = 50) -> list[dict]:
        """Fallbacks, suggestions nobody picked, negative feedback; newest first."""
        where = (
            "(outcome = 'fallback' or (outcome = 'suggested' and picked is null) or feedback = 'not_useful')"
        )
        params: list[Any] = []
        if search and search.strip():
            words = [w for w in segment(search).split() if w.strip()]
            if words:
                match = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
                where += f" and id in (select rowid from {MESSAGES}_fts where {MESSAGES}_fts match ?)"
                params.append(match)
        return list(self.db[MESSAGES].rows_where(where, params, order_by="id desc", limit=limit))

    def stats(self) -> dict[str, Any]:
        """Totals by outcome, channel and answer, and feedback per answer."""

        def grouped(column: str) -> dict[str, int]:
            sql = f"select {column}, count(*) from {MESSAGES} group by {column} order by 2 desc"
            return {str(k): v for k, v in self.db.execute(sql).fetchall()}

        feedback = {}
        sql = (
            f"select answer_id, sum(feedback = 'useful'), sum(feedback = 'not_useful') from {MESSAGES} "
            "where answer_id is not null group by answer_id"
        )
        for answer_id, up, down in self.db.execute(sql).fetchall():
            feedback[answer_id] = {"useful": up or 0, "not_useful": down or 0}
        latency = self.db.execute(
            f"select avg(response_ms), max(response_ms) from {MESSAGES} where response_ms is not null"
        ).fetchone()
        return {
            "messages": self.count(),
            "handoffs": self.count(HANDOFFS),
            "by_outcome": grouped("outcome"),
            "by_channel": grouped("channel"),
            "by_answer": grouped("answer_id"),
            "feedback": feedback,
            "response_ms": {"avg": latency[0], "max": latency[1]},
        }


def rows_to_text(rows: Iterable[dict], columns: list[str]) -> str:
    """A plain table for the terminal."""
    from tabulate import tabulate

    return tabulate([[r.get(c) for c in columns] for r in rows], headers=columns)
