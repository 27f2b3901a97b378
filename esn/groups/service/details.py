"""The rules a group's name, description and tags obey, wherever they are typed
(the creation form, an animator's edit): one place, so both forms agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from esn.core.i18n import gettext as _
from esn.core.text import clean_text
from esn.groups.models import Group, GroupTag
from esn.groups.service.naming import tag_key
from esn.people import service as people

MAX_TAGS = 12


def _column_length(model: Any, name: str) -> int:
    """The max_length the table declares, so forms and tables agree."""
    length = inspect(model).columns[name].type.length
    assert isinstance(length, int)
    return length


DESCRIPTION_MAX_LENGTH = _column_length(Group, "description")
TAG_MAX_LENGTH = _column_length(GroupTag, "tag")


def parse_group_name(value: str) -> str:
    """A group name: what people's names must be, trimmed (ValueError otherwise)."""
    problem = people.name_problem(value)
    if problem:
        raise ValueError(problem)
    return value.strip()


def parse_group_description(value: str) -> str:
    """A group description: paragraphs, bounded, printable (ValueError otherwise)."""
    return clean_text(value, max_length=DESCRIPTION_MAX_LENGTH, single_line=False)


def parse_group_tags(value: Any) -> list[str]:
    """Comma-separated tags: at most MAX_TAGS, each under TAG_MAX_LENGTH."""
    text = clean_text(str(value), max_length=MAX_TAGS * (TAG_MAX_LENGTH + 2))
    tags = [tag.strip() for tag in text.split(",") if tag_key(tag)]
    if len(tags) > MAX_TAGS:
        raise ValueError(_("List at most %(count)d tags.") % {"count": MAX_TAGS})
    if any(len(tag_key(tag)) > TAG_MAX_LENGTH for tag in tags):
        raise ValueError(_("Keep each tag under %(count)d characters.") % {"count": TAG_MAX_LENGTH})
    return tags
