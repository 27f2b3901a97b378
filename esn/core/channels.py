"""Live channel names, built here and nowhere else.

- ``source:<post source>`` (``source:company``, ``source:group:3``,
  ``source:user:5``): new posts in a stream;
- ``post:<id>``: comments, reactions, edits and deletion of one post;
- ``user:<id>``: the person's bell; ``membership:<id>``: their groups changed;
  ``session:<id>``: one of their sessions ended.
"""

from __future__ import annotations

SOURCE = "source"
POST = "post"
USER = "user"
MEMBERSHIP = "membership"
SESSION = "session"
PERSONAL_KINDS = (USER, MEMBERSHIP, SESSION)


def kind_of(channel: str) -> str:
    """What a channel is about: ``source``, ``post``, ``user``…"""
    return channel.partition(":")[0]


def source_channel(source: str) -> str:
    """Where new posts of the stream ``source`` are announced."""
    return f"{SOURCE}:{source}"


def source_of(channel: str) -> str | None:
    """The post source a ``source:`` channel announces, or None for other channels."""
    kind, _sep, rest = channel.partition(":")
    return rest if kind == SOURCE else None


def post_channel(post_id: int) -> str:
    """Where one post's comments, reactions and changes are announced."""
    return f"{POST}:{post_id}"


def user_channel(user_id: int) -> str:
    """Where a person's bell is told to update."""
    return f"{USER}:{user_id}"


def membership_channel(user_id: int) -> str:
    """Where a person's sockets hear that their groups changed."""
    return f"{MEMBERSHIP}:{user_id}"


def session_channel(user_id: int) -> str:
    """Where a person's sockets hear that one of their sessions ended."""
    return f"{SESSION}:{user_id}"


def personal_channels(user_id: int) -> set[str]:
    """The channels every socket of ``user_id`` listens to, whatever the page."""
    return {user_channel(user_id), membership_channel(user_id), session_channel(user_id)}
