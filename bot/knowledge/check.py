"""The knowledge check: schema, coverage ids, citations, quotes, unseen dev questions.

Every problem is reported as a ``file: path: message`` line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import paths
from bot.knowledge import legal, legal_review
from bot.knowledge.loader import KnowledgeBase, Problem, load
from bot.knowledge.schema import QUESTION_STYLES, VILLAGER_STEPS_MAX, Entry

# legal/README.md: this secondary file is to be used only to know which local rules exist.
UNCITABLE_SECONDARY = {"neimenggu-caoyuan-difang-fagui.md"}
# Two questions this similar (character-bigram Jaccard) count as a copy.
COPY_SIMILARITY = 0.75
# A dev text at least this long that sits inside a training question is a copy.
COPY_MIN_CONTAINED = 6

_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def normalise_for_copy(text: str) -> str:
    """Lower-cased text without punctuation or spaces, for copy detection."""
    return "".join(_KEEP.findall(unicodedata.normalize("NFKC", text))).lower()


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


@dataclass(frozen=True)
class _CopyKey:
    """A text prepared for copy detection: normalised, and its character bigrams."""

    text: str
    bigrams: frozenset[str]

    @classmethod
    def of(cls, text: str) -> _CopyKey:
        norm = normalise_for_copy(text)
        return cls(norm, frozenset(_bigrams(norm)))


def _copies(q: _CopyKey, d: _CopyKey) -> bool:
    if not q.text or not d.text:
        return False
    if q.text == d.text or (len(d.text) >= COPY_MIN_CONTAINED and d.text in q.text):
        return True
    return len(q.bigrams & d.bigrams) / len(q.bigrams | d.bigrams) >= COPY_SIMILARITY


def is_copy(question: str, dev_text: str) -> bool:
    """True when a training question copies a dev question (exactly, contained or near)."""
    return _copies(_CopyKey.of(question), _CopyKey.of(dev_text))


@dataclass
class Coverage:
    """coverage.yml: entries by id, and the behaviour names."""

    entries: dict[str, dict]
    behaviours: dict[str, str]
    topics: dict[str, str]

    @classmethod
    def load(cls, path: Path | None = None) -> Coverage:
        data = yaml.safe_load((path or paths.coverage_file()).read_text(encoding="utf-8"))
        return cls(
            entries={e["id"]: e for e in data["entries"]},
            behaviours=dict(data.get("behaviours") or {}),
            topics=dict(data.get("topics") or {}),
        )


def load_dev_texts(path: Path | None = None) -> list[str]:
    """The user messages of dev-questions.yml (an empty list when the file is absent)."""
    path = path or paths.dev_questions_file()
    if not path.is_file():
        return []
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [str(item["text"]) for item in items if isinstance(item, dict) and "text" in item]


def _check_coverage(entry: Entry, file: str, coverage: Coverage) -> list[Problem]:
    spec = coverage.entries.get(entry.id)
    if spec is None:
        return [Problem(file, "id", f"{entry.id} is not an id in coverage.yml")]
    problems = []
    if spec["topic"] != entry.topic:
        problems.append(Problem(file, "topic", f"coverage.yml files {entry.id} under {spec['topic']}"))
    if len(entry.points) != len(spec["points"]):
        problems.append(
            Problem(
                file,
                "points",
                f"coverage.yml has {len(spec['points'])} points, the entry maps {len(entry.points)}",
            )
        )
    # A point must reach villagers too: the answer or the next steps their reply shows.
    said = entry.answer + "\n" + "\n".join(entry.next_steps[:VILLAGER_STEPS_MAX])
    for i, sentence in enumerate(entry.points):
        if sentence not in said:
            problems.append(
                Problem(
                    file,
                    f"points.{i}",
                    f"not found in the answer or the first {VILLAGER_STEPS_MAX} next steps: {sentence}",
                )
            )
    cited = {(c.law, c.article) for c in entry.statute_citations}
    policies = " ".join(c.policy or "" for c in entry.citations)
    sources = {Path(c.source).name for c in entry.citations if c.source}
    for source in spec.get("sources") or []:
        if Path(source).name not in sources:
            problems.append(Problem(file, "citations", f"coverage source {source} is not cited"))
    for item in spec.get("basis") or []:
        split = legal.split_basis(item)
        if split is not None and split not in cited:
            problems.append(Problem(file, "citations", f"coverage basis {item} is not cited"))
        if split is None and item not in policies:
            problems.append(Problem(file, "citations", f"coverage basis {item} is not cited"))
    return problems


def _check_citations(entry: Entry, file: str, corpus: legal.LegalCorpus) -> list[Problem]:
    problems = []
    for i, citation in enumerate(entry.citations):
        where = f"citations.{i}"
        if citation.policy:
            source = Path(citation.source or "")
            if source.parent.name != "secondary" or source.name not in corpus.secondary:
                problems.append(Problem(file, where, f"{citation.source} is not in legal/secondary/"))
            elif source.name in UNCITABLE_SECONDARY:
                problems.append(Problem(file, where, f"{source.name} may not be cited (legal/README.md)"))
            continue
        if citation.law not in corpus.laws:
            problems.append(Problem(file, where, f"law {citation.law!r} is not in legal/laws.yml"))
        elif not corpus.has_article(citation.law, citation.article):
            problems.append(
                Problem(file, where, f"{citation.law} {citation.article} is not in ../shared/legal/")
            )
        elif citation.quote and not corpus.quote_matches(citation.law, citation.article, citation.quote):
            problems.append(
                Problem(
                    file,
                    f"{where}.quote",
                    f"differs from the text of {citation.law} {citation.article}",
                )
            )
    return problems


def _check_questions(entry: Entry, file: str, dev_keys: list[_CopyKey]) -> list[Problem]:
    problems = []
    for style in (*QUESTION_STYLES, "from_log"):
        for i, question in enumerate(getattr(entry.questions, style)):
            key = _CopyKey.of(question)
            for n, dev in enumerate(dev_keys, 1):
                if _copies(key, dev):
                    # The dev text itself is not printed: it must stay unseen by writers.
                    problems.append(
                        Problem(
                            file,
                            f"questions.{style}.{i}",
                            f"copies or nearly copies message {n} of dev-questions.yml",
                        )
                    )
                    break
    return problems


def _check_dev_texts_elsewhere(entry: Entry, file: str, dev_texts: list[str]) -> list[Problem]:
    """No dev question may appear in the other texts of an entry either (title, answer …)."""
    fields = {"title": entry.title, "answer": entry.answer, "script": entry.script.text}
    fields.update({f"next_steps.{i}": step for i, step in enumerate(entry.next_steps)})
    problems = []
    for path, text in fields.items():
        body = normalise_for_copy(text)
        for n, dev in enumerate(dev_texts, 1):
            copied = normalise_for_copy(dev)
            if len(copied) >= COPY_MIN_CONTAINED and copied in body:
                problems.append(Problem(file, path, f"contains message {n} of dev-questions.yml"))
    return problems


def _check_corrections(
    entry: Entry, file: str, corpus: legal.LegalCorpus, findings: dict[str, list[legal_review.Finding]]
) -> list[Problem]:
    """Each correction names a finding of the entry's report, is said where promised, replaces for good."""
    from bot.replies import understander_answer, villager_answer

    if any(not corpus.has_article(c.law, c.article) for c in entry.statute_citations):
        return []  # the reply cannot be rendered; the citation problem is reported already
    seen = {"villager": villager_answer(entry), "understander": understander_answer(entry, corpus)}
    report = legal_review.report_for_entry(entry.id, list(findings))
    known = {f.id for f in findings.get(report, [])} if report else set()
    problems = []
    for i, fix in enumerate(entry.corrections):
        where = f"corrections.{i}"
        if findings and fix.finding not in known:
            problems.append(
                Problem(file, where, f"{fix.finding} is not a finding of {report or 'any report'}")
            )
        if fix.says and fix.says not in seen[fix.seen_by]:
            problems.append(
                Problem(file, f"{where}.says", f"not in the reply the {fix.seen_by} sees: {fix.says}")
            )
        if fix.replaces and any(fix.replaces in text for text in seen.values()):
            problems.append(
                Problem(file, f"{where}.replaces", f"the old wording is still there: {fix.replaces}")
            )
    return problems


