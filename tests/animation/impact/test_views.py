"""Tagging on a post's page and the stories page, over HTTP."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from esn.animation.models import ImpactStory
from tests.animation.impact.conftest import Rows
from tests.conftest import MakePerson, csrf_token, log_in


def error_for(html: str, field: str) -> str:
    """The message shown next to ``field``."""
    match = re.search(rf'<small id="error-{field}" class="field-error">([^<]*)</small>', html)
    assert match, f"no error shown next to {field}"
    return match.group(1)


async def test_an_animator_tags_a_thread_from_its_page(
    client: httpx.AsyncClient,
    db: AsyncSession,
    make_person: MakePerson,
    colleague: MakePerson,
    rows: Rows,
) -> None:
    animator, _p = await make_person("Ana Animator", role="animator")
    author, _p = await colleague("Paul Poster")
    post = await rows.post(author, body="Who knows Kubernetes?")
    await log_in(client, animator.email)

    page = await client.get(f"/posts/{post.id}")
    assert page.status_code == 200
    assert f'id="post-{post.id}-impact"' in page.text
    token = await csrf_token(client, f"/posts/{post.id}")

    tagged = await client.post(
        f"/posts/{post.id}/impact",
        data={"outcome": "got_help", "note": "Sorted in a day", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert tagged.status_code == 200
    assert "Sorted in a day" in tagged.text
    assert "<html" not in tagged.text

    duplicate = await client.post(
        f"/posts/{post.id}/impact",
        data={"outcome": "got_help", "note": "Again", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert duplicate.status_code == 422
    assert error_for(duplicate.text, "outcome") == (
        "This thread is already tagged with this outcome."
    )
    assert "Again" in duplicate.text  # what was typed is kept

    too_long = await client.post(
        f"/posts/{post.id}/impact",
        data={"outcome": "idea_adopted", "note": "x" * 1001, "csrf_token": token},
    )
    assert too_long.status_code == 422
    assert "1000" in error_for(too_long.text, "note")

    browser = await client.post(
        f"/posts/{post.id}/impact",
        data={"outcome": "idea_adopted", "csrf_token": token},
    )
    assert browser.status_code == 303
    assert browser.headers["location"] == f"/posts/{post.id}#post-{post.id}-impact"

    stories = (await db.execute(select(ImpactStory).order_by(ImpactStory.id))).scalars().all()  # type: ignore[arg-type]
    assert [s.outcome for s in stories] == ["got_help", "idea_adopted"]

    removed = await client.post(
        f"/posts/{post.id}/impact/{stories[0].id}/delete", data={"csrf_token": token}
    )
    assert removed.status_code == 303

    listing = await client.get("/animation/impact")
    assert listing.status_code == 200
    assert "Who knows Kubernetes?" in listing.text
    assert "Idea adopted" in listing.text
    assert "Sorted in a day" not in listing.text


async def test_employees_cannot_tag_and_do_not_see_the_log(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson, rows: Rows
) -> None:
    employee, _p = await make_person("Eve Employee")
    author, _p = await colleague("Paul Poster")
    post = await rows.post(author)
    private = await rows.group("Private", "private", members={author.id: "owner"})  # type: ignore[dict-item]
    hidden_post = await rows.post(author, group=private)
    await log_in(client, employee.email)

    page = await client.get(f"/posts/{post.id}")
    assert page.status_code == 200
    assert f'id="post-{post.id}-impact"' not in page.text
    token = await csrf_token(client, f"/posts/{post.id}")

    refused = await client.post(
        f"/posts/{post.id}/impact", data={"outcome": "got_help", "csrf_token": token}
    )
    assert refused.status_code == 403
    unreadable = await client.post(
        f"/posts/{hidden_post.id}/impact", data={"outcome": "got_help", "csrf_token": token}
    )
    assert unreadable.status_code == 404
    assert (await client.get("/animation/impact")).status_code == 404
    assert (await client.get("/animation/impact?before=abc")).status_code == 404


async def test_a_company_animator_cannot_tag_a_private_groups_thread(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson, rows: Rows
) -> None:
    animator, _p = await make_person("Ana Animator", role="animator")
    author, _p = await colleague("Paul Poster")
    private = await rows.group("Private", "private", members={author.id: "owner"})  # type: ignore[dict-item]
    post = await rows.post(author, group=private)
    await log_in(client, animator.email)
    token = await csrf_token(client, "/animation/impact")

    response = await client.post(
        f"/posts/{post.id}/impact", data={"outcome": "got_help", "csrf_token": token}
    )

    assert response.status_code == 404
    assert (await client.get("/animation/impact?before=abc")).status_code == 200
