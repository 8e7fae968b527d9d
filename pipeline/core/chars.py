"""Characters that pasted text carries and no return means: one definition for everyone
who cleans text (converters, identifiers, messages)."""

from __future__ import annotations

import re

CONTROL = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f"
"""Control characters from other systems (Excel keeps them as _x0007_); the writers of
correction workbooks and reports refuse them."""
INVISIBLE = "\\u00ad\\u200b-\\u200d\\u2060\\ufeff"
"""Soft hyphens, zero-width characters and BOMs from Word or web pages: "Иә" with one of
them looks right and would not match its choice."""

CONTROLS = re.compile(f"[{CONTROL}]")
UNSEEN = re.compile(f"[{CONTROL}{INVISIBLE}]")