def check_legal_record(
    kb: KnowledgeBase, findings: dict[str, list[legal_review.Finding]], record_file: Path
) -> list[Problem]:
    """docs/legal-review.md has one row per finding; what must be fixed is fixed, and anchored."""
    if not findings:
        return []
    name = (
        str(record_file.relative_to(paths.ROOT))
        if record_file.is_relative_to(paths.ROOT)
        else str(record_file)
    )
    if not record_file.is_file():
        return [Problem(name, ".", "the record of the legal review is missing")]
    records, malformed = legal_review.parse_record(record_file.read_text(encoding="utf-8"))
    problems = [Problem(name, f"line {n}", message) for n, message in malformed]
    rows: dict[tuple[str, str], legal_review.Record] = {}
    for record in records:
        key = (record.report, record.id)
        if key in rows:
            problems.append(
                Problem(name, f"line {record.line}", f"{record.id} is recorded twice under {record.report}")
            )
        rows.setdefault(key, record)
    anchored = {
        (legal_review.report_for_entry(e.id, list(findings)), fix.finding)
        for e in kb
        for fix in e.corrections
    }
    for report, items in findings.items():
        ids = {f.id for f in items}
        for finding in items:
            record = rows.get((report, finding.id))
            if record is None:
                problems.append(Problem(name, report, f"{finding.id} ({finding.label}) is not recorded"))
                continue
            if finding.needs_fix and record.status != "fixed":
                problems.append(
                    Problem(name, f"line {record.line}", f"{finding.id} ({finding.label}) must be fixed")
                )
            if record.status == "fixed" and (report, finding.id) not in anchored:
                problems.append(
                    Problem(
                        name,
                        f"line {record.line}",
                        f"{finding.id} is recorded fixed but no entry's corrections name it",
                    )
                )
            if record.status != "fixed" and (report, finding.id) in anchored:
                problems.append(
                    Problem(
                        name,
                        f"line {record.line}",
                        f"{finding.id} has corrections but is recorded {record.status!r}",
                    )
                )
        for (row_report, row_id), record in rows.items():
            if row_report == report and row_id not in ids:
                problems.append(
                    Problem(name, f"line {record.line}", f"{row_id} is not a finding of {report}")
                )
    for (row_report, _), record in rows.items():
        if row_report not in findings:
            problems.append(
                Problem(name, f"line {record.line}", f"{row_report} is not a report in ../shared/reviews/")
            )
    return problems


