"""People: creating persons, profiles, the directory, the org chart, follows."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts import service as accounts
from esn.accounts.models import Role, User
from esn.errors import InvalidInput
from esn.people.models import Follow, Profile, Skill
from esn.web.forms import text_problem
from esn.web.i18n import gettext as _


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Hélène" is found by "helene"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def skill_key(name: str) -> str:
    """The form of a skill name that filters compare."""
    return re.sub(r"\s+", " ", fold(name))


def _handle_base(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug[:48] or "person"


async def _unique_handle(db: AsyncSession, name: str) -> str:
    base = _handle_base(name)
    taken = set(
        (
            await db.execute(
                select(Profile.handle).where(
                    (Profile.handle == base) | Profile.handle.startswith(f"{base}-")  # type: ignore[attr-defined]
                )
            )
        ).scalars()
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def name_problem(name: str) -> str | None:
    """Why a display name cannot be used, or None."""
    if not name.strip():
        return _("Enter a name.")
    if len(name) > 120:
        return _("Keep this under %(count)d characters.") % {"count": 120}
    return text_problem(name, single_line=True)


@dataclass(frozen=True)
class NewPerson:
    """What it takes to add someone to the company."""

    email: str
    name: str
    password: str | None = None
    role: str = Role.EMPLOYEE.value
    title: str = ""
    department: str = ""
    site: str = ""
    manager_id: int | None = None
    skills: tuple[str, ...] = ()
    languages: str = ""
    locale: str | None = None


async def add_person(db: AsyncSession, new: NewPerson) -> tuple[User, Profile]:
    """Stage an account with its profile (flushed, not committed)."""
    problem = name_problem(new.name)
    if problem:
        raise InvalidInput({"name": problem})
    user = await accounts.add_user(db, new.email, new.password, new.role)
    assert user.id is not None
    user.locale = new.locale
    profile = Profile(
        user_id=user.id,
        handle=await _unique_handle(db, new.name),
        display_name=new.name.strip(),
        search_name=fold(new.name),
        title=new.title,
        department=new.department,
        site=new.site,
        manager_id=new.manager_id,
        languages=new.languages,
    )
    db.add(profile)
    await replace_skills(db, user.id, list(new.skills))
    await db.flush()
    return user, profile


async def create_person(db: AsyncSession, new: NewPerson) -> tuple[User, Profile]:
    """Add someone to the company: account and profile, committed together."""
    user, profile = await add_person(db, new)
    await db.commit()
    return user, profile


async def replace_skills(db: AsyncSession, user_id: int, names: list[str]) -> None:
    """Set a person's skills to ``names`` (duplicates by normalised form dropped)."""
    existing = (await db.execute(select(Skill).where(Skill.user_id == user_id))).scalars()
    for skill in existing:
        await db.delete(skill)
    await db.flush()
    seen: set[str] = set()
    for name in names:
        key = skill_key(name)
        if key and key not in seen:
            seen.add(key)
            db.add(Skill(user_id=user_id, name=name.strip()[:60], key=key[:60]))


@dataclass(frozen=True)
class HomeOverview:
    """What the home page shows a person before streams exist."""

    profile: Profile
    following: list[Profile]
    follower_count: int


async def home_overview(db: AsyncSession, user: User) -> HomeOverview:
    """The person's profile, who they follow, and how many follow them."""
    profile = await db.get(Profile, user.id)
    assert profile is not None
    following = list(
        (
            await db.execute(
                select(Profile)
                .join(Follow, Follow.followee_id == Profile.user_id)
                .where(Follow.follower_id == user.id)
                .order_by(Profile.display_name)
                .limit(50)
            )
        ).scalars()
    )
    follower_count = (
        await db.execute(select(func.count()).where(Follow.followee_id == user.id))
    ).scalar_one()
    return HomeOverview(profile=profile, following=following, follower_count=follower_count)
