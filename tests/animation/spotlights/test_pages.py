"""The spotlight pages over HTTP: drafting, the member's page, home, profile, stream."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.models import Spotlight
from esn.animation.spotlights import service as spotlights
from esn.core.clock import utcnow
from esn.people.models import Profile
from tests.animation.spotlights.conftest import (
    SignIn,
    add_post,
    draft,
    error_for,
    stored,
)


async def handle_of(db: AsyncSession, user: User) -> str:
    profile = await db.get(Profile, user.id)
    assert profile is not None
    return profile.handle


async def all_spotlights(db: AsyncSession) -> list[Spotlight]:
    db.expire_all()
    return list((await db.execute(select(Spotlight).order_by(col(Spotlight.id)))).scalars())


def form(**fields: str) -> dict[str, str]:
    values = {
        "person": "marc@example.com",
        "works_on": "The quarterly close",
        "can_help_with": "",
        "looking_for": "",
        "why_now": "",
        "starts_on": "",
        "days": "7",
        "action": "save",
    }
    values.update(fields)
    return values


async def test_the_whole_story_over_http(
    db: AsyncSession, animator: User, member: User, third: User, sign_in: SignIn
) -> None:
    as_animator = await sign_in(animator)
    as_member = await sign_in(member)
    as_third = await sign_in(third)

    page = await as_animator.get("/animation/spotlights/new")
    assert page.status_code == 200 and 'name="person"' in page.text
    sent = await as_animator.post("/animation/spotlights/new", data=form(why_now="Great close"))
    assert sent.status_code == 303
    [spotlight] = await all_spotlights(db)
    url = f"/animation/spotlights/{spotlight.id}"
    assert sent.headers["location"] == f"{url}?done=drafted"

    # The member finds it from the notification; nobody else sees anything yet.
    bell = await as_member.get("/notifications")
    assert f'href="{url}"' in bell.text
    mine = await as_member.get(url)
    assert mine.status_code == 200
    assert "Accept" in mine.text and "The quarterly close" in mine.text
    assert "Great close" in mine.text
    assert (await as_third.get(url)).status_code == 404
    home = await as_third.get("/")
    assert "In the spotlight" not in home.text and "The quarterly close" not in home.text
    assert "is in the spotlight" not in home.text
    profile = await as_third.get(f"/people/{await handle_of(db, member)}")
    assert "The quarterly close" not in profile.text
    assert "The quarterly close" not in (await as_member.get("/")).text

    edited = await as_member.post(
        f"{url}/portrait",
        data={"works_on": "Audits and the close", "can_help_with": "Excel", "version": "1"},
    )
    assert edited.status_code == 303
    accepted = await as_member.post(f"{url}/accept", data={"version": "2"})
    assert accepted.status_code == 303 and accepted.headers["location"] == f"{url}?done=accepted"

    home = await as_third.get("/")
    assert home.status_code == 200
    card = re.search(r'<section class="spotlights-home".*?</section>', home.text, re.S)
    assert card and "Marc Member" in card.group(0) and "Audits and the close" in card.group(0)
    assert "Finance" in card.group(0)
    assert "is in the spotlight" in home.text and f'href="{url}"' in home.text
    profile = await as_third.get(f"/people/{await handle_of(db, member)}")
    assert 'id="profile-spotlights"' in profile.text and "Audits and the close" in profile.text
    public = await as_third.get(url)
    assert public.status_code == 200 and "Accept" not in public.text
    assert "Great close" not in public.text  # the animator's reason is for the member

    withdrawn = await as_animator.post(f"{url}/withdraw", data={"version": "3"})
    assert withdrawn.status_code == 303
    assert "Audits and the close" not in (await as_third.get("/")).text
    assert (await as_third.get(url)).status_code == 404


async def test_non_animators_get_403_on_animator_pages(third: User, sign_in: SignIn) -> None:
    client = await sign_in(third)
    assert (await client.get("/animation/spotlights")).status_code == 403
    assert (await client.get("/animation/spotlights/new")).status_code == 403
    assert (await client.post("/animation/spotlights/new", data=form())).status_code == 403


async def test_bad_drafts_keep_what_was_typed_with_errors_next_to_fields(
    db: AsyncSession, animator: User, member: User, sign_in: SignIn
) -> None:
    client = await sign_in(animator)
    cases = [
        (form(person=""), "person", "Say whom"),
        (form(person="ghost@example.com"), "person", "No active colleague"),
        (form(works_on=""), "works_on", "at least one part"),
        (form(days="40"), "days", "between 1 and 28"),
        (form(days="abc"), "days", "between 1 and 28"),
        (form(starts_on="2020-01-01"), "starts_on", "passed"),
        (form(starts_on="31/12"), "starts_on", "Enter a date"),
    ]
    for data, field, words in cases:
        data["why_now"] = "Kept as typed"
        response = await client.post("/animation/spotlights/new", data=data)
        assert response.status_code == 422, field
        assert words in error_for(response.text, field)
        assert "Kept as typed" in response.text
    handle = await handle_of(db, animator)
    response = await client.post("/animation/spotlights/new", data=form(person=f"@{handle}"))
    assert "yourself" in error_for(response.text, "person")
    assert await all_spotlights(db) == []


async def test_the_form_is_filled_from_the_profile(
    db: AsyncSession, animator: User, member: User, sign_in: SignIn
) -> None:
    profile = await db.get(Profile, member.id)
    assert profile is not None
    profile.bio, profile.how_i_can_help, profile.looking_for = "Closing", "Excel tips", "Runners"
    await db.commit()
    client = await sign_in(animator)
    page = await client.get(f"/animation/spotlights/new?person={profile.handle}")
    assert page.status_code == 200
    assert "Excel tips" in page.text and "Runners" in page.text
    again = await client.post(
        "/animation/spotlights/new", data=form(action="prefill", works_on="Mine")
    )
    assert again.status_code == 200
    assert "Mine" in again.text and "Excel tips" in again.text
    assert await all_spotlights(db) == []


async def test_a_stale_portrait_is_refused_with_a_message(
    db: AsyncSession, animator: User, member: User, sign_in: SignIn
) -> None:
    spotlight = await draft(db, animator, member)
    client = await sign_in(member)
    url = f"/animation/spotlights/{spotlight.id}"
    first = await client.post(f"{url}/portrait", data={"works_on": "First", "version": "1"})
    assert first.status_code == 303
    second = await client.post(f"{url}/portrait", data={"works_on": "Second", "version": "1"})
    assert second.status_code == 409
    assert "changed since you opened it" in second.text
    assert "Second" in second.text  # what was typed is kept
    empty = await client.post(f"{url}/portrait", data={"works_on": " ", "version": "2"})
    assert empty.status_code == 422
    assert "at least one part" in error_for(empty.text, "works_on")
    assert (await stored(db, spotlight.id)).works_on == "First"


async def test_answers_by_the_wrong_people_and_undeclared_moves(
    db: AsyncSession, animator: User, member: User, third: User, sign_in: SignIn
) -> None:
    spotlight = await draft(db, animator, member)
    url = f"/animation/spotlights/{spotlight.id}"
    as_animator = await sign_in(animator)
    as_third = await sign_in(third)
    as_member = await sign_in(member)
    assert (await as_animator.post(f"{url}/accept", data={})).status_code == 403
    assert (await as_third.post(f"{url}/accept", data={})).status_code == 404
    assert (await as_member.post(f"{url}/withdraw", data={})).status_code == 403
    assert (await as_member.post(f"{url}/decline", data={})).status_code == 303
    again = await as_member.post(f"{url}/accept", data={})
    assert again.status_code == 409 and "already “declined”" in again.text
    assert (await stored(db, spotlight.id)).state == "declined"
    assert (await as_animator.get("/animation/spotlights/999999")).status_code == 404


async def test_the_animators_list(
    db: AsyncSession, animator: User, member: User, third: User, sign_in: SignIn
) -> None:
    await add_post(db, third, at=utcnow() - timedelta(days=2))
    waiting = await draft(db, animator, member)
    client = await sign_in(animator)
    page = await client.get("/animation/spotlights")
    assert page.status_code == 200
    pending = re.search(r'id="spotlights-pending".*?</section>', page.text, re.S)
    assert pending and f"/animation/spotlights/{waiting.id}" in pending.group(0)
    suggestions = re.search(r'id="spotlights-suggestions".*?</section>', page.text, re.S)
    assert suggestions and "Theo Third" in suggestions.group(0)
    assert "never featured · Sales" in suggestions.group(0)
    assert spotlights.SUGGESTION_LIMIT >= 1
