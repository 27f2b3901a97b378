"""Input models for the curation forms: expiry dates, a group's details, archive, merge."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, field_validator

from esn.animation.curation.service import GroupDetails
from esn.core.i18n import gettext as _
from esn.core.text import clean_text, parse_day
from esn.groups import service as groups

SLUG_INPUT_MAX_LENGTH = 200


def _date(value: Any) -> date:
    """A day typed as YYYY-MM-DD (what a date input sends)."""
    day = parse_day(value)
    if day is None:
        raise ValueError(_("Choose a day."))
    return day


def _ticked(value: Any) -> bool:
    """A checkbox: present (any value but empty) means ticked."""
    return bool(str(value or "").strip())


class UntilForm(BaseModel):
    """Feature or pin until a day (the service checks the bounds)."""

    until: date

    @field_validator("until", mode="before")
    @classmethod
    def day(cls, value: Any) -> date:
        return _date(value)


class GroupDetailsForm(BaseModel):
    """A group's name, description and tags, as the curation form edits them."""

    name: str = ""
    description: str = ""
    tags: list[str] = []

    @field_validator("name")
    @classmethod
    def name_usable(cls, value: str) -> str:
        return groups.parse_group_name(value)

    @field_validator("description")
    @classmethod
    def paragraphs(cls, value: str) -> str:
        return groups.parse_group_description(value)

    @field_validator("tags", mode="before")
    @classmethod
    def comma_separated(cls, value: Any) -> list[str]:
        return groups.parse_group_tags(value)

    def details(self) -> GroupDetails:
        """What the service saves."""
        return GroupDetails(name=self.name, description=self.description, tags=tuple(self.tags))


class ArchiveForm(BaseModel):
    """Archiving asks to tick a confirmation box."""

    confirm: bool = False

    @field_validator("confirm", mode="before")
    @classmethod
    def ticked(cls, value: Any) -> bool:
        return _ticked(value)


class MergeForm(BaseModel):
    """The group to merge into (its address) and the audience-change confirmation."""

    target: str = ""
    understood: bool = False

    @field_validator("target")
    @classmethod
    def address(cls, value: str) -> str:
        value = clean_text(value, max_length=SLUG_INPUT_MAX_LENGTH).strip("/").lower()
        # People paste the group's address: keep what follows /groups/.
        value = value.rsplit("/groups/", 1)[-1].removeprefix("groups/").split("/", 1)[0]
        if not value:
            raise ValueError(_("Enter the address of the group to merge into."))
        return value

    @field_validator("understood", mode="before")
    @classmethod
    def ticked(cls, value: Any) -> bool:
        return _ticked(value)
