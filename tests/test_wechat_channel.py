"""The WeChat channel against the WeChat simulator (tests/wechat_sim.py), on a Sanic server of
its own with a scripted stand-in for the assistant (the real assistant: test_wechat_server.py).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
import uuid
from pathlib import Path

import pytest
from sanic import Sanic

from bot.channels.wechat import (
    EMPTY_VOICE,
    KEPT_NOTE,
    SUBSCRIBE_INTENT,
    UNSUPPORTED,
    WELCOME,
    WeChatConfig,
    WeChatInput,
)
from bot.wechat.api import CustomerServiceApi
from bot.wechat.state import WeChatState
from tests.sanic_thread import serve_in_thread
from tests.wechat_sim import FakeWeChatAPI, WeChatSimulator, make_aes_key

TOKEN, APPID, SECRET = "tok-123", "wx_test", "secret_test"
SLOW, LONG = "慢一点的问题", "很长的问题"
LONG_ANSWER = "宅基地属于嘎查农民集体所有，您家依法享有使用权。" * 120  # about 8,600 bytes


class ScriptedAssistant:
    """Stands in for Rasa: answers "答：<text>", slowly for SLOW, at length for LONG."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, str]] = []

    async def __call__(self, message) -> None:
        self.received.append((message.sender_id, message.text, message.input_channel))
        if message.text == SLOW:
            await asyncio.sleep(1.0)
        text = LONG_ANSWER if message.text == LONG else f"答：{message.text}"
        await message.output_channel.send_response(message.sender_id, {"text": text})
        # the reply metadata of REST must not reach WeChat
        await message.output_channel.send_response(
            message.sender_id, {"custom": {"answer_id": None, "outcome": "answered"}}
        )


class ChannelServer:
    def __init__(self, tmp_path: Path, api: FakeWeChatAPI, mode: str) -> None:
        self.aes_key = make_aes_key()
        config = WeChatConfig.from_credentials(
            {
                "token": TOKEN,
                "appid": APPID,
                "secret": SECRET,
                "aes_key": self.aes_key if mode != "plain" else "",
                "api_base": api.base_url,
                "mode": mode,
                "reply_timeout": "0.5",
            }
        )
        self.state = WeChatState(tmp_path / f"wechat-{mode}.db")
        self.channel = WeChatInput(config, self.state)
        self.assistant = ScriptedAssistant()
        self.port = serve_in_thread(self._make_app)
        self.url = f"http://127.0.0.1:{self.port}/webhooks/wechat/webhook"

    def _make_app(self) -> Sanic:
        app = Sanic(f"wechat_test_{uuid.uuid4().hex[:8]}")
        app.blueprint(self.channel.blueprint(self.assistant), url_prefix="/webhooks/wechat")
        return app

    def simulator(self, mode: str, **kwargs) -> WeChatSimulator:
        return WeChatSimulator(self.url, TOKEN, APPID, self.aes_key, mode=mode, **kwargs)


@pytest.fixture(scope="module")
def api():
    with FakeWeChatAPI(appid=APPID, secret=SECRET) as fake:
        yield fake


@pytest.fixture(scope="module", params=["plain", "safe"])
def server(request, tmp_path_factory, api) -> ChannelServer:
    return ChannelServer(tmp_path_factory.mktemp("wechat"), api, request.param)


@pytest.fixture()
def wechat(server) -> WeChatSimulator:
    mode = "plain" if server.channel.config.mode == "plain" else "safe"
    return server.simulator(mode)


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def content(delivery) -> str | None:
    return delivery.reply["Content"] if delivery.reply else None


# -- handshake and signatures ----------------------------------------------------------------


def test_handshake_echoes_the_echostr(wechat):
    reply = wechat.handshake("echo-6141")
    assert reply.status_code == 200 and reply.text == "echo-6141"


def test_handshake_with_a_bad_signature_is_refused(wechat):
    assert wechat.handshake("echo", signature="0" * 40).status_code == 403


def test_a_bad_or_missing_signature_never_reaches_the_assistant(server, wechat):
    before = len(server.assistant.received)
    assert wechat.post(wechat.text(openid(), "宅基地归谁"), signature="f" * 40).status_code == 403
    import requests

    assert requests.post(wechat.webhook_url, data=wechat.text(openid(), "宅基地").encode()).status_code == 403
    assert len(server.assistant.received) == before


# -- message types ---------------------------------------------------------------------------


def test_text_is_answered_in_the_reply_without_the_metadata(server, wechat):
    user = openid()
    delivery = wechat.deliver(wechat.text(user, "宅基地归谁所有"))
    assert content(delivery) == "答：宅基地归谁所有"
    assert delivery.reply["ToUserName"] == user and delivery.reply["MsgType"] == "text"
    assert server.assistant.received[-1] == (user, "宅基地归谁所有", "wechat")


