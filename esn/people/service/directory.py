"""The people directory: search by name, title and skill, filters, keyset pages.

The cursor helpers are shared with other lists ordered by a folded name and
an id (the group directory, a group's members).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden
from esn.people.models import Profile, Skill
from esn.people.service.names import fold, skill_key

DIRECTORY_PAGE_SIZE = 24
MAX_SEARCH_WORDS = 5
MAX_FILTER_CHOICES = 200


@dataclass(frozen=True)
class DirectoryQuery:
    """The directory's search box, filters and page cursor, already checked."""

    q: str = ""
    department: str = ""
    site: str = ""
    skill: str = ""
    after: str = ""


@dataclass(frozen=True)
class DirectoryPage:
    """One page of people, the cursor of the next one, and the filters' choices."""

    people: list[Profile]
    next_cursor: str | None
    departments: list[str]
    sites: list[str]
    skills: list[tuple[str, str]]


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def encode_cursor(search_name: str, user_id: int) -> str:
    """The opaque ``after`` value that continues the directory after this person."""
    raw = json.dumps([search_name, user_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int] | None:
    """The position an ``after`` value points to, or None if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, user_id = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(name, str) or type(user_id) is not int or "\x00" in name:
        return None
    return name, user_id


def _matches_word(word: str) -> ColumnElement[bool]:
    """A person matches a search word by name, job title or skill."""
    folded = like_pattern(fold(word))
    raw = like_pattern(word.lower())
    has_skill = exists(
        select(col(Skill.id)).where(
            col(Skill.user_id) == col(Profile.user_id), col(Skill.key).like(folded, escape="\\")
        )
    )
    return or_(
        col(Profile.search_name).like(folded, escape="\\"),
        col(Profile.title).ilike(raw, escape="\\"),
        col(Profile.title).ilike(folded, escape="\\"),
        has_skill,
    )


async def _distinct_values(db: AsyncSession, column: Any) -> list[str]:
    result = await db.execute(
        select(column).where(column != "").distinct().order_by(column).limit(MAX_FILTER_CHOICES)
    )
    return [str(value) for value in result.scalars()]


async def search_directory(
    db: AsyncSession, actor: User, query: DirectoryQuery | None
) -> DirectoryPage:
    """Active people matching the search and filters, a page at a time by name.

    Pages follow each other by keyset on (search_name, user_id), so a deep page
    costs the same as the first. With no query (the form was invalid) only the
    filters' choices are returned.
    """
    if not policy.can_see_directory(actor):
        raise Forbidden
    people, next_cursor = await _directory_people(db, query) if query else ([], None)
    skills = await db.execute(
        select(col(Skill.key), func.min(col(Skill.name)))
        .group_by(col(Skill.key))
        .order_by(col(Skill.key))
        .limit(MAX_FILTER_CHOICES)
    )
    return DirectoryPage(
        people=people,
        next_cursor=next_cursor,
        departments=await _distinct_values(db, col(Profile.department)),
        sites=await _distinct_values(db, col(Profile.site)),
        skills=[(str(key), str(name)) for key, name in skills.all()],
    )


async def _directory_people(
    db: AsyncSession, query: DirectoryQuery
) -> tuple[list[Profile], str | None]:
    """One page of matching active people and the cursor of the next page, if any."""
    statement = (
        select(Profile)
        .join(User, col(User.id) == col(Profile.user_id))
        .where(col(User.is_active).is_(True))
    )
    for word in query.q.split()[:MAX_SEARCH_WORDS]:
        statement = statement.where(_matches_word(word))
    if query.department:
        statement = statement.where(col(Profile.department) == query.department)
    if query.site:
        statement = statement.where(col(Profile.site) == query.site)
    if query.skill:
        statement = statement.where(
            exists(
                select(col(Skill.id)).where(
                    col(Skill.user_id) == col(Profile.user_id),
                    col(Skill.key) == skill_key(query.skill),
                )
            )
        )
    position = decode_cursor(query.after) if query.after else None
    if position is not None:
        statement = statement.where(
            tuple_(col(Profile.search_name), col(Profile.user_id)) > tuple_(*position)
        )
    statement = statement.order_by(col(Profile.search_name), col(Profile.user_id))
    found = list((await db.execute(statement.limit(DIRECTORY_PAGE_SIZE + 1))).scalars())
    people = found[:DIRECTORY_PAGE_SIZE]
    next_cursor = None
    if len(found) > DIRECTORY_PAGE_SIZE:
        last = people[-1]
        next_cursor = encode_cursor(last.search_name, last.user_id)
    return people, next_cursor
