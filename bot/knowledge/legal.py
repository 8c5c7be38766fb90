"""Exact statute texts from the shared legal folder (see legal/README.md for the format)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot import paths

_ARTICLE_HEADING = re.compile(r"^### (第\S+条)\s*$")
# A coverage.yml basis item such as "土地管理法第62条" or "刑法第224之一条".
_BASIS_ITEM = re.compile(r"^(?P<law>.+?)(?P<article>第[0-9]+(?:之[一二三四五六七八九十]+)?条)$")


@dataclass(frozen=True)
class Law:
    """One law: its short name, full title and the articles present in legal/."""

    short: str
    title: str
    file: str
    articles: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def article_text(self, article: str) -> str:
        """The article's paragraphs joined by newlines."""
        return "\n".join(self.articles[article])


class LegalCorpus:
    """All laws indexed by short name, parsed from laws.yml and the per-law files."""

    def __init__(self, laws: dict[str, Law], secondary: set[str]):
        self.laws = laws
        self.secondary = secondary

    @classmethod
    def load(cls, legal_dir: Path) -> LegalCorpus:
        index = yaml.safe_load((legal_dir / "laws.yml").read_text(encoding="utf-8"))
        laws: dict[str, Law] = {}
        for item in index["laws"]:
            articles = parse_articles((legal_dir / item["file"]).read_text(encoding="utf-8"))
            listed = set(item.get("articles") or [])
            # An article counts only when laws.yml lists it and its text is in the file.
            present = {k: v for k, v in articles.items() if k in listed}
            laws[item["short"]] = Law(item["short"], item["title"], item["file"], present)
        secondary_dir = legal_dir / "secondary"
        secondary = {p.name for p in secondary_dir.glob("*.md")} if secondary_dir.is_dir() else set()
        return cls(laws, secondary)

    def has_article(self, law: str, article: str) -> bool:
        return law in self.laws and article in self.laws[law].articles

    def quote_matches(self, law: str, article: str, quote: str) -> bool:
        """True when ``quote`` is a contiguous part of one paragraph of the article."""
        if not self.has_article(law, article):
            return False
        return any(quote in paragraph for paragraph in self.laws[law].articles[article])

    def article_text(self, law: str, article: str) -> str:
        return self.laws[law].article_text(article)

    def title(self, law: str) -> str:
        return self.laws[law].title


def parse_articles(markdown: str) -> dict[str, tuple[str, ...]]:
    """Split a law file into ``{"第62条": (paragraph, ...)}``."""
    articles: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in markdown.splitlines():
        heading = _ARTICLE_HEADING.match(line)
        if heading:
            current = articles.setdefault(heading.group(1), [])
            continue
        if line.startswith("#"):
            current = None
            continue
        if current is not None and line.strip():
            current.append(line.strip())
    return {k: tuple(v) for k, v in articles.items()}


def split_basis(item: str) -> tuple[str, str] | None:
    """Split a coverage basis item into (law short name, article), or None for a policy document."""
    match = _BASIS_ITEM.match(item.strip())
    if not match:
        return None
    return match.group("law"), match.group("article")


@lru_cache(maxsize=4)
def corpus(legal_dir: Path | None = None) -> LegalCorpus:
    """The legal corpus, loaded once per folder."""
    return LegalCorpus.load(legal_dir or paths.legal_dir())
