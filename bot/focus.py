"""Where the question sits in a long message: people tell the story first, ask at the end."""

from __future__ import annotations

import re

# Messages at least this long (visible characters) are read twice: whole and tail.
LONG_MESSAGE_CHARS = 50
# The tail is the last clauses that together make at least this many characters.
TAIL_MIN_CHARS = 12
# Without any punctuation (a voice transcript), the tail is the last this many characters.
TAIL_UNPUNCTUATED_CHARS = 20

_BOUNDARY = re.compile(r"[。！？!?；;，,、\n]+")
_SPACE = re.compile(r"\s+")


def tail_start(text: str) -> int | None:
    """Character offset where the question at the end of a long message starts, or None.

    None for short messages and where the tail would be the whole message.
    """
    if len(_SPACE.sub("", text)) < LONG_MESSAGE_CHARS:
        return None
    end = len(text.rstrip("。！？!?；;，,、 \n"))
    bounds = [m.end() for m in _BOUNDARY.finditer(text, 0, end)]
    if not bounds:
        start = max(0, end - TAIL_UNPUNCTUATED_CHARS)
    else:
        start = 0
        for bound in reversed(bounds):
            if len(_SPACE.sub("", _BOUNDARY.sub("", text[bound:end]))) >= TAIL_MIN_CHARS:
                start = bound
                break
    return start or None
