"""Importing people from CSV: all or nothing, every problem with its line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.core.errors import Forbidden
from esn.people import service as people
from esn.people.models import Profile
from esn.people.service import ImportRejected, ImportSummary
from tests.conftest import MakePerson

HEADER = "email,name,title,department,site,manager_email,role"


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    """A CSV file with the standard header and these person lines."""
    return "\n".join([header, *lines, ""]).encode()


GOOD = csv_file(
    "ana@lumiere.example,Ana Costa,Engineer,Engineering,Lyon,marc@lumiere.example,",
    "helene@lumiere.example,Hélène Marchand,CEO,Direction,Paris,,admin",
    "marc@lumiere.example,Marc Lefèvre,CTO,Engineering,Paris,helene@lumiere.example,employee",
    "zoe@lumiere.example,Zoé Lambert,Developer,Engineering,Lyon,marc@lumiere.example,animator",
)


async def counts(db: AsyncSession) -> tuple[int, int]:
    """How many accounts and profiles exist."""
    users = (await db.execute(select(func.count()).select_from(User))).scalar_one()
    profiles = (await db.execute(select(func.count()).select_from(Profile))).scalar_one()
    return users, profiles


async def person(db: AsyncSession, email: str) -> tuple[User, Profile]:
    """The account and profile behind ``email``, read fresh from the database."""
    row = (
        await db.execute(
            select(User, Profile)
            .join(Profile, col(Profile.user_id) == col(User.id))
            .where(col(User.email) == email)
            .execution_options(populate_existing=True)
        )
    ).one()
    return row[0], row[1]


async def rejected(db: AsyncSession, data: bytes) -> list[tuple[int | None, str]]:
    """Import ``data`` expecting a refusal; (line, message) of each problem."""
    with pytest.raises(ImportRejected) as caught:
        await people.apply_people_csv(db, data)
    return [(problem.line, problem.message) for problem in caught.value.problems]


async def test_good_file_creates_people_with_their_managers(db: AsyncSession) -> None:
    summary = await people.apply_people_csv(db, GOOD)

    assert summary == ImportSummary(created=4, updated=0, unchanged=0)
    helene, helene_profile = await person(db, "helene@lumiere.example")
    marc, marc_profile = await person(db, "marc@lumiere.example")
    ana, ana_profile = await person(db, "ana@lumiere.example")
    zoe, _zoe_profile = await person(db, "zoe@lumiere.example")
    assert helene_profile.manager_id is None
    assert marc_profile.manager_id == helene.id
    # Ana's manager comes later in the file than she does.
    assert ana_profile.manager_id == marc.id
    assert (ana_profile.display_name, ana_profile.title, ana_profile.site) == (
        "Ana Costa",
        "Engineer",
        "Lyon",
    )
    assert (helene.role, ana.role, zoe.role) == ("admin", "employee", "animator")
    # No password: they enter through a reset link.
    assert ana.password_hash == ""
    assert marc_profile.search_name == "marc lefevre"


async def test_importing_the_same_file_again_changes_nothing(db: AsyncSession) -> None:
    await people.apply_people_csv(db, GOOD)
    before = await counts(db)

    summary = await people.apply_people_csv(db, GOOD)

    assert summary == ImportSummary(created=0, updated=0, unchanged=4)
    assert await counts(db) == before


async def test_reimport_updates_by_email_and_creates_no_one(db: AsyncSession) -> None:
    await people.apply_people_csv(db, GOOD)
    before = await counts(db)
    changed = csv_file(
        "ANA@lumiere.example,Ana Costa-Rey,Lead Engineer,Engineering,Nantes,"
        "helene@lumiere.example,admin",
        "helene@lumiere.example,Hélène Marchand,CEO,Direction,Paris,,",
    )

    summary = await people.apply_people_csv(db, changed)

    assert summary == ImportSummary(created=0, updated=1, unchanged=1)
    assert await counts(db) == before
    ana, profile = await person(db, "ana@lumiere.example")
    helene, _helene_profile = await person(db, "helene@lumiere.example")
    assert (profile.display_name, profile.title, profile.site) == (
        "Ana Costa-Rey",
        "Lead Engineer",
        "Nantes",
    )
    assert profile.manager_id == helene.id
    assert ana.role == "admin"
    # An empty role cell keeps the role the person has.
    assert helene.role == "admin"


async def test_semicolons_and_byte_order_mark_are_understood(db: AsyncSession) -> None:
    data = "\ufeff" + "\n".join(
        [
            "Email;Name;Title;Department;Site;Manager_Email;Role",
            "chloe@lumiere.example;Chloé Dubois;Support;Customer Service;Nantes;;",
            '"jerome@lumiere.example";"Caron, Jérôme";Lead;Customer Service;Nantes;;',
        ]
    )
    summary = await people.apply_people_csv(db, data.encode())

    assert summary.created == 2
    _user, profile = await person(db, "jerome@lumiere.example")
    assert profile.display_name == "Caron, Jérôme"


async def test_unknown_columns_are_ignored(db: AsyncSession) -> None:
    data = csv_file("ana@lumiere.example,+33 1 23,Ana,,,,,", header="email,phone," + HEADER[6:])

    summary = await people.apply_people_csv(db, data)

    assert summary.created == 1
    _user, profile = await person(db, "ana@lumiere.example")
    assert profile.display_name == "Ana"


async def test_manager_can_be_an_existing_account(
    db: AsyncSession, make_person: MakePerson
) -> None:
    boss, _profile = await make_person("Sophie Tremblay", email="sophie@lumiere.example")
    data = csv_file("chloe@lumiere.example,Chloé Dubois,,,,SOPHIE@lumiere.example,")

    await people.apply_people_csv(db, data)

    _user, profile = await person(db, "chloe@lumiere.example")
    assert profile.manager_id == boss.id


BAD_FILES = {
    "missing columns": (
        csv_file("ana@lumiere.example,Ana", header="email,name"),
        [(1, "missing: title, department, site, manager_email, role")],
    ),
    "invalid email": (
        csv_file("ana@lumiere.example,Ana,,,,,", "not-an-email,Bob,,,,,"),
        [(3, "Enter a valid email address.")],
    ),
    "duplicate email": (
        csv_file(
            "ana@lumiere.example,Ana,,,,,",
            "bob@x.example,Bob,,,,,",
            "Ana@Lumiere.example,Ana B,,,,,",
        ),
        [(4, "This email already appears on line 2.")],
    ),
    "empty name": (
        csv_file("ana@lumiere.example,  ,,,,,"),
        [(2, "Enter a name.")],
    ),
    "bidi characters in name": (
        csv_file("ana@lumiere.example,Ana,,,,,", "bob@x.example,Bob\u202egnp.exe,,,,,"),
        [(3, "Remove the invisible formatting characters from this field.")],
    ),
    "control characters in name": (
        csv_file("ana@lumiere.example,Ana\x07,,,,,"),
        [(2, "Remove the control characters from this field.")],
    ),
    "NUL in emails": (
        csv_file("ana\x00@lumiere.example,Ana,,,,,", "bob@lumiere.example,Bob,,,,x\x00@y.example,"),
        [(2, "Enter a valid email address."), (3, "Enter a valid email address.")],
    ),
    "unknown manager": (
        csv_file("ana@lumiere.example,Ana,,,,ghost@lumiere.example,"),
        [(2, "No one in this file or in esn has the email ghost@lumiere.example.")],
    ),
    "self manager": (
        csv_file("ana@lumiere.example,Ana,,,,ana@lumiere.example,"),
        [(2, "A person cannot be their own manager.")],
    ),
    "manager loop": (
        csv_file(
            "ana@lumiere.example,Ana,,,,bob@lumiere.example,",
            "carl@lumiere.example,Carl,,,,,",
            "bob@lumiere.example,Bob,,,,ana@lumiere.example,",
        ),
        [
            (2, "These managers form a loop: ana@lumiere.example → bob@lumiere.example"),
            (4, "These managers form a loop: ana@lumiere.example → bob@lumiere.example"),
        ],
    ),
    "unknown role": (
        csv_file("ana@lumiere.example,Ana,,,,,superuser"),
        [(2, "Unknown role superuser")],
    ),
    "not utf-8": (
        HEADER.encode()
        + b"\nana@lumiere.example,Ana,,,,,\nhelene@lumiere.example,H\xe9l\xe8ne,,,,,\n",
        [(3, "not valid UTF-8")],
    ),
    "too many rows": (
        csv_file(*(f"p{n}@lumiere.example,Person {n},,,,," for n in range(5001))),
        [(5002, "at most 5000 people")],
    ),
    "empty file": (b"", [(1, "The file is empty")]),
    "header only": (csv_file(), [(None, "The file names no one")]),
    "column twice": (
        csv_file("ana@lumiere.example,Ana,,,,,,", header=HEADER + ",email"),
        [(1, "The column email appears twice.")],
    ),
    "windows line endings and a quoted line break": (
        "\r\n".join([HEADER, 'ana@lumiere.example,"Ana\r\nCosta",,,,,', "bob@,Bob,,,,,"]).encode(),
        [(2, "Remove the control characters"), (4, "Enter a valid email address.")],
    ),
    "several problems at once": (
        csv_file("not-an-email,Ana,,,,,", "bob@x.example,Bob,,,,,", "carl@x.example,Carl,,,,,boss"),
        [(2, "Enter a valid email address."), (4, "Unknown role boss")],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES.keys())
async def test_bad_file_is_reported_by_line_and_writes_nothing(
    db: AsyncSession, make_person: MakePerson, case: str
) -> None:
    await make_person("Already Here")
    data, expected = BAD_FILES[case]
    before = await counts(db)

    problems = await rejected(db, data)

    assert len(problems) == len(expected), problems
    for (line, message), (want_line, want_text) in zip(problems, expected, strict=True):
        assert line == want_line
        assert want_text in message
    assert await counts(db) == before


async def test_a_hopeless_file_gets_a_bounded_report(db: AsyncSession) -> None:
    data = csv_file(*(f"broken{n},Person {n},,,,," for n in range(300)))

    problems = await rejected(db, data)

    assert len(problems) == people.MAX_IMPORT_PROBLEMS + 1
    assert problems[0] == (2, "Enter a valid email address.")
    assert problems[-1] == (None, "…and 100 more problems.")


async def test_loop_through_existing_accounts_is_refused(
    db: AsyncSession, make_person: MakePerson
) -> None:
    boss, _profile = await make_person("Boss", email="boss@lumiere.example")
    await make_person("Report", email="report@lumiere.example", manager_id=boss.id)
    before = await counts(db)
    # The file makes the boss report to their own report.
    data = csv_file(
        "new@lumiere.example,Newcomer,,,,,",
        "boss@lumiere.example,Boss,,,,report@lumiere.example,",
    )

    problems = await rejected(db, data)

    assert [line for line, _message in problems] == [3]
    assert "boss@lumiere.example → report@lumiere.example → boss@lumiere.example" in problems[0][1]
    assert await counts(db) == before


async def test_only_administrators_may_import(db: AsyncSession, make_person: MakePerson) -> None:
    employee, _profile = await make_person("Eve Employee")
    before = await counts(db)

    with pytest.raises(Forbidden):
        await people.import_people(db, employee, GOOD)

    assert await counts(db) == before


async def test_administrator_cannot_remove_their_own_role_by_import(
    db: AsyncSession, make_person: MakePerson
) -> None:
    admin, _profile = await make_person("Ada Admin", email="ada@lumiere.example", role="admin")
    data = csv_file("ada@lumiere.example,Ada Admin,,,,,employee")

    with pytest.raises(ImportRejected) as caught:
        await people.import_people(db, admin, data)

    assert [p.line for p in caught.value.problems] == [2]
    user, _profile = await person(db, "ada@lumiere.example")
    assert user.role == "admin"
