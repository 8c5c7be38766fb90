"""Channels: the REST contract through Rasa's app test client; other channels drop the metadata."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel

from bot.channels.output import DropReplyMeta
from bot.reply_meta import is_reply_meta, reply_meta


def test_other_channels_drop_the_reply_metadata():
    inner = CollectingOutputChannel()
    channel = DropReplyMeta(inner)

    async def send():
        await channel.send_response("u", {"text": "答案"})
        await channel.send_response("u", {"custom": reply_meta("HS01", "answered", "ask_homestead", 0.9)})
        await channel.send_response("u", {"custom": {"payload": "other custom data"}})

    asyncio.run(send())
    assert [m.get("text") or m.get("custom") for m in inner.messages] == [
        "答案",
        {"payload": "other custom data"},
    ]
    assert channel.name() == inner.name()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def rest_app(assistant, tmp_path_factory, monkeypatch_module):
    """Rasa's Sanic app with the REST channel and the trained model, using the test action server."""
    from rasa.core.agent import load_agent
    from rasa.core.channels import channel
    from rasa.core.channels.rest import RestInput
    from rasa.core.utils import AvailableEndpoints
    from rasa.server import create_app

    from bot.launcher import latest_model

    monkeypatch_module.setenv("ACTION_SERVER_URL", f"http://localhost:{assistant.action_port}/webhook")
    monkeypatch_module.setenv("QUERY_LOG_DB", str(tmp_path_factory.mktemp("channel") / "log.db"))
    endpoints = AvailableEndpoints.read_endpoints("endpoints.yml")
    agent = asyncio.run(load_agent(model_path=str(latest_model()), endpoints=endpoints))
    app = create_app(agent=agent)
    channel.register([RestInput()], app, "/webhooks/")
    return app


@pytest.mark.server
@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("你好", "smalltalk"),
        ("宅基地归谁所有", "answered"),
        ("离婚了孩子归谁", "fallback"),
        ("刚被骗转了两万块", "emergency"),
    ],
)
def test_rest_channel_returns_exactly_one_metadata_message(rest_app, text, outcome):
    request, response = rest_app.test_client.post(
        "/webhooks/rest/webhook", json={"sender": f"channel-{outcome}", "message": text}
    )
    assert response.status == 200
    metas = [m["custom"] for m in response.json if is_reply_meta(m.get("custom"))]
    assert len(metas) == 1 and metas[0]["outcome"] == outcome
    assert any(m.get("text") for m in response.json)
    assert all(m["recipient_id"] == f"channel-{outcome}" for m in response.json)
