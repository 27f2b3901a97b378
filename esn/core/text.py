"""Rules for text people type, shared by every form and import: printable, bounded, dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from esn.core.i18n import gettext as _

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Bidirectional overrides and isolates can make a name display as something
# else ("evil\u202egnp.exe"); zero-width characters hide look-alike names.
_INVISIBLE = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]} | {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\ufeff",
}


def text_problem(value: str, *, single_line: bool) -> str | None:
    """Why a text value cannot be stored as is, or None.

    NUL and other control characters break storage and display; direction
    overrides let one name impersonate another.
    """
    for char in value:
        if char in _INVISIBLE:
            return _("Remove the invisible formatting characters from this field.")
        if unicodedata.category(char) == "Cc" and (single_line or char not in "\n\r\t"):
            return _("Remove the control characters from this field.")
    return None


def clean_text(value: str, *, max_length: int, single_line: bool = True) -> str:
    """Validator body for text fields: trimmed, bounded, printable."""
    value = value.strip()
    if len(value) > max_length:
        raise ValueError(_("Keep this under %(count)d characters.") % {"count": max_length})
    problem = text_problem(value, single_line=single_line)
    if problem:
        raise ValueError(problem)
    return value


def parse_day(value: Any) -> date | None:
    """A day typed as YYYY-MM-DD (what a date input sends); None when left empty.

    Raises ValueError with a translated message for anything else.
    """
    if isinstance(value, date):
        return value
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not _ISO_DATE.match(text):
        raise ValueError(_("Enter a date like 2026-03-02."))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("This date does not exist.")) from None
