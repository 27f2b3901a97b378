"""Importing people and the org chart from a CSV file.

The whole file is checked before anything is written: either every line is
right and the file is applied in one transaction, or nothing changes and the
caller gets every problem with its line number. People are matched by email,
so importing the same file twice creates no one the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts import service as accounts
from esn.accounts.models import Role, User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, ServiceError
from esn.core.i18n import gettext as _
from esn.people.models import Profile
from esn.people.service.csv_file import CheckedFile, ImportProblem, PersonRow, read_people_csv
from esn.people.service.names import fold
from esn.people.service.persons import NewPerson, add_person

MAX_IMPORT_PROBLEMS = 200
T = TypeVar("T")
# Enough for any real org chart, small enough for every database's bind limit.
_QUERY_CHUNK = 500


@dataclass(frozen=True)
class ImportSummary:
    """What an applied import did."""

    created: int
    updated: int
    unchanged: int


class ImportRejected(ServiceError):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass
class _Existing:
    """An account already in esn that the file names or that a chain passes through."""

    id: int
    email: str
    manager_id: int | None
    has_profile: bool


# --- checks that need the database -------------------------------------------


def _chunks(values: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(values), _QUERY_CHUNK):
        yield values[start : start + _QUERY_CHUNK]


async def _load_existing(db: AsyncSession, emails: Iterable[str]) -> dict[str, _Existing]:
    """Accounts with these emails, then their managers up the chain until it ends."""
    found: dict[str, _Existing] = {}
    seen_ids: set[int] = set()
    query = select(
        col(User.id), col(User.email), col(Profile.manager_id), col(Profile.user_id)
    ).outerjoin(Profile, col(Profile.user_id) == col(User.id))
    pending_emails = sorted(set(emails))
    pending_ids: list[int] = []
    while pending_emails or pending_ids:
        conditions = [
            *(col(User.email).in_(chunk) for chunk in _chunks(pending_emails)),
            *(col(User.id).in_(chunk) for chunk in _chunks(pending_ids)),
        ]
        pending_emails, pending_ids = [], []
        for condition in conditions:
            for user_id, email, manager_id, profile_id in await db.execute(query.where(condition)):
                assert user_id is not None  # a primary key
                seen_ids.add(user_id)
                found[email] = _Existing(user_id, email, manager_id, profile_id is not None)
        # Walk up: a loop may pass through people the file does not mention.
        pending_ids = sorted(
            {e.manager_id for e in found.values() if e.manager_id is not None} - seen_ids
        )
    return found


def _check_managers(
    rows: list[PersonRow], existing: dict[str, _Existing], checked: CheckedFile
) -> None:
    in_file = {row.email: row for row in rows}
    email_of_id = {e.id: e.email for e in existing.values()}
    manager_of: dict[str, str | None] = {
        e.email: email_of_id.get(e.manager_id) if e.manager_id is not None else None
        for e in existing.values()
    }
    for row in rows:
        target: str | None = row.manager_email or None
        if target is not None and target == row.email:
            checked.add(row.line, _("A person cannot be their own manager."), "manager_email")
            target = None
        elif target is not None and target not in in_file and target not in existing:
            checked.add(
                row.line,
                _("No one in this file or in esn has the email %(email)s.") % {"email": target},
                "manager_email",
            )
            target = None
        manager_of[row.email] = target
    for cycle in _cycles(manager_of):
        chain = " → ".join([*cycle, cycle[0]])
        for email in cycle:
            if email in in_file:
                checked.add(
                    in_file[email].line,
                    _("These managers form a loop: %(chain)s.") % {"chain": chain},
                    "manager_email",
                )


def _cycles(manager_of: dict[str, str | None]) -> list[list[str]]:
    """Every loop in the person → manager graph, each reported once."""
    done: set[str] = set()
    cycles: list[list[str]] = []
    for start in manager_of:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = manager_of.get(node)
        if node is not None and node in on_path:
            cycles.append(path[path.index(node) :])
        done.update(path)
    return cycles


def _check_accounts(
    rows: list[PersonRow], existing: dict[str, _Existing], actor: User | None, checked: CheckedFile
) -> None:
    for row in rows:
        known = existing.get(row.email)
        if known is not None and not known.has_profile:
            checked.add(row.line, _("This account has no profile to update."), "email")
        if (
            actor is not None
            and row.email == actor.email
            and row.role not in (None, Role.ADMIN.value)
        ):
            checked.add(row.line, _("You cannot remove your own administrator role."), "role")


def _bounded(problems: list[ImportProblem]) -> list[ImportProblem]:
    """Problems in line order; a hopeless file gets the first ones and a count of the rest."""
    ordered = sorted(problems, key=lambda p: p.line or 0)
    if len(ordered) <= MAX_IMPORT_PROBLEMS:
        return ordered
    rest = len(ordered) - MAX_IMPORT_PROBLEMS
    return [
        *ordered[:MAX_IMPORT_PROBLEMS],
        ImportProblem(None, _("…and %(count)d more problems.") % {"count": rest}),
    ]


# --- applying ----------------------------------------------------------------


def _changed(profile: Profile, user: User, row: PersonRow, manager_id: int | None) -> bool:
    """Copy the row onto the profile and account; True when anything differed."""
    wanted = {
        "display_name": row.name,
        "search_name": fold(row.name),
        "title": row.title,
        "department": row.department,
        "site": row.site,
        "manager_id": manager_id,
    }
    changed = False
    for name, value in wanted.items():
        if getattr(profile, name) != value:
            setattr(profile, name, value)
            changed = True
    if changed:
        profile.updated_at = utcnow()
    if row.role is not None and user.role != row.role:
        user.role = row.role
        changed = True
    return changed


async def _apply(
    db: AsyncSession, rows: list[PersonRow], existing: dict[str, _Existing]
) -> ImportSummary:
    """Create and update everyone, then link managers once every id exists."""
    emails = [row.email for row in rows]
    users: dict[str, User] = {}
    profiles: dict[int, Profile] = {}
    for chunk in _chunks(emails):
        for user, profile in await db.execute(
            select(User, Profile)
            .join(Profile, col(Profile.user_id) == col(User.id))
            .where(col(User.email).in_(chunk))
        ):
            users[user.email] = user
            profiles[profile.user_id] = profile
    created_emails: set[str] = set()
    for row in rows:
        if row.email in users:
            continue
        try:
            user, profile = await add_person(
                db,
                NewPerson(
                    email=row.email,
                    name=row.name,
                    password=None,
                    role=row.role or Role.EMPLOYEE.value,
                    title=row.title,
                    department=row.department,
                    site=row.site,
                ),
            )
        except InvalidInput as exc:
            # Checked already; only a concurrent change can get here.
            raise ImportRejected(
                [ImportProblem(row.line, message, column) for column, message in exc.errors.items()]
            ) from exc
        assert user.id is not None
        users[row.email] = user
        profiles[user.id] = profile
        created_emails.add(row.email)
    manager_ids = {email: known.id for email, known in existing.items()}
    manager_ids.update({email: user.id for email, user in users.items() if user.id is not None})
    updated = 0
    for row in rows:
        user = users[row.email]
        assert user.id is not None
        manager_id = manager_ids.get(row.manager_email) if row.manager_email else None
        if _changed(profiles[user.id], user, row, manager_id) and row.email not in created_emails:
            updated += 1
    await db.flush()
    created = len(created_emails)
    return ImportSummary(created=created, updated=updated, unchanged=len(rows) - created - updated)


async def apply_people_csv(
    db: AsyncSession, data: bytes, actor: User | None = None
) -> ImportSummary:
    """Check ``data`` completely, then create and update people in one transaction.

    For trusted callers only (the command line); the web goes through
    ``import_people``, which checks the actor may administer. Raises
    ImportRejected with every problem found, having written nothing.
    """
    checked = read_people_csv(data)
    existing: dict[str, _Existing] = {}
    if checked.rows and not any(p.line is None for p in checked.problems):
        emails = [row.email for row in checked.rows]
        emails += [row.manager_email for row in checked.rows if row.manager_email]
        existing = await _load_existing(db, [e for e in emails if accounts.valid_email(e)])
        _check_managers(checked.rows, existing, checked)
        _check_accounts(checked.rows, existing, actor, checked)
    if checked.problems:
        raise ImportRejected(_bounded(checked.problems))
    try:
        summary = await _apply(db, checked.rows, existing)
        await db.commit()
    except (ImportRejected, IntegrityError) as exc:
        await db.rollback()
        if isinstance(exc, ImportRejected):
            raise
        raise ImportRejected(
            [ImportProblem(None, _("Someone changed accounts meanwhile; import the file again."))]
        ) from exc
    return summary


async def import_people(db: AsyncSession, actor: User, data: bytes) -> ImportSummary:
    """An administrator imports people from CSV bytes (see ``apply_people_csv``)."""
    if not policy.can_administer(actor):
        raise Forbidden
    return await apply_people_csv(db, data, actor)
