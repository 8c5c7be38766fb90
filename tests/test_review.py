"""Trainers' review without a server: grouping, the export to knowledge/, accounts, actions
and undo, the CLI, purging old rows."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys

import pytest
import yaml

from bot.knowledge.check import check
from bot.review import to_knowledge
from bot.review.grouping import features, group_messages, similarity
from bot.review.service import Review
from bot.review.store import ReviewStore, hash_password, verify_password


def rows(*texts, outcome="fallback", guesses=None):
    return [
        {
            "id": i,
            "ts": f"2026-11-{10 + i:02d}T08:00:00",
            "text": t,
            "answer_id": None,
            "guesses": json.dumps(guesses or []),
        }
        for i, t in enumerate(texts, 1)
    ]


def test_near_duplicates_group_together_and_others_apart():
    groups = group_messages(
        rows(
            "工地老板拖欠工钱不给怎么办",
            "工地老板欠我工钱不给咋办",
            "老板拖欠工钱怎么办啊",
            "驾照到期了在哪换",
        )
    )
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].first_seen < groups[0].last_seen and groups[1].leader["text"] == "驾照到期了在哪换"


def test_similarity_reads_chinese_words_and_characters():
    assert similarity(features("宅基地能继承吗"), features("宅基地可以继承吗？")) > 0.4
    assert similarity(features("宅基地能继承吗"), features("草场被污染了找谁赔")) < 0.1


def test_group_guesses_come_from_the_logged_candidates():
    group = group_messages(
        rows("房子能继承吗", "老房子能继承不", guesses=[{"id": "HS06", "confidence": 0.3}])
    )[0]
    assert group.guesses() == [("HS06", 2)]


def test_assigning_writes_a_masked_from_log_question_and_undo_removes_it(entry_file):
    before = (entry_file / "entries" / "HS06.yml").read_text(encoding="utf-8")
    written = to_knowledge.add_to_entry("HS06", "我爸的老房子我能继承不？我电话13812345678", entry_file)
    assert "13812345678" not in written and "[电话号码]" in written
    data = yaml.safe_load((entry_file / "entries" / "HS06.yml").read_text(encoding="utf-8"))
    assert data["questions"]["from_log"] == [written]
    kb, problems = check(knowledge_dir=entry_file)
    assert problems == [] and written in kb.entries["HS06"].questions.all()
    assert to_knowledge.remove_from_entry("HS06", written, entry_file)
    assert (entry_file / "entries" / "HS06.yml").read_text(encoding="utf-8") == before


def test_assigning_to_an_unknown_entry_is_a_clear_error(entry_file):
    with pytest.raises(ValueError, match="no knowledge entry XX01"):
        to_knowledge.add_to_entry("XX01", "问题", entry_file)


def test_out_of_scope_examples_file(tmp_path):
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    to_knowledge.add_out_of_scope("驾照到期了在哪换", tmp_path)
    to_knowledge.add_out_of_scope("今天刮不刮风", tmp_path)
    path = tmp_path / to_knowledge.OUT_OF_SCOPE_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["nlu"][0]["intent"] == "out_of_scope" and "- 今天刮不刮风" in data["nlu"][0]["examples"]
    assert to_knowledge.remove_out_of_scope("驾照到期了在哪换", tmp_path)
    assert to_knowledge.remove_out_of_scope("今天刮不刮风", tmp_path) and not path.exists()


def test_passwords_are_hashed_with_scrypt(tmp_path):
    stored = hash_password("secret-pass")
    assert stored.startswith("scrypt$") and "secret-pass" not in stored
    assert verify_password("secret-pass", stored) and not verify_password("wrong-pass", stored)
    store = ReviewStore(tmp_path / "r.db")
    store.add_user("anna", "trainer", "long-enough")
    assert store.check_login("anna", "long-enough") == "trainer" and store.check_login("anna", "nope") is None
    with pytest.raises(ValueError):
        store.add_user("bob", "admin", "long-enough")
    with pytest.raises(ValueError):
        store.add_user("bob", "trainer", "short")


def test_actions_are_recorded_hide_reviewed_messages_and_can_be_undone(tmp_path, query_log, entry_file):
    ids = [
        query_log.insert_message({"channel": "rest", "sender": "s", "text": t, "outcome": "fallback"})
        for t in ("我爸的老房子我能继承不", "老房子能不能继承", "驾照到期了在哪换")
    ]
    review = Review(query_log, ReviewStore(tmp_path / "r.db"), knowledge_dir=entry_file, root=tmp_path)
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    inbox = review.inbox()
    assert sorted(g.count for g in inbox) == [1, 2]
    action = review.act("anna", "assign", ids[:2], "HS06", text="老房子能不能继承")
    assert action["who"] == "anna" and action["entry_id"] == "HS06" and action["ts"]
    assert (
        "老房子能不能继承"
        in yaml.safe_load((entry_file / "entries" / "HS06.yml").read_text())["questions"]["from_log"]
    )
    spam = review.act("anna", "spam", [ids[2]])
    assert review.inbox() == []
    review.undo("bert", action["id"])
    assert "from_log" not in yaml.safe_load((entry_file / "entries" / "HS06.yml").read_text())["questions"]
    assert review.store.action(action["id"])["undone_by"] == "bert"
    assert [g.count for g in review.inbox()] == [2]
    with pytest.raises(ValueError, match="already undone"):
        review.undo("bert", action["id"])
    with pytest.raises(ValueError, match="no logged messages"):
        review.act("anna", "spam", [9999])
    assert spam["kind"] == "spam"


def test_backlog_of_new_entries(tmp_path, query_log):
    ids = [
        query_log.insert_message(
            {"channel": "rest", "sender": "s", "text": "低保怎么申请", "outcome": "fallback"}
        )
    ]
    review = Review(query_log, ReviewStore(tmp_path / "r.db"))
    review.act("anna", "new_entry", ids, text="低保怎么申请")
    assert [(b["text"], b["count"]) for b in review.store.backlog()] == [("低保怎么申请", 1)]


def test_cli_user_add_reads_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    db = tmp_path / "r.db"
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-good-password\n"))
    assert main(["user", "add", "chen", "--role", "understander", "--db", str(db)]) == 0
    assert ReviewStore(db).check_login("chen", "a-good-password") == "understander"
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["user", "add", "chen", "--role", "understander", "--db", str(db)]) == 2
    assert "at least 8 characters" in capsys.readouterr().err


def test_log_purge_deletes_only_old_rows(query_log):
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)).isoformat(timespec="milliseconds")
    query_log.insert_message(
        {"channel": "rest", "sender": "s", "text": "旧问题", "outcome": "fallback", "ts": old}
    )
    query_log.insert_message({"channel": "rest", "sender": "s", "text": "新问题", "outcome": "fallback"})
    assert query_log.purge(365) == {"messages": 1, "handoffs": 0}
    assert [r["text"] for r in query_log.messages()] == ["新问题"]
    assert query_log.unanswered("旧问题") == []
    with pytest.raises(ValueError):
        query_log.purge(0)


def test_hand_offs_from_the_cli(query_log, capsys):
    from bot.cli import main

    hid = query_log.add_handoff(
        {
            "channel": "web",
            "sender": "s",
            "village": "巴音嘎查",
            "phone": "13812345678",
            "question": "草场纠纷",
            "status": "new",
        }
    )
    db = str(query_log.path)
    assert (
        main(
            [
                "handoff",
                "update",
                str(hid),
                "--status",
                "contacted",
                "--notes",
                "已打电话",
                "--who",
                "chen",
                "--db",
                db,
            ]
        )
        == 0
    )
    row = query_log.handoffs()[0]
    assert (row["status"], row["notes"], row["handler"]) == ("contacted", "已打电话", "chen")
    assert main(["handoff", "list", "--status", "contacted", "--db", db]) == 0
    assert "巴音嘎查" in capsys.readouterr().out
    assert main(["handoff", "update", "999", "--status", "closed", "--db", db]) == 2
