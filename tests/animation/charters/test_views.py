"""Charter pages: the login wall, the editors, the group banner and about tab, privacy."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.charters import service as charters
from esn.animation.models import Charter
from esn.groups.models import Group, Membership
from tests.animation.charters.conftest import SignInAs, error_for, page_token
from tests.conftest import MakeGroup, MakePerson, csrf_token

HTMX = {"HX-Request": "true"}


async def _log_out(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client)
    response = await client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303


async def _login_target(client: httpx.AsyncClient, email: str, next_url: str) -> str:
    """Log in through the form with ?next= and say where the login leads."""
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "email": email,
            "password": "correct horse battery staple",
            "csrf_token": token,
            "next": next_url,
        },
    )
    assert response.status_code == 303
    return response.headers["location"]


async def test_login_wall_asks_for_each_new_company_charter_version(
    client: httpx.AsyncClient, db: AsyncSession, make_person: MakePerson, colleague: MakePerson
) -> None:
    person, _ = await make_person("Paula Login")
    admin, _ = await colleague("Ada Admin", role="admin")
    # No company charter: nothing in the way.
    assert await _login_target(client, person.email, "/groups") == "/groups"
    await _log_out(client)

    await charters.save_charter(db, admin, None, "**Be kind.**")
    assert await _login_target(client, person.email, "/groups") == "/charter?next=%2Fgroups"
    page = await client.get("/charter?next=%2Fgroups")
    assert page.status_code == 200
    assert "<strong>Be kind.</strong>" in page.text and "I accept" in page.text
    assert '<input type="hidden" name="next" value="/groups">' in page.text
    charter_id = (await charters.company_charter_status(db, person)).charter_id
    token = await page_token(client, "/charter")
    accepted = await client.post(
        "/charter/accept", data={"csrf_token": token, "charter_id": charter_id, "next": "/groups"}
    )
    assert accepted.status_code == 303 and accepted.headers["location"] == "/groups"
    again = await client.get("/charter")
    assert "You accepted this version" in again.text and "I accept" not in again.text
    await _log_out(client)  # logging out is never blocked

    assert await _login_target(client, person.email, "/") == "/"
    await _log_out(client)

    await charters.save_charter(db, admin, None, "**Be kind.** Answer questions.")
    # A new version asks again; a foreign ``next`` is dropped for home.
    assert await _login_target(client, person.email, "//evil.example") == "/charter?next=%2F"


async def test_charter_pages_refuse_open_redirects(
    colleague: MakePerson, sign_in_as: SignInAs, db: AsyncSession
) -> None:
    admin, _ = await colleague("Ada Admin", role="admin")
    person, _ = await colleague("Paul Person")
    charter = await charters.save_charter(db, admin, None, "Be kind.")
    client = await sign_in_as(person)
    page = await client.get("/charter", params={"next": "https://evil.example/"})
    assert 'name="next" value="/"' in page.text
    token = await page_token(client, "/charter")
    for target in ("//evil.example", "https://evil.example", "/\\evil.example"):
        response = await client.post(
            "/charter/accept", data={"csrf_token": token, "charter_id": charter.id, "next": target}
        )
        assert response.status_code == 303 and response.headers["location"] == "/"
    bad = await client.post("/charter/accept", data={"csrf_token": token, "charter_id": "x"})
    assert bad.status_code == 400


async def test_no_company_charter_page_says_so(colleague: MakePerson, sign_in_as: SignInAs) -> None:
    person, _ = await colleague("Paul Person")
    client = await sign_in_as(person)
    page = await client.get("/charter")
    assert page.status_code == 200
    assert "The company has no charter yet." in page.text
    assert (await client.get("/charter/versions/1")).status_code == 404


async def test_company_animators_write_review_and_list_versions(
    colleague: MakePerson, sign_in_as: SignInAs, db: AsyncSession
) -> None:
    animator, _ = await colleague("Anna Animator", role="animator")
    employee, _ = await colleague("Eve Employee")
    client = await sign_in_as(animator)
    assert (await client.get("/animation/charter")).status_code == 200
    token = await page_token(client, "/animation/charter")
    empty = await client.post(
        "/animation/charter", data={"csrf_token": token, "body": "  ", "base_version": "0"}
    )
    assert empty.status_code == 422
    assert error_for(empty.text, "body") == "Write the charter before saving it."
    saved = await client.post(
        "/animation/charter", data={"csrf_token": token, "body": "Be kind.", "base_version": "0"}
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/animation/charter?done=saved"
    same = await client.post(
        "/animation/charter", data={"csrf_token": token, "body": "Be kind.", "base_version": "1"}
    )
    assert same.status_code == 422 and "current text" in error_for(same.text, "body")
    stale = await client.post(
        "/animation/charter",
        data={"csrf_token": token, "body": "Be nice, really.", "base_version": "0"},
    )
    assert stale.status_code == 422
    assert "Someone saved a new version" in error_for(stale.text, "body")
    assert "Be nice, really." in stale.text  # what they typed is kept
    assert 'name="base_version" value="1"' in stale.text
    second = await client.post(
        "/animation/charter", data={"csrf_token": token, "body": "Be kind!", "base_version": "1"}
    )
    assert second.status_code == 303
    editor = await client.get("/animation/charter")
    assert 'href="/charter/versions/1"' in editor.text and "Anna Animator" in editor.text
    old = await client.get("/charter/versions/1")
    assert old.status_code == 200 and "This is an older version" in old.text
    reviewed = await client.post(
        "/animation/charter/reviewed", data={"csrf_token": token, "version": "2"}
    )
    assert reviewed.status_code == 303
    db.expire_all()
    latest = (await db.execute(select(Charter).where(col(Charter.version) == 2))).scalar_one()
    assert latest.reviewed_at is not None

    outsider = await sign_in_as(employee)
    assert (await outsider.get("/animation/charter")).status_code == 403
    outsider_token = await page_token(outsider, "/charter")
    refused = await outsider.post(
        "/animation/charter", data={"csrf_token": outsider_token, "body": "Mine."}
    )
    assert refused.status_code == 403
    assert (await outsider.get("/charter")).status_code == 200


async def _join(db: AsyncSession, group: Group, user: User, role: str = "member") -> None:
    db.add(Membership(group_id=group.id, user_id=user.id, role=role))
    await db.commit()


async def test_group_charter_banner_about_tab_and_editing(
    colleague: MakePerson,
    make_group: MakeGroup,
    sign_in_as: SignInAs,
    db: AsyncSession,
) -> None:
    owner, _ = await colleague("Olga Owner")
    member, _ = await colleague("Max Member")
    group = await make_group(owner, "Gardening")
    await _join(db, group, member)
    owner_client = await sign_in_as(owner)
    member_client = await sign_in_as(member)

    assert "charter-banner" not in (await member_client.get("/groups/gardening")).text
    token = await page_token(owner_client, "/groups/gardening/charter/edit")
    saved = await owner_client.post(
        "/groups/gardening/charter/edit",
        data={"csrf_token": token, "body": "Share *seeds*.", "base_version": "0"},
    )
    assert saved.status_code == 303

    # The member may read but not edit.
    assert (await member_client.get("/groups/gardening/charter/edit")).status_code == 403
    member_token = await page_token(member_client, "/groups/gardening/charter")
    assert (
        await member_client.post(
            "/groups/gardening/charter/edit", data={"csrf_token": member_token, "body": "No."}
        )
    ).status_code == 403

    stream = await member_client.get("/groups/gardening")
    assert "This group has a charter." in stream.text
    assert 'hx-post="/groups/gardening/charter/accept"' in stream.text
    about = await member_client.get("/groups/gardening/about")
    assert 'hx-get="/groups/gardening/charter/summary"' in about.text
    summary = await member_client.get("/groups/gardening/charter/summary")
    assert "Share <em>seeds</em>." in summary.text and "Read and accept it" in summary.text

    charter_id = (
        await db.execute(select(col(Charter.id)).where(col(Charter.group_id) == group.id))
    ).scalar_one()
    accepted = await member_client.post(
        "/groups/gardening/charter/accept",
        data={"csrf_token": member_token, "charter_id": charter_id},
        headers={**HTMX, "X-CSRF-Token": member_token},
    )
    assert accepted.status_code == 200
    assert f'id="charter-banner-{group.id}"' in accepted.text
    assert "you accepted the charter" in accepted.text
    assert "charter-banner" not in (await member_client.get("/groups/gardening")).text

    await owner_client.post(
        "/groups/gardening/charter/edit",
        data={"csrf_token": token, "body": "Share *seeds* and tools.", "base_version": "1"},
    )
    assert (
        "The charter of this group changed." in (await member_client.get("/groups/gardening")).text
    )
    new_id = (
        await db.execute(
            select(col(Charter.id)).where(
                col(Charter.group_id) == group.id, col(Charter.version) == 2
            )
        )
    ).scalar_one()
    plain = await member_client.post(
        "/groups/gardening/charter/accept", data={"csrf_token": member_token, "charter_id": new_id}
    )
    assert plain.status_code == 303 and plain.headers["location"] == "/groups/gardening"
    assert "charter-banner" not in (await member_client.get("/groups/gardening")).text


async def test_secret_group_charter_is_not_found_for_outsiders(
    colleague: MakePerson,
    make_group: MakeGroup,
    sign_in_as: SignInAs,
    db: AsyncSession,
) -> None:
    owner, _ = await colleague("Sam Secret")
    outsider, _ = await colleague("Otto Outsider")
    await make_group(owner, "Skunkworks", visibility="secret")
    await charters.save_charter(db, owner, "skunkworks", "Say nothing about the moon.")
    client = await sign_in_as(outsider)
    for path in (
        "/groups/skunkworks/charter",
        "/groups/skunkworks/charter/summary",
        "/groups/skunkworks/charter/versions/1",
        "/groups/skunkworks/charter/edit",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "moon" not in response.text
    token = await page_token(client, "/charter")
    response = await client.post(
        "/groups/skunkworks/charter/accept", data={"csrf_token": token, "charter_id": 1}
    )
    assert response.status_code == 404
