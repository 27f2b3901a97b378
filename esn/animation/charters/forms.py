"""Input models for the charter forms: writing a version, reviewing it, accepting it."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from esn.animation.charters.service import BODY_MAX_LENGTH, MAX_ID
from esn.core.text import clean_text


class CharterForm(BaseModel):
    """A new version's text (Markdown), and the version the writer started from.

    An empty text is refused by the service, with the same message as an
    unchanged one would get next to the field.
    """

    body: str = ""
    base_version: int = Field(default=0, ge=0, le=MAX_ID)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return clean_text(value, max_length=BODY_MAX_LENGTH, single_line=False)


class ReviewForm(BaseModel):
    """ "Reviewed, no change": the version the animator read."""

    version: int = Field(ge=1, le=MAX_ID)


class AcceptForm(BaseModel):
    """ "I accept": the version the reader read, and where they were going."""

    charter_id: int = Field(ge=1, le=MAX_ID)
    next: str = Field(default="", max_length=2000)
