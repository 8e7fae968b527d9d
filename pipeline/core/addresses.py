"""One e-mail address, checked as one: what a registry cell or a sender's From holds.

A cell «a@b.kz, boss@gov.kz» once sent a letter to both, a line break in it crashed the
mail command, and «не указан» passed as an address. An address is read by a well-kept
library (email-validator, syntax only: no DNS on an office PC), and anything that is not
exactly one address is refused, never split or guessed.
"""

from __future__ import annotations

from email.utils import getaddresses


def one_address(text: object) -> str | None:
    """The address, normalised, if `text` is exactly one valid address; else None."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if not value or any(ch in value for ch in ",;\r\n\t") or value.count("@") != 1:
        return None
    from email_validator import EmailNotValidError, validate_email  # 36 ms: when one is read

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def sender_address(header: object) -> str | None:
    """The one address of a From header («Школа №1 <s1@edu.kz>»); None for a header that
    names none or several (an encoded word can hide a second address)."""
    if not isinstance(header, str) or "\r" in header or "\n" in header:
        return None
    found = [address for _, address in getaddresses([header]) if address]
    return one_address(found[0]) if len(found) == 1 else None
