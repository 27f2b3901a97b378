"""Importing people and the org chart from a CSV file.

The whole file is checked before anything is written: either every line is
right and the file is applied in one transaction, or nothing changes and the
caller gets every problem with its line number. People are matched by email,
so importing the same file twice creates no one the second time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
from esn.core.text import text_problem
from esn.people import service as people
from esn.people.models import Profile

COLUMNS: tuple[str, ...] = (
    "email",
    "name",
    "title",
    "department",
    "site",
    "manager_email",
    "role",
)
MAX_ROWS = 5000
MAX_BYTES = 4 * 1024 * 1024
MAX_PROBLEMS = 200
# Profile columns are 120 characters long; longer text would be cut silently.
_TEXT_COLUMNS = ("title", "department", "site")
_TEXT_MAX = 120
T = TypeVar("T")
# Enough for any real org chart, small enough for every database's bind limit.
_QUERY_CHUNK = 500


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file: where (line, column) and what, translated.

    ``line`` is None when the problem concerns the file as a whole.
    """

    line: int | None
    message: str
    column: str = ""


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
class _Row:
    """One person line of the file, cleaned."""

    line: int
    email: str
    name: str
    title: str
    department: str
    site: str
    manager_email: str
    role: str | None


@dataclass
class _Existing:
    """An account already in esn that the file names or that a chain passes through."""

    id: int
    email: str
    manager_id: int | None
    has_profile: bool


@dataclass
class _Checked:
    """The file once read: its rows and every problem found."""

    rows: list[_Row] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    def add(self, line: int | None, message: str, column: str = "") -> None:
        self.problems.append(ImportProblem(line=line, message=message, column=column))


# --- reading the file -------------------------------------------------------


def _decode(data: bytes, checked: _Checked) -> str | None:
    if len(data) > MAX_BYTES:
        checked.add(
            None,
            _("The file is larger than %(size)d MB; split it into several files.")
            % {"size": MAX_BYTES // (1024 * 1024)},
        )
        return None
    try:
        # utf-8-sig drops the byte-order mark spreadsheets like to write.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        checked.add(line, _("This line is not valid UTF-8 text. Save the file as UTF-8 CSV."))
        return None


def _delimiter(header_line: str) -> str:
    """Spreadsheets in French locales save CSV with semicolons."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _records(text: str, checked: _Checked) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells); quoted cells may span lines."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    next_line = 1
    try:
        for cells in reader:
            start, next_line = next_line, reader.line_num + 1
            if cells and any(cell.strip() for cell in cells):
                yield start, cells
    except csv.Error:
        checked.add(next_line, _("This line cannot be read as CSV (check the quotes)."))


def _header(line: int, cells: list[str], checked: _Checked) -> dict[str, int] | None:
    names = [cell.strip().lower() for cell in cells]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in COLUMNS:
            if name in positions:
                checked.add(line, _("The column %(column)s appears twice.") % {"column": name})
            positions.setdefault(name, index)
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        checked.add(
            line,
            _("The first line must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)},
        )
        return None
    return positions


def _clean_row(
    line: int, cells: list[str], positions: dict[str, int], width: int, checked: _Checked
) -> _Row:
    if len(cells) > width:
        checked.add(line, _("This line has more values than the first line has columns."))

    def cell(name: str) -> str:
        index = positions[name]
        return cells[index].strip() if index < len(cells) else ""

    email = accounts.normalise_email(cell("email"))
    if not accounts.valid_email(email):
        checked.add(line, _("Enter a valid email address."), "email")
    manager_email = accounts.normalise_email(cell("manager_email"))
    if manager_email and not accounts.valid_email(manager_email):
        checked.add(line, _("Enter a valid email address."), "manager_email")
        manager_email = ""
    name = cell("name")
    problem = people.name_problem(name)
    if problem:
        checked.add(line, problem, "name")
    for column in _TEXT_COLUMNS:
        value = cell(column)
        problem = text_problem(value, single_line=True)
        if len(value) > _TEXT_MAX:
            problem = _("Keep this under %(count)d characters.") % {"count": _TEXT_MAX}
        if problem:
            checked.add(line, problem, column)
    role = cell("role").lower() or None
    if role is not None and role not in {r.value for r in Role}:
        checked.add(
            line,
            _("Unknown role %(role)s: use employee, animator or admin.") % {"role": cell("role")},
            "role",
        )
    return _Row(
        line=line,
        email=email,
        name=name,
        title=cell("title"),
        department=cell("department"),
        site=cell("site"),
        manager_email=manager_email,
        role=role,
    )


def _read(data: bytes) -> _Checked:
    """Everything that can be checked without the database."""
    checked = _Checked()
    text = _decode(data, checked)
    if text is None:
        return checked
    records = _records(text, checked)
    first = next(records, None)
    if first is None:
        if not checked.problems:
            checked.add(1, _("The file is empty: the first line must name the columns."))
        return checked
    positions = _header(first[0], first[1], checked)
    if positions is None:
        return checked
    width = len(first[1])
    first_line_of: dict[str, int] = {}
    for count, (line, cells) in enumerate(records, start=1):
        if count > MAX_ROWS:
            checked.add(
                line,
                _("A file can hold at most %(count)d people; split it into several files.")
                % {"count": MAX_ROWS},
            )
            break
        row = _clean_row(line, cells, positions, width, checked)
        if row.email in first_line_of:
            checked.add(
                line,
                _("This email already appears on line %(line)d.")
                % {"line": first_line_of[row.email]},
                "email",
            )
            continue
        first_line_of[row.email] = line
        checked.rows.append(row)
    if not checked.rows and not checked.problems:
        checked.add(None, _("The file names no one: add one line per person under the header."))
    return checked


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


def _check_managers(rows: list[_Row], existing: dict[str, _Existing], checked: _Checked) -> None:
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
    rows: list[_Row], existing: dict[str, _Existing], actor: User | None, checked: _Checked
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
    if len(ordered) <= MAX_PROBLEMS:
        return ordered
    rest = len(ordered) - MAX_PROBLEMS
    return [
        *ordered[:MAX_PROBLEMS],
        ImportProblem(None, _("…and %(count)d more problems.") % {"count": rest}),
    ]


# --- applying ----------------------------------------------------------------


def _changed(profile: Profile, user: User, row: _Row, manager_id: int | None) -> bool:
    """Copy the row onto the profile and account; True when anything differed."""
    wanted = {
        "display_name": row.name,
        "search_name": people.fold(row.name),
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
    db: AsyncSession, rows: list[_Row], existing: dict[str, _Existing]
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
            user, profile = await people.add_person(
                db,
                people.NewPerson(
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
    checked = _read(data)
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
