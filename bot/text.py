"""Plain-text helpers for users' messages: width normalisation, fillers, gibberish."""

from __future__ import annotations

import re
import unicodedata

# Voice-transcript and hesitation fillers; they carry no meaning.
FILLERS = (
    "就是说",
    "那个",
    "这个",
    "就是",
    "然后",
    "嗯",
    "啊",
    "呃",
    "额",
    "哦",
    "噢",
    "唉",
    "哎",
    "呀",
    "吧",
)
_FILLER_RE = re.compile("|".join(map(re.escape, sorted(FILLERS, key=len, reverse=True))))
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_LATIN_WORDS_OK = {"hi", "hello", "hey", "ok", "okay", "bye", "thanks", "thx"}


def normalise(text: str) -> str:
    """NFKC (full-width letters, digits and spaces to half-width) and collapsed whitespace."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def without_fillers(text: str) -> str:
    return _FILLER_RE.sub("", text)


def is_gibberish(text: str) -> bool:
    """True for messages with nothing to understand: punctuation, emoji, fillers, key mashing,
    or a long digit string. A single digit is a menu choice, not gibberish.
    """
    core = "".join(_WORD.findall(without_fillers(normalise(text)))).lower()
    if not core:
        return True
    if _HAN.search(core):
        return False
    if core.isdigit():
        return len(core) > 1
    return core not in _LATIN_WORDS_OK
