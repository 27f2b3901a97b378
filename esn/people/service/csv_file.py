"""Reading a people CSV file: its columns, its lines, and every problem in it.

Everything here is checked without the database, so a hopeless file costs
no query; esn.people.service.imports does the checks that need one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from esn.accounts import service as accounts
from esn.accounts.models import Role
from esn.core.i18n import gettext as _
from esn.core.text import text_problem
from esn.people.service.names import name_problem

COLUMNS: tuple[str, ...] = (
    "email",
    "name",
    "title",
    "department",
    "site",
    "manager_email",
    "role",
)
MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 4 * 1024 * 1024
# Profile columns are 120 characters long; longer text would be cut silently.
_TEXT_COLUMNS = ("title", "department", "site")
_TEXT_MAX = 120


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file: where (line, column) and what, translated.

    ``line`` is None when the problem concerns the file as a whole.
    """

    line: int | None
    message: str
    column: str = ""


@dataclass
class PersonRow:
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
class CheckedFile:
    """The file once read: its rows and every problem found."""

    rows: list[PersonRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    def add(self, line: int | None, message: str, column: str = "") -> None:
        """Note a problem at ``line`` (None: the whole file), next to ``column``."""
        self.problems.append(ImportProblem(line=line, message=message, column=column))


def _decode(data: bytes, checked: CheckedFile) -> str | None:
    if len(data) > MAX_IMPORT_BYTES:
        checked.add(
            None,
            _("The file is larger than %(size)d MB; split it into several files.")
            % {"size": MAX_IMPORT_BYTES // (1024 * 1024)},
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


def _records(text: str, checked: CheckedFile) -> Iterator[tuple[int, list[str]]]:
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


def _header(line: int, cells: list[str], checked: CheckedFile) -> dict[str, int] | None:
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
    line: int, cells: list[str], positions: dict[str, int], width: int, checked: CheckedFile
) -> PersonRow:
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
    problem = name_problem(name)
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
    return PersonRow(
        line=line,
        email=email,
        name=name,
        title=cell("title"),
        department=cell("department"),
        site=cell("site"),
        manager_email=manager_email,
        role=role,
    )


def read_people_csv(data: bytes) -> CheckedFile:
    """The file's rows, and everything wrong with it that shows without the database."""
    checked = CheckedFile()
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
        if count > MAX_IMPORT_ROWS:
            checked.add(
                line,
                _("A file can hold at most %(count)d people; split it into several files.")
                % {"count": MAX_IMPORT_ROWS},
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
