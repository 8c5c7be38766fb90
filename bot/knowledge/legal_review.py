"""The legal review: findings of ../shared/reviews/ and our record of what became of each.

A report (``legal-review-2026-12-HS.md`` …) gives every finding an id (``HS04-1``; cross-cutting
ones ``X-1``, numbered per report) and a severity. ``docs/legal-review.md`` records, per
report, one table row per finding: ``| id | severity | status | what changed or why not |``.
Entries anchor each fix in their ``corrections`` (see docs/knowledge-format.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SEVERITIES = ("error", "overstated", "missing", "style", "positive")
STATUSES = ("fixed", "not changed")

# "**HS04-1 — missing (important): …**", "**GL05-1 missing (high).**",
# "**EF06-1 SEVERITY: missing** (important)", "**X-4 (positive).**"
_FINDING = re.compile(
    r"\*\*(?P<id>(?:HS|GL|EF|SV)[0-9]{2}-[0-9]+|X-[0-9]+)"
    r"(?:\s*—\s*|\s+SEVERITY:\s*|\s+|\s*(?=\())"
    r"(?P<rest>[^\n]*)"
)
_SEVERITY = re.compile(r"\b(error|overstated|missing|style|positive)\b")
# The grading in brackets right after the severity ("missing** (important)", "overstated / unsourced** (…)").
_QUALIFIER = re.compile(r"^(?:\s*/\s*\w+)?[\s*]*\(([^)]*)\)")
# A missing item is important when the report marks it so (GL grades low / medium / high).
_IMPORTANT = re.compile(r"important|high|medium")
# Report file name → the entry-id prefixes it covers.
_REPORT_NAME = re.compile(r"legal-review-.*-(?P<prefixes>[A-Z]+)\.md$")
_PREFIX = re.compile(r"HS|GL|EF|SV")
# Findings that issue "Legal corrections" names among those to fix, though their report grades
# them below important (by report suffix): office names, arbitration and 司法确认 time limits, cash.
ALSO_TO_FIX = {"HS": ("X-1", "X-2"), "GL": ("X-1", "X-2", "X-3"), "EFSV": ("EF07-2",)}


@dataclass(frozen=True)
class Finding:
    """One finding of a report."""

    report: str  # file name of the report
    id: str  # HS04-1, or X-1 (cross-cutting, unique within its report)
    severity: str
    qualifier: str  # the report's grading, e.g. "important", "low–medium"; may be empty

    @property
    def label(self) -> str:
        return f"{self.severity} ({self.qualifier})" if self.qualifier else self.severity

    @property
    def needs_fix(self) -> bool:
        """Errors, overstatements and important omissions must be fixed in the entries."""
        suffix = _REPORT_NAME.search(self.report)
        if suffix and self.id in ALSO_TO_FIX.get(suffix.group("prefixes"), ()):
            return True
        if self.severity in ("error", "overstated"):
            return True
        return self.severity == "missing" and bool(_IMPORTANT.search(self.qualifier))


def parse_report(text: str, report: str) -> list[Finding]:
    """The findings of one report, in order, each once (summaries repeat some)."""
    findings: dict[str, Finding] = {}
    for match in _FINDING.finditer(text):
        finding_id, rest = match.group("id"), match.group("rest")
        if finding_id in findings or rest.startswith("/"):
            continue  # a repeat in the summary, or "EF06-1/EF06-2" naming two at once
        severity = _SEVERITY.search(rest)
        if severity is None:
            continue
        after = rest[severity.end() :]
        qualifier = _QUALIFIER.match(after)
        text_qualifier = qualifier.group(1).strip() if qualifier else ""
        findings[finding_id] = Finding(report, finding_id, severity.group(1), text_qualifier)
    return list(findings.values())


def report_prefixes(report: str) -> tuple[str, ...]:
    """Entry-id prefixes a report covers, from its name (``…-EFSV.md`` → EF, SV)."""
    match = _REPORT_NAME.search(report)
    return tuple(_PREFIX.findall(match.group("prefixes"))) if match else ()


def load_findings(reviews_dir: Path) -> dict[str, list[Finding]]:
    """Findings by report file name (empty when the folder is absent)."""
    if not reviews_dir.is_dir():
        return {}
    return {
        path.name: parse_report(path.read_text(encoding="utf-8"), path.name)
        for path in sorted(reviews_dir.glob("legal-review-*.md"))
    }


def report_for_entry(entry_id: str, reports: list[str]) -> str | None:
    """The report that reviewed an entry."""
    return next((r for r in reports if entry_id[:2] in report_prefixes(r)), None)


@dataclass(frozen=True)
class Record:
    """One row of docs/legal-review.md."""

    report: str
    id: str
    severity: str
    status: str
    note: str
    line: int


_SECTION = re.compile(r"^#+\s.*?(legal-review-[\w-]+\.md)")
_ROW = re.compile(r"^\|\s*(?P<id>(?:HS|GL|EF|SV)[0-9]{2}-[0-9]+|X-[0-9]+)\s*\|(?P<cells>.*)\|\s*$")


def parse_record(text: str) -> tuple[list[Record], list[tuple[int, str]]]:
    """Rows of the record under their report's heading, and (line, message) for malformed rows."""
    records, problems = [], []
    report = None
    for number, line in enumerate(text.splitlines(), 1):
        section = _SECTION.match(line)
        if section:
            report = section.group(1)
            continue
        row = _ROW.match(line)
        if not row:
            continue
        cells = [c.strip() for c in row.group("cells").split("|")]
        if report is None:
            problems.append((number, f"{row.group('id')} is not under a report heading"))
            continue
        if len(cells) < 3:
            problems.append((number, f"{row.group('id')}: a row is | id | severity | status | note |"))
            continue
        severity, status, note = cells[0], cells[1], "|".join(cells[2:]).strip()
        if status not in STATUSES:
            problems.append((number, f"{row.group('id')}: status must be one of {', '.join(STATUSES)}"))
            continue
        if not note:
            problems.append((number, f"{row.group('id')}: say what changed, or why nothing did"))
            continue
        records.append(Record(report, row.group("id"), severity, status, note, number))
    return records, problems
