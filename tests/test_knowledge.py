"""The knowledge base loads, is complete for this stage, and the check rejects broken entries."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge.check import Coverage, check, is_copy, load_dev_texts, normalise_for_copy
from bot.knowledge.loader import load, response_key
from bot.knowledge.schema import (
    MAX_ANSWER_CHARS,
    MAX_SCRIPT_CHARS,
    MIN_QUESTIONS,
    QUESTION_STYLES,
    VILLAGER_STEPS_MAX,
    visible_length,
)

COVERAGE = Coverage.load()
ALL_IDS = list(COVERAGE.entries)
POINTS = [(i, n) for i, spec in COVERAGE.entries.items() for n in range(len(spec["points"]))]


def test_the_real_knowledge_base_passes_the_check():
    kb, problems = check()
    assert problems == [], "\n".join(map(str, problems))
    assert len(kb) == len(ALL_IDS) == 49


def test_every_coverage_entry_is_written(kb):
    assert sorted(set(ALL_IDS) - set(kb.entries)) == []


@pytest.mark.parametrize(("entry_id", "n"), POINTS, ids=[f"{i}-point{n + 1}" for i, n in POINTS])
def test_every_coverage_point_is_made(kb, entry_id, n):
    """The hand-written mapping: coverage point n → the sentence of the reply that makes it."""
    entry = kb.entries[entry_id]
    point = COVERAGE.entries[entry_id]["points"][n]
    assert len(entry.points) == len(COVERAGE.entries[entry_id]["points"])
    sentence = entry.points[n]
    said = entry.answer + "".join(entry.next_steps[:VILLAGER_STEPS_MAX])
    assert sentence in said, f"{entry_id} point {n + 1} ({point}) is not made: {sentence!r} not in the reply"


@pytest.mark.parametrize("entry_id", ALL_IDS)
def test_entry_is_complete(kb, entry_id):
    entry = kb.entries[entry_id]
    assert len(entry.questions.all()) >= MIN_QUESTIONS
    for style in QUESTION_STYLES:
        assert getattr(entry.questions, style), f"{entry_id} has no {style} question"
    assert visible_length(entry.answer) <= MAX_ANSWER_CHARS
    assert entry.next_steps and entry.where_to_go and entry.documents
    assert entry.script.explain and entry.script.ask_back.endswith("？")
    assert entry.review.valid_as_of.isoformat() == "2025-04-19"
    assert response_key(entry).endswith("/" + entry_id)


def _break(knowledge: Path, entry_id: str, change) -> list[str]:
    """Apply ``change`` to one entry's YAML in a copy of knowledge/ and return the problems."""
    path = knowledge / "entries" / f"{entry_id}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _, problems = check(knowledge_dir=knowledge)
    return [str(p) for p in problems]


def test_check_reports_a_broken_schema(entry_file):
    problems = _break(entry_file, "HS01", lambda d: d.pop("answer"))
    assert problems == ["knowledge/entries/HS01.yml: answer: field required"] or any(
        p.endswith("HS01.yml: answer: field required") for p in problems
    )


def test_check_reports_too_few_questions(entry_file):
    def keep_one_each(d):
        for style in QUESTION_STYLES:
            d["questions"][style] = d["questions"][style][:1]

    problems = _break(entry_file, "HS01", keep_one_each)
    assert any(f"questions: at least {MIN_QUESTIONS} questions" in p for p in problems)


def test_check_reports_a_missing_coverage_id(entry_file):
    (entry_file / "entries" / "HS02.yml").unlink()
    _, problems = check(knowledge_dir=entry_file)
    assert "knowledge/entries/HS02.yml: id: coverage id HS02 has no entry" in [str(p) for p in problems]


def test_check_reports_a_script_asking_two_questions(entry_file):
    problems = _break(entry_file, "HS01", lambda d: d["script"].update(ask_back="有证吗？有合同吗？"))
    assert any("script.ask_back: ask_back is exactly one question" in p for p in problems)


