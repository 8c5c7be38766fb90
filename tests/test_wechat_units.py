"""The WeChat protocol pieces without a server: XML guard, splitting, shared state."""

from __future__ import annotations

import pytest

from bot.wechat.split import MAX_MESSAGE_BYTES, split_message
from bot.wechat.state import WeChatState
from bot.wechat.xml_guard import BadXml, read_fields


def test_read_fields_of_a_message():
    fields = read_fields("<xml><MsgType><![CDATA[text]]></MsgType><Content>宅基地</Content></xml>".encode())
    assert fields == {"MsgType": "text", "Content": "宅基地"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>', 400),
        (b'<?xml version="1.0"?><!doctype x SYSTEM "http://example.com/x.dtd"><xml/>', 400),
        (b"<xml><a></xml>", 400),
        (b"<root/>", 400),
        (b"<xml>" + b"x" * 70_000 + b"</xml>", 413),
    ],
)
def test_read_fields_refuses(body, status):
    with pytest.raises(BadXml) as caught:
        read_fields(body)
    assert caught.value.status == status


def test_a_short_answer_stays_whole():
    assert split_message("宅基地归集体所有。") == ["宅基地归集体所有。"]


def test_a_long_answer_is_cut_after_sentences_and_numbered():
    sentences = [f"第{i}句话说的是宅基地的事情，要讲清楚。" for i in range(150)]
    parts = split_message("".join(sentences))
    assert len(parts) > 1 and all(len(p.encode()) <= MAX_MESSAGE_BYTES for p in parts)
    assert parts[0].startswith(f"（1/{len(parts)}）\n") and parts[-1].startswith(
        f"（{len(parts)}/{len(parts)}）\n"
    )
    bodies = [p.split("\n", 1)[1] for p in parts]
    assert all(b.endswith("。") for b in bodies)  # never inside a sentence
    assert "".join(bodies) == "".join(sentences)


def test_a_sentence_longer_than_a_message_is_cut_by_characters():
    parts = split_message("宅" * 1500)
    assert all(len(p.encode()) <= MAX_MESSAGE_BYTES for p in parts)
    assert "".join(p.split("\n", 1)[1] for p in parts) == "宅" * 1500


def test_state_claims_once_keeps_answers_and_caches_the_token(tmp_path):
    state = WeChatState(tmp_path / "w.db")
    assert state.claim("msg:1") and not state.claim("msg:1") and state.claim("msg:2")
    state.add_pending("o1", "第一条")
    state.add_pending("o1", "第二条")
    assert state.pop_pending("o1") == ["第一条", "第二条"] and state.pop_pending("o1") == []
    fetched = []

    def fetch():
        fetched.append(1)
        return f"token-{len(fetched)}", 7200.0

    assert state.token("wx", fetch) == "token-1" and state.token("wx", fetch) == "token-1"
    state.forget_token("wx", "token-1")
    assert state.token("wx", fetch) == "token-2"
    # a token about to expire is fetched again
    assert state.token("wx2", lambda: ("short", 10.0)) == "short"
    assert state.token("wx2", lambda: ("fresh", 7200.0)) == "fresh"
