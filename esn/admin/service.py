"""Administration: listing accounts, roles, deactivation, creation and imports.

Each function checks that the actor may administer, then delegates the write
to the domain that owns it (accounts, people), so the rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts import service as accounts
from esn.accounts.models import User
from esn.core.errors import Forbidden
from esn.people import service as people
from esn.people.models import Profile
from esn.people.service import MAX_IMPORT_BYTES, ImportProblem, ImportRejected, ImportSummary

ACCOUNTS_PAGE_SIZE = 50

# The administration views use only this module: the people domain owns the CSV
# import, and its answer (summary, problems) and size limit are re-exported here.
__all__ = [
    "ACCOUNTS_PAGE_SIZE",
    "MAX_IMPORT_BYTES",
    "AccountPage",
    "AccountRow",
    "ImportProblem",
    "ImportRejected",
    "ImportSummary",
    "NewAccount",
    "change_active",
    "change_role",
    "create_account",
    "import_people",
    "list_accounts",
]


def _require_admin(actor: User) -> None:
    if not policy.can_administer(actor):
        raise Forbidden


@dataclass(frozen=True)
class AccountRow:
    """One account in the list, with its profile when it has one."""

    user: User
    profile: Profile | None


@dataclass(frozen=True)
class AccountPage:
    """A page of accounts in email order; ``next_after`` continues the list."""

    rows: list[AccountRow]
    next_after: str | None


async def list_accounts(
    db: AsyncSession,
    actor: User,
    query: str = "",
    after: str = "",
    limit: int = ACCOUNTS_PAGE_SIZE,
) -> AccountPage:
    """Accounts whose email or name contains ``query``, after the email ``after``.

    Keyset pagination on the unique email keeps every page as cheap as the first.
    """
    _require_admin(actor)
    statement = (
        select(User, Profile)
        .outerjoin(Profile, col(Profile.user_id) == col(User.id))
        .order_by(col(User.email))
        .limit(limit + 1)
    )
    if query:
        statement = statement.where(
            or_(
                col(User.email).contains(query.lower(), autoescape=True),
                col(Profile.search_name).contains(people.fold(query), autoescape=True),
            )
        )
    if after:
        statement = statement.where(col(User.email) > after)
    found = [AccountRow(user, profile) for user, profile in await db.execute(statement)]
    more = len(found) > limit
    rows = found[:limit]
    return AccountPage(rows=rows, next_after=rows[-1].user.email if more and rows else None)


async def change_role(db: AsyncSession, actor: User, user_id: int, role: str) -> User:
    """Give an account another role (an administrator cannot demote themselves)."""
    _require_admin(actor)
    return await accounts.set_role(db, actor, user_id, role)


async def change_active(db: AsyncSession, actor: User, user_id: int, active: bool) -> User:
    """Deactivate an account, ending its sessions at once, or reactivate it."""
    _require_admin(actor)
    return await accounts.set_active(db, actor, user_id, active)


@dataclass(frozen=True)
class NewAccount:
    """What the "create an account" form asks for."""

    email: str
    name: str
    role: str
    department: str = ""
    title: str = ""


async def create_account(db: AsyncSession, actor: User, new: NewAccount) -> User:
    """Add a person without a password: they choose one through the reset link."""
    _require_admin(actor)
    user, _profile = await people.create_person(
        db,
        people.NewPerson(
            email=new.email,
            name=new.name,
            password=None,
            role=new.role,
            department=new.department,
            title=new.title,
        ),
    )
    return user


async def import_people(db: AsyncSession, actor: User, data: bytes) -> ImportSummary:
    """Create and update people from a CSV file, all or nothing (ImportRejected lists why not)."""
    _require_admin(actor)
    return await people.import_people(db, actor, data)
