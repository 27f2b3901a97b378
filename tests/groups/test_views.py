"""Group pages through HTTP: creation, the directory, the group page and membership."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.groups import service as groups
from esn.groups.models import Group
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import group_source
from tests.conftest import MakeGroup, MakePerson, csrf_token, log_in
from tests.groups.conftest import (
    error_for,
    membership,
    notifications_of,
    requests_of,
    stored_group,
)

SignedIn = tuple[httpx.AsyncClient, User, Profile]


def create_data(token: str, **fields: str) -> dict[str, str]:
    """A complete creation form with ``fields`` changed."""
    data = {
        "csrf_token": token,
        "name": "Data Club",
        "slug": "",
        "description": "",
        "tags": "",
        "visibility": "open",
    }
    data.update(fields)
    return data


def main_text(html: str) -> str:
    """The page's <main>, where pages differ (the header carries per-request tokens)."""
    match = re.search(r"<main.*?</main>", html, re.S)
    assert match
    return match.group(0)


async def group_count(db: AsyncSession) -> int:
    return int((await db.execute(select(func.count()).select_from(Group))).scalar_one())


# --- creating ---------------------------------------------------------------------


async def test_creating_a_group_leads_to_its_page(signed_in: SignedIn, db: AsyncSession) -> None:
    client, alice, _ = signed_in
    form = await client.get("/groups/new")
    assert form.status_code == 200
    token = await csrf_token(client, "/groups/new")

    response = await client.post(
        "/groups/new",
        data=create_data(
            token,
            name="Café Data Club",
            description="Fridays, 4pm.\nBring questions.",
            tags="Données, SQL",
            visibility="private",
        ),
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/groups/cafe-data-club?done=created"
    page = await client.get(response.headers["location"])
    html = page.text
    assert page.status_code == 200
    assert "<h1>Café Data Club</h1>" in html
    assert "Private" in html and "1 member" in html
    assert '<a href="/groups?tag=donnees">donnees</a>' in html
    assert 'id="stream-group-' in html
    assert 'action="/groups/cafe-data-club/leave"' in html
    assert "Engineering" in (await client.get("/groups/cafe-data-club/about")).text
    group = (await db.execute(select(Group))).scalar_one()
    assert await membership(db, group.id, alice.id) == "owner"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name."),
        ({"name": "x" * 121}, "name", "Keep this under 120 characters."),
        ({"name": "Data\x00Club"}, "name", "Remove the control characters from this field."),
        (
            {"description": "Hi \u202egnp.exe"},
            "description",
            "Remove the invisible formatting characters from this field.",
        ),
        ({"description": "x" * 4001}, "description", "Keep this under 4000 characters."),
        (
            {"slug": "Data Club!"},
            "slug",
            "Use lowercase letters, digits and single hyphens, like “data-club”.",
        ),
        ({"slug": "new"}, "slug", "This address is reserved; choose another."),
        ({"tags": "a, " + "b" * 61}, "tags", "Keep each tag under 60 characters."),
        ({"visibility": "public"}, "visibility", "Choose one of the listed options."),
    ],
)
async def test_bad_input_is_shown_next_to_the_field_and_kept(
    signed_in: SignedIn,
    db: AsyncSession,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    client, _alice, _ = signed_in
    token = await csrf_token(client, "/groups/new")

    response = await client.post("/groups/new", data=create_data(token, **fields))

    assert response.status_code == 422
    assert error_for(response.text, field) == message
    assert await group_count(db) == 0


async def test_a_taken_address_is_refused_with_what_was_typed(
    signed_in: SignedIn, db: AsyncSession, make_group: MakeGroup
) -> None:
    client, alice, _ = signed_in
    await make_group(alice, "Data", slug="data-club")
    token = await csrf_token(client, "/groups/new")

    response = await client.post(
        "/groups/new",
        data=create_data(token, name="Another club", slug="data-club", description="Kept text"),
    )

    assert response.status_code == 422
    assert error_for(response.text, "slug") == "Another group already uses this address."
    assert 'value="Another club"' in response.text
    assert ">Kept text</textarea>" in response.text
    assert await group_count(db) == 1


async def test_a_post_without_csrf_token_is_refused(
    signed_in: SignedIn, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, alice, _ = signed_in
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(bob, "Open Lab")

    created = await client.post("/groups/new", data={"name": "Sneaky"})
    joined = await client.post(f"/groups/{group.slug}/join", data={})

    assert (created.status_code, joined.status_code) == (403, 403)
    assert await group_count(db) == 1
    assert await membership(db, group.id, alice.id) is None


async def test_anonymous_visitors_are_sent_to_log_in(client: httpx.AsyncClient) -> None:
    for path in ["/groups", "/groups/new", "/groups/anything"]:
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


# --- joining ---------------------------------------------------------------------


async def test_joining_an_open_group(
    signed_in: SignedIn, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, alice, _ = signed_in
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(bob, "Open Lab")
    before = await client.get(f"/groups/{group.slug}")
    assert f'action="/groups/{group.slug}/join"' in before.text
    token = await csrf_token(client, "/groups")

    response = await client.post(f"/groups/{group.slug}/join", data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["location"] == f"/groups/{group.slug}?done=joined"
    page = await client.get(response.headers["location"])
    assert "You are now a member of this group." in page.text
    assert "2 members" in page.text
    assert await membership(db, group.id, alice.id) == "member"


async def test_a_private_group_request_accepted_by_its_owner(
    client: httpx.AsyncClient, db: AsyncSession, make_person: MakePerson, make_group: MakeGroup
) -> None:
    owner, _ = await make_person("Olga Owner")
    bob, _ = await make_person("Bob Leroy", department="Sales")
    group = await make_group(owner, "Private Lab", "private", description="Our secret sauce")
    await log_in(client, bob.email)

    outside = await client.get(f"/groups/{group.slug}")
    assert outside.status_code == 200
    assert "Our secret sauce" in outside.text
    assert "Request to join" in outside.text
    assert 'id="stream-group-' not in outside.text
    assert (await client.get(f"/groups/{group.slug}/members")).status_code == 404
    token = await csrf_token(client, "/groups")
    asked = await client.post(f"/groups/{group.slug}/join", data={"csrf_token": token})
    assert asked.headers["location"] == f"/groups/{group.slug}?done=requested"
    assert "is waiting for an answer" in (await client.get(f"/groups/{group.slug}")).text
    assert await notifications_of(db, owner.id) == [("join_request", group.id)]

    await log_in(client, owner.email)
    members = await client.get(f"/groups/{group.slug}/members")
    (request,) = await requests_of(db, group.id)
    assert f'id="request-{request.id}"' in members.text
    token = await csrf_token(client, "/groups")
    accepted = await client.post(
        f"/groups/{group.slug}/requests/{request.id}/accept", data={"csrf_token": token}
    )
    assert accepted.status_code == 303
    again = await client.post(
        f"/groups/{group.slug}/requests/{request.id}/decline", data={"csrf_token": token}
    )

    assert again.status_code == 409
    assert "This was already accepted." in again.text
    assert await membership(db, group.id, bob.id) == "member"
    assert (await stored_group(db, group.id)).member_count == 2
    assert await notifications_of(db, bob.id) == [("request_accepted", group.id)]
    await log_in(client, bob.email)
    inside = await client.get(f"/groups/{group.slug}")
    assert f'id="stream-group-{group.id}"' in inside.text
    about = await client.get(f"/groups/{group.slug}/about")
    assert 'id="group-departments"' in about.text and "Sales" in about.text


async def test_a_declined_request_leaves_the_person_outside(
    client: httpx.AsyncClient, db: AsyncSession, make_person: MakePerson, make_group: MakeGroup
) -> None:
    owner, _ = await make_person("Olga Owner")
    bob, _ = await make_person("Bob Leroy")
    group = await make_group(owner, "Private Lab", "private")
    await log_in(client, bob.email)
    token = await csrf_token(client, "/groups")
    await client.post(f"/groups/{group.slug}/join", data={"csrf_token": token})
    (request,) = await requests_of(db, group.id)
    refused = await client.post(
        f"/groups/{group.slug}/requests/{request.id}/accept", data={"csrf_token": token}
    )
    assert refused.status_code == 403  # the requester cannot let themself in

    await log_in(client, owner.email)
    token = await csrf_token(client, "/groups")
    declined = await client.post(
        f"/groups/{group.slug}/requests/{request.id}/decline", data={"csrf_token": token}
    )

    assert declined.headers["location"] == f"/groups/{group.slug}/members?done=declined"
    assert [r.state for r in await requests_of(db, group.id)] == ["declined"]
    assert await membership(db, group.id, bob.id) is None


# --- secret groups ---------------------------------------------------------------------


async def test_a_secret_group_answers_like_a_missing_one(
    signed_in: SignedIn, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, _alice, _ = signed_in
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(bob, "Skunkworks", "secret", slug="skunkworks")
    token = await csrf_token(client, "/groups")

    missing = await client.get("/groups/nowhere-at-all")
    for path in ["", "/about", "/members"]:
        secret = await client.get(f"/groups/skunkworks{path}")
        assert secret.status_code == missing.status_code == 404
        assert main_text(secret.text) == main_text(missing.text)
    join = await client.post("/groups/skunkworks/join", data={"csrf_token": token})
    join_missing = await client.post("/groups/nowhere-at-all/join", data={"csrf_token": token})
    listing = await client.get("/groups?q=skunk")

    assert join.status_code == join_missing.status_code == 404
    assert main_text(join.text) == main_text(join_missing.text)
    assert "Skunkworks" not in listing.text
    assert await requests_of(db, group.id) == []


async def test_an_invitation_opens_a_secret_group(
    client: httpx.AsyncClient, db: AsyncSession, make_person: MakePerson, make_group: MakeGroup
) -> None:
    owner, _ = await make_person("Olga Owner")
    bob, bob_profile = await make_person("Bob Leroy")
    group = await make_group(owner, "Skunkworks", "secret", description="Moonshots")
    await log_in(client, owner.email)
    token = await csrf_token(client, "/groups")

    unknown = await client.post(
        f"/groups/{group.slug}/invite", data={"csrf_token": token, "invitee": "nobody"}
    )
    assert unknown.status_code == 422
    assert error_for(unknown.text, "invitee") == "No active colleague has this email or handle."
    assert 'value="nobody"' in unknown.text
    invited = await client.post(
        f"/groups/{group.slug}/invite",
        data={"csrf_token": token, "invitee": f"@{bob_profile.handle}"},
    )
    assert invited.headers["location"] == f"/groups/{group.slug}/members?done=invited"
    assert await notifications_of(db, bob.id) == [("invited", group.id)]

    await log_in(client, bob.email)
    about = await client.get(f"/groups/{group.slug}")
    assert about.status_code == 200
    assert "Moonshots" in about.text and "You are invited to join this group." in about.text
    assert "Skunkworks" in (await client.get("/groups")).text
    (invitation,) = await requests_of(db, group.id)
    token = await csrf_token(client, "/groups")
    accepted = await client.post(
        f"/groups/{group.slug}/invitations/{invitation.id}/accept", data={"csrf_token": token}
    )

    assert accepted.headers["location"] == f"/groups/{group.slug}?done=joined"
    assert await membership(db, group.id, bob.id) == "member"
    members = await client.get(f"/groups/{group.slug}/members")
    assert f'id="member-{bob.id}"' in members.text and f'id="member-{owner.id}"' in members.text


# --- leaving and removing -----------------------------------------------------------------


async def test_the_last_owner_is_told_why_they_cannot_leave(
    signed_in: SignedIn, db: AsyncSession, make_group: MakeGroup
) -> None:
    client, alice, _ = signed_in
    group = await make_group(alice, "Open Lab")
    token = await csrf_token(client, "/groups")

    response = await client.post(f"/groups/{group.slug}/leave", data={"csrf_token": token})

    assert response.status_code == 409
    assert "make another member an owner before the last one leaves" in response.text
    assert await membership(db, group.id, alice.id) == "owner"


async def test_leaving_and_removing(
    signed_in: SignedIn,
    db: AsyncSession,
    colleague: MakePerson,
    make_group: MakeGroup,
) -> None:
    client, alice, _ = signed_in
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Open Lab")
    other = await make_group(bob, "Other Lab")
    await groups.join_group(db, bob, group.slug)
    token = await csrf_token(client, "/groups")
    await client.post(f"/groups/{other.slug}/join", data={"csrf_token": token})

    members = await client.get(f"/groups/{group.slug}/members")
    assert f'action="/groups/{group.slug}/members/{bob.id}/remove"' in members.text
    removed = await client.post(
        f"/groups/{group.slug}/members/{bob.id}/remove", data={"csrf_token": token}
    )
    left = await client.post(f"/groups/{other.slug}/leave", data={"csrf_token": token})

    assert removed.headers["location"] == f"/groups/{group.slug}/members?done=removed"
    assert left.headers["location"] == "/groups?done=left"
    assert await membership(db, group.id, bob.id) is None
    assert await membership(db, other.id, alice.id) is None
    assert (await stored_group(db, group.id)).member_count == 1
    assert (await stored_group(db, other.id)).member_count == 1


async def test_an_owner_changes_a_members_role(
    signed_in: SignedIn, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, alice, _ = signed_in
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(bob, "Open Lab")
    token = await csrf_token(client, "/groups")
    await client.post(f"/groups/{group.slug}/join", data={"csrf_token": token})

    refused = await client.post(
        f"/groups/{group.slug}/members/{alice.id}/role",
        data={"csrf_token": token, "role": "owner"},
    )

    assert refused.status_code == 403
    assert await membership(db, group.id, alice.id) == "member"


# --- the directory -------------------------------------------------------------------------


async def test_the_directory_searches_live_by_name_and_tag(
    signed_in: SignedIn, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, _alice, _ = signed_in
    bob, _ = await colleague("Bob Leroy")
    await make_group(bob, "Équipe Données", tags=("analyse",))
    await make_group(bob, "Customer care", "private", tags=("Qualité",))

    page = await client.get("/groups", params={"q": "equipe"})
    fragment = await client.get("/groups", params={"q": "qualite"}, headers={"HX-Request": "true"})
    by_tag = await client.get("/groups", params={"tag": "qualité"})
    bad = await client.get("/groups", params={"q": "a\x00b"})

    assert page.status_code == 200
    assert "Équipe Données" in page.text and "Customer care" not in page.text
    assert 'hx-get="/groups"' in page.text
    assert "Customer care" in fragment.text and "Équipe Données" not in fragment.text
    assert "<html" not in fragment.text
    assert "Customer care" in by_tag.text and "Équipe Données" not in by_tag.text
    assert bad.status_code == 422
    assert "Remove the control characters from this field." in bad.text


# --- the group's stream ----------------------------------------------------------------------


async def test_the_group_stream_is_for_readers_only(
    client: httpx.AsyncClient,
    app: Starlette,
    db: AsyncSession,
    make_person: MakePerson,
    make_group: MakeGroup,
) -> None:
    owner, _ = await make_person("Olga Owner")
    eve, _ = await make_person("Eve Curious")
    group = await make_group(owner, "Private Lab", "private")
    await stream.create_post(
        db,
        owner,
        group_source(group.id or 0),
        "Marker q7Zx for members",
        media_dir=app.state.settings.media_dir,
    )

    await log_in(client, owner.email)
    inside = await client.get(f"/groups/{group.slug}")
    await log_in(client, eve.email)
    outside = await client.get(f"/groups/{group.slug}")
    fragment = await client.get(f"/groups/{group.slug}", headers={"HX-Request": "true"})

    assert "Marker q7Zx" in inside.text
    assert f"sources=group%3A{group.id}" in inside.text  # the live-update socket
    assert f'id="stream-group-{group.id}-composer"' in inside.text
    assert outside.status_code == 200 and "Marker q7Zx" not in outside.text
    assert "sources=group" not in outside.text
    assert "Marker q7Zx" not in fragment.text


async def test_more_loads_the_next_page_of_the_group_stream(
    signed_in: SignedIn, app: Starlette, db: AsyncSession, make_group: MakeGroup
) -> None:
    client, alice, _ = signed_in
    group = await make_group(alice, "Open Lab")
    for number in range(stream.STREAM_PAGE_SIZE + 1):
        await stream.create_post(
            db,
            alice,
            group_source(group.id or 0),
            f"Post number {number:02d}",
            media_dir=app.state.settings.media_dir,
        )

    first = await client.get(f"/groups/{group.slug}")
    more = re.search(r'<a href="(/groups/open-lab\?after=[^"]+)"', first.text)
    assert more, "no link to the next page"
    second = await client.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})

    assert "Post number 20" in first.text and "Post number 00" not in first.text
    assert "Post number 00" in second.text and "Post number 20" not in second.text
    assert "<html" not in second.text


async def test_withdrawing_a_request_and_declining_an_invitation(
    client: httpx.AsyncClient,
    db: AsyncSession,
    make_person: MakePerson,
    make_group: MakeGroup,
) -> None:
    owner, _ = await make_person("Olga Owner")
    bob, _ = await make_person("Bob Leroy")
    private = await make_group(owner, "Private Lab", "private")
    secret = await make_group(owner, "Skunkworks", "secret")
    await groups.invite_person(db, owner, secret.slug, bob.email)
    await log_in(client, bob.email)
    token = await csrf_token(client, "/groups")
    await client.post(f"/groups/{private.slug}/join", data={"csrf_token": token})
    (request_id,) = [r.id for r in await requests_of(db, private.id)]
    (invitation_id,) = [r.id for r in await requests_of(db, secret.id)]
    page = await client.get(f"/groups/{private.slug}")
    assert f'action="/groups/{private.slug}/requests/{request_id}/cancel"' in page.text

    cancelled = await client.post(
        f"/groups/{private.slug}/requests/{request_id}/cancel", data={"csrf_token": token}
    )
    declined = await client.post(
        f"/groups/{secret.slug}/invitations/{invitation_id}/decline", data={"csrf_token": token}
    )

    assert cancelled.headers["location"] == f"/groups/{private.slug}/about?done=cancelled"
    assert declined.headers["location"] == "/groups?done=invitation_declined"
    assert [r.state for r in await requests_of(db, private.id)] == ["cancelled"]
    assert [r.state for r in await requests_of(db, secret.id)] == ["declined"]
    assert (await client.get(f"/groups/{secret.slug}")).status_code == 404
    assert "Request to join" in (await client.get(f"/groups/{private.slug}")).text


async def test_an_owner_makes_a_member_animator(
    signed_in: SignedIn, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, alice, _ = signed_in
    bob, _ = await colleague("Bob Leroy")
    group = await make_group(alice, "Open Lab")
    await groups.join_group(db, bob, group.slug)
    token = await csrf_token(client, "/groups")

    changed = await client.post(
        f"/groups/{group.slug}/members/{bob.id}/role",
        data={"csrf_token": token, "role": "animator"},
    )
    invalid = await client.post(
        f"/groups/{group.slug}/members/{bob.id}/role",
        data={"csrf_token": token, "role": "emperor"},
    )

    assert changed.headers["location"] == f"/groups/{group.slug}/members?done=role"
    assert invalid.status_code == 422
    assert "Choose one of the listed options." in invalid.text
    assert await membership(db, group.id, bob.id) == "animator"
