"""Masking of personal data before anything is stored: ID-card, bank-card and phone numbers."""

from __future__ import annotations

import hashlib
import hmac
import re

# Digits may be grouped by spaces or dashes, as people type and speech recognisers write them.
_SEP = r"[ \-]?"
_NOT_DIGIT_BEFORE = r"(?<![0-9])"
_NOT_DIGIT_AFTER = r"(?![0-9])"

_ID_CARD = re.compile(
    _NOT_DIGIT_BEFORE
    + r"[1-9][0-9]{5}"
    + _SEP
    + r"(?:19|20)[0-9]{2}[01][0-9][0-3][0-9]"
    + _SEP
    + r"[0-9]{3}[0-9Xx]"
    + r"(?![0-9A-Za-z])"
)
_BANK_CARD = re.compile(
    _NOT_DIGIT_BEFORE
    + r"[1-9][0-9]{3}(?:"
    + _SEP
    + r"[0-9]{4}){2,3}(?:"
    + _SEP
    + r"[0-9]{1,3})?"
    + _NOT_DIGIT_AFTER
)
_BANK_CARD_PLAIN = re.compile(_NOT_DIGIT_BEFORE + r"[1-9][0-9]{15,18}" + _NOT_DIGIT_AFTER)
_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:\+?86"
    + _SEP
    + r")?1[3-9][0-9]"
    + _SEP
    + r"[0-9]{4}"
    + _SEP
    + r"[0-9]{4}"
    + _NOT_DIGIT_AFTER
)
_LANDLINE = re.compile(_NOT_DIGIT_BEFORE + r"0[1-9][0-9]{1,2}" + _SEP + r"[2-9][0-9]{6,7}" + _NOT_DIGIT_AFTER)

ID_CARD = "[身份证号]"
BANK_CARD = "[银行卡号]"
PHONE = "[电话号码]"

# Order matters: the longer, more specific numbers first.
_RULES = (
    (_ID_CARD, ID_CARD),
    (_BANK_CARD, BANK_CARD),
    (_BANK_CARD_PLAIN, BANK_CARD),
    (_MOBILE, PHONE),
    (_LANDLINE, PHONE),
)


def mask(text: str) -> str:
    """``text`` with ID-card, bank-card and phone numbers replaced by placeholders."""
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text


def find_phone(text: str) -> str | None:
    """The first mobile or landline number in ``text``, digits only."""
    for pattern in (_MOBILE, _LANDLINE):
        match = pattern.search(text)
        if match:
            digits = re.sub(r"[^0-9]", "", match.group())
            return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return None


def hash_sender(sender_id: str, salt: bytes) -> str:
    """A keyed hash of the sender id: stable per sender, not reversible without the salt."""
    return hmac.new(salt, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()[:24]
