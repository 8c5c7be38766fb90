"""Simulator of the WeChat server side, for testing the WeChat Official Account channel.

Written from the Official Account documentation (接入指南, 接收普通消息, 接收事件推送, 消息加解密说明,
客服消息, 获取 Access token), independently of wechatpy, which the channel itself uses: the point is to
check the channel against the protocol, not against the library it is built on.

* ``WeChatSimulator`` plays the WeChat server calling the webhook: URL verification, messages and
  events in plain, compatible or safe mode, the 5-second timeout with 3 retries, and the check and
  decryption of passive replies.
* ``FakeWeChatAPI`` plays api.weixin.qq.com for the channel: access tokens and customer service
  (客服) text messages.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import random
import re
import struct
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ACCOUNT_ID = "gh_test"
MODES = ("plain", "compatible", "safe")
BLOCK_SIZE = 32  # WeChat pads with PKCS#7 to a multiple of 32 bytes, not AES's 16.
REQUEST_HEADERS = {"Content-Type": "text/xml", "User-Agent": "Mozilla/4.0"}

_msg_ids = itertools.count(random.randrange(2**62, 2**63 - 2**40))
_msg_ids_lock = threading.Lock()
_FROM_USER = re.compile(r"<FromUserName>\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))\s*</FromUserName>", re.S)
_ENCRYPT = re.compile(r"<Encrypt>\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))\s*</Encrypt>", re.S)
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def make_aes_key() -> str:
    """Return a random EncodingAESKey: 43 characters, base64 of 32 bytes without the ``=``."""
    return base64.b64encode(os.urandom(32)).decode("ascii").rstrip("=")


def sha1_signature(*parts: str | int) -> str:
    """Return WeChat's signature: hex sha1 of the parts sorted as strings and concatenated."""
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()


def new_msg_id() -> int:
    """Return a fresh MsgId, unique in this process (a 63-bit integer like WeChat's)."""
    with _msg_ids_lock:
        return next(_msg_ids)


def new_nonce() -> str:
    """Return a nonce like WeChat's: a string of digits."""
    return str(random.randrange(10**8, 10**10))


def cdata(value: str) -> str:
    """Wrap ``value`` in CDATA, splitting any ``]]>`` inside it."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def aes_key_bytes(aes_key: str) -> bytes:
    """Decode an EncodingAESKey into the 32-byte AES key; ValueError if it is malformed."""
    if len(aes_key) != 43:
        raise ValueError(f"EncodingAESKey must have 43 characters, not {len(aes_key)}")
    key = base64.b64decode(aes_key + "=", validate=True)
    if len(key) != 32:
        raise ValueError("EncodingAESKey does not decode to 32 bytes")
    return key


def reject_dtd(data: bytes | str) -> None:
    """Raise AssertionError if an XML document has a DOCTYPE or ENTITY declaration."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _DTD.search(raw):
        raise AssertionError(f"XML with a DOCTYPE/ENTITY declaration: {raw[:200]!r}")


