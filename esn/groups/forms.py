"""Input models for the groups forms: creation, directory search, invitations, roles."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator

from esn.core.i18n import gettext as _
from esn.core.text import clean_text
from esn.groups.models import GroupRole, Visibility
from esn.groups.service import (
    RESERVED_SLUGS,
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    TAG_MAX_LENGTH,
    DirectoryQuery,
    NewGroup,
    parse_group_description,
    parse_group_name,
    parse_group_tags,
)

MAX_SEARCH_LENGTH = 100
INVITEE_MAX_LENGTH = 254


def visibility_choices() -> list[tuple[str, str]]:
    """The visibility options with their explanation, translated."""
    return [
        (Visibility.OPEN.value, _("Open: anyone sees and joins it")),
        (Visibility.PRIVATE.value, _("Private: listed, content for members, join on request")),
        (Visibility.SECRET.value, _("Secret: not listed, by invitation only")),
    ]


def role_choices() -> list[tuple[str, str]]:
    """The group roles, translated."""
    return [
        (GroupRole.OWNER.value, _("Owner")),
        (GroupRole.ANIMATOR.value, _("Animator")),
        (GroupRole.MEMBER.value, _("Member")),
    ]


class GroupForm(BaseModel):
    """The creation form. Texts are trimmed, bounded and printable."""

    name: str = ""
    slug: str = ""
    description: str = ""
    tags: list[str] = []
    visibility: Visibility = Visibility.OPEN

    @field_validator("name")
    @classmethod
    def name_usable(cls, value: str) -> str:
        return parse_group_name(value)

    @field_validator("slug")
    @classmethod
    def slug_usable(cls, value: str) -> str:
        value = clean_text(value, max_length=SLUG_MAX_LENGTH).lower()
        if value and not SLUG_PATTERN.match(value):
            raise ValueError(
                _("Use lowercase letters, digits and single hyphens, like “data-club”.")
            )
        if value in RESERVED_SLUGS:
            raise ValueError(_("This address is reserved; choose another."))
        return value

    @field_validator("description")
    @classmethod
    def paragraphs(cls, value: str) -> str:
        return parse_group_description(value)

    @field_validator("tags", mode="before")
    @classmethod
    def comma_separated(cls, value: Any) -> list[str]:
        return parse_group_tags(value)

    def new_group(self) -> NewGroup:
        """What the service creates."""
        return NewGroup(
            name=self.name,
            slug=self.slug,
            description=self.description,
            tags=tuple(self.tags),
            visibility=self.visibility.value,
        )


class DirectoryForm(BaseModel):
    """The directory's search box, tag filter and page cursor (a GET form)."""

    q: str = ""
    tag: str = ""
    after: str = ""

    @field_validator("q")
    @classmethod
    def search_text(cls, value: str) -> str:
        return clean_text(value, max_length=MAX_SEARCH_LENGTH)

    @field_validator("tag")
    @classmethod
    def tag_value(cls, value: str) -> str:
        return clean_text(value, max_length=TAG_MAX_LENGTH)

    @field_validator("after")
    @classmethod
    def cursor(cls, value: str) -> str:
        # An unreadable cursor is ignored by the service; only its size matters here.
        return clean_text(value, max_length=1000)

    def query(self) -> DirectoryQuery:
        """What the service searches for."""
        return DirectoryQuery(q=self.q, tag=self.tag, after=self.after)


class PageForm(BaseModel):
    """The ``after`` cursor of a paged list (stream, members)."""

    after: str = ""

    @field_validator("after")
    @classmethod
    def cursor(cls, value: str) -> str:
        return clean_text(value, max_length=1000)


class InviteForm(BaseModel):
    """Invite a colleague by email or profile handle."""

    invitee: str = ""

    @field_validator("invitee")
    @classmethod
    def reference(cls, value: str) -> str:
        value = clean_text(value, max_length=INVITEE_MAX_LENGTH)
        if not value:
            raise ValueError(_("Enter a colleague's email or handle."))
        return value


class RoleForm(BaseModel):
    """Give a member another role in the group."""

    role: GroupRole
