"""Where the project's files live; every path can be overridden by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def knowledge_dir() -> Path:
    """The curated knowledge base."""
    return _env_path("KNOWLEDGE_DIR", ROOT / "knowledge")


def shared_dir() -> Path:
    """The read-only shared material (coverage.yml, legal/, dev-questions.yml).

    ``SHARED_DIR`` wins; otherwise the first ``shared`` folder holding coverage.yml beside
    the checkout or one level up (a clone in a temporary folder still finds /work/shared).
    """
    value = os.environ.get("SHARED_DIR")
    if value:
        return Path(value)
    candidates = [ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")]
    for candidate in candidates:
        if (candidate / "coverage.yml").is_file():
            return candidate
    return candidates[0]


def legal_dir() -> Path:
    """Exact statute texts."""
    return shared_dir() / "legal"


def coverage_file() -> Path:
    return shared_dir() / "coverage.yml"


def dev_questions_file() -> Path:
    return shared_dir() / "dev-questions.yml"


def reviews_dir() -> Path:
    """The legal review of the knowledge base, one report per topic."""
    return shared_dir() / "reviews"


def legal_review_record() -> Path:
    """Our record of what became of each finding of the legal review."""
    return ROOT / "docs" / "legal-review.md"


def var_dir() -> Path:
    """Git-ignored runtime state: models, databases, secrets, results."""
    return _env_path("VAR_DIR", ROOT / "var")


def models_dir() -> Path:
    return var_dir() / "models"


def query_log_db() -> Path:
    return _env_path("QUERY_LOG_DB", var_dir() / "querylog.db")


def derived_nlu_file() -> Path:
    """Rasa training data and responses generated from the knowledge base."""
    return ROOT / "data" / "nlu" / "knowledge.yml"


def jieba_dict_dir() -> Path:
    return ROOT / "data" / "jieba"


def jieba_dict_file() -> Path:
    """jieba user dictionary generated from knowledge/lexicon.yml."""
    return jieba_dict_dir() / "userdict.txt"
