"""Reply texts built from knowledge entries: villager and understander versions, menus.

Plain text only (numbered lists, no buttons), so every channel, WeChat included, can show them.
"""

from __future__ import annotations

from bot.knowledge.legal import LegalCorpus
from bot.knowledge.loader import TOPIC_LABELS, KnowledgeBase
from bot.knowledge.schema import VILLAGER_STEPS_MAX, Entry

VILLAGER = "villager"
UNDERSTANDER = "understander"
ROLES = (VILLAGER, UNDERSTANDER)

TOPIC_OPTION_PREFIX = "topic:"
FEEDBACK_OPTIONS = ["feedback:useful", "feedback:not_useful"]


BASIS_LINE_MAX = 3


def basis_line(entry: Entry) -> str:
    """One line for villagers: the main laws and articles (the first cited), no text."""
    statutes = list(dict.fromkeys(c.label for c in entry.citations if c.law))
    if not statutes:
        return ""
    more = "等" if len(statutes) > BASIS_LINE_MAX else ""
    return "依据：" + "、".join(statutes[:BASIS_LINE_MAX]) + more


def villager_answer(entry: Entry) -> str:
    """Short answer, next steps and a one-line legal basis."""
    steps = entry.next_steps[:VILLAGER_STEPS_MAX]
    parts = [entry.answer, "怎么办：\n" + "\n".join(f"· {step}" for step in steps)]
    basis = basis_line(entry)
    if basis:
        parts.append(basis)
    return "\n\n".join(parts)


def citation_texts(entry: Entry, corpus: LegalCorpus) -> list[tuple[str, str]]:
    """Each citation as (label, text): the quote, else the article's text; policies with their note."""
    out = []
    for c in entry.citations:
        if c.law:
            text = (
                f"“{c.quote}”（节选）" if c.quote else corpus.article_text(c.law, c.article).replace("\n", "")
            )
            out.append((c.label, text))
        else:
            out.append((c.policy or "", "政策文件或公开信息，非法条原文" + (f"：{c.note}" if c.note else "")))
    return out


def _citation_block(entry: Entry, corpus: LegalCorpus) -> str:
    return "\n".join(f"{label}：{text}" for label, text in citation_texts(entry, corpus))


def understander_answer(entry: Entry, corpus: LegalCorpus) -> str:
    """The scripted version: answer, articles with text, read-aloud script, documents, where to go."""
    sections = [
        f"【问题】{entry.title}",
        f"【简明回答】{entry.answer}",
        "【法律依据】\n" + _citation_block(entry, corpus),
        f"【朗读稿】{entry.script.explain}",
        f"【问一句】{entry.script.ask_back}" + (f"\n{entry.script.then}" if entry.script.then else ""),
        "【要带的材料】" + "、".join(entry.documents),
    ]
    sections.append("【下一步】\n" + "\n".join(f"· {step}" for step in entry.next_steps))
    sections.append("【去哪办】" + "、".join(entry.where_to_go))
    return "\n\n".join(sections)


def answer_text(entry: Entry, role: str, corpus: LegalCorpus) -> str:
    return understander_answer(entry, corpus) if role == UNDERSTANDER else villager_answer(entry)


def numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def suggestion_list(kb: KnowledgeBase, entry_ids: list[str]) -> str:
    """The numbered candidates of a suggestion (intro and hint come from the domain)."""
    return numbered([kb.entries[i].title for i in entry_ids if i in kb.entries])


def topic_menu(kb: KnowledgeBase) -> tuple[str, list[str]]:
    """Numbered topics that have entries, and the options a number picks."""
    topics = [t for t in TOPIC_LABELS if any(e.topic == t for e in kb)]
    lines = [f"{TOPIC_LABELS[t]}（{_example_title(kb, t)}）" for t in topics]
    return numbered(lines), [TOPIC_OPTION_PREFIX + t for t in topics]


def _example_title(kb: KnowledgeBase, topic: str) -> str:
    first = next(e for e in kb if e.topic == topic)
    return "如：" + first.title.split("？")[0]


def topic_entries(kb: KnowledgeBase, topic: str) -> tuple[str, list[str]]:
    """The numbered questions of one topic."""
    entries = [e for e in kb if e.topic == topic]
    text = f"{TOPIC_LABELS[topic]}方面可以问：\n" + numbered([e.title for e in entries])
    return text + "\n请回复数字。", [e.id for e in entries]


def emergency_reply(entry: Entry, amount: str | None) -> str:
    """EF07's steps first, repeating the amount when one was given."""
    head = (
        f"⚠️ 紧急情况（涉及{amount}），马上按下面做，越快越好："
        if amount
        else "⚠️ 紧急情况，马上按下面做，越快越好："
    )
    steps = "\n".join(f"· {step}" for step in entry.next_steps)
    return f"{head}\n{entry.answer}\n\n{steps}"
