"""Input models for the moderation forms: a report, a moderator's reason."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from esn.core.i18n import gettext as _
from esn.core.text import clean_text

REPORT_MIN_LENGTH = 10
REASON_MAX_LENGTH = 1000


class ReportForm(BaseModel):
    """Why a reader reports a post or a comment: required, 10 to 1000 characters."""

    reason: str = ""

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = clean_text(value, max_length=REASON_MAX_LENGTH, single_line=False)
        if not value:
            raise ValueError(_("Say what is wrong: the moderators read it."))
        if len(value) < REPORT_MIN_LENGTH:
            raise ValueError(
                _("Say a little more (at least %(count)d characters).")
                % {"count": REPORT_MIN_LENGTH}
            )
        return value


class HideForm(BaseModel):
    """Why a moderator hides something: required, the author reads it."""

    reason: str = ""
    next: str = ""

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = clean_text(value, max_length=REASON_MAX_LENGTH, single_line=False)
        if not value:
            raise ValueError(_("Say why: the author will read it."))
        return value


class NoteForm(BaseModel):
    """A moderator's optional reason for restoring or dismissing (recorded)."""

    reason: str = ""
    next: str = ""

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return clean_text(value, max_length=REASON_MAX_LENGTH, single_line=False)
