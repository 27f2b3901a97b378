"""Charters: versions, acceptance at first login and on joining, the re-accept banner.

A charter is the company's (``group_id`` NULL) or one group's. Every save is a
new row with the next version; old versions are never edited, so what someone
accepted stays readable. Acceptance is per version: when a new version
appears, the company charter is asked again at the next login (see
esn.accounts.views.login) and a group's members get a gentle banner on the
group page until they accept it; nothing blocks them meanwhile.

Functions that take a ``slug`` act on that group's charter, or on the
company's when ``slug`` is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import Charter, CharterAcceptance
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.core.urls import path_for
from esn.groups import service as groups
from esn.groups.models import Group
from esn.people.models import Profile
from esn.stream import service as stream

BODY_MAX_LENGTH = 20_000
HISTORY_LIMIT = 100
# Ids and versions come from URLs and forms; beyond a 32-bit key nothing can exist.
MAX_ID = 2**31 - 1


# --- where a charter lives ---------------------------------------------------------


@dataclass(frozen=True)
class CharterScope:
    """The company (no group) or one group, as the actor stands in it."""

    group: Group | None
    role: str | None
    can_edit: bool

    @property
    def group_id(self) -> int | None:
        return self.group.id if self.group is not None else None

    @property
    def is_member(self) -> bool:
        """Everyone belongs to the company; a group's members have a role in it."""
        return self.group is None or self.role is not None

    @property
    def url(self) -> str:
        """Where the charter is read."""
        if self.group is None:
            return path_for("animation_charters_company")
        return path_for("animation_charters_group", slug=self.group.slug)

    @property
    def edit_url(self) -> str:
        """Where its animators write it."""
        if self.group is None:
            return path_for("animation_charters_company_edit")
        return path_for("animation_charters_group_edit", slug=self.group.slug)

    @property
    def review_url(self) -> str:
        """Where its animators mark it reviewed, no change."""
        if self.group is None:
            return path_for("animation_charters_company_reviewed")
        return path_for("animation_charters_group_reviewed", slug=self.group.slug)


async def _scope(db: AsyncSession, actor: User, slug: str | None) -> CharterScope:
    """The company's or the group's charter scope; NotFound unless ``actor`` may
    know the group exists (a secret group's charter does not leak)."""
    if not policy.is_staff(actor):
        raise NotFound
    if slug is None:
        return CharterScope(group=None, role=None, can_edit=policy.can_animate_company(actor))
    group, role = await groups.group_and_role(db, actor, slug)
    return CharterScope(group=group, role=role, can_edit=policy.can_animate_group(actor, role))


def _in_scope(group_id: int | None) -> ColumnElement[bool]:
    """SQL condition on ``charter``: the versions of this scope's charter."""
    if group_id is None:
        return col(Charter.group_id).is_(None)
    return col(Charter.group_id) == group_id


async def _latest(db: AsyncSession, group_id: int | None, *, lock: bool = False) -> Charter | None:
    """The newest version of a charter (locked for the writer on PostgreSQL, so two
    animators saving at once take turns instead of both writing "the next" version)."""
    statement = (
        select(Charter).where(_in_scope(group_id)).order_by(col(Charter.version).desc()).limit(1)
    )
    if lock:
        statement = statement.with_for_update()
    return (await db.execute(statement)).scalar_one_or_none()


def render_body(body: str) -> str:
    """The charter's Markdown as sanitised HTML (the stream's own pipeline)."""
    return stream.render_markdown(body)


def _normalised(body: str) -> str:
    """Browsers send CRLF; a charter is compared and stored with plain newlines."""
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- writing ------------------------------------------------------------------------


async def save_charter(
    db: AsyncSession,
    actor: User,
    slug: str | None,
    body: str,
    *,
    base_version: int | None = None,
) -> Charter:
    """Save a new version of the company's or a group's charter.

    ``base_version`` is the version the writer started from (0 for none): when
    someone saved another version meanwhile, the save is refused rather than
    silently replacing their text. An empty text, or the current text
    unchanged, is refused with a message next to the field.
    """
    scope = await _scope(db, actor, slug)
    if not scope.can_edit:
        raise Forbidden
    assert actor.id is not None
    text = _normalised(body)
    if not text:
        raise InvalidInput({"body": _("Write the charter before saving it.")})
    if len(text) > BODY_MAX_LENGTH:
        raise InvalidInput(
            {"body": _("Keep this under %(count)d characters.") % {"count": BODY_MAX_LENGTH}}
        )
    latest = await _latest(db, scope.group_id, lock=True)
    current_version = latest.version if latest is not None else 0
    if base_version is not None and base_version != current_version:
        await db.rollback()
        raise InvalidInput(
            {
                "body": _(
                    "Someone saved a new version while you were writing. Your text is "
                    "kept: compare it with the current version, then save again."
                )
            }
        )
    if latest is not None and _normalised(latest.body) == text:
        await db.rollback()
        raise InvalidInput(
            {
                "body": _(
                    "This is the current text. Change it to save a new version, "
                    "or mark the charter reviewed."
                )
            }
        )
    charter = Charter(
        group_id=scope.group_id,
        version=current_version + 1,
        body=text,
        created_by=actor.id,
    )
    db.add(charter)
    await db.commit()
    return charter


