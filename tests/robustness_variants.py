"""Variants of a clean question, the way real messages differ from the training questions."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import jieba
import yaml

QUESTIONS_FILE = Path(__file__).parent / "robustness" / "questions.yml"
_EMOJI = ("🙏", "😭", "👍🏻", "❤️", "😂")
_PUNCT = re.compile(r"[，。？！、：；,.?!:;\s]+")


@functools.lru_cache(maxsize=1)
def load() -> dict:
    return yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def traditional(text: str, i: int) -> str:
    return _s2t().convert(text)


def full_width_emoji(text: str, i: int) -> str:
    """ASCII to full-width (as some phone keyboards type it), emoji around the question."""
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return f"{_EMOJI[i % len(_EMOJI)]}{wide}{_EMOJI[(i + 1) % len(_EMOJI)]}"


def voice(text: str, i: int) -> str:
    """A voice transcript: no punctuation, fillers at the start and between words."""
    words = [w for w in jieba.cut(_PUNCT.sub("", text)) if w]
    middle = len(words) // 2
    return "嗯" + "那个" + "".join(words[:middle]) + "就是说" + "".join(words[middle:]) + "啊"


def typo(text: str, i: int) -> str | None:
    """Key terms replaced by their pinyin homophone typos; None when no key term occurs."""
    typos = load()["typos"]
    changed = text
    for term in sorted(typos, key=len, reverse=True):
        changed = changed.replace(term, typos[term])
    return changed if changed != text else None


def long_story(text: str, i: int) -> str:
    stories = load()["stories"]
    return stories[i % len(stories)] + text


VARIANTS = {
    "traditional": traditional,
    "full_width_emoji": full_width_emoji,
    "voice_fillers": voice,
    "pinyin_typos": typo,
    "long_story": long_story,
}
