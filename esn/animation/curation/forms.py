"""Input models for the curation forms: expiry dates, a group's details, archive, merge."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, field_validator
from sqlalchemy import inspect

from esn.animation.curation.service import GroupDetails
from esn.core.i18n import gettext as _
from esn.core.text import clean_text, parse_day
from esn.groups.models import Group, GroupTag
from esn.groups.service import tag_key
from esn.people.service import name_problem

SLUG_INPUT_MAX_LENGTH = 200

# A group's name, description and tags obey the rules of the groups' creation
# form (esn.groups.forms). That module is the groups' web edge, not theirs to
# share, so the rules are restated here from what groups do publish: the
# columns' lengths, ``tag_key`` and people's name rule. Only MAX_TAGS is a copy.
MAX_TAGS = 12


def _column_length(model: Any, name: str) -> int:
    """The max_length the table declares, so this form and the table agree."""
    length = inspect(model).columns[name].type.length
    assert isinstance(length, int)
    return length


DESCRIPTION_MAX_LENGTH = _column_length(Group, "description")
TAG_MAX_LENGTH = _column_length(GroupTag, "tag")


def parse_name(value: str) -> str:
    """A group name: what people's names must be, trimmed."""
    problem = name_problem(value)
    if problem:
        raise ValueError(problem)
    return value.strip()


def parse_description(value: str) -> str:
    """A group description: paragraphs, bounded, printable."""
    return clean_text(value, max_length=DESCRIPTION_MAX_LENGTH, single_line=False)


def parse_tags(value: Any) -> list[str]:
    """Comma-separated tags: at most MAX_TAGS, each under TAG_MAX_LENGTH."""
    text = clean_text(str(value), max_length=MAX_TAGS * (TAG_MAX_LENGTH + 2))
    tags = [tag.strip() for tag in text.split(",") if tag_key(tag)]
    if len(tags) > MAX_TAGS:
        raise ValueError(_("List at most %(count)d tags.") % {"count": MAX_TAGS})
    if any(len(tag_key(tag)) > TAG_MAX_LENGTH for tag in tags):
        raise ValueError(_("Keep each tag under %(count)d characters.") % {"count": TAG_MAX_LENGTH})
    return tags


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
        return parse_name(value)

    @field_validator("description")
    @classmethod
    def paragraphs(cls, value: str) -> str:
        return parse_description(value)

    @field_validator("tags", mode="before")
    @classmethod
    def comma_separated(cls, value: Any) -> list[str]:
        return parse_tags(value)

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
