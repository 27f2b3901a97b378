"""The console at /animation and a group's queue page, over HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from esn.animation.models import QueueItemHandled
from tests.animation.queue.conftest import Rows, ago
from tests.conftest import MakePerson, csrf_token, log_in


async def test_employees_get_404_on_the_console(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    user, _p = await make_person("Eve Employee")
    await log_in(client, user.email)

    response = await client.get("/animation")

    assert response.status_code == 404


async def test_anonymous_visitors_are_sent_to_log_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/animation")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_the_console_shows_the_queue_links_and_removes_a_handled_row(
    client: httpx.AsyncClient,
    db: AsyncSession,
    make_person: MakePerson,
    colleague: MakePerson,
    rows: Rows,
) -> None:
    animator, _p = await make_person("Ana Animator", role="animator")
    author, _p = await colleague("Paul Poster")
    post = await rows.post(author, created_at=ago(days=3), body="Who can help with <b>budgets</b>?")
    second = await rows.post(author, created_at=ago(days=4))
    await rows.group("Quiet bunch")
    await log_in(client, animator.email)

    page = await client.get("/animation")

    assert page.status_code == 200
    for href in (
        "/animation/spotlights",
        "/animation/moderation",
        "/animation/health",
        "/animation/charter",
        "/animation/impact",
        'href="/groups"',
    ):
        assert href in page.text
    assert f'href="/posts/{post.id}"' in page.text
    assert "Who can help with &lt;b&gt;budgets&lt;/b&gt;?" in page.text
    assert 'id="queue-count-unanswered_post">2<' in page.text
    assert 'id="queue-count-quiet_group">1<' in page.text

    token = await csrf_token(client, "/animation")
    form = {"kind": "unanswered_post", "object_id": str(post.id), "csrf_token": token}
    htmx = await client.post(
        "/animation/queue/handled",
        data={**form, "back": "/animation"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200
    assert htmx.text == ""
    again = await client.post("/animation/queue/handled", data=form, headers={"HX-Request": "true"})
    assert again.status_code == 200

    browser = await client.post(
        "/animation/queue/handled",
        data={
            "kind": "unanswered_post",
            "object_id": str(second.id),
            "csrf_token": token,
            "back": "https://evil.example/",
        },
    )
    assert browser.status_code == 303
    assert browser.headers["location"] == "/animation"

    page = await client.get("/animation")
    assert f'href="/posts/{post.id}"' not in page.text
    assert 'id="queue-count-unanswered_post">0<' in page.text
    marks = (await db.execute(select(QueueItemHandled))).scalars().all()
    assert len(marks) == 2


async def test_marking_with_a_bad_form_is_404_not_500(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    animator, _p = await make_person("Ana Animator", role="animator")
    await log_in(client, animator.email)
    token = await csrf_token(client, "/animation")

    for data in (
        {"kind": "everything", "object_id": "1"},
        {"kind": "quiet_group", "object_id": "abc"},
        {"kind": "quiet_group", "object_id": str(2**40)},
        {"kind": "quiet_group", "object_id": "12345"},
    ):
        response = await client.post("/animation/queue/handled", data={**data, "csrf_token": token})
        assert response.status_code == 404
    missing_csrf = await client.post("/animation/queue/handled", data={"kind": "quiet_group"})
    assert missing_csrf.status_code == 403


async def test_a_group_animator_has_their_groups_queue_and_a_member_does_not(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson, rows: Rows
) -> None:
    keeper, _p = await make_person("Kim Keeper")
    author, _p = await colleague("Paul Poster")
    asker, _p = await colleague("Ada Asker")
    mine = await rows.group(
        "Mine",
        "private",
        members={keeper.id: "animator", author.id: "member"},  # type: ignore[dict-item]
    )
    theirs = await rows.group("Theirs", members={author.id: "owner", keeper.id: "member"})  # type: ignore[dict-item]
    post = await rows.post(author, group=mine, created_at=ago(days=3), body="Mine to answer")
    await rows.post(author, group=theirs, created_at=ago(days=3), body="Not my group")
    request = await rows.request(mine, asker, created_at=ago(days=5))
    await log_in(client, keeper.email)

    page = await client.get(f"/groups/{mine.slug}/queue")

    assert page.status_code == 200
    assert "Mine to answer" in page.text
    assert "Not my group" not in page.text
    assert "Ada Asker" in page.text
    assert f'value="{request.id}"' in page.text
    assert f'name="back" value="/groups/{mine.slug}/queue"' in page.text

    token = await csrf_token(client, f"/groups/{mine.slug}/queue")
    response = await client.post(
        "/animation/queue/handled",
        data={
            "kind": "unanswered_post",
            "object_id": str(post.id),
            "csrf_token": token,
            "back": f"/groups/{mine.slug}/queue",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/groups/{mine.slug}/queue"
    assert "Mine to answer" not in (await client.get(f"/groups/{mine.slug}/queue")).text

    assert (await client.get(f"/groups/{theirs.slug}/queue")).status_code == 404
    assert (await client.get("/animation")).status_code == 404
