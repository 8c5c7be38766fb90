"""Rasa input channel for the Banner's WeChat Official Account (公众号): ``/webhooks/wechat/webhook``.

The protocol is wechatpy's (signature, parsing, replies, AES); the XML is read through
``bot.wechat.xml_guard`` first. WeChat waits 5 seconds for a reply and retries three times:
a message is taken once (``WeChatState.claim``), answered in the reply when the answer is
ready within ``reply_timeout``, else by the customer-service API, else on the user's next
message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

from bot import paths
from bot.channels.output import DropReplyMeta
from bot.pii import hash_sender
from bot.querylog.store import load_salt
from bot.wechat.api import DEFAULT_API_BASE, CustomerServiceApi
from bot.wechat.split import split_message
from bot.wechat.state import WeChatState
from bot.wechat.xml_guard import BadXml, read_fields

logger = logging.getLogger(__name__)

MODES = ("plain", "compatible", "safe")
# WeChat gives up after 5 s; leave room for the network.
DEFAULT_REPLY_TIMEOUT = 4.5

EMPTY_VOICE = "抱歉，这段语音没听清楚。请您再说一遍，或者直接打字问我。"
UNSUPPORTED = "抱歉，我只能看懂文字和语音。请把您的问题打字发给我，或者按住说话发语音。"
WELCOME = "您好，欢迎关注明白人助手！"
KEPT_NOTE = "（这是您上一个问题的回答，刚才没能及时发给您）"
# Sent to the assistant for a new follower: its reply is the numbered topic menu.
SUBSCRIBE_INTENT = "/capabilities"


@dataclass(frozen=True)
class WeChatConfig:
    token: str
    appid: str = ""
    secret: str = ""
    aes_key: str = ""
    api_base: str = DEFAULT_API_BASE
    mode: str = "plain"
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any]) -> WeChatConfig:
        def get(key: str) -> str:
            value = credentials.get(key)
            return "" if value is None else str(value).strip()

        token = get("token")
        if not token:
            raise ValueError("the wechat channel needs a token (WECHAT_TOKEN)")
        aes_key = get("aes_key")
        mode = get("mode") or ("safe" if aes_key else "plain")
        if mode not in MODES:
            raise ValueError(f"wechat mode must be one of {', '.join(MODES)}, got {mode!r}")
        if mode != "plain" and len(aes_key) != 43:
            raise ValueError(
                "compatible and safe modes need the 43-character EncodingAESKey (WECHAT_AES_KEY)"
            )
        if mode != "plain" and not get("appid"):
            raise ValueError("compatible and safe modes need the AppID (WECHAT_APPID)")
        return cls(
            token=token,
            appid=get("appid"),
            secret=get("secret"),
            aes_key=aes_key,
            api_base=get("api_base") or DEFAULT_API_BASE,
            mode=mode,
            reply_timeout=float(get("reply_timeout") or DEFAULT_REPLY_TIMEOUT),
        )


def message_key(message: Any) -> str:
    """What identifies a message across WeChat's retries: MsgId, or sender + time for events."""
    if getattr(message, "id", 0):
        return f"msg:{message.id}"
    return f"event:{message.source}:{message.create_time.timestamp():.0f}:{getattr(message, 'event', '')}"


