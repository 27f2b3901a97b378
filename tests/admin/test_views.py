"""The administration pages through HTTP: who may enter, accounts, roles, imports."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.people.models import Profile
from tests.conftest import MakePerson, csrf_token, log_in

HEADER = "email,name,title,department,site,manager_email,role"


@pytest.fixture
async def admin_client(
    client: httpx.AsyncClient, make_person: MakePerson
) -> tuple[httpx.AsyncClient, User]:
    """A client signed in as an administrator."""
    admin, _profile = await make_person("Camille Roux", email="camille@example.com", role="admin")
    response = await log_in(client, admin.email)
    assert response.status_code == 303
    return client, admin


@pytest.fixture
async def other_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser on the same app, with its own cookies."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def account(db: AsyncSession, email: str) -> User | None:
    """The account with ``email`` as the database has it now."""
    result = await db.execute(
        select(User).where(col(User.email) == email).execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def account_count(db: AsyncSession) -> int:
    """How many accounts exist."""
    return (await db.execute(select(func.count()).select_from(User))).scalar_one()


# --- who may enter ---------------------------------------------------------------


async def test_anonymous_visitor_is_sent_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin"


async def test_employee_gets_403_on_page_and_actions(
    signed_in: tuple[httpx.AsyncClient, User, Profile], make_person: MakePerson, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    target, _target_profile = await make_person("Bob Target")
    token = await csrf_token(client, "/settings")

    page = await client.get("/admin")
    change = await client.post(
        f"/admin/users/{target.id}/role", data={"role": "admin", "csrf_token": token}
    )

    assert page.status_code == 403
    assert change.status_code == 403
    stored = await account(db, target.email)
    assert stored is not None and stored.role == "employee"


async def test_post_without_csrf_token_is_refused(
    admin_client: tuple[httpx.AsyncClient, User], make_person: MakePerson, db: AsyncSession
) -> None:
    client, _admin = admin_client
    target, _profile = await make_person("Bob Target")

    response = await client.post(f"/admin/users/{target.id}/role", data={"role": "admin"})

    assert response.status_code == 403
    stored = await account(db, target.email)
    assert stored is not None and stored.role == "employee"


# --- the account list ---------------------------------------------------------------


async def test_list_shows_accounts_and_search_ignores_accents(
    admin_client: tuple[httpx.AsyncClient, User], make_person: MakePerson
) -> None:
    client, _admin = admin_client
    await make_person("Hélène Marchand", email="helene@example.com", department="Finance")
    await make_person("Bob Target", email="bob@example.com")

    everyone = await client.get("/admin")
    search = await client.get("/admin", params={"q": "helene"})

    assert everyone.status_code == 200
    assert "Hélène Marchand" in everyone.text and "bob@example.com" in everyone.text
    assert "Finance" in everyone.text
    assert "Hélène Marchand" in search.text
    assert "bob@example.com" not in search.text


async def test_search_survives_invisible_characters(
    admin_client: tuple[httpx.AsyncClient, User],
) -> None:
    client, admin = admin_client

    response = await client.get("/admin", params={"q": "cam\x00ille", "after": "\x00"})

    assert response.status_code == 200
    assert admin.email in response.text


# --- roles and deactivation ---------------------------------------------------------


async def test_admin_changes_a_role(
    admin_client: tuple[httpx.AsyncClient, User], make_person: MakePerson, db: AsyncSession
) -> None:
    client, _admin = admin_client
    target, _profile = await make_person("Léa Fontaine", email="lea@example.com")
    token = await csrf_token(client, "/admin")

    response = await client.post(
        f"/admin/users/{target.id}/role",
        data={"role": "animator", "back": "/admin?q=lea", "csrf_token": token},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/admin?q=lea"
    stored = await account(db, target.email)
    assert stored is not None and stored.role == "animator"


async def test_admin_cannot_remove_their_own_admin_role(
    admin_client: tuple[httpx.AsyncClient, User], db: AsyncSession
) -> None:
    client, admin = admin_client
    token = await csrf_token(client, "/admin")

    response = await client.post(
        f"/admin/users/{admin.id}/role", data={"role": "employee", "csrf_token": token}
    )

    assert response.status_code == 422
    assert "You cannot remove your own administrator role." in response.text
    stored = await account(db, admin.email)
    assert stored is not None and stored.role == "admin"


async def test_unknown_role_is_refused_next_to_the_row(
    admin_client: tuple[httpx.AsyncClient, User], make_person: MakePerson
) -> None:
    client, _admin = admin_client
    target, _profile = await make_person("Bob Target")
    token = await csrf_token(client, "/admin")

    response = await client.post(
        f"/admin/users/{target.id}/role", data={"role": "emperor", "csrf_token": token}
    )

    assert response.status_code == 422
    assert f'id="error-account-{target.id}"' in response.text
    assert "Choose one of the listed roles." in response.text


async def test_deactivation_ends_the_person_session_at_once(
    admin_client: tuple[httpx.AsyncClient, User],
    other_client: httpx.AsyncClient,
    make_person: MakePerson,
    db: AsyncSession,
) -> None:
    client, _admin = admin_client
    target, _profile = await make_person("Bob Target", email="bob@example.com")
    await log_in(other_client, target.email)
    assert (await other_client.get("/settings")).status_code == 200
    token = await csrf_token(client, "/admin")

    response = await client.post(
        f"/admin/users/{target.id}/active", data={"active": "0", "csrf_token": token}
    )

    assert response.status_code == 303
    after = await other_client.get("/settings")
    assert after.status_code == 303
    assert after.headers["location"].startswith("/login")
    relogin = await log_in(other_client, target.email)
    assert relogin.status_code == 400
    page = await client.get("/admin")
    assert "Reactivate" in page.text


async def test_reactivated_person_can_log_in_again(
    admin_client: tuple[httpx.AsyncClient, User],
    other_client: httpx.AsyncClient,
    make_person: MakePerson,
) -> None:
    client, _admin = admin_client
    target, _profile = await make_person("Bob Target")
    token = await csrf_token(client, "/admin")
    await client.post(f"/admin/users/{target.id}/active", data={"active": "0", "csrf_token": token})

    await client.post(f"/admin/users/{target.id}/active", data={"active": "1", "csrf_token": token})

    assert (await log_in(other_client, target.email)).status_code == 303


async def test_admin_cannot_deactivate_themselves(
    admin_client: tuple[httpx.AsyncClient, User],
) -> None:
    client, admin = admin_client
    token = await csrf_token(client, "/admin")

    response = await client.post(
        f"/admin/users/{admin.id}/active", data={"active": "0", "csrf_token": token}
    )

    assert response.status_code == 422
    assert "You cannot deactivate your own account." in response.text
    assert (await client.get("/admin")).status_code == 200


async def test_unknown_account_is_404(admin_client: tuple[httpx.AsyncClient, User]) -> None:
    client, _admin = admin_client
    token = await csrf_token(client, "/admin")
    response = await client.post(
        "/admin/users/999999/active", data={"active": "0", "csrf_token": token}
    )
    assert response.status_code == 404


# --- creating an account ------------------------------------------------------------


async def test_admin_creates_an_account_without_password(
    admin_client: tuple[httpx.AsyncClient, User], db: AsyncSession
) -> None:
    client, _admin = admin_client
    token = await csrf_token(client, "/admin")

    response = await client.post(
        "/admin/users",
        data={
            "email": "Zoe.Lambert@Example.com",
            "name": "Zoé Lambert",
            "role": "animator",
            "department": "Engineering",
            "title": "Mobile developer",
            "csrf_token": token,
        },
    )

    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Zoé Lambert" in page.text
    assert "The account was created." in page.text
    stored = await account(db, "zoe.lambert@example.com")
    assert stored is not None
    assert stored.role == "animator"
    assert stored.password_hash == ""


async def test_create_account_errors_keep_what_was_typed(
    admin_client: tuple[httpx.AsyncClient, User], db: AsyncSession
) -> None:
    client, admin = admin_client
    token = await csrf_token(client, "/admin")
    before = await account_count(db)

    bad = await client.post(
        "/admin/users",
        data={
            "email": "not-an-email",
            "name": "",
            "role": "employee",
            "title": "Chef",
            "csrf_token": token,
        },
    )
    taken = await client.post(
        "/admin/users",
        data={
            "email": admin.email,
            "name": "Someone Else",
            "role": "employee",
            "csrf_token": token,
        },
    )

    assert bad.status_code == 422
    assert "Enter a valid email address." in bad.text
    assert "Enter a name." in bad.text
    assert 'value="not-an-email"' in bad.text
    assert 'value="Chef"' in bad.text
    nul = await client.post(
        "/admin/users",
        data={"email": "a\x00b@example.com", "name": "Nul", "csrf_token": token},
    )
    assert nul.status_code == 422
    assert "Enter a valid email address." in nul.text
    assert taken.status_code == 422
    assert "An account already uses this email." in taken.text
    assert 'value="Someone Else"' in taken.text
    assert await account_count(db) == before


# --- importing people ---------------------------------------------------------------


async def test_good_csv_is_imported_and_summarised(
    admin_client: tuple[httpx.AsyncClient, User], db: AsyncSession
) -> None:
    client, _admin = admin_client
    token = await csrf_token(client, "/admin")
    data = "\n".join(
        [
            HEADER,
            "sophie@example.com,Sophie Tremblay,Head of support,Customer Service,Montréal,,",
            "chloe@example.com,Chloé Dubois,Support,Customer Service,Nantes,sophie@example.com,",
        ]
    ).encode()

    response = await client.post(
        "/admin/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", data, "text/csv")},
    )

    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Import done: 2 created, 0 updated, 0 unchanged." in page.text
    assert await account(db, "chloe@example.com") is not None


async def test_csv_with_errors_shows_the_report_and_imports_nothing(
    admin_client: tuple[httpx.AsyncClient, User], db: AsyncSession
) -> None:
    client, _admin = admin_client
    token = await csrf_token(client, "/admin")
    before = await account_count(db)
    data = "\n".join(
        [
            HEADER,
            "good@example.com,Good Person,,,,,",
            "broken-email,Broken,,,,,",
            "lost@example.com,Lost Person,,,,ghost@example.com,",
        ]
    ).encode()

    response = await client.post(
        "/admin/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", data, "text/csv")},
    )

    assert response.status_code == 422
    assert 'id="import-report"' in response.text
    assert "<td>3</td>" in response.text and "Enter a valid email address." in response.text
    assert "<td>4</td>" in response.text
    assert "No one in this file or in esn has the email ghost@example.com." in response.text
    assert await account_count(db) == before


async def test_import_without_a_file_asks_for_one(
    admin_client: tuple[httpx.AsyncClient, User],
) -> None:
    client, _admin = admin_client
    token = await csrf_token(client, "/admin")

    response = await client.post(
        "/admin/import",
        data={"csrf_token": token},
        files={"file": ("", b"", "application/octet-stream")},
    )

    assert response.status_code == 422
    assert "Choose a CSV file to import." in response.text
