"""Seeing one person: their profile page and their photo."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import NotFound
from esn.people import photos
from esn.people.models import Profile, Skill
from esn.people.service.follows import FollowState, follow_state
from esn.people.service.lookup import person_for

MAX_REPORTS = 200


@dataclass(frozen=True)
class ProfilePage:
    """Everything a profile page shows."""

    profile: Profile
    user: User
    manager: Profile | None
    reports: list[Profile]
    skills: list[Skill]
    follow: FollowState
    can_edit: bool


async def profile_page(db: AsyncSession, actor: User, handle: str) -> ProfilePage:
    """One person's profile with manager, direct reports, skills and follow counts."""
    profile, user = await person_for(db, actor, handle)
    manager = None
    if profile.manager_id is not None:
        manager = (
            await db.execute(
                select(Profile)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(
                    col(Profile.user_id) == profile.manager_id,
                    policy.visible_people_clause(actor),
                )
            )
        ).scalar_one_or_none()
    reports = list(
        (
            await db.execute(
                select(Profile)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(
                    col(Profile.manager_id) == profile.user_id, policy.visible_people_clause(actor)
                )
                .order_by(col(Profile.search_name), col(Profile.user_id))
                .limit(MAX_REPORTS)
            )
        ).scalars()
    )
    skills = list(
        (
            await db.execute(
                select(Skill).where(col(Skill.user_id) == profile.user_id).order_by(col(Skill.key))
            )
        ).scalars()
    )
    return ProfilePage(
        profile=profile,
        user=user,
        manager=manager,
        reports=reports,
        skills=skills,
        follow=await follow_state(db, actor, profile),
        can_edit=policy.can_edit_profile(actor, profile.user_id),
    )


@dataclass(frozen=True)
class PhotoFile:
    """A stored photo to send: where it is and its MIME type."""

    path: Path
    content_type: str


async def photo_file(db: AsyncSession, actor: User, handle: str, media_dir: Path) -> PhotoFile:
    """The photo of the person behind ``handle``; NotFound when there is none."""
    profile, _user = await person_for(db, actor, handle)
    path = photos.stored_path(media_dir, profile.photo_name)
    exists = path is not None and await asyncio.to_thread(path.is_file)
    if path is None or not exists:
        raise NotFound
    return PhotoFile(path=path, content_type=photos.content_type(path.name))