async def mark_charter_reviewed(
    db: AsyncSession, actor: User, slug: str | None, *, version: int | None = None
) -> Charter:
    """An animator read the current version and keeps it as it is.

    ``version`` is the one they read: if a newer one appeared meanwhile, they
    are asked to read that one first.
    """
    scope = await _scope(db, actor, slug)
    if not scope.can_edit:
        raise Forbidden
    latest = await _latest(db, scope.group_id, lock=True)
    if latest is None:
        raise InvalidInput({"__all__": _("There is no charter to review yet: write one first.")})
    if version is not None and version != latest.version:
        await db.rollback()
        raise InvalidInput(
            {"__all__": _("A new version was saved meanwhile: read it before marking it reviewed.")}
        )
    latest.reviewed_at = utcnow()
    db.add(latest)
    await db.commit()
    return latest


async def accept_charter(
    db: AsyncSession, actor: User, slug: str | None, charter_id: int
) -> Charter:
    """``actor`` accepts the charter version they read (``charter_id``).

    The company's charter is for everyone; a group's for its members. Accepting
    twice (a double click, two tabs) keeps the first acceptance.
    """
    scope = await _scope(db, actor, slug)
    if not scope.is_member:
        raise Forbidden
    assert actor.id is not None
    if not 0 < charter_id <= MAX_ID:
        raise NotFound
    charter = (
        await db.execute(
            select(Charter).where(
                col(Charter.id) == charter_id,
                _in_scope(scope.group_id),
            )
        )
    ).scalar_one_or_none()
    if charter is None:
        raise NotFound
    already = await db.execute(
        select(col(CharterAcceptance.id)).where(
            col(CharterAcceptance.charter_id) == charter_id,
            col(CharterAcceptance.user_id) == actor.id,
        )
    )
    if already.first() is None:
        db.add(CharterAcceptance(charter_id=charter_id, user_id=actor.id))
        try:
            await db.commit()
        except IntegrityError:
            # The same person's other request recorded it first: nothing to add.
            await db.rollback()
    return charter


# --- the company charter at login ----------------------------------------------------


@dataclass(frozen=True)
class CharterStatus:
    """Where one person stands with the company charter."""

    charter_id: int | None
    version: int
    accepted: bool

    @property
    def pending(self) -> bool:
        """A company charter exists and its latest version is not accepted yet."""
        return self.charter_id is not None and not self.accepted


