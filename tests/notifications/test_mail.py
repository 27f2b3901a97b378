"""Email notifications, sent after commit to a real SMTP server, in the recipient's language."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import delete
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.core.i18n import get_locale, set_locale
from esn.groups.models import Membership
from esn.mail import Mailer
from esn.notifications import service as notifications
from esn.notifications.models import Notification, NotificationKind
from esn.realtime.hub import Hub
from esn.settings import Settings
from tests.conftest import MakeGroup, MakePerson, Outbox, _free_port, csrf_token, log_in
from tests.notifications.conftest import Colleague, PostIn, add_member

FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
ENGLISH_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


async def choose(app: Starlette, user: User, **channels: str) -> None:
    """Set some kinds' channels for ``user``, the others in-app."""
    every = {kind.value: "in_app" for kind in NotificationKind}
    every.update(channels)
    async with app.state.session_factory() as db:
        await notifications.save_notification_settings(db, user, every, "off")


async def notify_and_commit(
    app: Starlette, kind: str, recipient: User, **about: object
) -> Notification:
    """What a domain service does: notify in its transaction, then commit (which sends)."""
    async with app.state.session_factory() as db:
        notification = await notifications.notify(db, kind, recipient.id or 0, **about)  # type: ignore[arg-type]
        await db.commit()
    assert notification is not None
    return notification


async def eventually(check: Callable[[], bool]) -> None:
    """Wait (5 s at most) until ``check()`` holds: mail leaves in the background."""
    async with asyncio.timeout(5):
        while not check():  # noqa: ASYNC110 - log records have no event to await
            await asyncio.sleep(0.02)


async def emailed_at(app: Starlette, notification_id: int | None) -> datetime | None:
    """When the notification was marked emailed, waiting (5 s at most) for the mail job."""
    deadline = time.monotonic() + 5
    while True:
        async with app.state.session_factory() as db:
            saved = await db.get(Notification, notification_id)
        assert saved is not None
        if saved.emailed_at is not None or time.monotonic() > deadline:
            return saved.emailed_at
        await asyncio.sleep(0.02)


@pytest.fixture
def mailer(smtp_server: Outbox) -> Mailer:
    """A mailer talking to the test SMTP server."""
    return Mailer(smtp_server.url, "esn <no-reply@esn.test>")


async def test_email_kind_is_mailed_in_the_recipient_language_with_a_link(
    app: Starlette,
    mailer: Mailer,
    smtp_server: Outbox,
    colleague: Colleague,
    post_in: PostIn,
) -> None:
    amelie, _profile = await colleague("Amélie Roux", email="amelie@example.com")
    async with app.state.session_factory() as db:
        stored = await db.get(User, amelie.id)
        assert stored is not None
        stored.locale = "fr"
        await db.commit()
        amelie = stored
    carol, _profile = await colleague("Carol Petit")
    await choose(app, amelie, reaction="email")
    post = await post_in(amelie, "company", "Le bilan du trimestre est en ligne")
    set_locale("en")

    notification = await notify_and_commit(
        app,
        NotificationKind.REACTION.value,
        amelie,
        actor_id=carol.id,
        post_id=post.id,
    )

    [message] = await smtp_server.received(1)
    assert message["To"] == "amelie@example.com"
    assert "Carol Petit" in message["Subject"]
    body = message.get_content()
    assert f"http://testserver/posts/{post.id}" in body
    assert "Le bilan du trimestre est en ligne" in body
    assert "http://testserver/settings/notifications" in body
    assert any(month in body for month in FRENCH_MONTHS)
    assert not any(month in body for month in ENGLISH_MONTHS)
    # The request's own language is back once the mail is written.
    assert get_locale() == "en"
    # The job marks the notification emailed just after the server took the mail.
    assert await emailed_at(app, notification.id) is not None


async def test_english_reader_gets_english(
    app: Starlette,
    mailer: Mailer,
    smtp_server: Outbox,
    colleague: Colleague,
) -> None:
    alice, _profile = await colleague("Alice Martin", email="alice@example.com")
    carol, _profile = await colleague("Carol Petit")
    await choose(app, alice, new_follower="email")
    await notify_and_commit(app, NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)
    [message] = await smtp_server.received(1)
    assert message["Subject"] == "esn: Carol Petit started following you"
    assert any(month in message.get_content() for month in ENGLISH_MONTHS)


async def test_in_app_kinds_send_no_email_but_ring_the_bell(
    app: Starlette,
    hub: Hub,
    smtp_server: Outbox,
    colleague: Colleague,
) -> None:
    alice, _profile = await colleague("Alice Martin")
    carol, _profile = await colleague("Carol Petit")
    bell = hub.subscribe()
    bell.add(f"user:{alice.id}")
    await notify_and_commit(app, NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)
    assert bell.queue.get_nowait() == (f"user:{alice.id}", {"type": "notification"})
    assert await smtp_server.received(1, within=0.5) == []


