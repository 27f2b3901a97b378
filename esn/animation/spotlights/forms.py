"""Input models of the spotlight forms: drafting, the portrait, answering."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, field_validator

from esn.animation.spotlights.service import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_DAYS,
    NewSpotlight,
    Portrait,
    length_message,
)
from esn.core.i18n import gettext as _
from esn.core.text import clean_text, parse_day

PORTRAIT_MAX_LENGTH = 2000
WHY_NOW_MAX_LENGTH = 1000
PERSON_MAX_LENGTH = 254
_NUMBER = re.compile(r"^\d{1,4}$")


def _paragraphs(value: Any, max_length: int) -> str:
    return clean_text(str(value), max_length=max_length, single_line=False)


def _optional_int(value: Any) -> int | None:
    """Only digits: "", spaces, signs and other noise count as not given."""
    if value is None:
        return None
    text = str(value).strip()
    return int(text) if _NUMBER.match(text) else None


class PortraitForm(BaseModel):
    """The three parts of a portrait, trimmed and bounded."""

    works_on: str = ""
    can_help_with: str = ""
    looking_for: str = ""
    version: int | None = None

    @field_validator("works_on", "can_help_with", "looking_for", mode="before")
    @classmethod
    def paragraphs(cls, value: Any) -> str:
        return _paragraphs(value, PORTRAIT_MAX_LENGTH)

    @field_validator("version", mode="before")
    @classmethod
    def optional_number(cls, value: Any) -> int | None:
        return _optional_int(value)

    def portrait(self) -> Portrait:
        """What the service stores."""
        return Portrait(
            works_on=self.works_on, can_help_with=self.can_help_with, looking_for=self.looking_for
        )


class SpotlightForm(PortraitForm):
    """An animator's draft: whom, the portrait, why now, from when and for how long."""

    # Validated even when the field is missing from the form: it is required.
    person: str = Field(default="", validate_default=True)
    why_now: str = ""
    starts_on: date | None = None
    days: int = DEFAULT_DAYS

    @field_validator("person", mode="before")
    @classmethod
    def person_given(cls, value: Any) -> str:
        text = clean_text(str(value), max_length=PERSON_MAX_LENGTH)
        if not text:
            raise ValueError(_("Say whom to put in the spotlight."))
        return text

    @field_validator("why_now", mode="before")
    @classmethod
    def reason(cls, value: Any) -> str:
        return _paragraphs(value, WHY_NOW_MAX_LENGTH)

    @field_validator("starts_on", mode="before")
    @classmethod
    def start(cls, value: Any) -> date | None:
        return parse_day(value)

    @field_validator("days", mode="before")
    @classmethod
    def length(cls, value: Any) -> int:
        text = str(value if value is not None else "").strip()
        if not text:
            return DEFAULT_DAYS
        if not _NUMBER.match(text) or not MIN_DAYS <= int(text) <= MAX_DAYS:
            raise ValueError(length_message())
        return int(text)

    def new_spotlight(self) -> NewSpotlight:
        """What the service drafts."""
        return NewSpotlight(
            person=self.person,
            portrait=self.portrait(),
            why_now=self.why_now,
            starts_on=self.starts_on,
            days=self.days,
        )


class VersionForm(BaseModel):
    """The version a decision form was rendered at (a stale one is refused)."""

    version: int | None = None

    @field_validator("version", mode="before")
    @classmethod
    def optional_number(cls, value: Any) -> int | None:
        return _optional_int(value)
