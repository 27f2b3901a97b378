"""Input models of the health page: the period, and which table to export."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator

from esn.animation.health.service import DEFAULT_WEEKS, TABLES, WEEK_CHOICES
from esn.core.i18n import gettext as _


def week_choices() -> list[tuple[str, str]]:
    """The periods offered, translated."""
    return [(str(weeks), _("Last %(count)d weeks") % {"count": weeks}) for weeks in WEEK_CHOICES]


class PeriodForm(BaseModel):
    """How many weeks to look back (one of WEEK_CHOICES)."""

    weeks: int = DEFAULT_WEEKS

    @field_validator("weeks", mode="before")
    @classmethod
    def _known_period(cls, value: Any) -> int:
        if value in ("", None):
            return DEFAULT_WEEKS
        text = str(value).strip()
        if not text.isdigit() or len(text) > 3 or int(text) not in WEEK_CHOICES:
            raise ValueError(_("Choose one of the listed periods."))
        return int(text)


class ExportForm(PeriodForm):
    """A period and the table to download."""

    table: str

    @field_validator("table")
    @classmethod
    def _known_table(cls, value: str) -> str:
        if value not in TABLES:
            raise ValueError(_("Choose one of the listed tables."))
        return value
