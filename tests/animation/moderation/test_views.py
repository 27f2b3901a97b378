"""Moderation through HTTP: the report form, the queue, hide/restore/dismiss, what pages show."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import Role
from esn.animation.moderation import service as moderation
from esn.stream import service as stream
from esn.stream.models import group_source
from tests.animation.moderation.conftest import (
    Login,
    MakeGroup,
    MakePost,
    actions_of,
    reports_of,
)
from tests.conftest import MakePerson, csrf_token

RUDE = "Everyone in accounting is useless"
PLACEHOLDER = "This post was hidden by a moderator."


def error_for(html: str, field: str) -> str:
    """The message shown next to ``field`` on a form page."""
    match = re.search(rf'<small id="error-{field}" class="field-error">([^<]*)</small>', html)
    assert match, f"no error shown next to {field}"
    return match.group(1)


async def post_form(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    """Submit a form at ``path`` as a browser would, with the page's CSRF token."""
    token = await csrf_token(client, "/")
    return await client.post(path, data={**data, "csrf_token": token})


async def test_reporting_a_post_through_the_form(
    person: MakePerson, colleague: MakePerson, make_post: MakePost, login: Login, db: AsyncSession
) -> None:
    author, _ = await colleague("Ann Author")
    reader, _ = await person("Rita Reader")
    post = await make_post(author, RUDE)
    client = await login(reader)

    page = await client.get(f"/posts/{post.id}")
    assert f'href="/posts/{post.id}/report"' in page.text
    form = await client.get(f"/posts/{post.id}/report")
    assert form.status_code == 200 and 'name="reason"' in form.text

    empty = await post_form(client, f"/posts/{post.id}/report", {"reason": ""})
    assert empty.status_code == 422 and error_for(empty.text, "reason")
    short = await post_form(client, f"/posts/{post.id}/report", {"reason": "rude"})
    assert short.status_code == 422 and "at least 10" in error_for(short.text, "reason")
    assert ">rude</textarea>" in short.text

    sent = await post_form(client, f"/posts/{post.id}/report", {"reason": "Insults a team."})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/posts/{post.id}?done=reported"
    thanks = await client.get(sent.headers["location"])
    assert "your report was sent" in thanks.text

    again = await client.get(f"/posts/{post.id}/report")
    assert "You already reported this" in again.text and 'name="reason"' not in again.text
    twice = await post_form(client, f"/posts/{post.id}/report", {"reason": "Insults a team."})
    assert twice.status_code == 422 and "You already reported this" in twice.text
    assert len(await reports_of(db, post.id)) == 1


async def test_the_author_and_non_readers_cannot_report(
    person: MakePerson,
    colleague: MakePerson,
    make_post: MakePost,
    make_group: MakeGroup,
    login: Login,
    db: AsyncSession,
) -> None:
    author, _ = await person("Ann Author")
    member, _ = await colleague()
    own = await make_post(author, "My own words")
    comment = await stream.add_comment(db, author, own.id or 0, "my comment")
    private = await make_group("private", [(member, "member")])
    secret_post = await make_post(member, "Members only", group_source(private.id or 0))
    client = await login(author)

    page = await client.get(f"/posts/{own.id}")
    assert f"/posts/{own.id}/report" not in page.text
    assert (await client.get(f"/posts/{own.id}/report")).status_code == 403
    refused = await post_form(
        client, f"/posts/{own.id}/comments/{comment.id}/report", {"reason": "Reporting myself"}
    )
    assert refused.status_code == 403
    assert (await client.get(f"/posts/{secret_post.id}/report")).status_code == 404
    assert (await client.get("/posts/999999/report")).status_code == 404


async def test_hide_then_restore_as_the_author_a_reader_and_the_animator_see_it(
    person: MakePerson, make_post: MakePost, login: Login, db: AsyncSession
) -> None:
    animator, _ = await person("Ada Animator", role=Role.ANIMATOR.value)
    author, _ = await person("Ann Author")
    reader, _ = await person("Rita Reader")
    post = await make_post(author, RUDE)
    await moderation.report_content(db, reader, post.id or 0, None, "Insults a whole team")
    moderator = await login(animator)
    writer = await login(author)
    other = await login(reader)

    queue = await moderator.get("/animation/moderation")
    assert queue.status_code == 200
    assert "Insults a whole team" in queue.text and RUDE in queue.text

    missing = await post_form(moderator, f"/animation/moderation/posts/{post.id}/hide", {})
    assert missing.status_code == 422 and error_for(missing.text, "reason")
    hidden = await post_form(
        moderator,
        f"/animation/moderation/posts/{post.id}/hide",
        {"reason": "Insults colleagues", "next": "/animation/moderation"},
    )
    assert hidden.status_code == 303
    assert hidden.headers["location"] == "/animation/moderation?done=hidden"

    for path in (f"/posts/{post.id}", "/"):
        own = await writer.get(path)
        assert "Hidden by a moderator: Insults colleagues" in own.text and RUDE in own.text
        seen = await other.get(path)
        assert PLACEHOLDER in seen.text
        assert RUDE not in seen.text and "Insults colleagues" not in seen.text
    as_moderator = await moderator.get(f"/posts/{post.id}")
    assert RUDE in as_moderator.text and f"/animation/moderation/posts/{post.id}/restore" in (
        as_moderator.text
    )
    assert (await other.get(f"/posts/{post.id}/history")).status_code == 404

    twice = await post_form(
        moderator, f"/animation/moderation/posts/{post.id}/hide", {"reason": "Again"}
    )
    assert twice.status_code == 409 and "already handled" in twice.text

    restored = await post_form(
        moderator, f"/animation/moderation/posts/{post.id}/restore", {"reason": "Apologised"}
    )
    assert restored.status_code == 303
    assert restored.headers["location"] == f"/posts/{post.id}?done=restored"
    back = await other.get(f"/posts/{post.id}")
    assert RUDE in back.text and PLACEHOLDER not in back.text

    log = await moderator.get("/animation/moderation")
    assert "Ada Animator" in log.text
    assert "Insults colleagues" in log.text and "Apologised" in log.text
    assert [(a.action, a.actor_id) for a in await actions_of(db, post.id)] == [
        ("hide", animator.id),
        ("restore", animator.id),
    ]


