"""The WeChat simulator follows the protocol and agrees with wechatpy, which the channel uses."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from tests.wechat_sim import (
    Delivery,
    FakeWeChatAPI,
    WeChatSimulator,
    make_aes_key,
    xml_to_dict,
)

TOKEN = "test_token"
APPID = "wx_test"
OPENID = "o_herder_001"

# A handler gets (request number from 1, params, body) and returns (status, body).
Responder = Callable[[int, dict[str, str], bytes], tuple[int, bytes]]


class Webhook:
    """A tiny webhook recording what it receives; ``delays`` sleeps before the n-th answers."""

    def __init__(self, respond: Responder, delays: dict[int, float] | None = None) -> None:
        self.respond = respond
        self.delays = delays or {}
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                url = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with hook._lock:
                    hook.requests.append((self.command, params, body))
                    n = len(hook.requests)
                time.sleep(hook.delays.get(n, 0))
                status, answer = hook.respond(n, params, body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _serve

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the simulator hung up on a slow answer

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/wechat/webhook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Callable[..., Webhook]]:
    hooks: list[Webhook] = []

    def make(respond: Responder, delays: dict[int, float] | None = None) -> Webhook:
        hooks.append(Webhook(respond, delays))
        return hooks[-1]

    yield make
    for hook in hooks:
        hook.close()


def success(n: int, params: dict[str, str], body: bytes) -> tuple[int, bytes]:
    return 200, b"success"


@pytest.fixture
def aes_key() -> str:
    return make_aes_key()


# -- signatures, URL verification ------------------------------------------------------------------


def test_sign_matches_wechatpy() -> None:
    sim = WeChatSimulator("http://unused", TOKEN, APPID)
    signature = sim.sign("1700000000", "123456789")
    check_signature(TOKEN, signature, "1700000000", "123456789")
    with pytest.raises(InvalidSignatureException):
        check_signature("other_token", signature, "1700000000", "123456789")


def test_handshake_sends_signed_get(webhook: Callable[..., Webhook]) -> None:
    hook = webhook(lambda n, params, body: (200, params["echostr"].encode()))
    sim = WeChatSimulator(hook.url, TOKEN, APPID)
    assert sim.handshake("echo_123").text == "echo_123"
    method, params, _ = hook.requests[0]
    assert method == "GET"
    assert set(params) == {"signature", "timestamp", "nonce", "echostr"}
    check_signature(TOKEN, params["signature"], params["timestamp"], params["nonce"])
    sim.handshake("echo_456", signature="0" * 40)
    assert hook.requests[1][1]["signature"] == "0" * 40


def test_make_aes_key() -> None:
    key = make_aes_key()
    assert len(key) == 43
    assert len(base64.b64decode(key + "=")) == 32
    assert key != make_aes_key()


# -- message builders -------------------------------------------------------------------------------


def test_text_message_like_wechat() -> None:
    sim = WeChatSimulator("http://unused", TOKEN, APPID)
    xml = sim.text(OPENID, "草场被占了怎么办？", msg_id=42, create_time=1700000000)
    assert "<Content><![CDATA[草场被占了怎么办？]]></Content>" in xml
    assert "<CreateTime>1700000000</CreateTime>" in xml
    assert xml_to_dict(xml) == {
        "ToUserName": "gh_test",
        "FromUserName": OPENID,
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": "草场被占了怎么办？",
        "MsgId": "42",
    }
    first, second = (int(xml_to_dict(sim.text(OPENID, "x"))["MsgId"]) for _ in range(2))
    assert first != second and first > 2**32
    assert xml_to_dict(sim.text(OPENID, "a]]>b"))["Content"] == "a]]>b"
    assert abs(int(xml_to_dict(sim.text(OPENID, "x"))["CreateTime"]) - time.time()) < 5


def test_voice_recognition_element() -> None:
    sim = WeChatSimulator("http://unused", TOKEN, APPID)
    recognised = xml_to_dict(sim.voice(OPENID, "补贴什么时候发"))
    assert recognised["MsgType"] == "voice" and recognised["Format"] == "amr"
    assert recognised["Recognition"] == "补贴什么时候发" and recognised["MediaId"]
    empty = sim.voice(OPENID, "")
    assert "<Recognition><![CDATA[]]></Recognition>" in empty
    assert "Recognition" not in sim.voice(OPENID, None)


def test_other_messages_and_events() -> None:
    sim = WeChatSimulator("http://unused", TOKEN, APPID)
    for xml, msg_type in [
        (sim.image(OPENID), "image"),
        (sim.video(OPENID), "video"),
        (sim.location(OPENID), "location"),
        (sim.link(OPENID), "link"),
    ]:
        fields = xml_to_dict(xml)
        assert fields["MsgType"] == msg_type and fields["FromUserName"] == OPENID and "MsgId" in fields
    for event in ("subscribe", "unsubscribe"):
        fields = xml_to_dict(sim.event(OPENID, event))
        assert fields["MsgType"] == "event" and fields["Event"] == event and "MsgId" not in fields


# -- encryption --------------------------------------------------------------------------------------


def test_encrypt_decrypt_round_trip(aes_key: str) -> None:
    sim = WeChatSimulator("http://unused", TOKEN, APPID, aes_key, mode="safe")
    xml = sim.text(OPENID, "你好 " * 50)
    encrypted = sim.encrypt(xml)
    assert len(base64.b64decode(encrypted)) % 32 == 0
    assert encrypted != sim.encrypt(xml)  # the random prefix
    assert sim.decrypt(encrypted) == xml


def test_decrypt_rejects_another_appid(aes_key: str) -> None:
    sim = WeChatSimulator("http://unused", TOKEN, APPID, aes_key, mode="safe")
    other = WeChatSimulator("http://unused", TOKEN, "wx_other", aes_key, mode="safe")
    with pytest.raises(ValueError, match="appid"):
        sim.decrypt(other.encrypt("<xml/>"))
    reply = WeChatCrypto(TOKEN, aes_key, "wx_other").encrypt_message("<xml/>", "123", "1700000000")
    with pytest.raises(ValueError, match="appid"):
        sim.decrypt(xml_to_dict(reply)["Encrypt"])


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_wechatpy_decrypts_posted_message(webhook: Callable[..., Webhook], aes_key: str, mode: str) -> None:
    hook = webhook(success)
    sim = WeChatSimulator(hook.url, TOKEN, APPID, aes_key, mode=mode)
    xml = sim.text(OPENID, "牲畜被撞死了，谁赔？")
    assert sim.post(xml).text == "success"
    _, params, body = hook.requests[0]
    assert params["encrypt_type"] == "aes" and params["openid"] == OPENID
    check_signature(TOKEN, params["signature"], params["timestamp"], params["nonce"])
    crypto = WeChatCrypto(TOKEN, aes_key, APPID)
    decrypted = crypto.decrypt_message(body, params["msg_signature"], params["timestamp"], params["nonce"])
    assert decrypted == xml
    fields = xml_to_dict(body)
    if mode == "safe":
        assert set(fields) == {"ToUserName", "Encrypt"} and fields["ToUserName"] == "gh_test"
    else:
        assert fields["Content"] == "牲畜被撞死了，谁赔？" and "Encrypt" in fields
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(body, "0" * 40, params["timestamp"], params["nonce"])


def test_post_overrides(webhook: Callable[..., Webhook], aes_key: str) -> None:
    hook = webhook(success)
    plain = WeChatSimulator(hook.url, TOKEN, APPID)
    xml = plain.text(OPENID, "hi")
    plain.post(xml)
    plain.post(xml, signature="bad")
    plain.post(xml, raw_body=b"<!DOCTYPE x><xml/>")
    (_, good, body), (_, bad, _), (_, raw, raw_body) = hook.requests
    assert body == xml.encode() and "encrypt_type" not in good
    assert bad["signature"] == "bad"
    assert raw_body == b"<!DOCTYPE x><xml/>"
    check_signature(TOKEN, raw["signature"], raw["timestamp"], raw["nonce"])

    safe = WeChatSimulator(hook.url, TOKEN, APPID, aes_key, mode="safe")
    safe.post(xml, signature="bad")
    assert hook.requests[-1][1]["signature"] == hook.requests[-1][1]["msg_signature"] == "bad"
    envelope = f"<xml><Encrypt><![CDATA[{safe.encrypt('<!DOCTYPE x><xml/>')}]]></Encrypt></xml>"
    safe.post("", raw_body=envelope.encode())
    _, params, body = hook.requests[-1]
    decrypted = WeChatCrypto(TOKEN, aes_key, APPID).decrypt_message(
        body, params["msg_signature"], params["timestamp"], params["nonce"]
    )
    assert decrypted == "<!DOCTYPE x><xml/>"


# -- replies -----------------------------------------------------------------------------------------


def reply_xml(to: str, content: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[gh_test]]></FromUserName>"
        f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content></xml>"
    )


def test_deliver_plain_reply(webhook: Callable[..., Webhook]) -> None:
    hook = webhook(lambda n, params, body: (200, reply_xml(params["openid"], "您好").encode()))
    sim = WeChatSimulator(hook.url, TOKEN, APPID)
    delivery = sim.deliver(sim.text(OPENID, "你好"))
    assert delivery.attempts == 1 and delivery.responses[0] is not None
    assert delivery.reply == {
        "ToUserName": OPENID,
        "FromUserName": "gh_test",
        "CreateTime": "1700000000",
        "MsgType": "text",
        "Content": "您好",
    }


def test_deliver_no_reply(webhook: Callable[..., Webhook]) -> None:
    answers = {1: b"success", 2: b"", 3: b"<!DOCTYPE xml><xml/>"}
    hook = webhook(lambda n, params, body: (200, answers[n]))
    sim = WeChatSimulator(hook.url, TOKEN, APPID)
    assert sim.deliver(sim.text(OPENID, "1")).reply is None
    assert sim.deliver(sim.text(OPENID, "2")).reply is None
    with pytest.raises(AssertionError, match="DOCTYPE"):
        sim.deliver(sim.text(OPENID, "3"))


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_deliver_encrypted_reply_from_wechatpy(
    webhook: Callable[..., Webhook], aes_key: str, mode: str
) -> None:
    crypto = WeChatCrypto(TOKEN, aes_key, APPID)

    def channel(n: int, params: dict[str, str], body: bytes) -> tuple[int, bytes]:
        message = xml_to_dict(
            crypto.decrypt_message(body, params["msg_signature"], params["timestamp"], params["nonce"])
        )
        reply = reply_xml(message["FromUserName"], "收到：" + message["Content"])
        return 200, crypto.encrypt_message(reply, params["nonce"], params["timestamp"]).encode()

    hook = webhook(channel)
    sim = WeChatSimulator(hook.url, TOKEN, APPID, aes_key, mode=mode)
    delivery = sim.deliver(sim.text(OPENID, "退耕还林"))
    assert delivery.reply is not None
    assert delivery.reply["Content"] == "收到：退耕还林" and delivery.reply["ToUserName"] == OPENID


def test_encrypted_reply_checks(webhook: Callable[..., Webhook], aes_key: str) -> None:
    crypto = WeChatCrypto(TOKEN, aes_key, APPID)
    good = crypto.encrypt_message(reply_xml(OPENID, "x"), "123", "1700000000")
    answers = {
        1: good.replace("<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0"),
        2: reply_xml(OPENID, "plaintext"),
        3: WeChatCrypto(TOKEN, aes_key, "wx_other").encrypt_message(reply_xml(OPENID, "x"), "1", "2"),
        4: "success",
    }
    hook = webhook(lambda n, params, body: (200, answers[n].encode()))
    sim = WeChatSimulator(hook.url, TOKEN, APPID, aes_key, mode="safe")
    for match in ("MsgSignature", "not encrypted", "appid"):
        with pytest.raises(AssertionError, match=match):
            sim.deliver(sim.text(OPENID, "x"))
    assert sim.deliver(sim.text(OPENID, "x")).reply is None


# -- retries -----------------------------------------------------------------------------------------


def test_deliver_retries_on_timeout(webhook: Callable[..., Webhook]) -> None:
    hook = webhook(
        lambda n, params, body: (200, reply_xml(OPENID, f"attempt {n}").encode()), {1: 0.5, 2: 0.5}
    )
    sim = WeChatSimulator(hook.url, TOKEN, APPID, timeout=0.2)
    delivery = sim.deliver(sim.text(OPENID, "你好"))
    assert isinstance(delivery, Delivery)
    assert delivery.attempts == 3
    assert delivery.responses[:2] == [None, None] and delivery.responses[2] is not None
    assert delivery.reply is not None and delivery.reply["Content"] == "attempt 3"
    bodies = {body for _, _, body in hook.requests}
    assert len(hook.requests) == 3 and bodies == {delivery.body}


def test_deliver_gives_up_after_retries(webhook: Callable[..., Webhook]) -> None:
    hook = webhook(success, {1: 0.4, 2: 0.4})
    sim = WeChatSimulator(hook.url, TOKEN, APPID, timeout=0.15, retries=1)
    delivery = sim.deliver(sim.text(OPENID, "x"))
    assert delivery.attempts == 2 and delivery.responses == [None, None] and delivery.reply is None

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = WeChatSimulator(f"http://127.0.0.1:{port}/webhook", TOKEN, APPID, timeout=0.2)
    delivery = closed.deliver(closed.text(OPENID, "x"))
    assert delivery.attempts == 4 and delivery.responses == [None] * 4


# -- the fake API ------------------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


def get_token(api: FakeWeChatAPI, appid: str = "wx_test", secret: str = "secret_test") -> dict:
    params = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    return requests.get(f"{api.base_url}/cgi-bin/token", params=params, timeout=5).json()


def send_text(api: FakeWeChatAPI, token: str, openid: str, content: str) -> dict:
    data = {"touser": openid, "msgtype": "text", "text": {"content": content}}
    url = f"{api.base_url}/cgi-bin/message/custom/send"
    return requests.post(url, params={"access_token": token}, json=data, timeout=5).json()


def test_fake_api_tokens(api: FakeWeChatAPI) -> None:
    assert api.base_url.startswith("http://127.0.0.1:")
    assert get_token(api) == {"access_token": "token-1", "expires_in": 7200}
    api.expires_in = 60
    assert get_token(api) == {"access_token": "token-2", "expires_in": 60}
    assert get_token(api, secret="wrong") == {"errcode": 40013, "errmsg": "invalid appid"}
    assert get_token(api, appid="wx_wrong")["errcode"] == 40013
    assert api.token_requests == 4


def test_fake_api_sends(api: FakeWeChatAPI) -> None:
    first = get_token(api)["access_token"]
    second = get_token(api)["access_token"]
    assert send_text(api, first, OPENID, "old token")["errcode"] == 40001
    assert send_text(api, second, OPENID, "您好，请问") == {"errcode": 0, "errmsg": "ok"}
    assert api.messages[0]["access_token"] == second and api.messages[0]["touser"] == OPENID
    assert api.wait_for_messages(OPENID, 1, timeout=1) == ["您好，请问"]
    with pytest.raises(AssertionError, match="您好，请问"):
        api.wait_for_messages(OPENID, 2, timeout=0.1)
    assert api.messages_for("someone_else") == []

    api.invalidate_tokens()
    assert send_text(api, second, OPENID, "x")["errcode"] == 40001
    third = get_token(api)["access_token"]
    api.fail_send = True
    assert send_text(api, third, OPENID, "x") == {"errcode": 48001, "errmsg": "api unauthorized"}
    api.fail_send = False
    assert send_text(api, third, OPENID, "再见")["errcode"] == 0
    assert api.messages_for(OPENID) == ["您好，请问", "再见"]

    api.reset()
    assert api.messages == [] and api.token_requests == 0 and not api.fail_send
    assert send_text(api, third, OPENID, "x")["errcode"] == 40001


def test_fake_api_start_stop() -> None:
    api = FakeWeChatAPI(appid="wx_a", secret="s").start()
    try:
        assert get_token(api, "wx_a", "s")["access_token"] == "token-1"
    finally:
        api.stop()
    with pytest.raises(requests.ConnectionError):
        get_token(api, "wx_a", "s")


def test_fake_api_with_wechatpy_client(api: FakeWeChatAPI) -> None:
    class Client(WeChatClient):
        API_BASE_URL = f"{api.base_url}/cgi-bin/"

        def fetch_access_token(self) -> dict:
            params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
            return self._fetch_access_token(url=f"{api.base_url}/cgi-bin/token", params=params)

    client = Client("wx_test", "secret_test", timeout=5)
    client.message.send_text(OPENID, "第一条")
    api.invalidate_tokens()
    client.message.send_text(OPENID, "第二条")  # 40001 → wechatpy fetches a new token and retries
    assert api.messages_for(OPENID) == ["第一条", "第二条"]
    assert api.token_requests == 2
    assert [m["access_token"] for m in api.messages] == ["token-1", "token-2"]
