"""Streams, posts and conversation through HTTP, as a browser or htmx uses them."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import httpx
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, Attachment, Reaction, TopicFollow, group_source
from tests.conftest import MakePerson, csrf_token, log_in
from tests.stream.conftest import MakeGroup, StatementCounter, stored_posts

SignedIn = tuple[httpx.AsyncClient, User, Profile]
HTMX = {"HX-Request": "true"}


def error_next_to(html: str, element_id: str) -> str:
    """The message shown in the error element ``element_id``."""
    match = re.search(rf'<small id="{element_id}" class="field-error">([^<]*)</small>', html)
    assert match, f"no error in #{element_id}"
    return match.group(1)


async def send_post(
    client: httpx.AsyncClient,
    body: str,
    source: str = COMPANY_SOURCE,
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    token = await csrf_token(client, "/")
    data = {
        "csrf_token": token,
        "source": source,
        "body": body,
        "next": "/",
        "stream": "stream-home",
    }
    return await client.post("/posts", data=data, files=files or None, headers=headers)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def attachments_on_disk(app: Starlette) -> list[Path]:
    folder = Path(app.state.settings.media_dir) / "attachments"
    return list(folder.iterdir()) if folder.exists() else []


# --- home ------------------------------------------------------------------------


async def test_anonymous_visitors_get_the_login_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/")

    assert response.status_code == 200
    assert 'name="password"' in response.text
    assert "stream-home" not in response.text


async def test_posting_from_home_shows_the_post_in_the_stream(signed_in: SignedIn) -> None:
    client, _alice, profile = signed_in

    response = await send_post(client, "Hello **team**, see #launch")

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    home = await client.get("/")
    assert 'id="stream-home"' in home.text
    assert "Hello <strong>team</strong>" in home.text
    assert '<a class="topic" href="/topics/launch"' in home.text
    assert profile.display_name in home.text


async def test_user_content_is_wrapped_so_htmx_ignores_it_and_scripts_stay_text(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in

    await send_post(
        client,
        '<script>alert(1)</script> <b onclick="x()" hx-get="/logout">b</b> '
        "[x](javascript:alert(1))",
    )

    home = (await client.get("/")).text
    body = re.search(r'<div class="post-body user-content" hx-ignore>(.*?)</div>', home, re.S)
    assert body, "the post body is not wrapped in hx-ignore"
    assert "<script>" not in body.group(1)
    assert "&lt;script&gt;" in body.group(1)
    # The markup is shown as text: no element carries these attributes.
    assert re.search(r"<[^>]*(onclick|hx-get)", body.group(1)) is None
    assert 'href="javascript' not in body.group(1)


async def test_an_empty_post_is_refused_next_to_the_field(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in

    response = await send_post(client, "   \n  ")

    assert response.status_code == 422
    assert (
        error_next_to(response.text, "stream-home-body-error") == "Write something before posting."
    )
    assert await stored_posts(db) == []


async def test_a_post_over_the_limit_is_refused_with_the_text_kept(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    text = "long words " * 1000  # 11 000 characters

    response = await send_post(client, text)

    assert response.status_code == 422
    assert "under 10000 characters" in error_next_to(response.text, "stream-home-body-error")
    assert text.strip() in response.text
    assert await stored_posts(db) == []


async def test_an_htmx_error_replaces_only_the_composer(signed_in: SignedIn) -> None:
    client, _alice, _profile = signed_in

    response = await send_post(client, "", headers=HTMX)

    assert response.status_code == 422
    assert response.headers["hx-retarget"] == "#stream-home-composer"
    assert response.headers["hx-reselect"] == "#stream-home-composer"
    assert 'id="stream-home-composer"' in response.text


async def test_htmx_gets_only_the_stream_block_of_home_and_topic_pages(
    signed_in: SignedIn,
) -> None:
    """'More' and a post sent with htmx swap the stream: they get that block, not a page."""
    client, _alice, _profile = signed_in
    await send_post(client, "Shipping the #roadmap today")

    for path in ("/", "/topics/roadmap"):
        whole = (await client.get(path)).text
        block = (await client.get(path, headers=HTMX)).text
        assert "<nav" in whole and "<nav" not in block, path
        assert "<html" not in block and "<h1" not in block, path
        assert "Shipping the" in block and 'class="stream-page"' in block, path
    assert "stream-home-composer" in (await client.get("/", headers=HTMX)).text


async def test_an_htmx_composer_error_gets_only_the_composer(signed_in: SignedIn) -> None:
    client, _alice, _profile = signed_in

    response = await send_post(client, "", headers=HTMX)

    assert response.status_code == 422
    assert "<nav" not in response.text and "<h1" not in response.text
    assert response.text.count('id="stream-home-composer"') == 1


async def test_the_same_form_sent_twice_makes_one_post(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in

    first = await send_post(client, "Double click")
    second = await send_post(client, "Double click")

    assert first.status_code == second.status_code == 303
    assert [p.body for p in await stored_posts(db)] == ["Double click"]


async def test_posting_in_a_group_one_does_not_belong_to_saves_nothing(
    signed_in: SignedIn, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, _alice, _profile = signed_in
    owner, _ = await colleague()
    private = await make_group("private", [(owner, "owner")])
    open_group = await make_group("open", [(owner, "owner")])
    assert private.id and open_group.id

    hidden = await send_post(client, "let me in", group_source(private.id))
    visible = await send_post(client, "let me in", group_source(open_group.id))

    assert hidden.status_code == 404
    assert visible.status_code == 403
    assert await stored_posts(db) == []


async def test_a_member_posts_in_the_group(
    signed_in: SignedIn, db: AsyncSession, make_group: MakeGroup
) -> None:
    client, alice, _profile = signed_in
    group = await make_group("private", [(alice, "member")])
    assert group.id

    response = await send_post(client, "Team update", group_source(group.id))

    assert response.status_code == 303
    assert [(p.body, p.group_id) for p in await stored_posts(db)] == [("Team update", group.id)]


# --- attachments ---------------------------------------------------------------------


async def test_attachments_are_stored_and_downloaded_safely(
    signed_in: SignedIn, db: AsyncSession, app: Starlette
) -> None:
    client, _alice, _profile = signed_in
    files = [
        ("attachments", ("chart.png", png_bytes(), "image/png")),
        ("attachments", ("Report Q3.pdf", b"%PDF-1.7 the report", "application/pdf")),
    ]

    response = await send_post(client, "Numbers are in", files=files)

    assert response.status_code == 303
    [saved] = await stored_posts(db)
    rows = list(
        (await db.execute(select(Attachment).order_by(Attachment.id))).scalars()  # type: ignore[arg-type]
    )
    assert [(a.filename, a.is_image) for a in rows] == [
        ("chart.png", True),
        ("Report Q3.pdf", False),
    ]
    assert all(a.filename not in a.stored_name for a in rows)
    page = await client.get(f"/posts/{saved.id}")
    assert f"/posts/{saved.id}/attachments/{rows[0].id}/thumbnail" in page.text

    download = await client.get(f"/posts/{saved.id}/attachments/{rows[1].id}")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.7 the report"
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "Report%20Q3.pdf" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    image = await client.get(f"/posts/{saved.id}/attachments/{rows[0].id}")
    assert image.headers["content-disposition"].startswith("attachment;")
    thumb = await client.get(f"/posts/{saved.id}/attachments/{rows[0].id}/thumbnail")
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    assert "content-disposition" not in thumb.headers
    missing = await client.get(f"/posts/{saved.id}/attachments/{rows[0].id + 99}")
    assert missing.status_code == 404


async def test_attachments_of_a_private_group_are_hidden_from_others(
    client: httpx.AsyncClient,
    app: Starlette,
    make_person: MakePerson,
    colleague: MakePerson,
    make_group: MakeGroup,
) -> None:
    member, _ = await colleague()
    outsider, _ = await make_person("Olga Outsider")
    group = await make_group("private", [(member, "member")])
    assert group.id
    async with app.state.session_factory() as session:
        created = await stream.create_post(
            session,
            member,
            group_source(group.id),
            "secret file",
            uploads=[stream.Upload("plan.png", png_bytes())],
            media_dir=app.state.settings.media_dir,
        )
    async with app.state.session_factory() as session:
        view = await stream.post_view(session, member, created.id or 0)
    assert view is not None
    attachment_id = view.attachments[0].id
    await log_in(client, outsider.email)

    for path in (
        f"/posts/{created.id}",
        f"/posts/{created.id}/attachments/{attachment_id}",
        f"/posts/{created.id}/attachments/{attachment_id}/thumbnail",
        f"/posts/{created.id}/history",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "secret file" not in response.text


async def test_bad_attachments_are_refused_next_to_the_field_and_nothing_is_saved(
    signed_in: SignedIn, db: AsyncSession, app: Starlette
) -> None:
    client, _alice, _profile = signed_in
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    cases = [
        (("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf"), "too large"),
        (("cat.png", b"<html><script>alert(1)</script></html>", "image/png"), "not what its name"),
        (("logo.svg", svg, "image/svg+xml"), "not accepted"),
        (("logo.png", svg, "image/png"), "not what its name"),
        (("../../x", b"hello", "text/plain"), "not allowed"),
        (("../../x.txt", b"hello", "text/plain"), "not allowed"),
    ]
    for upload, message in cases:
        response = await send_post(client, "My text stays", files=[("attachments", upload)])

        assert response.status_code == 422, upload[0]
        assert message in error_next_to(response.text, "stream-home-attachments-error")
        assert "My text stays" in response.text
    # httpx escapes a NUL in a file name; send the raw byte as a hostile client would.
    token = await csrf_token(client, "/")
    boundary = "esnboundary"
    fields = (("csrf_token", token), ("source", "company"), ("body", "Kept"))
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    raw_body = (
        "".join(parts).encode()
        + f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '.encode()
        + b'filename="x\x00.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n'
        + f"--{boundary}--\r\n".encode()
    )
    raw = await client.post(
        "/posts",
        content=raw_body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert raw.status_code == 422
    assert "not allowed" in error_next_to(raw.text, "stream-attachments-error")
    assert "Kept" in raw.text
    assert await stored_posts(db) == []
    assert (await db.execute(select(func.count()).select_from(Attachment))).scalar_one() == 0
    assert attachments_on_disk(app) == []


# --- one post and its conversation ------------------------------------------------------


async def test_a_post_page_shows_the_whole_conversation(
    signed_in: SignedIn, app: Starlette, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    bob, bob_profile = await colleague("Bob Builder")
    async with app.state.session_factory() as session:
        created = await stream.create_post(
            session, bob, COMPANY_SOURCE, "Ideas?", media_dir=Path("/nonexistent")
        )
    assert created.id is not None
    for number in range(5):
        async with app.state.session_factory() as session:
            await stream.add_comment(session, bob, created.id, f"comment {number}")

    home = (await client.get("/")).text
    page = (await client.get(f"/posts/{created.id}")).text

    assert "comment 4" in home and "comment 0" not in home
    assert "See all 5 comments" in home
    for number in range(5):
        assert f"comment {number}" in page
    assert f'id="post-{created.id}"' in page
    assert f'id="post-{created.id}-counts"' in page
    assert f'id="comments-{created.id}"' in page
    assert bob_profile.display_name in page
    assert (await client.get("/posts/999999")).status_code == 404


async def test_commenting_and_replying_without_javascript(
    signed_in: SignedIn, db: AsyncSession, app: Starlette
) -> None:
    client, _alice, _profile = signed_in
    await send_post(client, "Who is in?")
    [created] = await stored_posts(db)
    token = await csrf_token(client, "/")

    first = await client.post(
        f"/posts/{created.id}/comments", data={"csrf_token": token, "body": "Me!"}
    )
    comment_id = int(first.headers["location"].rsplit("comment-", 1)[1])
    reply = await client.post(
        f"/posts/{created.id}/comments",
        data={"csrf_token": token, "body": "Me too", "parent_id": str(comment_id)},
    )
    empty = await client.post(
        f"/posts/{created.id}/comments", data={"csrf_token": token, "body": " "}
    )

    assert first.status_code == reply.status_code == 303
    page = (await client.get(f"/posts/{created.id}")).text
    replies = re.search(rf'<ul id="replies-{comment_id}" class="replies">(.*?)</ul>', page, re.S)
    assert replies and "Me too" in replies.group(1)
    assert empty.status_code == 422
    assert "Write something" in error_next_to(empty.text, f"comment-error-{created.id}")
    assert [p.comment_count for p in await stored_posts(db)] == [2]


async def test_commenting_with_htmx_returns_the_post_again(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    await send_post(client, "Lunch?")
    [created] = await stored_posts(db)
    token = await csrf_token(client, "/")

    response = await client.post(
        f"/posts/{created.id}/comments",
        data={"csrf_token": token, "body": "Yes, at **noon**"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<article id="post-{created.id}"')
    assert "<html" not in response.text
    assert "Yes, at <strong>noon</strong>" in response.text


async def test_reactions_toggle_with_and_without_javascript(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    await send_post(client, "Shipped")
    [created] = await stored_posts(db)
    token = await csrf_token(client, "/")
    url = f"/posts/{created.id}/reactions"

    plain = await client.post(url, data={"csrf_token": token, "kind": "like", "next": "/"})
    fragment = await client.post(url, data={"csrf_token": token, "kind": "like"}, headers=HTMX)
    again = await client.post(url, data={"csrf_token": token, "kind": "like"}, headers=HTMX)
    wrong = await client.post(url, data={"csrf_token": token, "kind": "angry"})

    assert plain.status_code == 303 and plain.headers["location"] == "/"
    assert fragment.text.lstrip().startswith(f'<div id="post-{created.id}-counts"')
    assert 'aria-pressed="false"' in fragment.text and "<html" not in fragment.text
    assert 'aria-pressed="true"' in again.text
    assert wrong.status_code == 400
    assert [p.reaction_count for p in await stored_posts(db)] == [1]


async def test_reacting_in_a_group_one_does_not_belong_to_saves_nothing(
    signed_in: SignedIn,
    db: AsyncSession,
    app: Starlette,
    colleague: MakePerson,
    make_group: MakeGroup,
) -> None:
    client, _alice, _profile = signed_in
    owner, _ = await colleague()
    open_group = await make_group("open", [(owner, "owner")])
    private = await make_group("private", [(owner, "owner")])
    assert open_group.id and private.id
    posts = []
    for group in (open_group, private):
        async with app.state.session_factory() as session:
            posts.append(
                await stream.create_post(
                    session,
                    owner,
                    group_source(group.id or 0),
                    "members only",
                    media_dir=Path("/nonexistent"),
                )
            )
    token = await csrf_token(client, "/")

    open_answer = await client.post(
        f"/posts/{posts[0].id}/reactions", data={"csrf_token": token, "kind": "like"}
    )
    private_answer = await client.post(
        f"/posts/{posts[1].id}/reactions", data={"csrf_token": token, "kind": "like"}
    )
    comment_answer = await client.post(
        f"/posts/{posts[1].id}/comments", data={"csrf_token": token, "body": "hi"}
    )

    assert open_answer.status_code == 403
    assert private_answer.status_code == 404
    assert comment_answer.status_code == 404
    assert (await db.execute(select(func.count()).select_from(Reaction))).scalar_one() == 0


async def test_editing_keeps_a_history_that_readers_see(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    await send_post(client, "Meeting at 10")
    [created] = await stored_posts(db)
    token = await csrf_token(client, "/")

    form = await client.get(f"/posts/{created.id}/edit")
    empty = await client.post(f"/posts/{created.id}/edit", data={"csrf_token": token, "body": ""})
    saved = await client.post(
        f"/posts/{created.id}/edit", data={"csrf_token": token, "body": "Meeting at 11"}
    )

    assert "Meeting at 10" in form.text
    assert empty.status_code == 422 and "cannot be empty" in error_next_to(empty.text, "error-body")
    assert saved.status_code == 303
    history = await client.get(f"/posts/{created.id}/history")
    assert "Meeting at 11" in history.text and "Meeting at 10" in history.text
    assert "edited" in (await client.get(f"/posts/{created.id}")).text


async def test_others_may_not_edit_or_delete(
    signed_in: SignedIn, db: AsyncSession, app: Starlette, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    bob, _ = await colleague()
    async with app.state.session_factory() as session:
        created = await stream.create_post(
            session, bob, COMPANY_SOURCE, "Bob's", media_dir=Path("/nonexistent")
        )
    token = await csrf_token(client, "/")

    edit = await client.post(f"/posts/{created.id}/edit", data={"csrf_token": token, "body": "x"})
    delete = await client.post(f"/posts/{created.id}/delete", data={"csrf_token": token})

    assert edit.status_code == delete.status_code == 403
    assert [p.body for p in await stored_posts(db)] == ["Bob's"]


async def test_the_author_deletes_a_post(signed_in: SignedIn, db: AsyncSession) -> None:
    client, _alice, _profile = signed_in
    await send_post(client, "Oops")
    [created] = await stored_posts(db)
    post_id = created.id
    token = await csrf_token(client, "/")

    response = await client.post(f"/posts/{post_id}/delete", data={"csrf_token": token})

    assert response.status_code == 303
    assert await stored_posts(db) == []
    assert (await client.get(f"/posts/{post_id}")).status_code == 404


# --- mentions -----------------------------------------------------------------------


async def test_mention_candidates_list_only_people_who_can_read(
    signed_in: SignedIn, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, alice, _profile = signed_in
    member, member_profile = await colleague("Nina Member")
    _outsider, outsider_profile = await colleague("Nina Outsider")
    group = await make_group("private", [(alice, "owner"), (member, "member")])
    assert group.id

    everyone = await client.get(
        "/posts/mention-candidates", params={"q": "nin", "source": "company"}
    )
    in_group = await client.get(
        "/posts/mention-candidates",
        params={"q": "@nin", "source": group_source(group.id)},
        headers=HTMX,
    )

    assert f"@{member_profile.handle}" in everyone.text
    assert f"@{outsider_profile.handle}" in everyone.text
    assert f"@{member_profile.handle}" in in_group.text
    assert f"@{outsider_profile.handle}" not in in_group.text
    assert in_group.text.lstrip().startswith('<ul id="mention-candidates"')


async def test_a_mention_of_someone_who_cannot_read_stays_plain_text(
    signed_in: SignedIn, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, alice, _profile = signed_in
    _outsider, outsider_profile = await colleague("Omar Outsider")
    group = await make_group("private", [(alice, "owner")])
    assert group.id

    await send_post(client, f"cc @{outsider_profile.handle}", group_source(group.id))

    [created] = await stored_posts(db)
    page = (await client.get(f"/posts/{created.id}")).text
    assert f"@{outsider_profile.handle}" in page
    assert f'href="/people/{outsider_profile.handle}"' not in page


# --- topics ---------------------------------------------------------------------------


async def test_a_topic_page_can_be_followed_and_unfollowed(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    await send_post(client, "Talking about #Security today")
    token = await csrf_token(client, "/")

    page = await client.get("/topics/security")
    follow = await client.post("/topics/security/follow", data={"csrf_token": token})
    fragment = await client.post(
        "/topics/security/unfollow", data={"csrf_token": token}, headers=HTMX
    )

    assert "Talking about" in page.text and "Follow this topic" in page.text
    assert follow.status_code == 303 and follow.headers["location"] == "/topics/security"
    assert "Follow this topic" in fragment.text and "<html" not in fragment.text
    assert (await db.execute(select(func.count()).select_from(TopicFollow))).scalar_one() == 0
    assert (await client.get("/topics/%3Cscript%3E")).status_code == 404


# --- paging and cost --------------------------------------------------------------------


async def test_more_pages_by_link_and_by_htmx_without_overlap(
    signed_in: SignedIn, app: Starlette, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    bob, _ = await colleague()
    for number in range(25):
        async with app.state.session_factory() as session:
            await stream.create_post(
                session,
                bob,
                COMPANY_SOURCE,
                f"message number {number:02d}",
                media_dir=Path("/nonexistent"),
            )

    first = (await client.get("/")).text
    more = re.search(r'<a href="(/\?after=[^"]+)"', first)
    assert more, "no More link"
    second = await client.get(more.group(1).replace("&amp;", "&"))
    by_htmx = await client.get(more.group(1), headers={**HTMX, "HX-Request-Type": "full"})

    first_numbers = set(re.findall(r"message number (\d\d)", first))
    second_numbers = set(re.findall(r"message number (\d\d)", second.text))
    assert len(first_numbers) == 20 and len(second_numbers) == 5
    assert first_numbers.isdisjoint(second_numbers)
    assert 'hx-select="#stream-home .stream-page"' in first
    # The later page asks the live socket to follow its posts as well.
    follow = re.search(r"hx-ws:send hx-trigger=\"load\" hx-vals='([^']*)'", second.text)
    assert follow, "the next page does not ask to follow its posts"
    assert len(json.loads(follow.group(1))["posts"].split(",")) == 5
    assert "hx-ws:send" not in first.split('id="stream-home-items"', 1)[1].split("</section>")[0]
    assert set(re.findall(r"message number (\d\d)", by_htmx.text)) == second_numbers


async def test_the_home_page_query_count_does_not_grow_with_posts(
    signed_in: SignedIn, app: Starlette, colleague: MakePerson, statements: StatementCounter
) -> None:
    client, alice, _profile = signed_in

    async def add(count: int) -> None:
        for number in range(count):
            author, _ = await colleague()
            async with app.state.session_factory() as session:
                created = await stream.create_post(
                    session,
                    author,
                    COMPANY_SOURCE,
                    f"#news {number}",
                    uploads=[stream.Upload("n.txt", b"notes")],
                    media_dir=app.state.settings.media_dir,
                )
            async with app.state.session_factory() as session:
                await stream.add_comment(session, alice, created.id or 0, "ok")
            async with app.state.session_factory() as session:
                await stream.toggle_reaction(session, alice, created.id or 0, "like")

    async def home_queries() -> tuple[int, int]:
        statements.count = 0
        page = await client.get("/")
        assert page.status_code == 200
        return statements.count, page.text.count('class="post"')

    await add(2)
    few, few_posts = await home_queries()
    await add(12)
    many, many_posts = await home_queries()

    assert (few_posts, many_posts) == (2, 14)
    assert few == many
    # Session, home context, posts, activity events, comments, attachments,
    # and above the stream the spotlights showing now and the featured posts.
    assert many <= 8, many


async def test_the_profile_page_shows_the_person_s_posts(
    signed_in: SignedIn, app: Starlette, colleague: MakePerson
) -> None:
    client, alice, profile = signed_in
    bob, bob_profile = await colleague("Bob Builder")
    await send_post(client, "On my own profile", f"user:{alice.id}")
    async with app.state.session_factory() as session:
        await stream.create_post(
            session, bob, COMPANY_SOURCE, "Bob in the company", media_dir=Path("/x")
        )

    mine = (await client.get(f"/people/{profile.handle}")).text
    his = (await client.get(f"/people/{bob_profile.handle}")).text
    refused = await send_post(client, "On Bob's profile", f"user:{bob.id}")

    assert "On my own profile" in mine and f'id="stream-user-{alice.id}"' in mine
    assert 'id="stream-user-' in his and "Bob in the company" in his
    assert "On my own profile" not in his
    assert f"stream-user-{bob.id}-composer" not in his
    assert refused.status_code == 403


async def test_emoji_sequences_are_welcome_but_control_characters_are_not(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in

    family = await send_post(client, "Team day 👩\u200d👩\u200d👧 was great")
    control = await send_post(client, "bell \x07 here")
    override = await send_post(client, "abc \u202e fed")

    assert family.status_code == 303
    assert control.status_code == override.status_code == 422
    assert "control characters" in error_next_to(control.text, "stream-home-body-error")
    assert "invisible" in error_next_to(override.text, "stream-home-body-error")
    assert [p.body for p in await stored_posts(db)] == ["Team day 👩\u200d👩\u200d👧 was great"]


async def test_the_home_page_shows_group_events_to_members(
    signed_in: SignedIn, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    client, alice, _profile = signed_in
    bob, bob_profile = await colleague("Bob Builder")
    group = await make_group("private", [(alice, "owner"), (bob, "member")], name="Green Team")
    assert group.id and bob.id
    await stream.record_activity(
        db,
        actor_id=bob.id,
        verb="joined",
        object_type="group",
        object_id=group.id,
        source=group_source(group.id),
    )
    await db.commit()

    home = (await client.get("/")).text

    event = re.search(r'<article id="activity-\d+" class="activity">(.*?)</article>', home, re.S)
    assert event, "no activity on the home page"
    assert bob_profile.display_name in event.group(1)
    assert "joined the group" in event.group(1) and "Green Team" in event.group(1)
