"""Plain-text helpers for users' messages: simplified characters, width, emoji, fillers,
gibberish.
"""

from __future__ import annotations

import functools
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


# Filler words a voice transcript inserts; dropped as whole tokens only (额 of 金额 stays).
FILLER_TOKENS = frozenset({*FILLERS, "嗯嗯", "啊啊", "呃呃", "那个那个", "就是就是", "这个这个"})
# Emoji and pictographs (So), joiners and variation selectors (Cf, U+FE0F) and skin tones.
_EMOJI_CATEGORIES = {"So", "Cf", "Co", "Cs"}
_EMOJI_EXTRA = {"\ufe0e", "\ufe0f", "\u20e3"} | {chr(c) for c in range(0x1F3FB, 0x1F400)}


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc  # noqa: PLC0415 - loads its dictionaries; only when first needed

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC ``t2s``); simplified text is unchanged."""
    return _t2s().convert(text)


def strip_emoji(text: str) -> str:
    """Drop emoji, pictographs and the invisible characters that glue them together."""
    return "".join(
        ch for ch in text if ch not in _EMOJI_EXTRA and unicodedata.category(ch) not in _EMOJI_CATEGORIES
    )


def clean(text: str) -> str:
    """What the NLU reads: simplified characters, half-width, no emoji, single spaces."""
    # NFKC first: it turns symbols such as ㎡ into letters before emoji are dropped.
    return normalise(strip_emoji(unicodedata.normalize("NFKC", to_simplified(text))))


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
