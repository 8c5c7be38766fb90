"""Robustness beyond the paraphrases, measured on held-out questions (tests/robustness/):
each question is asked clean and in five variants through the running assistant. A variant
may cost at most a few points against the clean questions.
"""

from __future__ import annotations

import pytest

from bot import paths
from bot.evaluate import Report, run
from bot.knowledge.check import is_copy, load_dev_texts, normalise_for_copy
from bot.launcher import meta_of
from tests.robustness_variants import VARIANTS, load

pytestmark = pytest.mark.server

# Percentage points a variant may lose against the clean questions.
MAX_LOSS = 0.05
MIN_CLEAN = 0.90


def _items(variant: str | None) -> list[dict]:
    items = []
    for i, q in enumerate(load()["questions"]):
        text = q["text"] if variant is None else VARIANTS[variant](q["text"], i)
        if text is not None:
            items.append({"text": text, "expect": q["id"]})
    return items


@pytest.fixture(scope="module")
def reports(assistant) -> dict[str, Report]:
    def ask(text, sender):
        return meta_of(assistant.ask(text, sender))

    out = {name: run(ask, _items(None if name == "clean" else name)) for name in ("clean", *VARIANTS)}
    lines = [f"{'variant':<18} {'items':>5} {'right':>7}"]
    lines += [f"{name:<18} {len(r.results):>5} {r.rate('in_scope'):>7.1%}" for name, r in out.items()]
    for name, report in out.items():
        for (expect, got), n in report.confusions().most_common():
            lines.append(f"  {name}: {expect} -> {got} ×{n}")
    table = "\n".join(lines)
    results = paths.var_dir() / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "robustness.txt").write_text(table + "\n", encoding="utf-8")
    return out


def test_print_the_table(reports, capsys):
    with capsys.disabled():
        print(
            "\n\nrobustness (var/results/robustness.txt):\n"
            + (paths.var_dir() / "results" / "robustness.txt").read_text()
        )


def test_held_out_questions_are_neither_training_nor_dev_questions(kb):
    dev = load_dev_texts()
    assert not [q["id"] for q in load()["questions"] if any(is_copy(q["text"], d) for d in dev)]
    trained = {normalise_for_copy(q) for entry in kb for q in entry.questions.all()}
    assert not [q["text"] for q in load()["questions"] if normalise_for_copy(q["text"]) in trained]
    assert {q["id"] for q in load()["questions"]} == set(kb.entries)


def test_clean_held_out_questions(reports):
    assert reports["clean"].rate("in_scope") >= MIN_CLEAN


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_variant_costs_at_most_a_few_points(reports, variant):
    assert len(reports[variant].results) >= 40
    assert reports[variant].rate("in_scope") >= reports["clean"].rate("in_scope") - MAX_LOSS
