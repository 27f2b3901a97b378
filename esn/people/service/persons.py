"""Adding someone to the company: their account, their profile, their skills."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts import service as accounts
from esn.accounts.models import Role, User
from esn.core.errors import InvalidInput
from esn.people.models import Profile, Skill
from esn.people.service.names import fold, name_problem, skill_key, unique_handle


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
        handle=await unique_handle(db, new.name),
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
    existing = (await db.execute(select(Skill).where(col(Skill.user_id) == user_id))).scalars()
    for skill in existing:
        await db.delete(skill)
    await db.flush()
    seen: set[str] = set()
    for name in names:
        key = skill_key(name)
        if key and key not in seen:
            seen.add(key)
            db.add(Skill(user_id=user_id, name=name.strip()[:60], key=key[:60]))
