"""The WeChat channel of the running assistant (enabled in conftest against the fake WeChat
API, compatible mode): the simulator talks to the real Rasa server.
"""

from __future__ import annotations

import uuid

import pytest

from bot.channels.wechat import WELCOME
from bot.pii import hash_sender
from tests.conftest import TEST_SALT, WECHAT_AES_KEY, WECHAT_APPID, WECHAT_TOKEN
from tests.test_server import wait_for_rows
from tests.wechat_sim import WeChatSimulator

pytestmark = pytest.mark.server


@pytest.fixture(params=["plain", "compatible"])
def wechat(request, assistant) -> WeChatSimulator:
    url = f"{assistant.url}/webhooks/wechat/webhook"
    return WeChatSimulator(url, WECHAT_TOKEN, WECHAT_APPID, WECHAT_AES_KEY, mode=request.param)


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def ask(wechat: WeChatSimulator, xml: str) -> str:
    delivery = wechat.deliver(xml)
    assert delivery.attempts == 1 and delivery.reply is not None, delivery.responses
    return delivery.reply["Content"]


def test_handshake_through_rasa(wechat):
    assert wechat.handshake("hello-wechat").text == "hello-wechat"
    assert wechat.handshake("x", signature="0" * 40).status_code == 403


def test_a_question_gets_the_answer_as_plain_text(wechat, kb):
    reply = ask(wechat, wechat.text(openid(), "宅基地归谁所有"))
    assert kb.entries["HS01"].answer in reply
    assert "answer_id" not in reply  # the REST metadata stays on REST


def test_a_new_follower_gets_the_menu_and_a_number_picks_from_it(wechat):
    user = openid()
    menu = ask(wechat, wechat.event(user, "subscribe"))
    assert menu.startswith(WELCOME) and "1. " in menu and "2. " in menu
    topic = ask(wechat, wechat.text(user, "1"))
    assert "方面可以问" in topic and "请回复数字" in topic
    answer = ask(wechat, wechat.text(user, "1"))
    assert "依据" in answer


def test_voice_recognition_is_the_question(wechat, kb):
    reply = ask(wechat, wechat.voice(openid(), "草场承包期是多少年"))
    assert kb.entries["GL02"].answer in reply


def test_the_query_log_records_channel_wechat_and_a_hashed_sender(assistant, wechat):
    user = openid()
    ask(wechat, wechat.text(user, "被骗的钱还能追回来吗"))
    hashed = hash_sender(user, TEST_SALT.encode())
    rows, _ = wait_for_rows(assistant.db_path, lambda rows, _: any(r["sender"] == hashed for r in rows))
    mine = [r for r in rows if r["sender"] == hashed]
    assert mine and all(r["channel"] == "wechat" for r in mine)
    assert not any(user in str(value) for r in rows for value in r.values())
