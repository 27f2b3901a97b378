"""Input models of the impact log's forms."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from esn.animation.impact.service import NOTE_MAX_LENGTH, outcome_labels
from esn.core.i18n import gettext as _
from esn.core.text import clean_text


class ImpactForm(BaseModel):
    """Tag a thread: one outcome, and an optional note on what happened."""

    outcome: str
    note: str = ""

    @field_validator("outcome")
    @classmethod
    def known_outcome(cls, value: str) -> str:
        if value not in outcome_labels():
            raise ValueError(_("Choose one of the listed outcomes."))
        return value

    @field_validator("note")
    @classmethod
    def clean_note(cls, value: str) -> str:
        return clean_text(value, max_length=NOTE_MAX_LENGTH, single_line=False)


class StoriesQuery(BaseModel):
    """The page of stories to show: those older than the story ``before``."""

    before: int | None = Field(default=None, gt=0, le=2**31 - 1)
