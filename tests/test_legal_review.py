"""The legal review: every finding recorded, the ones that must be fixed fixed, each fix said.

The findings come from ../shared/reviews/; the record is docs/legal-review.md; each entry's
``corrections`` names the sentence of the reply that now makes the corrected point.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import paths, replies
from bot.knowledge import legal_review
from bot.knowledge.check import check, check_legal_record
from bot.knowledge.loader import load

FINDINGS = legal_review.load_findings(paths.reviews_dir())
REPORTS = list(FINDINGS)
ALL_FINDINGS = [f for items in FINDINGS.values() for f in items]
RECORDS, MALFORMED = legal_review.parse_record(paths.legal_review_record().read_text(encoding="utf-8"))
RECORDED = {(r.report, r.id): r for r in RECORDS}
_KB = load()
CORRECTIONS = [(e.id, n, fix) for e in _KB for n, fix in enumerate(e.corrections)]


def _fixes(report: str, finding_id: str) -> list[tuple[str, object]]:
    return [
        (entry_id, fix)
        for entry_id, _, fix in CORRECTIONS
        if fix.finding == finding_id and legal_review.report_for_entry(entry_id, REPORTS) == report
    ]


def test_the_three_reports_are_read():
    assert sorted(r.rsplit("-", 1)[1] for r in REPORTS) == ["EFSV.md", "GL.md", "HS.md"]
    assert len(ALL_FINDINGS) >= 150
    assert {f.severity for f in ALL_FINDINGS} <= set(legal_review.SEVERITIES)
    ids = {f.id for f in ALL_FINDINGS}
    assert {"EF12-1", "HS04-1", "GL05-1", "SV05-1", "X-1"} <= ids


def test_the_record_has_no_malformed_row():
    assert MALFORMED == []


@pytest.mark.parametrize("finding", ALL_FINDINGS, ids=[f"{f.report[-7:-3]}:{f.id}" for f in ALL_FINDINGS])
def test_every_finding_is_recorded(finding):
    record = RECORDED.get((finding.report, finding.id))
    assert record is not None, f"{finding.id} of {finding.report} is not in docs/legal-review.md"
    if finding.needs_fix:
        assert record.status == "fixed", f"{finding.id} ({finding.label}) must be fixed"
    anchored = _fixes(finding.report, finding.id)
    if record.status == "fixed":
        assert anchored, f"{finding.id} is recorded fixed but no entry's corrections name it"
    else:
        assert not anchored, f"{finding.id} is recorded {record.status!r} but has corrections"


MUST_FIX = [f for f in ALL_FINDINGS if f.needs_fix]


def test_what_must_be_fixed_is_what_the_issue_lists():
    ids = {f.id for f in MUST_FIX if not f.id.startswith("X-")}
    assert {"EF12-1", "EF07-1", "EF07-2", "EF06-1", "EF06-2", "SV05-1", "HS10-1", "GL05-1"} <= ids
    assert {"HS06-1", "GL09-1", "HS04-1", "HS14-1", "HS11-1", "HS11-2", "HS03-1", "GL04-1"} <= ids
    assert {"GL13-1", "EF03-1"} <= ids
    assert len(MUST_FIX) >= 40  # 1 error, ~20 overstatements, ~20 important omissions


@pytest.mark.parametrize("finding", MUST_FIX, ids=[f"{f.report[-7:-3]}:{f.id}" for f in MUST_FIX])
def test_every_corrected_point_is_said(finding):
    """A fix that must be made is a sentence the villager or the understander now reads."""
    said = [fix for _, fix in _fixes(finding.report, finding.id) if fix.says]
    assert said, f"{finding.id}: no correction names the sentence that makes the point"


@pytest.mark.parametrize(
    ("entry_id", "n", "fix"), CORRECTIONS, ids=[f"{e}-{fix.finding}-{n}" for e, n, fix in CORRECTIONS]
)
def test_the_correction_is_in_the_reply(kb, corpus, entry_id, n, fix):
    entry = kb.entries[entry_id]
    seen = {
        replies.VILLAGER: replies.villager_answer(entry),
        replies.UNDERSTANDER: replies.understander_answer(entry, corpus),
    }
    if fix.says:
        assert fix.says in seen[fix.seen_by], f"{entry_id}: the {fix.seen_by} does not read {fix.says!r}"
    if fix.replaces:
        for role, text in seen.items():
            assert fix.replaces not in text, f"{entry_id}: the {role} still reads {fix.replaces!r}"


def test_an_emergency_reply_carries_the_corrected_steps(kb):
    """EF07 is also the emergency reply: what villagers must do first is in it."""
    entry = kb.entries["EF07"]
    emergency = replies.emergency_reply(entry, "两万块")
    for fix in entry.corrections:
        if fix.says and fix.seen_by == replies.VILLAGER:
            assert fix.says in emergency, fix.says


def test_the_reviewed_error_is_gone(kb):
    """EF12-1: a fraud victim is no longer told to bear the loss, and is told the money comes back."""
    villager = replies.villager_answer(kb.entries["EF12"])
    assert "损失要自己承担" not in villager and "自行承担" not in kb.entries["EF12"].answer
    assert "110" in villager


# The parsers and the check, on small texts.

HS_STYLE = """
**X-1 — missing (minor), HS02/HS03. The 2019 amendment.**
**HS04-1 — missing (important): the ban is not limited to 城里人.** The answer …
**HS04-3 — overstated (minor).** Next step …
## The five most serious findings
1. **HS04-1 — missing (important): the ban is not limited to 城里人.** again
"""
GL_STYLE = """
- **GL05-1 missing (high).** The answer says …
- **GL04-2 style / local rule.** next_steps …
- **GL10-1 missing (low–medium).**
- **X-4 (positive).** Civil cases …
"""
EF_STYLE = """
- **EF06-1 SEVERITY: missing** (important). Immediate steps …
- **EF07-2 SEVERITY: missing.** Cash handed over. The entry assumes ("转了多少钱") …
- **SV03-1 SEVERITY: overstated / unsourced** (the wording comes from coverage).
3. **EF06-1/EF06-2 SEVERITY: missing** (important). Two gaps.
"""


def test_findings_are_parsed_in_each_report_style():
    hs = legal_review.parse_report(HS_STYLE, "legal-review-2026-12-HS.md")
    assert [(f.id, f.severity, f.qualifier) for f in hs] == [
        ("X-1", "missing", "minor"),
        ("HS04-1", "missing", "important"),
        ("HS04-3", "overstated", "minor"),
    ]
    assert [f.needs_fix for f in hs] == [True, True, True]  # X-1 of HS: named by the issue
    gl = legal_review.parse_report(GL_STYLE, "legal-review-2026-12-GL.md")
    assert [(f.id, f.severity, f.qualifier, f.needs_fix) for f in gl] == [
        ("GL05-1", "missing", "high", True),
        ("GL04-2", "style", "", False),
        ("GL10-1", "missing", "low–medium", True),
        ("X-4", "positive", "", False),
    ]
    ef = legal_review.parse_report(EF_STYLE, "legal-review-2026-12-EFSV.md")
    assert [(f.id, f.severity, f.qualifier) for f in ef] == [
        ("EF06-1", "missing", "important"),
        ("EF07-2", "missing", ""),  # a quote in brackets later on is not a grading
        ("SV03-1", "overstated", "the wording comes from coverage"),
    ]
    assert ef[1].needs_fix  # named by the issue


def test_reports_cover_entries_by_their_names():
    assert legal_review.report_prefixes("legal-review-2026-12-EFSV.md") == ("EF", "SV")
    names = ["legal-review-2026-12-HS.md", "legal-review-2026-12-EFSV.md"]
    assert legal_review.report_for_entry("SV02", names) == names[1]
    assert legal_review.report_for_entry("GL01", names) is None


def test_record_rows_are_read_under_their_report():
    text = (
        "# Record\n\n## legal-review-2026-12-HS.md\n\n| finding | severity | status | note |\n"
        "| --- | --- | --- | --- |\n| HS04-1 | missing (important) | fixed | answer: also other gachas |\n"
        "| X-1 | missing | not changed | nothing to do |\n| HS05-1 | style | maybe | ? |\n"
        "| HS06-1 | missing | fixed |  |\n"
    )
    records, malformed = legal_review.parse_record(text)
    assert [(r.report, r.id, r.status) for r in records] == [
        ("legal-review-2026-12-HS.md", "HS04-1", "fixed"),
        ("legal-review-2026-12-HS.md", "X-1", "not changed"),
    ]
    assert [m for _, m in malformed] == [
        "HS05-1: status must be one of fixed, not changed",
        "HS06-1: say what changed, or why nothing did",
    ]


def _record(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "legal-review.md"
    head = (
        "## legal-review-2026-12-HS.md\n\n| finding | severity | status | note |\n| --- | --- | --- | --- |\n"
    )
    path.write_text(head + rows, encoding="utf-8")
    return path


def test_the_record_check_reports_missing_unfixed_and_unanchored_findings(tmp_path, kb):
    findings = {
        "legal-review-2026-12-HS.md": legal_review.parse_report(HS_STYLE, "legal-review-2026-12-HS.md")
    }
    record = _record(
        tmp_path,
        "| HS04-1 | missing (important) | not changed | later |\n| HS04-3 | overstated | fixed | done |\n"
        "| HS99-1 | style | not changed | no such finding |\n",
    )
    messages = [p.message for p in check_legal_record(kb, findings, record)]
    assert "X-1 (missing (minor)) is not recorded" in messages
    assert "HS04-1 (missing (important)) must be fixed" in messages
    assert "HS04-1 has corrections but is recorded 'not changed'" in messages or not _fixes(
        "legal-review-2026-12-HS.md", "HS04-1"
    )
    assert "HS99-1 is not a finding of legal-review-2026-12-HS.md" in messages
    assert not check_legal_record(kb, {}, tmp_path / "absent.md")  # no reviews, nothing to record
    assert [p.message for p in check_legal_record(kb, findings, tmp_path / "absent.md")] == [
        "the record of the legal review is missing"
    ]


def _check_with(knowledge: Path, entry_id: str, change) -> list[str]:
    path = knowledge / "entries" / f"{entry_id}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _, problems = check(knowledge_dir=knowledge)
    return [str(p) for p in problems]


def test_the_check_reports_a_correction_not_said(entry_file):
    def add(d):
        d.setdefault("corrections", []).append({"finding": "HS01-1", "says": "答复里没有的一句话"})

    problems = _check_with(entry_file, "HS01", add)
    assert any("HS01.yml: corrections." in p and "not in the reply the villager sees" in p for p in problems)


def test_the_check_reports_old_wording_still_there(entry_file, kb):
    old = kb.entries["HS01"].answer[:12]

    def add(d):
        d.setdefault("corrections", []).append({"finding": "HS01-1", "replaces": old})

    problems = _check_with(entry_file, "HS01", add)
    assert any("the old wording is still there" in p for p in problems)


def test_the_check_reports_a_finding_of_another_report(entry_file):
    def add(d):
        d.setdefault("corrections", []).append({"finding": "GL04-1", "replaces": "不会出现的旧说法"})

    problems = _check_with(entry_file, "HS01", add)
    assert any("GL04-1 is not a finding of legal-review-2026-12-HS.md" in p for p in problems)


def test_the_check_reports_a_malformed_correction(entry_file):
    problems = _check_with(
        entry_file, "HS01", lambda d: d.setdefault("corrections", []).append({"finding": "HS01-1"})
    )
    assert any("a correction names the sentence that says it" in p for p in problems)
    problems = _check_with(
        entry_file,
        "HS01",
        lambda d: d["corrections"].__setitem__(-1, {"finding": "第一条", "says": "x", "seen_by": "all"}),
    )
    assert any("finding must look like" in p for p in problems)
    assert any("seen_by must be one of" in p for p in problems)


def test_the_check_reports_an_uncited_coverage_source(entry_file):
    def drop(d):
        d["citations"] = [c for c in d["citations"] if "wulatezhongqi" not in (c.get("source") or "")]

    problems = _check_with(entry_file, "SV03", drop)
    assert any(
        "coverage source secondary/wulatezhongqi-2024-fazhi-baogao.md is not cited" in p for p in problems
    )
