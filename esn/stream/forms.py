"""Input models for the stream forms: posts, comments, reactions, mentions."""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, field_validator

from esn.core.i18n import gettext as _
from esn.stream.models import ReactionKind

MAX_POST_LENGTH = 10_000
MAX_COMMENT_LENGTH = 5_000
_DOM_ID = re.compile(r"^[\w-]{1,80}$")


def dom_id(value: str) -> str:
    """A stream container's element id as sent back by a form, or the default."""
    return value if _DOM_ID.match(value) else "stream"


# Direction overrides make text display as something else; zero-width joiners
# stay allowed in posts (emoji sequences and several scripts need them).
_DIRECTION_OVERRIDES = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def _body(value: str, max_length: int, empty_message: str) -> str:
    """A post or comment text: trimmed, bounded, no control or direction characters."""
    value = value.strip()
    if not value:
        raise ValueError(empty_message)
    if len(value) > max_length:
        raise ValueError(_("Keep this under %(count)d characters.") % {"count": max_length})
    for char in value:
        if char in _DIRECTION_OVERRIDES:
            raise ValueError(_("Remove the invisible formatting characters from this field."))
        if unicodedata.category(char) == "Cc" and char not in "\n\r\t":
            raise ValueError(_("Remove the control characters from this field."))
    return value


class PostForm(BaseModel):
    """A new post: where it goes, what it says; ``next`` and ``stream`` say where to return."""

    source: str = ""
    body: str = ""
    next: str = "/"
    stream: str = "stream"

    @field_validator("body")
    @classmethod
    def body_given(cls, value: str) -> str:
        return _body(value, MAX_POST_LENGTH, _("Write something before posting."))

    @field_validator("stream")
    @classmethod
    def dom_id(cls, value: str) -> str:
        return dom_id(value)


class EditForm(BaseModel):
    """The new text of a post."""

    body: str = ""

    @field_validator("body")
    @classmethod
    def body_given(cls, value: str) -> str:
        return _body(value, MAX_POST_LENGTH, _("A post cannot be empty."))


class CommentForm(BaseModel):
    """A comment, or a reply when ``parent_id`` names the comment answered."""

    body: str = ""
    parent_id: int | None = None
    view: str = ""

    @field_validator("body")
    @classmethod
    def body_given(cls, value: str) -> str:
        return _body(value, MAX_COMMENT_LENGTH, _("Write something before sending."))

    @field_validator("parent_id", mode="before")
    @classmethod
    def empty_parent(cls, value: object) -> object:
        return None if value == "" else value


class ReactionForm(BaseModel):
    """A reaction kind to toggle."""

    kind: ReactionKind
    next: str = ""


class MentionQuery(BaseModel):
    """The autocomplete's query: what was typed after @, and where the text goes."""

    q: str = ""
    source: str = ""

    @field_validator("q")
    @classmethod
    def short(cls, value: str) -> str:
        return value.strip().lstrip("@")[:64]
