"""Rasa input channel ``web``: the chat page (``/chat``), its REST endpoint (``/chat/webhook``)
and the handbook (``/handbook``), all served by the Rasa server itself.

``url_prefix()`` is ``/``, so the routes sit at the root instead of under ``/webhooks/``.
The endpoint speaks the REST channel's format and adds, to the reply metadata of an answer,
the entry (answer, steps, citations with their text) so the page can fold the basis open.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import handbook
from bot.knowledge import legal
from bot.knowledge.loader import KnowledgeBase, load
from bot.replies import citation_texts
from bot.reply_meta import is_reply_meta

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 100
# With an answer the page shows the basis; these outcomes carry an entry.
OUTCOMES_WITH_ENTRY = ("answered", "emergency")
NO_STORE = {"Cache-Control": "no-cache"}


@lru_cache(maxsize=1)
def _knowledge() -> tuple[KnowledgeBase, legal.LegalCorpus]:
    return load(), legal.corpus()


def entry_data(entry_id: str) -> dict[str, Any] | None:
    """What the page shows of an entry besides the reply text."""
    kb, corpus = _knowledge()
    entry = kb.entries.get(entry_id)
    if entry is None:
        return None
    return {
        "id": entry.id,
        "title": entry.title,
        "answer": entry.answer,
        "next_steps": entry.next_steps,
        "where_to_go": entry.where_to_go,
        "documents": entry.documents,
        "citations": [{"label": label, "text": text} for label, text in citation_texts(entry, corpus)],
    }


class WebInput(InputChannel):
    """The web chat page and the handbook."""

    @classmethod
    def name(cls) -> str:
        return "web"

    def url_prefix(self) -> str:
        return "/"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        web = Blueprint("web_chat", __name__)

        @web.route("/chat", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            return await response.file(STATIC_DIR / "chat.html", headers=NO_STORE)

        @web.route("/chat/static/<name>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            path = STATIC_DIR / name
            if "/" in name or name.startswith(".") or path.suffix not in STATIC_TYPES or not path.is_file():
                return response.text("not found", status=404)
            return await response.file(path, mime_type=STATIC_TYPES[path.suffix], headers=NO_STORE)

        @web.route("/chat/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = json.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                return response.json({"error": "body is not JSON"}, status=400)
            sender, text = body.get("sender"), body.get("message")
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
                return response.json({"error": "sender: a string of 1-100 characters"}, status=400)
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
                return response.json(
                    {"error": f"message: a text of 1-{MAX_MESSAGE_CHARS} characters"}, status=400
                )
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
            )
            return response.json([_with_entry(m) for m in collector.messages])

        @web.route("/handbook", methods=["GET"])
        async def handbook_index(_: Request) -> HTTPResponse:
            return response.html(handbook.index_page(_knowledge()[0]))

        @web.route("/handbook/all", methods=["GET"])
        async def handbook_all(_: Request) -> HTTPResponse:
            return response.html(handbook.whole_handbook(*_knowledge()))

        @web.route("/handbook/<entry_id>", methods=["GET"])
        async def handbook_entry(_: Request, entry_id: str) -> HTTPResponse:
            kb, corpus = _knowledge()
            entry = kb.entries.get(entry_id)
            if entry is None:
                return response.html(handbook.index_page(kb), status=404)
            return response.html(handbook.entry_page(entry, corpus))

        return web


def _with_entry(message: dict[str, Any]) -> dict[str, Any]:
    meta = message.get("custom")
    if not is_reply_meta(meta) or meta.get("outcome") not in OUTCOMES_WITH_ENTRY or not meta.get("answer_id"):
        return message
    entry = entry_data(meta["answer_id"])
    return {**message, "custom": {**meta, "entry": entry}} if entry else message