class WeChatInput(InputChannel):
    """WeChat Official Account messages in, plain-text replies out."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        return cls(WeChatConfig.from_credentials(credentials or {}))

    def __init__(self, config: WeChatConfig, state: WeChatState | None = None) -> None:
        self.config = config
        self.state = state or WeChatState(os.environ.get("WECHAT_STATE_DB") or paths.var_dir() / "wechat.db")
        self.api = CustomerServiceApi(config.appid, config.secret, self.state, config.api_base)
        self.crypto = (
            WeChatCrypto(config.token, config.aes_key, config.appid) if config.mode != "plain" else None
        )
        self._salt: bytes | None = None
        # Answers still being worked out, kept referenced until delivered.
        self._background: set[asyncio.Task] = set()

    def _who(self, openid: str) -> str:
        """The sender as it may appear in logs: hashed like in the query log."""
        if self._salt is None:
            self._salt = load_salt()
        return hash_sender(openid, self._salt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("wechat_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self._signed(request):
                return response.text("invalid signature", status=403)
            return response.text(request.args.get("echostr", ""))

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._signed(request):
                logger.warning("wechat: request with a bad or missing signature refused")
                return response.text("invalid signature", status=403)
            try:
                message, encrypted = self._read(request)
            except BadXml as exc:
                logger.warning("wechat: body refused (%s): %s", exc.status, exc)
                return response.text(str(exc), status=exc.status)
            except (InvalidSignatureException, InvalidAppIdException) as exc:
                logger.warning("wechat: encrypted body refused: %s", type(exc).__name__)
                return response.text("invalid message signature", status=403)
            text = await self._answer(message, on_new_message)
            if not text:
                return response.text("success")
            return response.text(
                self._render(text, message, encrypted, request), content_type="application/xml"
            )

        return hook

    # -- protocol -----------------------------------------------------------------------

    def _signed(self, request: Request) -> bool:
        args = request.args
        try:
            check_signature(
                self.config.token, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", "")
            )
        except InvalidSignatureException:
            return False
        return True

    def _read(self, request: Request) -> tuple[Any, bool]:
        """The parsed message and whether it came encrypted (BadXml for anything else)."""
        fields = read_fields(request.body)
        encrypted = request.args.get("encrypt_type") == "aes" and "Encrypt" in fields
        try:
            if encrypted and self.crypto is not None:
                args = request.args
                xml = self.crypto.decrypt_message(
                    request.body.decode("utf-8"),
                    args.get("msg_signature", ""),
                    args.get("timestamp", ""),
                    args.get("nonce", ""),
                )
                fields = read_fields(xml)
            elif self.config.mode == "safe":
                raise BadXml("this account is in safe mode: messages must be encrypted")
            else:
                xml = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadXml("body is not UTF-8") from exc
        if not fields.get("MsgType") or not fields.get("FromUserName"):
            raise BadXml("no MsgType or FromUserName: not a WeChat message")
        if not fields.get("CreateTime", "").strip().isdigit():
            raise BadXml("CreateTime is not a number: not a WeChat message")
        try:
            message = parse_message(xml)
        except Exception as exc:  # noqa: BLE001 - wechatpy raises what its converters raise
            raise BadXml(f"not a WeChat message: {type(exc).__name__}") from exc
        return message, encrypted and self.crypto is not None

    def _render(self, text: str, message: Any, encrypted: bool, request: Request) -> str:
        xml = create_reply(text, message).render()
        if encrypted and self.crypto is not None:
            return self.crypto.encrypt_message(xml, request.args.get("nonce", ""), str(int(time.time())))
        return xml

    # -- conversation -------------------------------------------------------------------

    async def _answer(
        self, message: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> str | None:
        """The text of the passive reply, or None for "success" (nothing, or later)."""
        openid = message.source
        if message.type == "event":
            if message.event == "subscribe":
                text, prefix = SUBSCRIBE_INTENT, WELCOME + "\n"
            else:  # unsubscribe, menu clicks, scans …: nothing to say
                return None
        elif message.type == "text":
            text, prefix = (message.content or "").strip(), ""
        elif message.type == "voice":
            text, prefix = (message.recognition or "").strip(), ""
            if not text:
                return EMPTY_VOICE if self.state.claim(message_key(message)) else None
        else:
            return UNSUPPORTED if self.state.claim(message_key(message)) else None
        if not text or not self.state.claim(message_key(message)):
            return None  # a retry of a message already taken: answered once, by the first
        kept = self.state.pop_pending(openid)
        if kept:
            prefix = "\n\n".join(f"{KEPT_NOTE}\n{k}" for k in kept) + "\n\n——\n" + prefix
        task = asyncio.ensure_future(self._ask_assistant(openid, text, message.type, on_new_message))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.config.reply_timeout)
        except asyncio.CancelledError:  # WeChat hung up first: its retry finds the message taken
            self._answer_later(task, openid, prefix)
            raise
        if task in done:
            parts = split_message(prefix + task.result())
            if len(parts) > 1:
                self._deliver_later(openid, parts[1:])
            return parts[0]
        self._answer_later(task, openid, prefix)
        return None

    def _answer_later(self, task: asyncio.Task, openid: str, prefix: str) -> None:
        logger.info("wechat: answer for %s not ready in time, it goes by the API", self._who(openid))
        self._background.add(task)
        task.add_done_callback(lambda t: self._on_late_answer(t, openid, prefix))

    async def _ask_assistant(
        self, openid: str, text: str, kind: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> str:
        collector = CollectingOutputChannel()
        await on_new_message(
            UserMessage(
                text,
                DropReplyMeta(collector),
                sender_id=openid,
                input_channel=self.name(),
                metadata={"wechat_type": kind},
            )
        )
        return "\n\n".join(m["text"] for m in collector.messages if m.get("text"))

    def _on_late_answer(self, task: asyncio.Task, openid: str, prefix: str) -> None:
        self._background.discard(task)
        if task.cancelled() or task.exception() is not None:
            logger.error("wechat: the assistant failed on a message of %s", self._who(openid))
            return
        self._deliver_later(openid, split_message(prefix + task.result()))

    def _deliver_later(self, openid: str, parts: list[str]) -> None:
        task = asyncio.ensure_future(self._send_by_api(openid, parts))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_by_api(self, openid: str, parts: list[str]) -> None:
        """Customer-service messages; what cannot be sent is kept for the user's next message."""
        loop = asyncio.get_running_loop()
        for i, part in enumerate(parts):
            try:
                await loop.run_in_executor(None, self.api.send_text, openid, part)
            except Exception as exc:  # noqa: BLE001 - any failure: keep the rest for later
                logger.warning("wechat: customer-service API failed for %s: %s", self._who(openid), exc)
                self.state.add_pending(openid, "\n".join(parts[i:]))
                return
