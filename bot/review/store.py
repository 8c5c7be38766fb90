"""The review's own records (var/review.db): staff accounts and every review action, with who
and when, so each can be undone. Passwords are hashed with scrypt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

import sqlite_utils

from bot import paths

ROLES = ("trainer", "understander")
# What a reviewer can do with a logged question (or a group of them).
ACTIONS = ("assign", "out_of_scope", "new_entry", "spam")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hash_password(password, bytes.fromhex(salt)).split("$")[2]
    return hmac.compare_digest(candidate, digest)


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class ReviewStore:
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or os.environ.get("REVIEW_DB") or paths.var_dir() / "review.db")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db["users"].create(
            {"name": str, "role": str, "password": str, "created": str}, pk="name", if_not_exists=True
        )
        self.db["actions"].create(
            {
                "id": int,
                "ts": str,
                "who": str,
                "kind": str,
                "message_ids": str,
                "entry_id": str,
                "text": str,
                "undone_at": str,
                "undone_by": str,
            },
            pk="id",
            if_not_exists=True,
        )

    def close(self) -> None:
        self.db.conn.close()

    # -- accounts -----------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not name.strip() or len(password) < 8:
            raise ValueError("a name and a password of at least 8 characters are needed")
        self.db["users"].upsert(
            {"name": name.strip(), "role": role, "password": hash_password(password), "created": now_iso()},
            pk="name",
        )

    def check_login(self, name: str, password: str) -> str | None:
        """The user's role when the password is right, else None."""
        rows = list(self.db["users"].rows_where("name = ?", [name]))
        if not rows or not verify_password(password, rows[0]["password"]):
            return None
        return rows[0]["role"]

    # -- actions ------------------------------------------------------------------------------

    def record(self, who: str, kind: str, message_ids: list[int], entry_id: str | None, text: str) -> int:
        if kind not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        row = {
            "ts": now_iso(),
            "who": who,
            "kind": kind,
            "message_ids": json.dumps(sorted(message_ids)),
            "entry_id": entry_id,
            "text": text,
            "undone_at": None,
            "undone_by": None,
        }
        return self.db["actions"].insert(row).last_pk

    def action(self, action_id: int) -> dict[str, Any]:
        return self.db["actions"].get(action_id)

    def mark_undone(self, action_id: int, who: str) -> None:
        self.db["actions"].update(action_id, {"undone_at": now_iso(), "undone_by": who})

    def actions(self, limit: int = 200) -> list[dict[str, Any]]:
        return list(self.db["actions"].rows_where(order_by="id desc", limit=limit))

    def reviewed_message_ids(self) -> set[int]:
        """Messages already dealt with by an action that is not undone."""
        ids: set[int] = set()
        for row in self.db["actions"].rows_where("undone_at is null"):
            ids.update(json.loads(row["message_ids"]))
        return ids

    def backlog(self) -> list[dict[str, Any]]:
        """ "Needs a new entry": topics with counts and example texts, for the content writers."""
        rows = self.db["actions"].rows_where("kind = 'new_entry' and undone_at is null", order_by="id")
        return [
            {
                "id": r["id"],
                "ts": r["ts"],
                "who": r["who"],
                "text": r["text"],
                "count": len(json.loads(r["message_ids"])),
            }
            for r in rows
        ]
