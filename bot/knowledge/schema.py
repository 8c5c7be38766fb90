"""The schema of a knowledge entry (pydantic v1, as pinned by Rasa 3.6)."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Extra, Field, root_validator, validator

TOPICS = ("homestead", "grassland", "elder_fraud", "service")
QUESTION_STYLES = ("plain", "dialect", "typo", "speech", "keywords", "story")
MIN_QUESTIONS = 15
# Villagers' replies show the first next steps only (the most important come first).
VILLAGER_STEPS_MAX = 3
# "At most ~300 characters, readable aloud": counted without whitespace.
MAX_ANSWER_CHARS = 300
# The read-aloud script is explained in about two minutes; elderly listeners need a slow
# pace (about 240 characters a minute).
MAX_SCRIPT_CHARS = 480
MAX_ASK_BACK_CHARS = 60
ID_PATTERN = re.compile(r"^(HS|GL|EF|SV)[0-9]{2}$")


_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
_FOLD_SPACE = re.compile(rf"(?<={_CJK})[ \t]*\n?[ \t]*(?={_CJK})|(?<={_CJK}) +| +(?={_CJK})")


def unfold(text: str) -> str:
    """Drop the spaces YAML folding puts between Chinese lines (keeps blank-line breaks)."""
    return _FOLD_SPACE.sub("", text.strip())


def visible_length(text: str) -> int:
    """Characters a reader sees: whitespace does not count."""
    return len(re.sub(r"\s+", "", text))


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class Questions(_Strict):
    """Training questions written by us, grouped by the style of asking."""

    plain: list[str] = Field(..., min_items=1)
    dialect: list[str] = Field(..., min_items=1)
    typo: list[str] = Field(..., min_items=1)
    speech: list[str] = Field(..., min_items=1)
    keywords: list[str] = Field(..., min_items=1)
    story: list[str] = Field(..., min_items=1)
    # Added by trainers from the query log (PII masked); optional.
    from_log: list[str] = Field(default_factory=list)

    @validator("*", each_item=True)
    def _non_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("empty question")
        return value

    def all(self) -> list[str]:
        """Every question, in style order."""
        return [q for style in (*QUESTION_STYLES, "from_log") for q in getattr(self, style)]


class Citation(_Strict):
    """A statute article (``law`` + ``article``, optional exact ``quote``) or a policy document."""

    law: str | None = None
    article: str | None = None
    quote: str | None = None
    policy: str | None = None
    source: str | None = None
    note: str | None = None

    @root_validator
    def _one_kind(cls, values: dict) -> dict:
        is_law = values.get("law") is not None or values.get("article") is not None
        is_policy = values.get("policy") is not None
        if is_law == is_policy:
            raise ValueError("a citation names either law + article or a policy document")
        if is_law and not (values.get("law") and values.get("article")):
            raise ValueError("a statute citation needs both law and article")
        if is_law and not re.fullmatch(r"第[0-9]+(之[一二三四五六七八九十]+)?条", values["article"]):
            raise ValueError(f"article must look like 第62条, got {values['article']!r}")
        if is_policy and (values.get("quote") or not values.get("source")):
            raise ValueError("a policy citation has a source file in legal/secondary and no quote")
        return values

    @property
    def label(self) -> str:
        """Short label such as 《土地管理法》第62条."""
        if self.policy:
            return self.policy
        return f"《{self.law}》{self.article}"


class Script(_Strict):
    """The read-aloud script for legal understanders."""

    explain: str  # how to explain it to an elderly herder in about two minutes
    ask_back: str  # the one question that narrows the case
    then: str = ""  # what to do with the answer, and what to bring

    @validator("*")
    def _unfold(cls, value: str) -> str:
        return unfold(value)

    @validator("ask_back")
    def _one_question(cls, value: str) -> str:
        if not value.endswith("？") or value.count("？") != 1:
            raise ValueError("ask_back is exactly one question ending with ？")
        if visible_length(value) > MAX_ASK_BACK_CHARS:
            raise ValueError(f"ask_back has {visible_length(value)} characters, at most {MAX_ASK_BACK_CHARS}")
        return value

    @root_validator(skip_on_failure=True)
    def _two_minutes(cls, values: dict) -> dict:
        length = visible_length(values["explain"] + values["ask_back"] + values.get("then", ""))
        if length > MAX_SCRIPT_CHARS:
            raise ValueError(
                f"script has {length} characters (over two minutes aloud), at most {MAX_SCRIPT_CHARS}"
            )
        return values

    @property
    def text(self) -> str:
        """The whole script as one text."""
        return "".join(part for part in (self.explain, self.ask_back, self.then) if part)


SEEN_BY = ("villager", "understander")
FINDING_PATTERN = re.compile(r"^((HS|GL|EF|SV)[0-9]{2}|X)-[0-9]+$")


class Correction(_Strict):
    """Where a finding of the legal review is fixed: the sentence that now says it, and who sees it.

    ``says`` must be in the reply ``seen_by`` sees (villagers: the answer and the first three
    next steps; understanders: the whole scripted reply); ``replaces``, the old wording, may no
    longer be in any text of the entry. At least one of the two.
    """

    finding: str  # HS04-1, or X-2 for a cross-cutting finding of the entry's report
    says: str = ""
    seen_by: str = "villager"
    replaces: str = ""

    @validator("says", "replaces")
    def _unfold(cls, value: str) -> str:
        return unfold(value)

    @validator("finding")
    def _finding_form(cls, value: str) -> str:
        if not FINDING_PATTERN.match(value):
            raise ValueError(f"finding must look like HS04-1 or X-2, got {value!r}")
        return value

    @validator("seen_by")
    def _audience(cls, value: str) -> str:
        if value not in SEEN_BY:
            raise ValueError(f"seen_by must be one of {', '.join(SEEN_BY)}")
        return value

    @root_validator(skip_on_failure=True)
    def _anchored(cls, values: dict) -> dict:
        if not values.get("says") and not values.get("replaces"):
            raise ValueError("a correction names the sentence that says it, or the wording it replaces")
        return values


class Review(_Strict):
    reviewed_on: dt.date
    valid_as_of: dt.date
    reviewer: str | None = None


class Entry(_Strict):
    """One answer of the knowledge base, keyed by its coverage.yml id."""

    id: str
    topic: str
    title: str
    questions: Questions
    answer: str
    points: list[str] = Field(..., min_items=1)
    next_steps: list[str] = Field(..., min_items=1)
    where_to_go: list[str] = Field(..., min_items=1)
    citations: list[Citation] = Field(..., min_items=1)
    script: Script
    # What to bring (shown to understanders after the script).
    documents: list[str] = Field(..., min_items=1)
    review: Review
    # Findings of the legal review (../shared/reviews/) fixed in this entry, and where.
    corrections: list[Correction] = Field(default_factory=list)

    @validator("id")
    def _id_form(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"id must look like HS01, got {value!r}")
        return value

    @validator("topic")
    def _topic_known(cls, value: str) -> str:
        if value not in TOPICS:
            raise ValueError(f"topic must be one of {', '.join(TOPICS)}")
        return value

    @validator("questions")
    def _enough_questions(cls, value: Questions) -> Questions:
        if len(value.all()) < MIN_QUESTIONS:
            raise ValueError(f"at least {MIN_QUESTIONS} questions, got {len(value.all())}")
        return value

    @validator("answer", "title")
    def _unfold(cls, value: str) -> str:
        return unfold(value)

    @validator("next_steps", "where_to_go", "documents", "points", each_item=True)
    def _unfold_items(cls, value: str) -> str:
        return unfold(value)

    @validator("answer")
    def _answer_short(cls, value: str) -> str:
        if visible_length(value) > MAX_ANSWER_CHARS:
            raise ValueError(f"answer has {visible_length(value)} characters, at most {MAX_ANSWER_CHARS}")
        return value

    @property
    def statute_citations(self) -> list[Citation]:
        return [c for c in self.citations if c.law]
