"""The /ws websocket: who may connect, what each person hears, and when it stops."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts.models import Role, User, UserSession
from esn.groups import service as groups
from esn.groups.models import Group, Membership
from esn.notifications import service as notifications
from esn.notifications.events import BellChanged
from esn.realtime import ws
from esn.realtime.hub import Hub
from esn.stream import service as stream
from esn.stream.models import Comment, Post
from tests.conftest import MakeGroup, MakePerson, csrf_token
from tests.realtime.conftest import Closed, OpenSocket, SignIn, until


async def post_in(app: Starlette, actor: User, source: str, body: str) -> Post:
    """Post through the stream service, which publishes after commit."""
    async with app.state.session_factory() as db:
        return await stream.create_post(
            db, actor, source, body, media_dir=app.state.settings.media_dir
        )


async def comment_on(
    app: Starlette, actor: User, post_id: int, body: str, parent_id: int | None = None
) -> Comment:
    """Comment through the stream service."""
    async with app.state.session_factory() as db:
        return await stream.add_comment(db, actor, post_id, body, parent_id)


async def react(app: Starlette, actor: User, post_id: int, kind: str = "like") -> None:
    """Toggle a reaction through the stream service."""
    async with app.state.session_factory() as db:
        await stream.toggle_reaction(db, actor, post_id, kind)


async def add_member(app: Starlette, group: Group, user: User) -> None:
    """Put ``user`` in ``group`` directly (how they joined does not matter here)."""
    async with app.state.session_factory() as db:
        db.add(Membership(group_id=group.id, user_id=user.id))
        await db.commit()


async def ring_bell(hub: Hub, user: User) -> None:
    """An event this person always hears: a marker that what came before was skipped."""
    assert user.id is not None
    bell = BellChanged(user.id)
    await hub.publish(bell.channel, bell.payload())


def is_bell(frame: str) -> bool:
    return 'hx-target="#bell-count"' in frame and 'id="bell-count"' in frame


# --- who may connect ---------------------------------------------------------------


async def test_anonymous_socket_is_closed_with_policy_code(open_socket: OpenSocket) -> None:
    socket = await open_socket(None)
    with pytest.raises(Closed) as closed:
        await socket.receive_text()
    assert closed.value.code == 1008


async def test_another_site_cannot_open_a_socket_with_the_cookie(
    open_socket: OpenSocket, sign_in: SignIn, make_person: MakePerson
) -> None:
    alice, _profile = await make_person("Alice Martin")
    client = await sign_in(alice)
    for origin in ("http://evil.example", "null", None):
        with pytest.raises(Closed) as refused:
            await open_socket(client, origin=origin)
        assert refused.value.code == 1008


async def test_signed_in_page_gets_its_bell_count_first(
    app: Starlette, open_socket: OpenSocket, sign_in: SignIn, make_person: MakePerson
) -> None:
    alice, _profile = await make_person("Alice Martin")
    carol, _profile = await make_person("Carol Petit")
    async with app.state.session_factory() as db:
        await notifications.notify(db, "new_follower", alice.id or 0, actor_id=carol.id)
        await db.commit()
    socket = await open_socket(await sign_in(alice))
    first = await socket.receive_text()
    # What was missed while no socket was open is caught up at once.
    assert is_bell(first)
    assert 'id="bell-count" class="bell-count">1<' in first


# --- what each person hears ----------------------------------------------------------


async def test_new_post_reaches_a_member_page_as_a_partial(
    app: Starlette,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
    make_group: MakeGroup,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    carol, _profile = await make_person("Carol Petit")
    lab = await make_group(alice, "Secret lab", "private")
    await add_member(app, lab, carol)
    socket = await open_socket(await sign_in(alice), f"/ws?sources=group:{lab.id}", user=alice)

    post = await post_in(app, carol, f"group:{lab.id}", "Prototype ready for review")

    frame = await socket.receive_text()
    assert frame.startswith("<hx-partial ")
    assert 'hx-swap="afterbegin"' in frame
    assert f":not(:has(#post-{post.id}))" in frame
    assert f'id="post-{post.id}"' in frame
    assert "Prototype ready for review" in frame
    assert "Carol Petit" in frame


async def test_outsider_asking_for_a_private_group_hears_nothing(
    app: Starlette,
    hub: Hub,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
    make_group: MakeGroup,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    bob, _profile = await make_person("Bob Durand")
    lab = await make_group(alice, "Secret lab", "private")
    earlier = await post_in(app, alice, f"group:{lab.id}", "Earlier")
    socket = await open_socket(
        await sign_in(bob), f"/ws?sources=group:{lab.id},company&posts={earlier.id}", user=bob
    )
    assert hub.listener_count(f"source:group:{lab.id}") == 0
    assert hub.listener_count(f"post:{earlier.id}") == 0

    await post_in(app, alice, f"group:{lab.id}", "MARKER-private-post")
    await comment_on(app, alice, earlier.id or 0, "MARKER-private-comment")
    await react(app, alice, earlier.id or 0)
    await ring_bell(hub, bob)

    # Events reach a socket in order: had anything private been sent, it would come first.
    frame = await socket.receive_text()
    assert is_bell(frame)
    assert "MARKER" not in frame


async def test_open_group_posts_reach_people_outside_it(
    app: Starlette,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
    make_group: MakeGroup,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    bob, _profile = await make_person("Bob Durand")
    club = await make_group(alice, "Running club", "open")
    socket = await open_socket(await sign_in(bob), f"/ws?sources=group:{club.id}", user=bob)
    await post_in(app, alice, f"group:{club.id}", "Saturday run at nine")
    assert "Saturday run at nine" in await socket.receive_text()


async def test_comment_arrives_with_new_counts(
    app: Starlette,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    carol, _profile = await make_person("Carol Petit")
    post = await post_in(app, alice, "company", "Who wants to review the roadmap?")
    socket = await open_socket(await sign_in(alice), f"/ws?posts={post.id}", user=alice)

    comment = await comment_on(app, carol, post.id or 0, "Count me in")
    frame = await socket.receive_text()
    assert f'hx-target="#comments-{post.id}:not(:has(#comment-{comment.id}))"' in frame
    assert 'hx-swap="beforeend"' in frame
    assert f'id="comment-{comment.id}"' in frame
    assert "Count me in" in frame
    assert f'hx-target="#post-{post.id}-counts" hx-swap="outerHTML"' in frame
    assert "1 comment" in frame
    assert is_bell(await socket.receive_text())  # Carol's comment is a reply to Alice

    reply = await comment_on(app, alice, post.id or 0, "Thanks!", parent_id=comment.id)
    frame = await socket.receive_text()
    assert f'hx-target="#replies-{comment.id}:not(:has(#comment-{reply.id}))"' in frame
    assert "2 comments" in frame


async def test_reaction_counts_are_rendered_for_each_person(
    app: Starlette,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    carol, _profile = await make_person("Carol Petit")
    post = await post_in(app, alice, "company", "Launch day")
    path = f"/ws?posts={post.id}"
    alice_socket = await open_socket(await sign_in(alice), path, user=alice)
    carol_socket = await open_socket(await sign_in(carol), path, user=carol)

    await react(app, carol, post.id or 0, "celebrate")

    for socket, pressed in ((alice_socket, "false"), (carol_socket, "true")):
        frame = await socket.receive_text()
        assert f'hx-target="#post-{post.id}-counts"' in frame
        celebrate = frame[frame.index('value="celebrate"') :]
        assert f'aria-pressed="{pressed}"' in celebrate.split("</button>")[0]
        assert '<span class="reaction-count">1</span>' in celebrate


async def test_a_new_post_shown_live_then_gets_its_comments_live(
    app: Starlette,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    carol, _profile = await make_person("Carol Petit")
    socket = await open_socket(await sign_in(alice), "/ws?sources=company", user=alice)
    post = await post_in(app, carol, "company", "Fresh news")
    assert "Fresh news" in await socket.receive_text()
    await comment_on(app, carol, post.id or 0, "And a first comment")
    assert "And a first comment" in await socket.receive_text()


async def test_page_asks_to_follow_more_posts_and_only_readable_ones_count(
    app: Starlette,
    hub: Hub,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
    make_group: MakeGroup,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    bob, _profile = await make_person("Bob Durand")
    lab = await make_group(alice, "Secret lab", "private")
    public = await post_in(app, alice, "company", "Public thread")
    private = await post_in(app, alice, f"group:{lab.id}", "Private thread")
    socket = await open_socket(await sign_in(bob), "/ws", user=bob)

    # What htmx's hx-ws:send sends for an element with hx-vals='{"posts": "…"}'.
    await socket.send_json_text(
        json.dumps({"posts": f"{public.id} {private.id}", "headers": {"HX-Request": "true"}})
    )
    await until(lambda: hub.listener_count(f"post:{public.id}") == 1)
    assert hub.listener_count(f"post:{private.id}") == 0

    await comment_on(app, alice, private.id or 0, "MARKER-private")
    await comment_on(app, alice, public.id or 0, "Visible reply")
    frame = await socket.receive_text()
    assert "Visible reply" in frame
    assert "MARKER" not in frame


async def test_bell_count_rises_live(
    app: Starlette,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    carol, _profile = await make_person("Carol Petit")
    post = await post_in(app, alice, "company", "Ideas for the offsite")
    socket = await open_socket(await sign_in(alice), "/ws", user=alice)
    await comment_on(app, carol, post.id or 0, "A picnic!")  # alice gets a "reply"
    frame = await socket.receive_text()
    assert is_bell(frame)
    assert 'id="bell-count" class="bell-count">1<' in frame


# --- when it stops ----------------------------------------------------------------------


async def test_removed_member_stops_receiving_at_once(
    app: Starlette,
    hub: Hub,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
    make_group: MakeGroup,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    carol, _profile = await make_person("Carol Petit")
    lab = await make_group(alice, "Secret lab", "private")
    await add_member(app, lab, carol)
    socket = await open_socket(await sign_in(carol), f"/ws?sources=group:{lab.id}", user=carol)
    await post_in(app, alice, f"group:{lab.id}", "Before removal")
    assert "Before removal" in await socket.receive_text()

    async with app.state.session_factory() as db:
        await groups.remove_member(db, alice, lab.slug, carol.id or 0)
    # No pause: the very next post must already be withheld.
    await post_in(app, alice, f"group:{lab.id}", "MARKER-after-removal")
    await ring_bell(hub, carol)

    frame = await socket.receive_text()
    assert is_bell(frame)
    assert "MARKER" not in frame
    assert hub.listener_count(f"source:group:{lab.id}") == 0


async def test_logout_closes_that_session_sockets_only(
    open_socket: OpenSocket, sign_in: SignIn, make_person: MakePerson, hub: Hub
) -> None:
    alice, _profile = await make_person("Alice Martin")
    laptop = await sign_in(alice)
    phone = await sign_in(alice)
    laptop_socket = await open_socket(laptop, user=alice)
    phone_socket = await open_socket(phone, user=alice)

    token = await csrf_token(laptop, "/settings")
    assert (await laptop.post("/logout", data={"csrf_token": token})).status_code == 303

    with pytest.raises(Closed) as closed:
        await laptop_socket.receive_text()
    assert closed.value.code == 1008
    await ring_bell(hub, alice)
    assert is_bell(await phone_socket.receive_text())


async def test_deactivated_person_socket_closes(
    open_socket: OpenSocket, sign_in: SignIn, make_person: MakePerson
) -> None:
    admin, _profile = await make_person("Ada Admin", role=Role.ADMIN.value)
    alice, _profile = await make_person("Alice Martin")
    socket = await open_socket(await sign_in(alice), user=alice)
    admin_client = await sign_in(admin)
    token = await csrf_token(admin_client, "/admin")
    response = await admin_client.post(
        f"/admin/users/{alice.id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert response.status_code == 303
    with pytest.raises(Closed) as closed:
        await socket.receive_text()
    assert closed.value.code == 1008


async def test_session_ended_elsewhere_is_noticed_by_the_timer(
    app: Starlette,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ws, "SESSION_CHECK_SECONDS", 0.2)
    alice, _profile = await make_person("Alice Martin")
    socket = await open_socket(await sign_in(alice), user=alice)
    # A password reset ends every session without any event being published.
    async with app.state.session_factory() as db:
        await db.execute(delete(UserSession).where(col(UserSession.user_id) == alice.id))
        await db.commit()
    with pytest.raises(Closed) as closed:
        await socket.receive_text(within=3)
    assert closed.value.code == 1008


async def test_closing_the_page_leaves_every_channel(
    app: Starlette,
    hub: Hub,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    socket = await open_socket(await sign_in(alice), "/ws?sources=company", user=alice)
    assert hub.listener_count("source:company") == 1
    await socket.close()
    assert hub.listener_count("source:company") == 0
    assert hub.listener_count(f"user:{alice.id}") == 0


async def test_a_slow_socket_does_not_hold_up_the_others(
    app: Starlette,
    hub: Hub,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    bob, _profile = await make_person("Bob Durand")
    await open_socket(await sign_in(alice), user=alice)  # never read from
    bob_socket = await open_socket(await sign_in(bob), user=bob)
    for _ in range(50):
        await ring_bell(hub, alice)
    await ring_bell(hub, bob)
    assert is_bell(await asyncio.wait_for(bob_socket.receive_text(), 5))


async def test_unknown_events_and_bad_messages_are_ignored(
    hub: Hub, open_socket: OpenSocket, sign_in: SignIn, make_person: MakePerson
) -> None:
    alice, _profile = await make_person("Alice Martin")
    socket = await open_socket(
        await sign_in(alice), "/ws?sources=nonsense,group:x&posts=-1,abc", user=alice
    )
    await socket.send_json_text("not json")
    await socket.send_json_text(json.dumps(["a list"]))
    await hub.publish(f"user:{alice.id}", {"type": "something.else"})
    await hub.publish(f"user:{alice.id}", {"type": "post.created", "post_id": "7"})
    await ring_bell(hub, alice)
    assert is_bell(await socket.receive_text())


async def test_origin_check_accepts_the_configured_base_url(
    open_socket: OpenSocket, sign_in: SignIn, make_person: MakePerson, client: httpx.AsyncClient
) -> None:
    alice, _profile = await make_person("Alice Martin")
    socket = await open_socket(await sign_in(alice), origin="http://testserver/", user=alice)
    assert socket.accepted


async def test_edited_text_and_deleted_post_reach_open_pages(
    app: Starlette,
    open_socket: OpenSocket,
    sign_in: SignIn,
    make_person: MakePerson,
) -> None:
    alice, _profile = await make_person("Alice Martin")
    bob, _profile = await make_person("Bob Durand")
    post = await post_in(app, alice, "company", "Meeting at 10")
    socket = await open_socket(await sign_in(bob), f"/ws?posts={post.id}", user=bob)

    async with app.state.session_factory() as db:
        await stream.edit_post(db, alice, post.id or 0, "Meeting at **11**")
    frame = await socket.receive_text()
    assert f'hx-target="#post-{post.id} .post-body" hx-swap="innerHTML"' in frame
    assert "<strong>11</strong>" in frame

    async with app.state.session_factory() as db:
        await stream.delete_post(db, alice, post.id or 0, media_dir=app.state.settings.media_dir)
    frame = await socket.receive_text()
    assert frame == f'<hx-partial hx-target="#post-{post.id}" hx-swap="delete"></hx-partial>'
