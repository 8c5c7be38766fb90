"""``python -m bot`` commands on a prepared query log."""

import json

import pytest

from bot.cli import main
from bot.querylog.writer import QueryLogWriter
from bot.reply_meta import reply_meta
from tests.test_querylog import bot_event, user_event


@pytest.fixture()
def filled_db(tmp_path):
    from bot.querylog.store import QueryLog

    db = tmp_path / "log.db"
    log = QueryLog(db)
    writer = QueryLogWriter(log, b"s")
    writer.handle(user_event("a", "离婚了孩子归谁", intent="out_of_scope"))
    writer.handle(bot_event("a", reply_meta(None, "fallback", "out_of_scope", 0.9)))
    writer.handle(user_event("b", "宅基地归谁所有"))
    writer.handle(bot_event("b", reply_meta("HS01", "answered", "ask_homestead", 0.9)))
    log.close()
    return db


def test_log_unanswered(filled_db, capsys):
    assert main(["log", "unanswered", "--db", str(filled_db)]) == 0
    out = capsys.readouterr().out
    assert "离婚了孩子归谁" in out and "宅基地归谁所有" not in out


def test_log_unanswered_search_and_json(filled_db, capsys):
    assert main(["log", "unanswered", "孩子", "--json", "--db", str(filled_db)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["text"] for r in rows] == ["离婚了孩子归谁"]
    assert main(["log", "unanswered", "草场", "--db", str(filled_db)]) == 0
    assert "no unanswered questions" in capsys.readouterr().out


def test_log_stats(filled_db, capsys):
    assert main(["log", "stats", "--db", str(filled_db)]) == 0
    out = capsys.readouterr().out
    assert "messages: 2" in out and "fallback 1" in out and "answered 1" in out


def test_log_on_a_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["log", "stats", "--db", str(tmp_path / "missing.db")])
    assert "no query log at" in str(exc.value)


def test_kb_check_passes_on_the_real_knowledge(capsys):
    assert main(["kb", "check"]) == 0


def test_the_wechat_channel_is_on_only_with_a_token():
    import yaml

    from bot.launcher import WECHAT_CHANNEL, run_credentials

    env: dict[str, str] = {}
    without = yaml.safe_load(run_credentials(env).read_text(encoding="utf-8"))
    assert "rest" in without and WECHAT_CHANNEL not in without
    env = {"WECHAT_TOKEN": "t"}
    with_token = run_credentials(env)
    assert WECHAT_CHANNEL in yaml.safe_load(with_token.read_text(encoding="utf-8"))
    # unset optional settings are set empty, so Rasa can expand every ${WECHAT_…}
    assert env["WECHAT_APPID"] == "" and env["WECHAT_MODE"] == ""


def test_kb_show_prints_the_reply_each_role_sees(capsys):
    assert main(["kb", "show", "HS01"]) == 0
    villager = capsys.readouterr().out
    assert "怎么办：" in villager and "【朗读稿】" not in villager
    assert main(["kb", "show", "HS01", "--role", "understander"]) == 0
    assert "【朗读稿】" in capsys.readouterr().out
    assert main(["kb", "show", "HS99"]) == 2
    assert "no entry HS99" in capsys.readouterr().err
