"""The org chart around one person: their managers up to the top, their direct reports."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden, NotFound
from esn.people.models import Profile
from esn.people.service.lookup import person_for
from esn.people.service.profiles import MAX_REPORTS

# Deeper than any real hierarchy; the bound keeps a looping import harmless.
MAX_CHAIN = 20


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
        person, _user = await person_for(db, actor, handle)
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
                select(Profile, User)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(col(Profile.user_id) == current)
            )
        ).one_or_none()
        if row is None:
            break
        manager, account = row
        # Someone the actor may not see (who left) is skipped; the chain goes on above them.
        if policy.can_see_profile(actor, account):
            chain.append(manager)
        current = manager.manager_id
    chain.reverse()
    visible = policy.visible_people_clause(actor)
    reports = list(
        (
            await db.execute(
                select(Profile)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(col(Profile.manager_id) == person.user_id, visible)
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
            .where(col(Profile.manager_id).in_([r.user_id for r in reports]), visible)
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
