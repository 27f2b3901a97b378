"""Editing a profile: the form's starting values, the manager check, saving with a photo.

The org chart never loops: a manager who already reports (directly or not)
to the person being edited is refused.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput
from esn.core.i18n import gettext as _
from esn.people import photos
from esn.people.models import Profile, Skill
from esn.people.service.lookup import find_active_person, person_for
from esn.people.service.names import fold
from esn.people.service.persons import replace_skills

MAX_CHAIN_CHECK = 200


@dataclass(frozen=True)
class ProfileChanges:
    """What the edit form sets; text already trimmed and checked by forms.py."""

    display_name: str
    title: str = ""
    department: str = ""
    site: str = ""
    manager: str = ""
    bio: str = ""
    skills: tuple[str, ...] = ()
    how_i_can_help: str = ""
    looking_for: str = ""
    languages: str = ""
    remove_photo: bool = False


@dataclass(frozen=True)
class EditableProfile:
    """A profile with the values its edit form starts from."""

    profile: Profile
    values: dict[str, str]


async def editable_profile(db: AsyncSession, actor: User, handle: str) -> EditableProfile:
    """The profile the actor wants to edit, with its current values (403 if not theirs)."""
    profile, _user = await person_for(db, actor, handle)
    if not policy.can_edit_profile(actor, profile.user_id):
        raise Forbidden
    skills = (
        await db.execute(
            select(col(Skill.name))
            .where(col(Skill.user_id) == profile.user_id)
            .order_by(col(Skill.key))
        )
    ).scalars()
    manager_email = ""
    if profile.manager_id is not None:
        manager = await db.get(User, profile.manager_id)
        manager_email = manager.email if manager else ""
    values = {
        "display_name": profile.display_name,
        "title": profile.title,
        "department": profile.department,
        "site": profile.site,
        "manager": manager_email,
        "bio": profile.bio,
        "skills": ", ".join(skills),
        "how_i_can_help": profile.how_i_can_help,
        "looking_for": profile.looking_for,
        "languages": profile.languages,
    }
    return EditableProfile(profile=profile, values=values)


async def creates_cycle(db: AsyncSession, person_id: int, manager_id: int) -> bool:
    """True if making ``manager_id`` the manager of ``person_id`` would loop the org chart.

    Walks up from the new manager, one query per level; a chain longer than
    any real company (or one already looping elsewhere) counts as a cycle.
    """
    current: int | None = manager_id
    seen: set[int] = set()
    while current is not None:
        if current == person_id:
            return True
        if current in seen or len(seen) >= MAX_CHAIN_CHECK:
            return True
        seen.add(current)
        current = (
            await db.execute(select(col(Profile.manager_id)).where(col(Profile.user_id) == current))
        ).scalar_one_or_none()
    return False


async def _manager_id(db: AsyncSession, person_id: int, reference: str) -> int | None:
    """Resolve the manager field; InvalidInput if unknown, inactive or looping."""
    if not reference.strip():
        return None
    manager = await find_active_person(db, reference)
    if manager is None or manager.id is None:
        raise InvalidInput({"manager": _("No active colleague has this email or handle.")})
    if manager.id == person_id:
        raise InvalidInput({"manager": _("Nobody can be their own manager.")})
    if await creates_cycle(db, person_id, manager.id):
        raise InvalidInput(
            {
                "manager": _(
                    "This person already reports, directly or not, to the one you are editing: "
                    "the org chart would go round in a circle."
                )
            }
        )
    return manager.id


async def update_profile(
    db: AsyncSession,
    actor: User,
    handle: str,
    changes: ProfileChanges,
    *,
    media_dir: Path,
    photo: bytes | None = None,
    max_photo_bytes: int,
) -> Profile:
    """Save an edited profile, and its new photo if one was sent, all or nothing.

    The photo is checked and re-encoded before anything is written; the old
    photo file is deleted only once the new state is committed.
    """
    profile, _user = await person_for(db, actor, handle)
    if not policy.can_edit_profile(actor, profile.user_id):
        raise Forbidden
    errors: dict[str, str] = {}
    prepared = None
    if photo is not None:
        try:
            prepared = await asyncio.to_thread(photos.prepare_photo, photo, max_photo_bytes)
        except photos.PhotoRefused as exc:
            errors["photo"] = str(exc)
    try:
        manager_id = await _manager_id(db, profile.user_id, changes.manager)
    except InvalidInput as exc:
        errors.update(exc.errors)
        manager_id = None
    if errors:
        raise InvalidInput(errors)

    old_photo = profile.photo_name
    new_photo = (
        await asyncio.to_thread(photos.store_photo, media_dir, prepared) if prepared else None
    )
    profile.display_name = changes.display_name
    profile.search_name = fold(changes.display_name)
    profile.title = changes.title
    profile.department = changes.department
    profile.site = changes.site
    profile.manager_id = manager_id
    profile.bio = changes.bio
    profile.how_i_can_help = changes.how_i_can_help
    profile.looking_for = changes.looking_for
    profile.languages = changes.languages
    if new_photo is not None:
        profile.photo_name = new_photo
    elif changes.remove_photo:
        profile.photo_name = None
    profile.updated_at = utcnow()
    await replace_skills(db, profile.user_id, list(changes.skills))
    try:
        await db.commit()
    except BaseException:
        if new_photo is not None:
            await asyncio.to_thread(photos.delete_photo, media_dir, new_photo)
        raise
    if old_photo and old_photo != profile.photo_name:
        await asyncio.to_thread(photos.delete_photo, media_dir, old_photo)
    return profile
