"""Output channels other than REST drop the reply-metadata message (see ``bot.reply_meta``)."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.reply_meta import is_reply_meta


class DropReplyMeta(OutputChannel):
    """Wraps an output channel; passes every message on except the reply metadata."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner

    def name(self) -> str:  # the wrapped channel's name, so logs and trackers are unchanged
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        if is_reply_meta(message.get("custom")):
            return
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)
