"""The administration service: the account list pages by keyset; only admins act."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from esn.admin import service as admin
from esn.core.errors import Forbidden
from tests.conftest import MakePerson


async def test_account_list_pages_through_everyone_once(
    db: AsyncSession, make_person: MakePerson
) -> None:
    boss, _profile = await make_person("Ada Admin", email="ada@example.com", role="admin")
    for name in ["Bruno Bell", "Chloé Cœur", "Dora Dean", "Émile Ernst"]:
        await make_person(name, email=f"{name.split()[0].lower()}@example.com")

    seen: list[str] = []
    after = ""
    pages = 0
    while True:
        page = await admin.list_accounts(db, boss, after=after, limit=2)
        pages += 1
        seen += [row.user.email for row in page.rows]
        if page.next_after is None:
            break
        after = page.next_after

    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 5
    assert pages == 3


async def test_search_matches_email_and_name_without_accents(
    db: AsyncSession, make_person: MakePerson
) -> None:
    boss, _profile = await make_person("Ada Admin", email="ada@example.com", role="admin")
    await make_person("Hélène Marchand", email="hm@example.com")
    await make_person("Bob Smith", email="helpdesk@example.com")
    await make_person("Carl 100%", email="carl@example.com")

    by_name = await admin.list_accounts(db, boss, query="HELENE")
    by_email = await admin.list_accounts(db, boss, query="helpdesk@")
    wildcard = await admin.list_accounts(db, boss, query="%")

    assert [row.user.email for row in by_name.rows] == ["hm@example.com"]
    assert [row.user.email for row in by_email.rows] == ["helpdesk@example.com"]
    # "%" is looked for literally, not as a wildcard.
    assert [row.user.email for row in wildcard.rows] == ["carl@example.com"]


async def test_employees_may_not_administer(db: AsyncSession, make_person: MakePerson) -> None:
    employee, _profile = await make_person("Eve Employee")
    other, _other_profile = await make_person("Otto Other")

    with pytest.raises(Forbidden):
        await admin.list_accounts(db, employee)
    with pytest.raises(Forbidden):
        await admin.change_role(db, employee, other.id or 0, "admin")
    with pytest.raises(Forbidden):
        await admin.create_account(
            db, employee, admin.NewAccount(email="x@example.com", name="X", role="admin")
        )