def test_voice_is_asked_by_its_recognition(server, wechat):
    assert content(wechat.deliver(wechat.voice(openid(), "草场承包多少年"))) == "答：草场承包多少年"


@pytest.mark.parametrize("recognition", ["", None])
def test_voice_without_recognition_asks_to_say_it_again(server, wechat, recognition):
    before = len(server.assistant.received)
    assert content(wechat.deliver(wechat.voice(openid(), recognition))) == EMPTY_VOICE
    assert len(server.assistant.received) == before


@pytest.mark.parametrize("kind", ["image", "video", "location", "link"])
def test_other_types_get_a_polite_note(server, wechat, kind):
    before = len(server.assistant.received)
    assert content(wechat.deliver(getattr(wechat, kind)(openid()))) == UNSUPPORTED
    assert len(server.assistant.received) == before


def test_subscribe_gets_the_welcome_and_the_menu(server, wechat):
    user = openid()
    reply = content(wechat.deliver(wechat.event(user, "subscribe")))
    assert reply.startswith(WELCOME) and server.assistant.received[-1] == (user, SUBSCRIBE_INTENT, "wechat")


def test_unsubscribe_gets_nothing(server, wechat):
    before = len(server.assistant.received)
    delivery = wechat.deliver(wechat.event(openid(), "unsubscribe"))
    assert delivery.reply is None and delivery.responses[0].text == "success"
    assert len(server.assistant.received) == before


# -- encryption -------------------------------------------------------------------------------


def test_safe_mode_refuses_plaintext(server):
    if server.channel.config.mode != "safe":
        pytest.skip("safe mode only")
    plain = server.simulator("plain")
    assert plain.post(plain.text(openid(), "宅基地")).status_code == 400


def test_compatible_mode_answers_both(tmp_path, api):
    server = ChannelServer(tmp_path, api, "compatible")
    for mode in ("plain", "compatible"):
        wechat = server.simulator(mode)
        delivery = wechat.deliver(wechat.text(openid(), f"{mode}模式"))
        assert content(delivery) == f"答：{mode}模式"


def test_a_wrong_message_signature_is_refused(server):
    if server.channel.config.mode != "safe":
        pytest.skip("safe mode only")
    wechat = server.simulator("safe")
    assert wechat.post(wechat.text(openid(), "宅基地"), msg_signature="a" * 40).status_code == 403


# -- WeChat's 5-second rule -----------------------------------------------------------------


def test_a_retried_message_is_processed_and_answered_once(server, wechat):
    xml = wechat.text(openid(), "重发的问题")
    replies = [wechat.post(xml) for _ in range(4)]  # the first and WeChat's three retries
    assert [r.status_code for r in replies] == [200] * 4
    assert wechat.parse_reply(replies[0])["Content"] == "答：重发的问题"
    assert [r.text for r in replies[1:]] == ["success"] * 3
    assert [t for _, t, _ in server.assistant.received].count("重发的问题") == 1


def test_a_slow_answer_comes_by_the_customer_service_api(server, wechat, api):
    user = openid()
    delivery = wechat.deliver(wechat.text(user, SLOW))
    assert delivery.attempts == 1 and delivery.reply is None and delivery.responses[0].text == "success"
    assert api.wait_for_messages(user, 1) == [f"答：{SLOW}"]


def test_when_the_api_fails_the_answer_comes_with_the_next_message(server, wechat, api):
    user = openid()
    api.fail_send = True
    try:
        assert wechat.deliver(wechat.text(user, SLOW)).reply is None
        time.sleep(1.5)  # the answer is ready after 1 s; the API refuses it
    finally:
        api.fail_send = False
    assert api.messages_for(user) == []
    reply = content(wechat.deliver(wechat.text(user, "还在吗")))
    assert reply.startswith(KEPT_NOTE) and f"答：{SLOW}" in reply and reply.endswith("答：还在吗")


def test_a_long_answer_is_split_within_2048_bytes(server, wechat, api):
    user = openid()
    first = content(wechat.deliver(wechat.text(user, LONG)))
    assert first.startswith("（1/")
    total = int(first[3 : first.index("）")])
    rest = api.wait_for_messages(user, total - 1)
    parts = [first, *rest]
    assert all(len(p.encode("utf-8")) <= 2048 for p in parts)
    assert [p.split("）", 1)[0] for p in parts] == [f"（{i}/{total}" for i in range(1, total + 1)]
    assert "".join(p.split("\n", 1)[1] for p in parts) == LONG_ANSWER