def xml_to_dict(data: bytes | str) -> dict[str, Any]:
    """Parse a WeChat XML document (root ``<xml>``) into a dict of its child elements.

    Leaves map to their text ("" when empty); elements with children map to nested dicts, and a
    tag repeated at one level maps to a list. DOCTYPE/ENTITY declarations and malformed XML raise
    AssertionError.
    """
    reject_dtd(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise AssertionError(f"malformed XML ({exc}): {data[:200]!r}") from exc
    if root.tag != "xml":
        raise AssertionError(f"root element is <{root.tag}>, not <xml>")
    return _children(root)


def _children(element: ET.Element) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for child in element:
        value: Any = _children(child) if len(child) else (child.text or "")
        if child.tag not in result:
            result[child.tag] = value
        elif isinstance(result[child.tag], list):
            result[child.tag].append(value)
        else:
            result[child.tag] = [result[child.tag], value]
    return result


def _first_group(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2).strip()


@dataclass
class Delivery:
    """What happened when the WeChat server delivered one message.

    Attributes:
        attempts: requests made (1 + retries at most).
        responses: one per attempt, None for a timeout or connection error.
        reply: the parsed (and decrypted) passive reply, None when there was none.
        params: the query parameters sent (the same on every attempt).
        body: the body sent (the same on every attempt).
    """

    attempts: int
    responses: list[requests.Response | None]
    reply: dict | None
    params: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class WeChatSimulator:
    """The WeChat server, as seen by the webhook of an Official Account."""

    def __init__(
        self,
        webhook_url: str,
        token: str,
        appid: str,
        aes_key: str | None = None,
        mode: str = "plain",
        timeout: float = 5.0,
        retries: int = 3,
        account_id: str = ACCOUNT_ID,
    ) -> None:
        """Configure the simulator like the account's 服务器配置 page.

        Args:
            webhook_url: the channel's webhook URL.
            token: the Token.
            appid: the AppID (checked in encrypted messages).
            aes_key: the EncodingAESKey (43 characters); required unless mode is "plain".
            mode: "plain" (明文), "compatible" (兼容) or "safe" (安全).
            timeout: seconds WeChat waits for the webhook's answer.
            retries: how many times WeChat retries after a timeout or connection error.
            account_id: the account's original id, the ToUserName of messages.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if mode != "plain" and aes_key is None:
            raise ValueError(f"mode {mode!r} needs an aes_key")
        self.webhook_url = webhook_url
        self.token = token
        self.appid = appid
        self.aes_key = aes_key
        self.mode = mode
        self.timeout = timeout
        self.retries = retries
        self.account_id = account_id
        self._key = aes_key_bytes(aes_key) if aes_key is not None else None

    # -- signatures and URL verification --------------------------------------------------------

    def sign(self, timestamp: str | int, nonce: str) -> str:
        """Return the ``signature`` query parameter: sha1 of sorted token, timestamp, nonce."""
        return sha1_signature(self.token, timestamp, nonce)

    def msg_sign(self, timestamp: str | int, nonce: str, encrypted: str) -> str:
        """Return ``msg_signature``: sha1 of sorted token, timestamp, nonce, encrypted message."""
        return sha1_signature(self.token, timestamp, nonce, encrypted)

    def handshake(self, echostr: str, signature: str | None = None) -> requests.Response:
        """Verify the server URL (接入验证): GET with signature, timestamp, nonce, echostr.

        The channel must answer with ``echostr`` as is when the signature is right. The
        verification is in plain text whatever the encryption mode.
        """
        timestamp, nonce = str(int(time.time())), new_nonce()
        params = {
            "signature": signature if signature is not None else self.sign(timestamp, nonce),
            "echostr": echostr,
            "timestamp": timestamp,
            "nonce": nonce,
        }
        return requests.get(self.webhook_url, params=params, timeout=self.timeout)

    # -- messages and events --------------------------------------------------------------------

    def _xml(
        self,
        openid: str,
        msg_type: str,
        fields: list[tuple[str, str | int | float]],
        create_time: int | None,
        msg_id: int | None,
        *,
        is_event: bool = False,
    ) -> str:
        """Render a message: str values in CDATA, numbers bare, MsgId last for messages."""
        items: list[tuple[str, str | int | float]] = [
            ("ToUserName", self.account_id),
            ("FromUserName", openid),
            ("CreateTime", int(time.time()) if create_time is None else int(create_time)),
            ("MsgType", msg_type),
            *fields,
        ]
        if not is_event:
            items.append(("MsgId", new_msg_id() if msg_id is None else int(msg_id)))
        lines = [f"<{tag}>{cdata(v) if isinstance(v, str) else v}</{tag}>" for tag, v in items]
        return "<xml>" + "\n".join(lines) + "\n</xml>"

    def text(
        self, openid: str, content: str, msg_id: int | None = None, *, create_time: int | None = None
    ) -> str:
        """Return a text message (文本消息)."""
        return self._xml(openid, "text", [("Content", content)], create_time, msg_id)

    def voice(
        self,
        openid: str,
        recognition: str | None,
        msg_id: int | None = None,
        *,
        media_id: str = "voice_media_id",
        create_time: int | None = None,
    ) -> str:
        """Return a voice message (语音消息), AMR.

        ``recognition`` is the 语音识别 result: "" gives an empty Recognition element (WeChat could
        not recognise anything), None leaves it out (recognition is off for the account).
        """
        fields: list[tuple[str, str | int | float]] = [("MediaId", media_id), ("Format", "amr")]
        if recognition is not None:
            fields.append(("Recognition", recognition))
        return self._xml(openid, "voice", fields, create_time, msg_id)

    def image(
        self,
        openid: str,
        msg_id: int | None = None,
        *,
        pic_url: str = "http://mmbiz.qpic.cn/test/0",
        media_id: str = "image_media_id",
        create_time: int | None = None,
    ) -> str:
        """Return an image message (图片消息)."""
        fields: list[tuple[str, str | int | float]] = [("PicUrl", pic_url), ("MediaId", media_id)]
        return self._xml(openid, "image", fields, create_time, msg_id)

    def video(
        self,
        openid: str,
        msg_id: int | None = None,
        *,
        short: bool = False,
        create_time: int | None = None,
    ) -> str:
        """Return a video message (视频消息), or a short video (小视频) when ``short``."""
        fields: list[tuple[str, str | int | float]] = [
            ("MediaId", "video_media_id"),
            ("ThumbMediaId", "thumb_media_id"),
        ]
        return self._xml(openid, "shortvideo" if short else "video", fields, create_time, msg_id)

    def location(
        self,
        openid: str,
        msg_id: int | None = None,
        *,
        latitude: float = 41.569,
        longitude: float = 108.521,
        scale: int = 15,
        label: str = "内蒙古自治区巴彦淖尔市乌拉特中旗",
        create_time: int | None = None,
    ) -> str:
        """Return a location message (地理位置消息); Location_X is the latitude."""
        fields: list[tuple[str, str | int | float]] = [
            ("Location_X", latitude),
            ("Location_Y", longitude),
            ("Scale", scale),
            ("Label", label),
        ]
        return self._xml(openid, "location", fields, create_time, msg_id)

    def link(
        self,
        openid: str,
        msg_id: int | None = None,
        *,
        title: str = "草原生态保护补助奖励政策",
        description: str = "政策解读",
        url: str = "https://mp.weixin.qq.com/s/test",
        create_time: int | None = None,
    ) -> str:
        """Return a link message (链接消息)."""
        fields: list[tuple[str, str | int | float]] = [
            ("Title", title),
            ("Description", description),
            ("Url", url),
        ]
        return self._xml(openid, "link", fields, create_time, msg_id)

    def event(
        self,
        openid: str,
        event: str = "subscribe",
        *,
        event_key: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Return an event push (事件推送), e.g. "subscribe" or "unsubscribe"; events have no MsgId."""
        fields: list[tuple[str, str | int | float]] = [("Event", event)]
        if event_key is not None:
            fields.append(("EventKey", event_key))
        return self._xml(openid, "event", fields, create_time, None, is_event=True)

    # -- encryption -----------------------------------------------------------------------------

    def _cipher(self) -> Cipher:
        if self._key is None:
            raise ValueError("no aes_key configured")
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, xml: str) -> str:
        """Encrypt a message like WeChat: base64(AES-256-CBC(random16 + len + msg + appid + pad))."""
        message = xml.encode("utf-8")
        plain = os.urandom(16) + struct.pack(">I", len(message)) + message + self.appid.encode("utf-8")
        pad = BLOCK_SIZE - len(plain) % BLOCK_SIZE
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted_b64: str) -> str:
        """Decrypt a message encrypted for this account; ValueError if malformed or for another appid."""
        data = base64.b64decode(encrypted_b64, validate=True)
        if not data or len(data) % 16:
            raise ValueError(f"ciphertext length {len(data)} is not a positive multiple of 16")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK_SIZE or plain[-pad:] != bytes([pad]) * pad:
            raise ValueError("bad PKCS#7 padding (wrong key?)")
        content = plain[16:-pad]
        if len(content) < 4:
            raise ValueError("decrypted message too short")
        (length,) = struct.unpack(">I", content[:4])
        if 4 + length > len(content):
            raise ValueError(f"message length {length} exceeds the decrypted data")
        appid = content[4 + length :]
        if appid != self.appid.encode("utf-8"):
            raise ValueError(f"appid mismatch: expected {self.appid!r}, got {appid!r}")
        return content[4 : 4 + length].decode("utf-8")

    # -- pushing to the webhook -----------------------------------------------------------------

    def build_request(
        self,
        xml: str,
        *,
        signature: str | None = None,
        msg_signature: str | None = None,
        raw_body: bytes | None = None,
        timestamp: str | int | None = None,
        nonce: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """Return the query parameters and body WeChat would POST for ``xml``.

        Args:
            xml: the plaintext message (ignored when ``raw_body`` is given).
            signature: overrides ``signature``, and ``msg_signature`` too unless that is given.
            msg_signature: overrides ``msg_signature`` (encrypted modes).
            raw_body: bytes sent as they are, correctly signed; in encrypted modes msg_signature
                covers the Encrypt element found in them (or "" if there is none).
            timestamp: defaults to now.
            nonce: defaults to a fresh one.
        """
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = new_nonce() if nonce is None else nonce
        params = {"signature": self.sign(ts, nonce) if signature is None else signature}
        params.update(timestamp=ts, nonce=nonce)
        source = raw_body.decode("utf-8", "replace") if raw_body is not None else xml
        openid = _first_group(_FROM_USER, source)
        if openid:
            params["openid"] = openid
        encrypted: str | None = None
        if raw_body is not None:
            body = raw_body
            encrypted = _first_group(_ENCRYPT, source)
        elif self.mode == "plain":
            body = xml.encode("utf-8")
        else:
            encrypted = self.encrypt(xml)
            element = f"<Encrypt>{cdata(encrypted)}</Encrypt>"
            if self.mode == "safe":
                text = f"<xml><ToUserName>{cdata(self.account_id)}</ToUserName>\n{element}\n</xml>"
            else:
                end = xml.rstrip().rfind("</xml>")
                if end < 0:
                    raise ValueError("compatible mode needs an <xml> document")
                text = xml[:end].rstrip("\n") + "\n" + element + "\n</xml>"
            body = text.encode("utf-8")
        if self.mode != "plain":
            params["encrypt_type"] = "aes"
            if msg_signature is None:
                msg_signature = (
                    signature if signature is not None else self.msg_sign(ts, nonce, encrypted or "")
                )
            params["msg_signature"] = msg_signature
        return params, body

    def post(
        self,
        xml: str,
        *,
        signature: str | None = None,
        msg_signature: str | None = None,
        raw_body: bytes | None = None,
    ) -> requests.Response:
        """POST one message to the webhook once, without retries (see ``build_request``)."""
        params, body = self.build_request(
            xml, signature=signature, msg_signature=msg_signature, raw_body=raw_body
        )
        return requests.post(
            self.webhook_url, params=params, data=body, headers=REQUEST_HEADERS, timeout=self.timeout
        )

    def deliver(self, xml: str) -> Delivery:
        """Deliver a message like WeChat: wait ``timeout`` seconds, retry up to ``retries`` times.

        Retries (after a timeout or a connection error) resend the same request: same body, same
        MsgId, same signature. The reply is that of the first answer other than "" or "success".
        """
        params, body = self.build_request(xml)
        responses: list[requests.Response | None] = []
        for _ in range(1 + self.retries):
            try:
                response = requests.post(
                    self.webhook_url,
                    params=params,
                    data=body,
                    headers=REQUEST_HEADERS,
                    timeout=(self.timeout, self.timeout),
                )
            except (requests.Timeout, requests.ConnectionError):
                responses.append(None)
                continue
            responses.append(response)
            break
        reply = None
        for response in responses:
            if response is not None and (reply := self.parse_reply(response)) is not None:
                break
        return Delivery(len(responses), responses, reply, params, body)

    def parse_reply(self, response: requests.Response, *, encrypted: bool | None = None) -> dict | None:
        """Return the webhook's passive reply as a dict, None for "", "success" or a non-200 status.

        When the request was encrypted (``encrypted`` defaults to mode != "plain") the reply must
        be an envelope <Encrypt/><MsgSignature/><TimeStamp/><Nonce/>: its MsgSignature is checked
        and its Encrypt decrypted. Raises AssertionError for a wrong signature, an unencrypted
        reply, another appid, a DOCTYPE or malformed XML.
        """
        if response.status_code != 200:
            return None
        content = response.content
        if content.strip() in (b"", b"success"):
            return None
        if encrypted is None:
            encrypted = self.mode != "plain"
        fields = xml_to_dict(content)
        if not encrypted:
            return fields
        missing = [k for k in ("Encrypt", "MsgSignature", "TimeStamp", "Nonce") if k not in fields]
        if missing:
            raise AssertionError(
                f"reply to an encrypted message is not encrypted (no {missing}): {content[:200]!r}"
            )
        expected = self.msg_sign(fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
        if fields["MsgSignature"] != expected:
            raise AssertionError(f"reply MsgSignature {fields['MsgSignature']!r} != expected {expected!r}")
        try:
            inner = self.decrypt(fields["Encrypt"])
        except ValueError as exc:
            raise AssertionError(f"cannot decrypt the reply: {exc}") from exc
        return xml_to_dict(inner.encode("utf-8"))


# ---------------------------------------------------------------------------------------------------


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore errors such as a client that hung up."""


class _APIHandler(BaseHTTPRequestHandler):
    server: _QuietServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _answer(self, result: dict, status: int = 200) -> None:
        body = json.dumps(result, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self, method: str) -> None:
        api: FakeWeChatAPI = self.server.api  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if method == "GET" and url.path == "/cgi-bin/token":
            result = api.issue_token(params)
        elif method == "POST" and url.path == "/cgi-bin/message/custom/send":
            result = api.send(params, body)
        else:
            self._answer({"errcode": 404, "errmsg": f"no such API: {method} {url.path}"}, status=404)
            return
        api._log(method, url.path, params, body, result)
        self._answer(result)

    def do_GET(self) -> None:
        """Serve GET."""
        self._route("GET")

    def do_POST(self) -> None:
        """Serve POST."""
        self._route("POST")


class FakeWeChatAPI:
    """A local api.weixin.qq.com: access tokens and customer service text messages.

    Attributes:
        expires_in: the expires_in of issued tokens.
        fail_send: when True, sends fail with 48001 (api unauthorized, an unverified account).
        token_requests: GET /cgi-bin/token requests received.
        messages: messages accepted, each {"touser", "msgtype", "content", "access_token", "data"}.
        calls: every API request: {"method", "path", "params", "body", "result"}.
    """

    def __init__(
        self, appid: str = "wx_test", secret: str = "secret_test", expires_in: int = 7200, port: int = 0
    ) -> None:
        """Configure the account; ``port`` 0 takes a free port."""
        self.appid = appid
        self.secret = secret
        self.expires_in = expires_in
        self.port = port
        self._lock = threading.Lock()
        self._server: _QuietServer | None = None
        self._thread: threading.Thread | None = None
        self._issued = 0
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeWeChatAPI:
        """Start serving on 127.0.0.1 in a daemon thread."""
        if self._server is None:
            self._server = _QuietServer(("127.0.0.1", self.port), _APIHandler)
            self._server.api = self  # type: ignore[attr-defined]
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> FakeWeChatAPI:
        """Start the server."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop the server."""
        self.stop()

    @property
    def base_url(self) -> str:
        """The server's URL, e.g. ``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Forget tokens, messages, counters and failures."""
        with self._lock:
            self.token_requests = 0
            self.messages: list[dict] = []
            self.calls: list[dict] = []
            self.fail_send = False
            self._latest_token: str | None = None

    def invalidate_tokens(self) -> None:
        """Make every issued token invalid: the next send gets 40001 until a new token is fetched."""
        with self._lock:
            self._latest_token = None

    # -- the API --------------------------------------------------------------------------------

    def issue_token(self, params: dict[str, str]) -> dict:
        """Answer GET /cgi-bin/token."""
        with self._lock:
            self.token_requests += 1
            if params.get("grant_type") != "client_credential":
                return {"errcode": 40002, "errmsg": "invalid grant_type"}
            if params.get("appid") != self.appid:
                return {"errcode": 40013, "errmsg": "invalid appid"}
            if params.get("secret") != self.secret:
                return {"errcode": 40013, "errmsg": "invalid appid"}
            self._issued += 1
            self._latest_token = f"token-{self._issued}"
            return {"access_token": self._latest_token, "expires_in": self.expires_in}

    def send(self, params: dict[str, str], body: bytes) -> dict:
        """Answer POST /cgi-bin/message/custom/send."""
        token = params.get("access_token")
        with self._lock:
            if not token:
                return {"errcode": 41001, "errmsg": "access_token missing"}
            if token != self._latest_token:
                return {
                    "errcode": 40001,
                    "errmsg": "invalid credential, access_token is invalid or not latest",
                }
            if self.fail_send:
                return {"errcode": 48001, "errmsg": "api unauthorized"}
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            return {"errcode": 47001, "errmsg": "data format error"}
        if not isinstance(data, dict):
            return {"errcode": 47001, "errmsg": "data format error"}
        if not data.get("touser"):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        msgtype = data.get("msgtype")
        if not isinstance(msgtype, str) or not isinstance(data.get(msgtype), dict):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        content = data[msgtype].get("content") if msgtype == "text" else None
        if msgtype == "text" and not content:
            return {"errcode": 44004, "errmsg": "empty content"}
        record = {"touser": data["touser"], "msgtype": msgtype, "content": content}
        record.update(access_token=token, data=data)
        with self._lock:
            self.messages.append(record)
        return {"errcode": 0, "errmsg": "ok"}

    def _log(self, method: str, path: str, params: dict[str, str], body: bytes, result: dict) -> None:
        with self._lock:
            self.calls.append(
                {"method": method, "path": path, "params": params, "body": body, "result": result}
            )

    # -- assertions -----------------------------------------------------------------------------

    def messages_for(self, openid: str) -> list[str]:
        """Return the contents sent to ``openid`` in order ("[msgtype]" for non-text messages)."""
        with self._lock:
            return [
                m["content"] if m["msgtype"] == "text" else f"[{m['msgtype']}]"
                for m in self.messages
                if m["touser"] == openid
            ]

    def wait_for_messages(self, openid: str, count: int, timeout: float = 10.0) -> list[str]:
        """Wait until ``openid`` has at least ``count`` messages and return them all.

        Raises AssertionError, with what arrived, after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            got = self.messages_for(openid)
            if len(got) >= count:
                return got
            if time.monotonic() >= deadline:
                raise AssertionError(f"expected {count} message(s) for {openid!r} in {timeout}s, got {got!r}")
            time.sleep(0.02)
