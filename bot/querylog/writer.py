"""The query log writer: turns Rasa tracker events into rows (no Rasa imports).

It runs in its own process (``run_writer``), started by ``bot.querylog.broker``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot import pii
from bot.decide import candidates
from bot.querylog.store import QueryLog, load_salt
from bot.reply_meta import is_reply_meta

logger = logging.getLogger(__name__)

STOP_TOKEN = "__stop__"
FLUSH_TOKEN = "__flush__"


class QueryLogWriter:
    """Turns tracker events into query-log rows (in the writer process)."""

    def __init__(self, log: QueryLog, salt: bytes):
        self.log = log
        self.salt = salt
        self.pending: dict[str, tuple[int, float]] = {}  # sender -> (row id, user timestamp)
        self.roles: dict[str, str] = {}

    def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "user":
            self._user(event)
        elif kind == "bot":
            self._bot(event)
        elif kind == "slot":
            self._slot(event)

    def _sender(self, event: dict[str, Any]) -> str:
        return pii.hash_sender(str(event.get("sender_id") or ""), self.salt)

    def _user(self, event: dict[str, Any]) -> None:
        sender = self._sender(event)
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        metadata = event.get("metadata") or {}
        role = metadata.get("role") if metadata.get("role") in ("villager", "understander") else None
        guesses = [{"id": c.entry_id, "confidence": round(c.confidence, 4)} for c in candidates(parse)[:3]]
        row_id = self.log.insert_message(
            {
                "channel": event.get("input_channel") or "unknown",
                "sender": sender,
                "role": role or self.roles.get(sender, "villager"),
                "text": event.get("text") or "",
                "intent": intent.get("name"),
                "intent_confidence": intent.get("confidence"),
                "guesses": json.dumps(guesses),
                "model_id": metadata.get("model_id"),
                "message_id": event.get("message_id"),
            }
        )
        self.pending[sender] = (row_id, float(event.get("timestamp") or 0.0))

    def _bot(self, event: dict[str, Any]) -> None:
        custom = (event.get("data") or {}).get("custom")
        if not is_reply_meta(custom):
            return
        sender = self._sender(event)
        pending = self.pending.pop(sender, None)
        if pending is None:
            return
        row_id, user_ts = pending
        elapsed = (float(event.get("timestamp") or 0.0) - user_ts) * 1000 if user_ts else None
        self.log.update_message(
            row_id,
            answer_id=custom["answer_id"],
            answer_confidence=custom["confidence"],
            outcome=custom["outcome"],
            response_ms=round(elapsed, 1) if elapsed is not None else None,
        )
        if custom["intent"] == "choose_option" and custom["outcome"] == "answered" and custom["answer_id"]:
            self.log.mark_picked(sender, row_id, custom["answer_id"])

    def _slot(self, event: dict[str, Any]) -> None:
        name, value = event.get("name"), event.get("value")
        sender = self._sender(event)
        if name == "role" and value in ("villager", "understander"):
            self.roles[sender] = value
        elif name == "feedback" and isinstance(value, dict) and value.get("value"):
            self.log.record_feedback(sender, value.get("answer_id"), value["value"])


def run_writer(db_path: str, salt: bytes | None, events: Any, acks: Any) -> None:
    """Write events from the ``events`` queue until STOP_TOKEN; answer flush tokens on ``acks``."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s query-log %(message)s")
    writer = None
    try:
        writer = QueryLogWriter(QueryLog(db_path), salt or load_salt())
    except Exception:  # never take the server down: log and drop events
        logger.exception("query log unavailable at %s; events will not be logged", db_path)
    while True:
        item = events.get()
        if item == STOP_TOKEN:
            break
        if isinstance(item, tuple) and item and item[0] == FLUSH_TOKEN:
            acks.put(item[1])
            continue
        if writer is None:
            continue
        try:
            writer.handle(item)
        except Exception:
            logger.exception("could not log a %s event", item.get("event"))
    if writer is not None:
        writer.log.close()