async def company_charter_status(db: AsyncSession, user: User) -> CharterStatus:
    """Has ``user`` accepted the latest company charter? One indexed query."""
    accepted = exists(
        select(col(CharterAcceptance.id)).where(
            col(CharterAcceptance.charter_id) == col(Charter.id),
            col(CharterAcceptance.user_id) == user.id,
        )
    )
    row = (
        await db.execute(
            select(col(Charter.id), col(Charter.version), accepted)
            .where(col(Charter.group_id).is_(None))
            .order_by(col(Charter.version).desc())
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        return CharterStatus(charter_id=None, version=0, accepted=True)
    charter_id, version, is_accepted = row
    return CharterStatus(charter_id=charter_id, version=version, accepted=bool(is_accepted))


# --- the group page's banner -----------------------------------------------------------


@dataclass(frozen=True)
class GroupCharterBanner:
    """A member has not accepted the latest version of their group's charter."""

    group_id: int
    slug: str
    charter_id: int
    version: int
    # They accepted an older version: the charter changed since.
    changed: bool

    @property
    def url(self) -> str:
        return path_for("animation_charters_group", slug=self.slug)


async def group_banner(
    db: AsyncSession, actor: User, group: Group, group_role: str | None
) -> GroupCharterBanner | None:
    """The group's charter when ``actor`` is a member who has not accepted its
    latest version (a gentle banner), else None.

    ``group`` is the group page's own group and ``group_role`` the reader's
    role in it (None: not a member), as the page loaded them; one query reads
    the charter and what the reader accepted of it.
    """
    if not policy.is_staff(actor) or actor.id is None or group.id is None or group_role is None:
        return None
    accepted_this = exists(
        select(col(CharterAcceptance.id)).where(
            col(CharterAcceptance.charter_id) == col(Charter.id),
            col(CharterAcceptance.user_id) == actor.id,
        )
    )
    older = select(col(Charter.id)).where(col(Charter.group_id) == group.id).scalar_subquery()
    accepted_before = exists(
        select(col(CharterAcceptance.id)).where(
            col(CharterAcceptance.user_id) == actor.id,
            col(CharterAcceptance.charter_id).in_(older),
        )
    )
    row = (
        await db.execute(
            select(col(Charter.id), col(Charter.version), accepted_this, accepted_before)
            .where(col(Charter.group_id) == group.id)
            .order_by(col(Charter.version).desc())
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        return None
    charter_id, version, has_accepted_this, has_accepted_before = row
    if has_accepted_this:
        return None
    assert charter_id is not None
    return GroupCharterBanner(
        group_id=group.id,
        slug=group.slug,
        charter_id=charter_id,
        version=version,
        changed=bool(has_accepted_before),
    )


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CharterPage:
    """One version of a charter as a reader sees it, and what they may do with it."""

    scope: CharterScope
    charter: Charter | None
    latest_version: int
    html: str
    accepted_at: datetime | None
    # Whether the reader accepted the latest version (the one that counts).
    accepted_latest: bool

    @property
    def is_latest(self) -> bool:
        return self.charter is not None and self.charter.version == self.latest_version

    @property
    def can_accept(self) -> bool:
        """The reader may accept this version: the latest, not yet accepted, theirs to accept."""
        return self.is_latest and self.scope.is_member and self.accepted_at is None


async def charter_page(
    db: AsyncSession, actor: User, slug: str | None, version: int | None = None
) -> CharterPage:
    """The latest version of a charter (or ``version``), for anyone who may see
    the group; NotFound for a version that does not exist."""
    scope = await _scope(db, actor, slug)
    latest = await _latest(db, scope.group_id)
    charter = latest
    if version is not None and (latest is None or version != latest.version):
        if not 0 < version <= MAX_ID:
            raise NotFound
        charter = (
            await db.execute(
                select(Charter).where(
                    _in_scope(scope.group_id),
                    col(Charter.version) == version,
                )
            )
        ).scalar_one_or_none()
        if charter is None:
            raise NotFound
    accepted: dict[int, datetime] = {}
    wanted = {c.id for c in (charter, latest) if c is not None and c.id is not None}
    if wanted:
        rows = await db.execute(
            select(col(CharterAcceptance.charter_id), col(CharterAcceptance.accepted_at)).where(
                col(CharterAcceptance.user_id) == actor.id,
                col(CharterAcceptance.charter_id).in_(wanted),
            )
        )
        accepted = {charter_id: at for charter_id, at in rows.all()}
    return CharterPage(
        scope=scope,
        charter=charter,
        latest_version=latest.version if latest is not None else 0,
        html=render_body(charter.body) if charter is not None else "",
        accepted_at=accepted.get(charter.id) if charter is not None and charter.id else None,
        accepted_latest=latest is not None and latest.id in accepted,
    )


@dataclass(frozen=True)
class CharterVersion:
    """One line of the history: which version, when, by whom, reviewed when."""

    version: int
    created_at: datetime
    reviewed_at: datetime | None
    author_name: str | None
    author_handle: str | None


@dataclass(frozen=True)
class CharterHistory:
    """The versions of a charter, newest first, with the latest in full."""

    scope: CharterScope
    latest: Charter | None
    versions: list[CharterVersion] = field(default_factory=list)

    @property
    def latest_version(self) -> int:
        return self.latest.version if self.latest is not None else 0


async def charter_history(
    db: AsyncSession, actor: User, slug: str | None, *, editing: bool = False
) -> CharterHistory:
    """Every version (the newest ``HISTORY_LIMIT``) with dates and authors.

    With ``editing``, only for the charter's animators (403 for other readers).
    """
    scope = await _scope(db, actor, slug)
    if editing and not scope.can_edit:
        raise Forbidden
    rows = await db.execute(
        select(Charter, col(Profile.display_name), col(Profile.handle))
        .outerjoin(Profile, col(Profile.user_id) == col(Charter.created_by))
        .where(_in_scope(scope.group_id))
        .order_by(col(Charter.version).desc())
        .limit(HISTORY_LIMIT)
    )
    found = list(rows.all())
    versions = [
        CharterVersion(
            version=charter.version,
            created_at=charter.created_at,
            reviewed_at=charter.reviewed_at,
            author_name=name,
            author_handle=handle,
        )
        for charter, name, handle in found
    ]
    return CharterHistory(scope=scope, latest=found[0][0] if found else None, versions=versions)


# --- the work queue ---------------------------------------------------------------------
