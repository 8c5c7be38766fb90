"""Whether a reaction to an answer says it helped (\"有用\", \"1\") or not (\"没用\", \"2\")."""

from __future__ import annotations

import re

from bot.text import normalise

USEFUL = "useful"
NOT_USEFUL = "not_useful"

_NEGATIVE = re.compile(
    r"没用|没有用|无用|不管用|不顶用|没帮|帮不上|不对|不是我问的|答非所问|没看懂|看不懂|不明白|不清楚|"
    r"听不懂|不懂|没听懂|不行|不好|差"
)
_POSITIVE = re.compile(r"有用|管用|顶用|有帮助|帮上|明白了|懂了|清楚|说得对|对的|好的|很好|可以|谢谢|赞|👍")


def polarity(text: str) -> str | None:
    """USEFUL, NOT_USEFUL or None when the text does not say."""
    core = normalise(text).replace(" ", "")
    if core in ("1", "１"):
        return USEFUL
    if core in ("2", "２"):
        return NOT_USEFUL
    if _NEGATIVE.search(core):
        return NOT_USEFUL
    if _POSITIVE.search(core):
        return USEFUL
    return None
