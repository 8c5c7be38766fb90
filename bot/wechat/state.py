"""What the WeChat channel shares between processes, in one SQLite file: messages already
taken (WeChat retries), answers still to deliver, and the API access token.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# A message id seen longer ago than this cannot be a retry any more (WeChat retries within 15 s).
SEEN_KEEP_SECONDS = 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT, openid TEXT NOT NULL, text TEXT NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_openid ON pending (openid);
CREATE TABLE IF NOT EXISTS token (appid TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL);
"""


class WeChatState:
    """The shared state; every method opens its own short transaction."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Worker processes starting together race to switch the file to WAL; SQLite does not
        # wait for that lock (no busy handler for a journal-mode change), so retry briefly.
        for attempt in range(100):
            db = sqlite3.connect(self.path, timeout=30)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.05 + random.random() * 0.05)
            finally:
                db.close()

    @contextmanager
    def _connect(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def claim(self, key: str) -> bool:
        """True the first time ``key`` (a MsgId, or sender + time of an event) is seen."""
        now = time.time()
        with self._connect(immediate=True) as db:
            db.execute("DELETE FROM seen WHERE at < ?", (now - SEEN_KEEP_SECONDS,))
            return db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, now)).rowcount == 1

    def add_pending(self, openid: str, text: str) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO pending (openid, text, at) VALUES (?, ?, ?)", (openid, text, time.time()))

    def pop_pending(self, openid: str) -> list[str]:
        """Answers kept for ``openid`` (oldest first), removed from the store."""
        with self._connect(immediate=True) as db:
            rows = db.execute(
                "SELECT id, text FROM pending WHERE openid = ? ORDER BY id", (openid,)
            ).fetchall()
            db.execute("DELETE FROM pending WHERE openid = ?", (openid,))
        return [text for _, text in rows]

    def token(self, appid: str, fetch: Callable[[], tuple[str, float]], margin: float = 300) -> str:
        """The cached access token, fetched with ``fetch() -> (token, expires_in)`` when there is
        none or it expires within ``margin`` seconds. The write lock is held while fetching, so
        processes that need a token at the same time fetch it once.
        """
        with self._connect(immediate=True) as db:
            row = db.execute("SELECT token, expires_at FROM token WHERE appid = ?", (appid,)).fetchone()
            if row and row[1] - margin > time.time():
                return row[0]
            token, expires_in = fetch()
            db.execute(
                "INSERT OR REPLACE INTO token VALUES (?, ?, ?)", (appid, token, time.time() + expires_in)
            )
            return token

    def forget_token(self, appid: str, token: str) -> None:
        """Drop ``token`` (WeChat said it is invalid); a newer one fetched meanwhile stays."""
        with self._connect() as db:
            db.execute("DELETE FROM token WHERE appid = ? AND token = ?", (appid, token))
