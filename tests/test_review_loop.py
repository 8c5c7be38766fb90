"""Closing the loop: a question the assistant cannot answer is logged, a trainer assigns it to
the right entry (the review service the CLI uses), the NLU is retrained on the result, and the
same question is then answered with that entry. Trains into a temporary folder (~2 minutes).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys

import pytest

from bot import paths
from bot.decide import decide
from bot.knowledge import derive
from bot.knowledge.loader import load
from bot.launcher import base_env, meta_of
from bot.querylog.store import QueryLog
from bot.review.service import Review
from bot.review.store import ReviewStore
from tests.test_server import wait_for_rows

pytestmark = pytest.mark.server

QUESTION = "阿爸没了，他那套土坯房谁来接"
ENTRY = "HS06"


def test_a_reviewed_question_is_answered_after_retraining(assistant, tmp_path):
    before = meta_of(assistant.ask(QUESTION, "loop-sender"))
    assert before["answer_id"] != ENTRY, "the model already answers it: pick another question"

    rows, _ = wait_for_rows(assistant.db_path, lambda rows, _: any(r["text"] == QUESTION for r in rows))
    log = QueryLog(assistant.db_path)
    knowledge = tmp_path / "knowledge"
    shutil.copytree(paths.knowledge_dir(), knowledge)
    review = Review(log, ReviewStore(tmp_path / "review.db"), knowledge_dir=knowledge, root=tmp_path)
    group = next(g for g in review.inbox() if QUESTION in [m["text"] for m in g.members])
    review.act("trainer1", "assign", group.ids, ENTRY, text=QUESTION)
    log.close()

    data = tmp_path / "data"
    shutil.copytree(paths.ROOT / "data", data)
    (data / "nlu" / "knowledge.yml").write_text(derive.render_nlu(load(knowledge)), encoding="utf-8")
    out = tmp_path / "models"
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--nlu", str(data / "nlu"), "--config", "config.yml",
         "--out", str(out), "--fixed-model-name", "loop"],
        cwd=paths.ROOT, env=base_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    from rasa.core.agent import Agent

    agent = Agent.load(str(out / "loop.tar.gz"))
    after = decide(asyncio.run(agent.parse_message(QUESTION)))
    assert after.outcome == "answered" and after.answer_id == ENTRY
