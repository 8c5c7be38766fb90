"""Pinyin n-grams of Chinese text, so that homophone typos look like the words meant.

People typing with a pinyin keyboard pick the wrong character of the right sound (宅基的 for
宅基地, 炸骗 for 诈骗, 承报 for 承包). Syllables without tones, plus a "fuzzy" form that merges
sounds often confused in the north-west (zh/z, ch/c, sh/s, n/l, -ng/-n), make such typos
share features with the right words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

_HAN = re.compile(r"[\u4e00-\u9fff]")
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def fuzzy(syllable: str) -> str:
    """Merge sounds that pinyin-input users and dialect speakers confuse."""
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


@dataclass(frozen=True)
class Syllable:
    """The toneless pinyin of one Chinese character at ``index`` in the text."""

    index: int
    pinyin: str


def syllables(text: str) -> list[Syllable]:
    """One syllable per Chinese character, with its character offset; other characters skipped."""
    han_positions = [m.start() for m in _HAN.finditer(text)]
    if not han_positions:
        return []
    han_text = "".join(text[i] for i in han_positions)
    # lazy_pinyin on the whole run uses its phrase dictionary for polyphones (长/zhang, 行/hang).
    sounds = lazy_pinyin(han_text, style=Style.NORMAL, errors="ignore")
    if len(sounds) != len(han_positions):  # defensive: fall back to one call per character
        sounds = [(lazy_pinyin(ch, style=Style.NORMAL) or [""])[0] for ch in han_text]
    return [Syllable(i, s) for i, s in zip(han_positions, sounds, strict=True)]


def ngrams(sylls: list[Syllable], max_n: int = 2) -> list[tuple[int, str]]:
    """Features ``(start offset, name)``: exact and fuzzy syllable n-grams over the whole text.

    N-grams run across word boundaries, so a typo that the segmenter splits differently
    (宅鸡地 → 宅/鸡/地) still yields the bigrams of 宅基地.
    """
    out: list[tuple[int, str]] = []
    plain = [s.pinyin for s in sylls]
    fuzzed = [fuzzy(p) for p in plain]
    for n in range(1, max_n + 1):
        for i in range(len(sylls) - n + 1):
            start = sylls[i].index
            out.append((start, f"p{n}:" + "_".join(plain[i : i + n])))
            out.append((start, f"f{n}:" + "_".join(fuzzed[i : i + n])))
    return out
