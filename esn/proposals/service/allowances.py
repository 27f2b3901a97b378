"""Slack-time allowances, set by administrators: per department, and per person."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden, InvalidInput
from esn.core.i18n import gettext as _
from esn.people import service as people
from esn.people.models import Profile
from esn.proposals import ledger
from esn.proposals.models import SlackAllowance
from esn.proposals.service.limits import MAX_SHOWN


@dataclass
class DepartmentAllowance:
    """A department and its allowance (None: the default applies)."""

    department: str
    percent: int | None
    people: int


@dataclass
class PersonAllowance:
    """Someone with an allowance of their own."""

    profile: Profile
    percent: int


@dataclass
class AllowancesPage:
    """The administrators' page of allowances."""

    default: int
    departments: list[DepartmentAllowance]
    people: list[PersonAllowance]


async def allowances_page(db: AsyncSession, actor: User) -> AllowancesPage:
    """Every department's allowance and every personal one."""
    if not policy.can_set_allowances(actor):
        raise Forbidden
    counts = (
        await db.execute(
            select(col(Profile.department), func.count())
            .where(col(Profile.department) != "")
            .group_by(col(Profile.department))
            .order_by(col(Profile.department))
            .limit(MAX_SHOWN)
        )
    ).all()
    set_for = dict(
        (
            await db.execute(
                select(col(SlackAllowance.department), col(SlackAllowance.percent)).where(
                    col(SlackAllowance.department).is_not(None)
                )
            )
        ).all()
    )
    personal = (
        await db.execute(
            select(Profile, col(SlackAllowance.percent))
            .join(SlackAllowance, col(SlackAllowance.user_id) == col(Profile.user_id))
            .order_by(col(Profile.search_name))
            .limit(MAX_SHOWN)
        )
    ).all()
    return AllowancesPage(
        default=ledger.DEFAULT_ALLOWANCE_PERCENT,
        departments=[
            DepartmentAllowance(str(name), set_for.get(name), int(count)) for name, count in counts
        ],
        people=[PersonAllowance(profile, int(percent)) for profile, percent in personal],
    )


async def set_department_allowance(
    db: AsyncSession, actor: User, department: str, percent: int | None
) -> None:
    """Set (or, with None, remove) a department's allowance."""
    if not policy.can_set_allowances(actor):
        raise Forbidden
    known = (
        await db.execute(
            select(col(Profile.user_id)).where(col(Profile.department) == department).limit(1)
        )
    ).first()
    if known is None:
        raise InvalidInput({"department": _("Choose one of the listed departments.")})
    await db.execute(delete(SlackAllowance).where(col(SlackAllowance.department) == department))
    if percent is not None:
        db.add(SlackAllowance(department=department, percent=percent, updated_by=actor.id))
    await _commit_allowance(db, "department")


async def set_person_allowance(
    db: AsyncSession, actor: User, reference: str, percent: int | None
) -> None:
    """Set (or, with None, remove) one person's own allowance, by email or handle."""
    if not policy.can_set_allowances(actor):
        raise Forbidden
    person = await people.find_active_person(db, reference)
    if person is None or person.id is None:
        raise InvalidInput({"person": _("No active colleague has this email or handle.")})
    await db.execute(delete(SlackAllowance).where(col(SlackAllowance.user_id) == person.id))
    if percent is not None:
        db.add(SlackAllowance(user_id=person.id, percent=percent, updated_by=actor.id))
    await _commit_allowance(db, "person")


async def _commit_allowance(db: AsyncSession, field_name: str) -> None:
    try:
        await db.commit()
    except IntegrityError as exc:
        # Two administrators saved the same allowance at once: the first one stands.
        await db.rollback()
        raise InvalidInput(
            {field_name: _("Someone changed this allowance at the same moment: reload the page.")}
        ) from exc