def test_check_reports_a_script_longer_than_two_minutes(entry_file):
    problems = _break(entry_file, "HS01", lambda d: d["script"].update(explain="老人家，" * 200))
    assert any(f"at most {MAX_SCRIPT_CHARS}" in p for p in problems)


def test_check_reports_an_entry_with_nothing_to_bring(entry_file):
    problems = _break(entry_file, "HS01", lambda d: d.update(documents=[]))
    assert any("HS01.yml: documents:" in p for p in problems)


def test_check_reports_an_unknown_id(entry_file):
    (entry_file / "entries" / "HS01.yml").rename(entry_file / "entries" / "HS99.yml")
    problems = _break(entry_file, "HS99", lambda d: d.update(id="HS99"))
    assert any(p.endswith("HS99.yml: id: HS99 is not an id in coverage.yml") for p in problems)


def test_check_reports_a_duplicate_id(entry_file):
    source = entry_file / "entries" / "HS01.yml"
    (entry_file / "entries" / "HS01b.yml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    _, problems = check(knowledge_dir=entry_file)
    assert any("id: HS01 already defined" in str(p) for p in problems)


def test_check_reports_an_article_not_in_the_legal_folder(entry_file):
    def cite_missing(d):
        d["citations"].append({"law": "土地管理法", "article": "第999条"})

    problems = _break(entry_file, "HS01", cite_missing)
    assert any("土地管理法 第999条 is not in ../shared/legal/" in p for p in problems)


def test_check_reports_an_inexact_quote(entry_file):
    def misquote(d):
        d["citations"][0]["quote"] = d["citations"][0]["quote"].replace("集体", "个人")

    problems = _break(entry_file, "HS01", misquote)
    assert any(".quote: differs from the text of" in p for p in problems)


def test_check_reports_an_answer_over_the_limit(entry_file):
    problems = _break(entry_file, "HS01", lambda d: d.update(answer="很长的回答。" * 60))
    assert any(f"at most {MAX_ANSWER_CHARS}" in p for p in problems)


def test_check_reports_a_point_the_answer_does_not_make(entry_file):
    problems = _break(entry_file, "HS01", lambda d: d["points"].__setitem__(0, "答案里没有的一句话"))
    assert any("points.0: not found in the answer or the first 3 next steps" in p for p in problems)


def test_check_reports_an_uncited_basis_article(entry_file):
    def drop_basis(d):
        d["citations"] = [c for c in d["citations"] if c.get("article") != "第362条"]

    problems = _break(entry_file, "HS01", drop_basis)
    assert any("coverage basis 民法典第362条 is not cited" in p for p in problems)


def test_check_reports_a_training_question_copied_from_the_dev_set(entry_file):
    dev = load_dev_texts()
    assert dev, "dev-questions.yml should be readable"
    copied = dev[0] + "。"  # punctuation does not hide a copy
    problems = _break(entry_file, "HS01", lambda d: d["questions"]["plain"].append(copied))
    assert any("copies or nearly copies message 1 of dev-questions.yml" in p for p in problems)
    assert not any(dev[0] in p for p in problems), "the check must not print dev texts"


def test_no_training_question_copies_a_dev_question(kb):
    dev = load_dev_texts()
    for entry in kb:
        for question in entry.questions.all():
            assert not any(is_copy(question, d) for d in dev), question


def test_copy_detection_is_about_wording_not_topic():
    assert is_copy("宅基地归谁所有？", "宅基地归谁所有")
    assert not is_copy("宅基地归谁所有", "草场承包期多少年")
    assert normalise_for_copy("Ａ，宅 基地！") == "a宅基地"


def test_loader_collects_yaml_errors(tmp_path):
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries" / "HS01.yml").write_text("id: [unclosed", encoding="utf-8")
    kb = load(tmp_path)
    assert len(kb) == 0
    assert kb.problems and "cannot read YAML" in kb.problems[0].message


def test_check_reports_a_dev_question_in_another_field(entry_file):
    dev = next(t for t in load_dev_texts() if len(normalise_for_copy(t)) >= 10)
    problems = _break(entry_file, "HS01", lambda d: d.update(title="标题：" + dev))
    assert any("HS01.yml: title: contains message" in p for p in problems)
