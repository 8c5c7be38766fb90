"""A Rasa event broker that writes the query log.

Why an event broker: Rasa streams every tracker event of every channel to it (the way Rasa X
consumed conversations), so logging needs no change to channels or actions and sees messages
that no action handled. ``publish`` only puts the event on a queue; a writer process
(``bot.querylog.writer``) owns the SQLite connection, so a slow disk or a logging error never
delays or breaks a reply, the Rasa server's CPU stays for replies, and the events of a
conversation are applied in order.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import time
import uuid
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot import paths
from bot.querylog.writer import FLUSH_TOKEN, STOP_TOKEN, run_writer

logger = logging.getLogger(__name__)

MAX_QUEUE = 100_000


class QueryLogBroker(EventBroker):
    """Event broker handing events to a writer process (the Rasa server keeps its CPU)."""

    def __init__(self, db_path: str | None = None, salt: bytes | None = None):
        self.db_path = db_path or str(paths.query_log_db())
        self._salt = salt
        # spawn, not fork: the Rasa server holds TensorFlow and threads.
        self._context = multiprocessing.get_context("spawn")
        self._events = self._context.Queue(maxsize=MAX_QUEUE)
        self._acks = self._context.Queue()
        self._process = self._start()
        self._checked = time.monotonic()

    def _start(self) -> Any:
        process = self._context.Process(
            target=run_writer,
            args=(self.db_path, self._salt, self._events, self._acks),
            name="query-log-writer",
            daemon=True,
        )
        process.start()
        return process

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> QueryLogBroker:
        # QUERY_LOG_DB wins over endpoints.yml so tests and benchmarks can use their own file.
        db = os.environ.get("QUERY_LOG_DB") or broker_config.kwargs.get("db")
        return cls(db_path=db)

    def publish(self, event: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self._checked > 1.0:  # is_alive() is a system call: not for every event
            self._checked = now
            if not self._process.is_alive():
                logger.error("query log writer stopped (exit code %s); restarting it", self._process.exitcode)
                self._process = self._start()
        try:
            self._events.put_nowait(event)
        except queue.Full:
            logger.error("query log queue full; dropping a %s event", event.get("event"))

    def is_ready(self) -> bool:
        return self._process.is_alive()

    async def close(self) -> None:
        self._events.put(STOP_TOKEN)
        await asyncio.get_running_loop().run_in_executor(None, self._process.join, 10)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event published so far is written (for tests); False on timeout."""
        token = uuid.uuid4().hex
        self._events.put((FLUSH_TOKEN, token))
        try:
            while self._acks.get(timeout=timeout) != token:
                pass
        except queue.Empty:
            return False
        return True
