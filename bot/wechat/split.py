"""Long answers as several WeChat messages, each within the 2048-byte limit."""

from __future__ import annotations

import re

MAX_MESSAGE_BYTES = 2048
# Room for the "（12/12）\n" counter in front of a part.
_COUNTER_BYTES = 32
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_cut(text: str, limit: int) -> list[str]:
    """A sentence longer than a message: cut by characters (never inside a character)."""
    parts, current = [], ""
    for ch in text:
        if _size(current + ch) > limit:
            parts.append(current)
            current = ""
        current += ch
    return parts + ([current] if current else [])


def split_message(text: str, limit: int = MAX_MESSAGE_BYTES) -> list[str]:
    """``text`` in parts of at most ``limit`` bytes, cut after sentences and numbered
    （1/2）（2/2） when there is more than one part.
    """
    text = text.strip()
    if _size(text) <= limit:
        return [text]
    room = limit - _COUNTER_BYTES
    parts: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s):
        pieces = _hard_cut(sentence, room) if _size(sentence) > room else [sentence]
        for piece in pieces:
            if current and _size(current + piece) > room:
                parts.append(current.strip())
                current = ""
            current += piece
    if current.strip():
        parts.append(current.strip())
    return [f"（{i}/{len(parts)}）\n{part}" for i, part in enumerate(parts, 1)]
