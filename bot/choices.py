"""Replies that pick an item of a numbered list ("2", "第二个", "选3")."""

from __future__ import annotations

import re

from bot.text import normalise

_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHOICE = re.compile(
    r"^(?:我?(?:选|要|问的是|问|就是|是))?(?:第|头)?([1-9一二两三四五六七八九])"
    r"(?:个|条|项|号)?(?:问题)?(?:吧|啊|呀)?[。.!！]?$"
)


def parse_choice(text: str) -> int | None:
    """The 1-based number picked by a short reply, or None when the text is not a pick."""
    core = normalise(text).replace(" ", "")
    if core in ("头个", "头一个", "最前面那个"):
        return 1
    match = _CHOICE.match(core)
    if not match:
        return None
    raw = match.group(1)
    return int(raw) if raw.isdigit() else _NUMERALS[raw]