# -- hostile input ---------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<xml><Content>&lol3;</Content></xml>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
    b"<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"
)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (BILLION_LAUGHS, 400),
        (EXTERNAL_ENTITY, 400),
        (b"<xml><ToUserName>gh</ToUserName", 400),
        (b"not xml at all", 400),
        (b"<html><body/></html>", 400),
        (b"<xml>" + b"<a>x</a>" * 20000 + b"</xml>", 413),
    ],
    ids=["billion-laughs", "external-entity", "truncated", "not-xml", "wrong-root", "oversized"],
)
def test_hostile_xml_is_refused_and_the_server_lives_on(server, wechat, body, status, caplog):
    before = len(server.assistant.received)
    with caplog.at_level(logging.WARNING, logger="bot.channels.wechat"):
        if server.channel.config.mode == "safe" and status == 400:
            # encrypted and correctly signed: the hostile XML is inside
            envelope = (
                f"<xml><ToUserName>gh</ToUserName><Encrypt>{wechat.encrypt(body.decode())}</Encrypt></xml>"
            )
            reply = wechat.post("", raw_body=envelope.encode())
        else:
            reply = wechat.post("", raw_body=body)
    assert reply.status_code == status
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert len(server.assistant.received) == before
    assert content(wechat.deliver(wechat.text(openid(), "还活着吗"))) == "答：还活着吗"


def test_logs_name_senders_only_hashed(server, wechat, api, caplog):
    user = openid()
    with caplog.at_level(logging.INFO, logger="bot.channels.wechat"):
        wechat.deliver(wechat.text(user, SLOW))
        api.wait_for_messages(user, 1)
    assert caplog.records and not any(user in r.getMessage() for r in caplog.records)


# -- access token shared by worker processes -------------------------------------------------


def _send_from_a_process(db: str, api_base: str, openid_: str, count: int) -> None:
    client = CustomerServiceApi(APPID, SECRET, WeChatState(db), api_base)
    for i in range(count):
        client.send_text(openid_, f"第{i}条")


def test_the_access_token_is_fetched_once_for_all_processes_and_refreshed_when_refused(tmp_path):
    with FakeWeChatAPI(appid=APPID, secret=SECRET) as fake:
        db = str(tmp_path / "shared.db")
        context = multiprocessing.get_context("spawn")
        workers = [
            context.Process(target=_send_from_a_process, args=(db, fake.base_url, f"worker{i}", 3))
            for i in range(4)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert [w.exitcode for w in workers] == [0] * 4
        assert fake.token_requests == 1 and len(fake.messages) == 12
        fake.invalidate_tokens()  # WeChat answers 40001 to the cached token
        _send_from_a_process(db, fake.base_url, "worker9", 1)
        assert fake.token_requests == 2 and fake.messages_for("worker9") == ["第0条"]


def test_channel_configuration_errors_are_clear():
    with pytest.raises(ValueError, match="WECHAT_TOKEN"):
        WeChatConfig.from_credentials({"token": ""})
    with pytest.raises(ValueError, match="EncodingAESKey"):
        WeChatConfig.from_credentials({"token": "t", "mode": "safe", "aes_key": "short", "appid": "wx"})
    with pytest.raises(ValueError, match="mode must be one of"):
        WeChatConfig.from_credentials({"token": "t", "mode": "secret"})
    assert WeChatConfig.from_credentials({"token": "t"}).mode == "plain"
    assert (
        WeChatConfig.from_credentials({"token": "t", "aes_key": make_aes_key(), "appid": "wx"}).mode == "safe"
    )


def test_when_wechat_gives_up_first_its_retry_is_not_asked_again(server, api):
    """WeChat's own timeout shorter than the channel's: the retry finds the message taken,
    and the answer still arrives once, by the API."""
    wechat = server.simulator("plain" if server.channel.config.mode == "plain" else "safe", timeout=0.2)
    user = openid()
    delivery = wechat.deliver(wechat.text(user, SLOW))
    assert (
        delivery.attempts == 2 and delivery.responses[0] is None and delivery.responses[1].text == "success"
    )
    assert api.wait_for_messages(user, 1) == [f"答：{SLOW}"]
    time.sleep(0.5)
    assert api.messages_for(user) == [f"答：{SLOW}"]
    assert [t for _, t, _ in server.assistant.received].count(SLOW) >= 1


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><MsgType>text</MsgType><Content>no sender</Content></xml>",
        b"<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>",
        b"<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>\xff\xfe</Content></xml>",
    ],
    ids=["no-sender", "bad-time", "not-utf8"],
)
def test_malformed_messages_get_400(server, wechat, body):
    if server.channel.config.mode == "safe":
        pytest.skip("plain bodies are refused in safe mode anyway")
    assert wechat.post("", raw_body=body).status_code == 400