async def test_without_smtp_the_mail_goes_to_the_log_and_the_bell_rings(
    app: Starlette, hub: Hub, colleague: Colleague, caplog: pytest.LogCaptureFixture
) -> None:
    alice, _profile = await colleague("Alice Martin", email="alice@example.com")
    carol, _profile = await colleague("Carol Petit")
    await choose(app, alice, new_follower="email")
    bell = hub.subscribe()
    bell.add(f"user:{alice.id}")
    with caplog.at_level(logging.WARNING, logger="esn.mail"):
        await notify_and_commit(app, NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)
        assert not bell.queue.empty()
        await eventually(lambda: "Mail to alice@example.com (no ESN_SMTP_URL set)" in caplog.text)


async def test_a_failing_smtp_server_is_logged_and_the_caller_goes_on(
    settings: Settings,
    colleague: Colleague,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from esn.app import create_app

    nowhere = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{_free_port()}")
    app = create_app(nowhere)
    async with app.router.lifespan_context(app):
        alice, _profile = await colleague("Alice Martin")
        carol, _profile = await colleague("Carol Petit")
        await choose(app, alice, new_follower="email")
        with caplog.at_level(logging.ERROR, logger="esn.notifications"):
            notification = await notify_and_commit(
                app, NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id
            )
            await eventually(lambda: "could not email notification" in caplog.text)
        async with app.state.session_factory() as db:
            saved = await db.get(Notification, notification.id)
            assert saved is not None and saved.emailed_at is None
            assert await notifications.unread_count(db, alice) == 1


async def test_no_email_about_a_post_the_recipient_can_no_longer_read(
    app: Starlette,
    mailer: Mailer,
    smtp_server: Outbox,
    colleague: Colleague,
    make_group: MakeGroup,
    post_in: PostIn,
) -> None:
    owner, _profile = await colleague("Olga Owner")
    alice, _profile = await colleague("Alice Martin")
    lab = await make_group(owner, "Skunkworks", "private")
    post = await post_in(owner, f"group:{lab.id}", "MARKER secret plans")
    await add_member(app, lab, alice)
    # In-app, so nothing is queued: the email is then sent by hand, as the
    # queue would, after Alice stopped being a member.
    notification = await notify_and_commit(
        app, NotificationKind.MENTIONED.value, alice, actor_id=owner.id, post_id=post.id
    )
    async with app.state.session_factory() as db:
        await db.execute(delete(Membership).where(col(Membership.user_id) == alice.id))
        await db.commit()
    async with app.state.session_factory() as db:
        assert notification.id is not None
        sent = await notifications.email_notification(
            db, mailer, app.state.settings, notification.id
        )
    assert not sent
    assert await smtp_server.received(1, within=0.5) == []


async def test_links_use_the_configured_base_url(
    app: Starlette,
    mailer: Mailer,
    smtp_server: Outbox,
    colleague: Colleague,
) -> None:
    alice, _profile = await colleague("Alice Martin")
    carol, carol_profile = await colleague("Carol Petit")
    settings: Settings = dataclasses.replace(app.state.settings, base_url="https://esn.example.com")
    notification = await notify_and_commit(
        app, NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id
    )
    async with app.state.session_factory() as db:
        assert notification.id is not None
        await notifications.email_notification(db, mailer, settings, notification.id)
    [message] = await smtp_server.received(1)
    assert f"https://esn.example.com/people/{carol_profile.handle}" in message.get_content()


async def test_a_mention_made_through_the_pages_is_emailed(
    settings: Settings, make_person: MakePerson, smtp_server: Outbox
) -> None:
    """The whole path: a post in the browser form, the mention, the email."""
    import httpx

    from esn.app import create_app

    app = create_app(dataclasses.replace(settings, smtp_url=smtp_server.url))
    async with app.router.lifespan_context(app):
        author, _ = await make_person("Anne Author")
        reader, reader_profile = await make_person("Rémi Reader")
        await choose(app, reader, mentioned="email")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await log_in(client, author.email)
            token = await csrf_token(client, "/")
            response = await client.post(
                "/posts",
                data={
                    "source": "company",
                    "body": f"Lunch on Friday, @{reader_profile.handle}?",
                    "csrf_token": token,
                },
            )
            assert response.status_code == 303
    [message] = await smtp_server.received(1)
    assert message["To"] == reader.email
    assert "Anne Author" in message.get_content()