async def test_dismissing_a_report_through_the_queue(
    person: MakePerson, colleague: MakePerson, make_post: MakePost, login: Login, db: AsyncSession
) -> None:
    animator, _ = await person(role=Role.ADMIN.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    post = await make_post(author, "A fine post")
    await moderation.report_content(db, reader, post.id or 0, None, "I just do not like it")
    client = await login(animator)

    dismissed = await post_form(
        client,
        f"/animation/moderation/posts/{post.id}/dismiss",
        {"reason": "Nothing against the charter", "next": "/animation/moderation"},
    )
    assert dismissed.status_code == 303
    assert [r.state for r in await reports_of(db, post.id)] == ["dismissed"]
    queue = await client.get("/animation/moderation?done=dismissed")
    assert "No report is waiting." in queue.text and "Nothing against the charter" in queue.text
    stale = await post_form(client, f"/animation/moderation/posts/{post.id}/dismiss", {})
    assert stale.status_code == 409


async def test_the_queue_never_shows_a_private_group_post_to_a_non_member(
    person: MakePerson,
    colleague: MakePerson,
    make_post: MakePost,
    make_group: MakeGroup,
    login: Login,
    db: AsyncSession,
) -> None:
    animator, _ = await person("Ada Animator", role=Role.ANIMATOR.value)
    group_animator, _ = await person("Gus Group")
    member, _ = await colleague()
    reporter, _ = await colleague()
    private = await make_group(
        "private", [(member, "member"), (reporter, "member"), (group_animator, "animator")]
    )
    secret = await make_post(member, "The secret merger plans", group_source(private.id or 0))
    await moderation.report_content(db, reporter, secret.id or 0, None, "Should not be here")
    company = await login(animator)
    local = await login(group_animator)

    queue = await company.get("/animation/moderation")
    assert queue.status_code == 200
    assert "secret merger" not in queue.text and "Should not be here" not in queue.text
    assert (await company.get(f"/posts/{secret.id}/report")).status_code == 404
    refused = await post_form(
        company, f"/animation/moderation/posts/{secret.id}/hide", {"reason": "No"}
    )
    assert refused.status_code == 404

    group_page = await local.get(f"/groups/{private.slug}")
    assert f"/animation/moderation?group={private.slug}" in group_page.text
    assert "1 report to review" in group_page.text
    own = await local.get(f"/animation/moderation?group={private.slug}")
    assert own.status_code == 200
    assert "The secret merger plans" in own.text and "Should not be here" in own.text


async def test_non_moderators_get_403_or_404(
    person: MakePerson,
    colleague: MakePerson,
    make_post: MakePost,
    login: Login,
    db: AsyncSession,
) -> None:
    someone, _ = await person()
    author, _ = await colleague()
    post = await make_post(author, "Words")
    comment = await stream.add_comment(db, author, post.id or 0, "a comment")
    client = await login(someone)

    assert (await client.get("/animation/moderation")).status_code == 403
    for action in ("hide", "restore", "dismiss"):
        response = await post_form(
            client, f"/animation/moderation/posts/{post.id}/{action}", {"reason": "Because"}
        )
        assert response.status_code == 403
        on_comment = await post_form(
            client,
            f"/animation/moderation/posts/{post.id}/comments/{comment.id}/{action}",
            {"reason": "Because"},
        )
        assert on_comment.status_code == 403
    assert (await client.get(f"/animation/moderation/posts/{post.id}/erase")).status_code == 404
    assert (await client.get("/animation/moderation/posts/999999/hide")).status_code == 404


async def test_a_hidden_comment_shows_a_placeholder_in_the_thread(
    person: MakePerson,
    colleague: MakePerson,
    make_post: MakePost,
    login: Login,
    db: AsyncSession,
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await person()
    post = await make_post(author, "A question for everyone")
    comment = await stream.add_comment(db, author, post.id or 0, "a nasty remark")
    client = await login(reader)
    page = await client.get(f"/posts/{post.id}")
    assert f"/posts/{post.id}/comments/{comment.id}/report" in page.text

    await moderation.hide_content(db, animator, post.id or 0, comment.id, "Nasty")

    page = await client.get(f"/posts/{post.id}")
    assert "This comment was hidden by a moderator." in page.text
    assert "a nasty remark" not in page.text and "Nasty" not in page.text
    assert "A question for everyone" in page.text
