"""/notifications, the bell's count, marking read, and /settings/notifications."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import delete, select
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.groups.models import Membership
from esn.notifications import service as notifications
from esn.notifications.models import Notification, NotificationKind
from esn.people.models import Profile
from tests.conftest import MakeGroup, MakePerson, csrf_token, log_in
from tests.notifications.conftest import Colleague, Notify, PostIn, add_member


async def stored(app: Starlette, notification_id: int | None) -> Notification:
    async with app.state.session_factory() as db:
        found = await db.get(Notification, notification_id)
        assert found is not None
        return found


async def test_list_shows_who_did_what_newest_first_with_links(
    signed_in: tuple[httpx.AsyncClient, User, Profile],
    make_person: MakePerson,
    make_group: MakeGroup,
    post_in: PostIn,
    notify: Notify,
) -> None:
    client, alice, _profile = signed_in
    carol, carol_profile = await make_person("Carol Petit")
    post = await post_in(alice, "company", "Our quarterly review")
    lab = await make_group(alice, "Robotics lab", "private")
    await notify(NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)
    await notify(NotificationKind.REACTION.value, alice, actor_id=carol.id, post_id=post.id)
    await notify(NotificationKind.JOIN_REQUEST.value, alice, actor_id=carol.id, group_id=lab.id)

    page = await client.get("/notifications")
    assert page.status_code == 200
    text = page.text
    order = [
        text.index("Carol Petit asks to join Robotics lab"),
        text.index("Carol Petit reacted to your post"),
        text.index("Carol Petit started following you"),
    ]
    assert order == sorted(order)
    assert f'href="/groups/{lab.slug}/members"' in text
    assert f'href="/posts/{post.id}"' in text
    assert f'href="/people/{carol_profile.handle}"' in text
    assert "Mark all as read" in text


async def test_notification_about_what_one_can_no_longer_read_is_hidden(
    app: Starlette,
    signed_in: tuple[httpx.AsyncClient, User, Profile],
    make_person: MakePerson,
    make_group: MakeGroup,
    post_in: PostIn,
    notify: Notify,
) -> None:
    client, alice, _profile = signed_in
    owner, _profile = await make_person("Olga Owner")
    lab = await make_group(owner, "Skunkworks", "secret")
    await add_member(app, lab, alice)
    post = await post_in(owner, f"group:{lab.id}", "MARKER plans")
    await notify(NotificationKind.MENTIONED.value, alice, actor_id=owner.id, post_id=post.id)
    await notify(NotificationKind.INVITED.value, alice, actor_id=owner.id, group_id=lab.id)
    assert "Olga Owner mentioned you" in (await client.get("/notifications")).text
    assert ">2<" in (await client.get("/notifications/count")).text

    async with app.state.session_factory() as db:
        await db.execute(delete(Membership).where(col(Membership.user_id) == alice.id))
        await db.commit()

    text = (await client.get("/notifications")).text
    assert "Olga Owner" not in text
    assert "Skunkworks" not in text
    count = (await client.get("/notifications/count")).text
    assert ">0<" in count and "hidden" in count


async def test_long_list_pages_by_keyset_without_repeats(
    app: Starlette,
    signed_in: tuple[httpx.AsyncClient, User, Profile],
    colleague: Colleague,
) -> None:
    client, alice, _profile = signed_in
    followers = [await colleague(f"Follower {n:02d}") for n in range(35)]
    start = utcnow() - timedelta(hours=1)
    async with app.state.session_factory() as db:
        for number, (follower, _profile) in enumerate(followers):
            db.add(
                Notification(
                    user_id=alice.id or 0,
                    kind=NotificationKind.NEW_FOLLOWER.value,
                    actor_id=follower.id,
                    # Five share one instant: the id breaks the tie.
                    created_at=start + timedelta(minutes=number // 5),
                )
            )
        await db.commit()

    first = await client.get("/notifications")
    names = re.findall(r"Follower (\d\d) started", first.text)
    assert len(names) == notifications.PAGE_SIZE
    more = re.search(r'href="/notifications\?before=([^"]+)"', first.text)
    assert more
    second = await client.get(
        f"/notifications?before={more.group(1)}", headers={"HX-Request": "true"}
    )
    assert "<html" not in second.text
    rest = re.findall(r"Follower (\d\d) started", second.text)
    assert sorted(names + rest) == [f"{n:02d}" for n in range(35)]
    assert "before=" not in second.text
    assert names[0] == "34"


async def test_mark_one_read_and_others_notifications_are_missing(
    app: Starlette,
    signed_in: tuple[httpx.AsyncClient, User, Profile],
    make_person: MakePerson,
    notify: Notify,
) -> None:
    client, alice, _profile = signed_in
    carol, _profile = await make_person("Carol Petit")
    mine = await notify(NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)
    theirs = await notify(NotificationKind.NEW_FOLLOWER.value, carol, actor_id=alice.id)
    token = await csrf_token(client, "/notifications")

    response = await client.post(f"/notifications/{mine.id}/read", data={"csrf_token": token})
    assert response.status_code == 303
    assert (await stored(app, mine.id)).read_at is not None
    assert ">0<" in (await client.get("/notifications/count")).text

    refused = await client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token})
    assert refused.status_code == 404
    assert (await stored(app, theirs.id)).read_at is None
    missing = await client.post("/notifications/99999999999/read", data={"csrf_token": token})
    assert missing.status_code == 404


async def test_mark_read_with_htmx_returns_the_item_without_its_button(
    signed_in: tuple[httpx.AsyncClient, User, Profile],
    make_person: MakePerson,
    notify: Notify,
) -> None:
    client, alice, _profile = signed_in
    carol, _profile = await make_person("Carol Petit")
    mine = await notify(NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)
    token = await csrf_token(client, "/notifications")
    response = await client.post(
        f"/notifications/{mine.id}/read",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert f'<li id="notification-{mine.id}" class="notification">' in response.text
    assert "Mark as read" not in response.text


async def test_mark_all_read(
    app: Starlette,
    signed_in: tuple[httpx.AsyncClient, User, Profile],
    make_person: MakePerson,
    notify: Notify,
) -> None:
    client, alice, _profile = signed_in
    carol, _profile = await make_person("Carol Petit")
    for _ in range(3):
        await notify(NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)
    theirs = await notify(NotificationKind.NEW_FOLLOWER.value, carol, actor_id=alice.id)
    token = await csrf_token(client, "/notifications")
    response = await client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 303
    page = await client.get("/notifications")
    assert "Mark as read" not in page.text
    assert "Mark all as read" not in page.text
    assert (await stored(app, theirs.id)).read_at is None


async def test_marking_read_needs_the_csrf_token(
    signed_in: tuple[httpx.AsyncClient, User, Profile], make_person: MakePerson, notify: Notify
) -> None:
    client, alice, _profile = signed_in
    carol, _profile = await make_person("Carol Petit")
    mine = await notify(NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)
    assert (await client.post(f"/notifications/{mine.id}/read")).status_code == 403
    assert (await client.post("/notifications/read-all")).status_code == 403


async def test_pages_need_a_signed_in_person(client: httpx.AsyncClient) -> None:
    response = await client.get("/notifications")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert (await client.get("/settings/notifications")).status_code == 303
    count = await client.get("/notifications/count")
    assert count.status_code == 200
    assert 'id="bell-count"' in count.text and "hidden" in count.text


async def test_signed_in_pages_carry_the_bell_and_the_live_connection(
    client: httpx.AsyncClient, make_person: MakePerson
) -> None:
    anonymous = (await client.get("/login")).text
    assert "bell-count" not in anonymous
    assert "hx-ws:connect" not in anonymous
    alice, _profile = await make_person("Alice Martin")
    await log_in(client, alice.email)
    page = (await client.get("/settings")).text
    # The count has one source: the socket's first frame fills the bell in.
    assert '<span id="bell-count" hidden></span>' in page
    assert 'hx-get="/notifications/count"' not in page
    assert 'hx-ws:connect="/ws?' in page
    assert '<script src="/static/vendor/hx-ws.min.js" defer></script>' in page
    assert 'href="/settings/notifications"' in page


async def test_settings_are_saved_and_shown(
    app: Starlette,
    signed_in: tuple[httpx.AsyncClient, User, Profile],
) -> None:
    client, alice, _profile = signed_in
    page = await client.get("/settings/notifications")
    assert page.status_code == 200
    assert '<option value="weekly" selected>' in page.text
    token = await csrf_token(client, "/settings/notifications")
    choices = {kind.value: "in_app" for kind in NotificationKind}
    choices.update(mentioned="email", reaction="off")
    response = await client.post(
        "/settings/notifications", data={**choices, "digest": "daily", "csrf_token": token}
    )
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Your notification settings were saved." in page.text
    assert re.search(r'id="field-mentioned".*?<option value="email" selected>', page.text, re.S)
    assert re.search(r'id="field-reaction".*?<option value="off" selected>', page.text, re.S)
    assert '<option value="daily" selected>' in page.text

    async with app.state.session_factory() as db:
        assert await notifications.channel_for(db, alice.id or 0, "mentioned") == "email"
        assert await notifications.digest_frequency(db, alice.id or 0) == "daily"


async def test_bad_settings_keep_what_was_chosen_and_save_nothing(
    app: Starlette,
    signed_in: tuple[httpx.AsyncClient, User, Profile],
) -> None:
    client, alice, _profile = signed_in
    token = await csrf_token(client, "/settings/notifications")
    choices = {kind.value: "in_app" for kind in NotificationKind}
    choices.update(mentioned="carrier-pigeon", reaction="off")
    response = await client.post(
        "/settings/notifications", data={**choices, "digest": "hourly", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "Choose one of the listed options." in response.text
    assert 'aria-invalid="true" aria-describedby="error-mentioned"' in response.text
    assert 'aria-invalid="true" aria-describedby="error-digest"' in response.text
    assert re.search(r'id="field-reaction".*?<option value="off" selected>', response.text, re.S)
    async with app.state.session_factory() as db:
        assert await notifications.channel_for(db, alice.id or 0, "reaction") == "in_app"


async def test_a_kind_turned_off_is_not_recorded(
    app: Starlette, make_person: MakePerson, notify: Notify
) -> None:
    alice, _profile = await make_person("Alice Martin")
    carol, _profile = await make_person("Carol Petit")
    async with app.state.session_factory() as db:
        channels = {kind.value: "in_app" for kind in NotificationKind}
        channels["new_follower"] = "off"
        await notifications.save_notification_settings(db, alice, channels, "off")
        notification = await notifications.notify(
            db, NotificationKind.NEW_FOLLOWER.value, alice.id or 0, actor_id=carol.id
        )
        await db.commit()
        assert notification is None
        stored_rows = await db.execute(
            select(Notification).where(col(Notification.user_id) == alice.id)
        )
        assert stored_rows.first() is None
    # Other kinds still arrive.
    await notify(NotificationKind.REPLY.value, alice, actor_id=carol.id)
