"""People: creating persons, profiles, the directory, the org chart, follows."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, true, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts import service as accounts
from esn.accounts.models import Role, User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.core.text import text_problem
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people import photos
from esn.people.models import Follow, Profile, Skill

DIRECTORY_PAGE_SIZE = 24
MAX_SEARCH_WORDS = 5
MAX_FILTER_CHOICES = 200
MAX_REPORTS = 200
# Deeper than any real hierarchy; the bound keeps a looping import harmless.
MAX_CHAIN = 20
MAX_CHAIN_CHECK = 200
MAX_HANDLE_LENGTH = 64


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
                select(col(Profile.handle)).where(
                    (col(Profile.handle) == base) | col(Profile.handle).startswith(f"{base}-")
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
                .join(Follow, col(Follow.followee_id) == col(Profile.user_id))
                .where(col(Follow.follower_id) == user.id)
                .order_by(col(Profile.display_name))
                .limit(50)
            )
        ).scalars()
    )
    follower_count = (
        await db.execute(select(func.count()).where(col(Follow.followee_id) == user.id))
    ).scalar_one()
    return HomeOverview(profile=profile, following=following, follower_count=follower_count)


# --- seeing people ----------------------------------------------------------


async def _person(db: AsyncSession, actor: User, handle: str) -> tuple[Profile, User]:
    """The profile and account behind ``handle``, if the actor may see them (else NotFound)."""
    if not policy.can_see_directory(actor):
        raise Forbidden
    if len(handle) > MAX_HANDLE_LENGTH or text_problem(handle, single_line=True):
        raise NotFound  # such a handle cannot exist; PostgreSQL refuses NUL bytes
    row = (
        await db.execute(
            select(Profile, User)
            .join(User, col(User.id) == col(Profile.user_id))
            .where(col(Profile.handle) == handle)
        )
    ).one_or_none()
    if row is None or not policy.can_see_profile(actor, row[1]):
        raise NotFound
    return row[0], row[1]


def _visible(actor: User) -> ColumnElement[bool]:
    """The SQL condition on User that matches people the actor may see."""
    if policy.is_admin(actor):
        return true()
    return col(User.is_active).is_(True)


@dataclass(frozen=True)
class FollowState:
    """The follow button and counts of one profile, as the actor sees them."""

    handle: str
    following: bool
    can_follow: bool
    follower_count: int
    following_count: int


async def _follow_state(db: AsyncSession, actor: User, profile: Profile) -> FollowState:
    assert actor.id is not None
    person_id = profile.user_id
    followers = (
        select(func.count()).select_from(Follow).where(col(Follow.followee_id) == person_id)
    ).scalar_subquery()
    following = (
        select(func.count()).select_from(Follow).where(col(Follow.follower_id) == person_id)
    ).scalar_subquery()
    mine = (
        select(func.count())
        .select_from(Follow)
        .where(col(Follow.follower_id) == actor.id, col(Follow.followee_id) == person_id)
    ).scalar_subquery()
    follower_count, following_count, is_mine = (
        await db.execute(select(followers, following, mine))
    ).one()
    return FollowState(
        handle=profile.handle,
        following=bool(is_mine),
        can_follow=policy.can_follow(actor, person_id),
        follower_count=int(follower_count),
        following_count=int(following_count),
    )


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
    profile, user = await _person(db, actor, handle)
    manager = None
    if profile.manager_id is not None:
        manager = (
            await db.execute(
                select(Profile)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(col(Profile.user_id) == profile.manager_id, _visible(actor))
            )
        ).scalar_one_or_none()
    reports = list(
        (
            await db.execute(
                select(Profile)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(col(Profile.manager_id) == profile.user_id, _visible(actor))
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
        follow=await _follow_state(db, actor, profile),
        can_edit=policy.can_edit_profile(actor, profile.user_id),
    )


# --- following ----------------------------------------------------------------


async def is_following(db: AsyncSession, actor: User, handle: str) -> bool:
    """True when the actor follows the person behind ``handle``."""
    profile, _user = await _person(db, actor, handle)
    return (await _follow_state(db, actor, profile)).following


async def follow_person(db: AsyncSession, actor: User, handle: str) -> FollowState:
    """Follow someone (doing it twice changes nothing). Nobody follows themselves.

    The person followed is notified ("new follower") the first time.
    """
    profile, _user = await _person(db, actor, handle)
    assert actor.id is not None
    if not policy.can_follow(actor, profile.user_id):
        raise Forbidden(_("You cannot follow yourself."))
    already = (
        await db.execute(
            select(col(Follow.id)).where(
                col(Follow.follower_id) == actor.id, col(Follow.followee_id) == profile.user_id
            )
        )
    ).first()
    if already is None:
        db.add(Follow(follower_id=actor.id, followee_id=profile.user_id))
        await notifications.notify(
            db, NotificationKind.NEW_FOLLOWER.value, profile.user_id, actor_id=actor.id
        )
        try:
            await db.commit()
        except IntegrityError:
            # A double click raced us to the same row: the wish is fulfilled.
            await db.rollback()
    return await _follow_state(db, actor, profile)


async def unfollow_person(db: AsyncSession, actor: User, handle: str) -> FollowState:
    """Stop following someone (doing it twice changes nothing)."""
    profile, _user = await _person(db, actor, handle)
    assert actor.id is not None
    await db.execute(
        delete(Follow).where(
            col(Follow.follower_id) == actor.id, col(Follow.followee_id) == profile.user_id
        )
    )
    await db.commit()
    return await _follow_state(db, actor, profile)


# --- editing ----------------------------------------------------------------


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
    profile, _user = await _person(db, actor, handle)
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


async def find_active_person(db: AsyncSession, reference: str) -> User | None:
    """The active colleague named by an email or a profile handle ("@alice-martin" or bare)."""
    reference = reference.strip()
    if not reference or text_problem(reference, single_line=True):
        return None
    if "@" in reference.removeprefix("@"):
        condition = col(User.email) == accounts.normalise_email(reference)
    else:
        condition = col(Profile.handle) == reference.removeprefix("@").lower()
    return (
        await db.execute(
            select(User)
            .join(Profile, col(Profile.user_id) == col(User.id))
            .where(condition, col(User.is_active).is_(True))
        )
    ).scalar_one_or_none()


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
    profile, _user = await _person(db, actor, handle)
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


# --- photos -------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoFile:
    """A stored photo to send: where it is and its MIME type."""

    path: Path
    content_type: str


async def photo_file(db: AsyncSession, actor: User, handle: str, media_dir: Path) -> PhotoFile:
    """The photo of the person behind ``handle``; NotFound when there is none."""
    profile, _user = await _person(db, actor, handle)
    path = photos.stored_path(media_dir, profile.photo_name)
    exists = path is not None and await asyncio.to_thread(path.is_file)
    if path is None or not exists:
        raise NotFound
    return PhotoFile(path=path, content_type=photos.content_type(path.name))


# --- the directory ------------------------------------------------------------


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


# --- the org chart ------------------------------------------------------------


@dataclass(frozen=True)
class OrgEntry:
    """Someone in the org chart with how many people report to them."""

    profile: Profile
    report_count: int


@dataclass(frozen=True)
class OrgChart:
    """A person, their chain of managers (top first) and their direct reports."""

    person: Profile
    chain: list[Profile]
    chain_cut: bool
    reports: list[OrgEntry]


async def org_chart(db: AsyncSession, actor: User, handle: str | None = None) -> OrgChart:
    """The org chart around ``handle`` (the actor by default).

    One query per level of the chain, bounded and safe even if imported data
    loops; reports and their own report counts take two queries more.
    """
    if handle:
        person, _user = await _person(db, actor, handle)
    else:
        if not policy.can_see_directory(actor):
            raise Forbidden
        own = await db.get(Profile, actor.id)
        if own is None:
            raise NotFound
        person = own
    chain: list[Profile] = []
    seen = {person.user_id}
    current = person.manager_id
    while current is not None and current not in seen and len(seen) <= MAX_CHAIN:
        seen.add(current)
        row = (
            await db.execute(
                select(Profile, col(User.is_active))
                .join(User, col(User.id) == col(Profile.user_id))
                .where(col(Profile.user_id) == current)
            )
        ).one_or_none()
        if row is None:
            break
        manager, active = row
        # Someone who left is skipped, but the chain goes on above them.
        if active or policy.is_admin(actor):
            chain.append(manager)
        current = manager.manager_id
    chain.reverse()
    reports = list(
        (
            await db.execute(
                select(Profile)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(col(Profile.manager_id) == person.user_id, _visible(actor))
                .order_by(col(Profile.search_name), col(Profile.user_id))
                .limit(MAX_REPORTS)
            )
        ).scalars()
    )
    counts: dict[int, int] = {}
    if reports:
        rows = await db.execute(
            select(col(Profile.manager_id), func.count())
            .join(User, col(User.id) == col(Profile.user_id))
            .where(col(Profile.manager_id).in_([r.user_id for r in reports]), _visible(actor))
            .group_by(col(Profile.manager_id))
        )
        counts = {
            manager_id: int(count) for manager_id, count in rows.all() if manager_id is not None
        }
    return OrgChart(
        person=person,
        chain=chain,
        chain_cut=current is not None and current not in seen,
        reports=[OrgEntry(r, counts.get(r.user_id, 0)) for r in reports],
    )
