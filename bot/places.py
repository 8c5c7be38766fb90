"""Names of the Banner's towns and sumu as people write them (no Rasa or spaCy imports)."""

from __future__ import annotations

from collections.abc import Iterable

_PLACE_SUFFIXES = ("苏木", "镇")


def place_aliases(names: Iterable[str]) -> dict[str, str]:
    """``{written form: full name}``: each name, and its short form without 镇 / 苏木."""
    aliases: dict[str, str] = {}
    for name in names:
        aliases[name] = name
        for suffix in _PLACE_SUFFIXES:
            short = name[: -len(suffix)] if name.endswith(suffix) else ""
            if len(short) >= 2:
                aliases.setdefault(short, name)
    return aliases
