"""All dev questions (never trained on) through the running assistant, with the targets:
≥ 95% of in-scope questions answered with the right id, every EMERGENCY item an emergency,
≥ 90% of OOS items declined, ≥ 95% of behaviours with their intent. The table with the
confusion pairs is printed and kept in var/results/dev-questions.txt.
"""

from __future__ import annotations

import pytest

from bot import paths
from bot.evaluate import load_items, run
from bot.knowledge.check import load_dev_texts
from bot.launcher import meta_of

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def report(assistant, kb):
    items = load_items()
    result = run(lambda text, sender: meta_of(assistant.ask(text, sender)), items)
    out = paths.var_dir() / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dev-questions.txt").write_text(result.table() + "\n", encoding="utf-8")
    return result


def test_print_the_table(report, capsys):
    with capsys.disabled():
        print("\n\ndev questions (var/results/dev-questions.txt):\n" + report.table() + "\n")


def test_every_item_is_asked(report):
    assert len(report.results) == len(load_dev_texts()) >= 254


def test_in_scope_questions_get_the_right_answer(report):
    assert report.rate("in_scope") >= 0.95


def test_every_emergency_is_an_emergency(report):
    assert report.count("emergency") >= 10
    assert report.rate("emergency") == 1.0


def test_out_of_scope_items_are_declined(report):
    assert report.rate("oos") >= 0.90


def test_behaviours_get_their_intent(report):
    assert report.rate("behaviour") >= 0.95