def _check_shared_questions(kb: KnowledgeBase) -> list[Problem]:
    """The same training question in two entries teaches the model nothing but confusion."""
    seen: dict[str, str] = {}
    problems = []
    for entry in kb:
        for question in entry.questions.all():
            key = normalise_for_copy(question)
            other = seen.setdefault(key, entry.id)
            if other != entry.id:
                problems.append(
                    Problem(str(kb.files[entry.id]), "questions", f"{question!r} is also in {other}")
                )
    return problems


def check(
    knowledge_dir: Path | None = None,
    coverage: Coverage | None = None,
    corpus: legal.LegalCorpus | None = None,
    dev_texts: list[str] | None = None,
    reviews_dir: Path | None = None,
    record_file: Path | None = None,
) -> tuple[KnowledgeBase, list[Problem]]:
    """Run every check; returns the knowledge base and the problems found."""
    kb = load(knowledge_dir)
    coverage = coverage or Coverage.load()
    corpus = corpus or legal.corpus()
    dev_texts = load_dev_texts() if dev_texts is None else dev_texts
    findings = legal_review.load_findings(reviews_dir or paths.reviews_dir())
    problems = list(kb.problems)
    dev_keys = [_CopyKey.of(d) for d in dev_texts]
    for entry in kb:
        file = str(kb.files[entry.id])
        problems += _check_coverage(entry, file, coverage)
        problems += _check_citations(entry, file, corpus)
        problems += _check_questions(entry, file, dev_keys)
        problems += _check_dev_texts_elsewhere(entry, file, dev_texts)
        problems += _check_corrections(entry, file, corpus, findings)
    problems += _check_shared_questions(kb)
    problems += check_legal_record(kb, findings, record_file or paths.legal_review_record())
    broken = {p.file for p in kb.problems}
    for missing in missing_ids(kb, coverage):
        file = f"knowledge/entries/{missing}.yml"
        if file not in broken:
            problems.append(Problem(file, "id", f"coverage id {missing} has no entry"))
    return kb, problems


def missing_ids(kb: KnowledgeBase, coverage: Coverage | None = None) -> list[str]:
    """Coverage ids that have no entry yet."""
    coverage = coverage or Coverage.load()
    return [i for i in coverage.entries if i not in kb.entries]
