"""Shared fixtures. Tests marked ``server`` use the trained model and the running assistant."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot import paths
from bot.knowledge import legal
from bot.knowledge.loader import load

TEST_RASA_PORT = int(os.environ.get("TEST_RASA_PORT", 15005))
TEST_ACTION_PORT = int(os.environ.get("TEST_ACTION_PORT", 15055))
TEST_SALT = "test-salt"
# The WeChat channel of the session's assistant (compatible mode: plain and AES both accepted).
WECHAT_TOKEN = "test-wechat-token"
WECHAT_APPID = "wx_test"
WECHAT_SECRET = "secret_test"
WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture(scope="session")
def kb():
    knowledge = load()
    assert not knowledge.problems, knowledge.problems
    return knowledge


@pytest.fixture(scope="session")
def corpus():
    return legal.corpus()


@pytest.fixture()
def entry_file(tmp_path: Path):
    """A copy of the knowledge folder to break on purpose; returns (knowledge dir, write)."""
    target = tmp_path / "knowledge"
    shutil.copytree(paths.knowledge_dir(), target)
    return target


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="session")
def wechat_api():
    """The WeChat API (token, customer-service messages) as a local fake."""
    from tests.wechat_sim import FakeWeChatAPI

    with FakeWeChatAPI(appid=WECHAT_APPID, secret=WECHAT_SECRET) as api:
        yield api


@pytest.fixture(scope="session")
def assistant(server_dir: Path, wechat_api):
    """The assistant (Rasa + actions) on test ports, with its own query log and the WeChat
    channel enabled against the fake WeChat API.
    """
    from bot.launcher import Assistant, latest_model

    if latest_model() is None:
        pytest.skip("no trained model: run `make train` (make test trains first)")
    db = server_dir / "querylog.db"
    env = {
        "QUERY_LOG_DB": str(db),
        "QUERY_LOG_SALT": TEST_SALT,
        "WECHAT_TOKEN": WECHAT_TOKEN,
        "WECHAT_APPID": WECHAT_APPID,
        "WECHAT_SECRET": WECHAT_SECRET,
        "WECHAT_AES_KEY": WECHAT_AES_KEY,
        "WECHAT_MODE": "compatible",
        "WECHAT_API_BASE": wechat_api.base_url,
        "WECHAT_STATE_DB": str(server_dir / "wechat.db"),
    }
    with Assistant(
        rasa_port=TEST_RASA_PORT, action_port=TEST_ACTION_PORT, log_dir=server_dir / "logs", env=env
    ) as running:
        running.db_path = db
        yield running


@pytest.fixture()
def query_log(tmp_path: Path):
    from bot.querylog.store import QueryLog

    log = QueryLog(tmp_path / "log.db")
    yield log
    log.close()
