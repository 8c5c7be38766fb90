"""A Rasa event broker that writes the query log.

Why an event broker: Rasa streams every tracker event of every channel to it (the way Rasa X
consumed conversations), so logging needs no change to channels or actions and sees messages
that no action handled. ``publish`` only puts the event on a queue; one writer thread owns the
SQLite connection, so a slow disk or a logging error never delays or breaks a reply, and
events of a conversation are applied in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot import paths, pii
from bot.decide import candidates
from bot.querylog.store import QueryLog, load_salt
from bot.reply_meta import is_reply_meta

logger = logging.getLogger(__name__)

_STOP = object()
MAX_QUEUE = 100_000


class QueryLogWriter:
    """Turns tracker events into query-log rows (runs in the writer thread; no Rasa imports)."""

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


class QueryLogBroker(EventBroker):
    """Event broker writing to the SQLite query log from a background thread."""

    def __init__(self, db_path: str | None = None, salt: bytes | None = None):
        self.db_path = db_path or str(paths.query_log_db())
        self._salt = salt
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=MAX_QUEUE)
        self._thread = threading.Thread(target=self._run, name="query-log-writer", daemon=True)
        self._ready = threading.Event()
        self._thread.start()

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> QueryLogBroker:
        # QUERY_LOG_DB wins over endpoints.yml so tests and benchmarks can use their own file.
        import os

        db = os.environ.get("QUERY_LOG_DB") or broker_config.kwargs.get("db")
        return cls(db_path=db)

    def publish(self, event: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            logger.error("query log queue full; dropping a %s event", event.get("event"))

    def is_ready(self) -> bool:
        return self._ready.is_set()

    async def close(self) -> None:
        self._queue.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 10)

    def flush(self, timeout: float = 10.0) -> None:
        """Block until every event published so far is written (for tests)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def _run(self) -> None:
        writer = None
        try:
            writer = QueryLogWriter(QueryLog(self.db_path), self._salt or load_salt())
        except Exception:  # never take the server down: log and drop events
            logger.exception("query log unavailable at %s; events will not be logged", self.db_path)
        self._ready.set()
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            if isinstance(item, threading.Event):
                item.set()
                continue
            if writer is None:
                continue
            try:
                writer.handle(item)
            except Exception:
                logger.exception("could not log a %s event", item.get("event"))
        if writer is not None:
            writer.log.close()
