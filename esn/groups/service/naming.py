"""A group's address (slug) and tags: how they are derived from text and stored."""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.groups.models import Group
from esn.people import service as people

SLUG_MAX_LENGTH = 80
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths under /groups that are pages of their own, never a group's address.
RESERVED_SLUGS = frozenset({"new"})


def tag_key(text: str) -> str:
    """The stored form of a tag: folded (no case, no accents), single spaces."""
    return re.sub(r"\s+", " ", people.fold(text))


def slug_from_name(name: str) -> str:
    """An address derived from a group's name: "Café & Co" gives "cafe-co"."""
    slug = re.sub(r"[^a-z0-9]+", "-", people.fold(name)).strip("-")
    return slug[: SLUG_MAX_LENGTH - 8].strip("-") or "group"


def usable_slug(slug: str) -> bool:
    """A slug that could name a group; anything else is answered as missing."""
    return len(slug) <= SLUG_MAX_LENGTH and SLUG_PATTERN.match(slug) is not None


async def slug_taken(db: AsyncSession, slug: str) -> bool:
    """Whether a group (merged or archived ones included) already has this address."""
    found = await db.execute(select(col(Group.id)).where(col(Group.slug) == slug))
    return found.first() is not None


async def derived_slug(db: AsyncSession, name: str) -> str:
    """The name's slug, numbered ("-2", "-3", ...) when already taken or reserved."""
    base = slug_from_name(name)
    taken = set(
        (
            await db.execute(
                select(col(Group.slug)).where(
                    or_(col(Group.slug) == base, col(Group.slug).startswith(f"{base}-"))
                )
            )
        ).scalars()
    )
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
