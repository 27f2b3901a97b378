"""The email digest: who gets it when, and what it may contain."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from typer.testing import CliRunner

from esn.accounts.models import User
from esn.cli import app as cli
from esn.core.clock import utcnow
from esn.database import create_engine, create_session_factory
from esn.mail import Mailer
from esn.notifications import jobs
from esn.notifications import service as notifications
from esn.notifications.models import DigestPreference, NotificationKind
from esn.people.service import NewPerson, create_person
from esn.stream import service as stream
from tests.conftest import MakeGroup, Outbox, run_in_thread
from tests.notifications.conftest import Colleague, Notify, PostIn, add_member
from tests.notifications.test_mail import ENGLISH_MONTHS, FRENCH_MONTHS


@pytest.fixture
def mailer(smtp_server: Outbox) -> Mailer:
    """A mailer talking to the test SMTP server."""
    return Mailer(smtp_server.url, "esn <no-reply@esn.test>")


async def frequency(app: Starlette, user: User, value: str) -> None:
    """Choose how often ``user`` gets the digest."""
    every = {kind.value: "in_app" for kind in NotificationKind}
    async with app.state.session_factory() as db:
        await notifications.save_notification_settings(db, user, every, value)


async def comment(app: Starlette, actor: User, post_id: int | None, body: str) -> None:
    async with app.state.session_factory() as db:
        await stream.add_comment(db, actor, post_id or 0, body)


async def run_digests(app: Starlette, mailer: Mailer, when: object = None) -> int:
    async with app.state.session_factory() as db:
        return await jobs.send_digests(db, mailer, app.state.settings, when or utcnow())  # type: ignore[arg-type]


def mail_for(outbox: Outbox, email: str) -> list[str]:
    """The bodies of the messages sent to ``email``."""
    return [m.get_content() for m in outbox.messages if m["To"] == email]


async def test_digest_holds_unread_notifications_and_discussed_group_posts(
    app: Starlette,
    mailer: Mailer,
    smtp_server: Outbox,
    colleague: Colleague,
    make_group: MakeGroup,
    post_in: PostIn,
    notify: Notify,
) -> None:
    alice, _profile = await colleague("Alice Martin", email="alice@example.com")
    carol, _profile = await colleague("Carol Petit")
    lab = await make_group(carol, "Robotics lab", "private")
    await add_member(app, lab, alice)
    hot = await post_in(carol, f"group:{lab.id}", "Which motor should we buy?")
    quiet = await post_in(carol, f"group:{lab.id}", "Nobody answered this one")
    await comment(app, carol, hot.id, "Leaning towards the brushless one")
    await notify(NotificationKind.NEW_FOLLOWER.value, alice, actor_id=carol.id)

    assert await run_digests(app, mailer) >= 1
    [body] = mail_for(smtp_server, "alice@example.com")
    assert "Carol Petit started following you" in body
    assert "Which motor should we buy?" in body
    assert f"http://testserver/posts/{hot.id}" in body
    assert "Robotics lab" in body
    assert f"/posts/{quiet.id}" not in body
    assert "http://testserver/settings/notifications" in body


async def test_digest_never_shows_what_the_reader_may_not_see(
    app: Starlette,
    mailer: Mailer,
    smtp_server: Outbox,
    colleague: Colleague,
    make_group: MakeGroup,
    post_in: PostIn,
    notify: Notify,
) -> None:
    owner, _profile = await colleague("Olga Owner")
    former, _profile = await colleague("Fred Former", email="fred@example.com")
    lab = await make_group(owner, "Skunkworks", "private")
    secret = await post_in(owner, f"group:{lab.id}", "MARKER secret plans")
    await comment(app, owner, secret.id, "MARKER discussion")
    # Fred was mentioned while a member, then left; he still follows a public thread.
    await notify(NotificationKind.MENTIONED.value, former, actor_id=owner.id, post_id=secret.id)
    public = await post_in(owner, "company", "A public note")
    await notify(NotificationKind.REACTION.value, former, actor_id=owner.id, post_id=public.id)

    await run_digests(app, mailer)
    [body] = mail_for(smtp_server, "fred@example.com")
    assert "MARKER" not in body
    assert "Skunkworks" not in body
    assert "Olga Owner mentioned you" not in body
    assert "Olga Owner reacted to your post" in body


async def test_nothing_to_say_means_no_email(
    app: Starlette, mailer: Mailer, smtp_server: Outbox, colleague: Colleague
) -> None:
    await colleague("Quiet Person", email="quiet@example.com")
    assert await run_digests(app, mailer) == 0
    assert await smtp_server.received(1, within=0.3) == []


async def test_frequency_decides_when_the_next_digest_is_due(
    app: Starlette,
    db: AsyncSession,
    mailer: Mailer,
    smtp_server: Outbox,
    colleague: Colleague,
    notify: Notify,
) -> None:
    daily, _profile = await colleague("Dana Daily", email="daily@example.com")
    weekly, _profile = await colleague("Walt Weekly", email="weekly@example.com")
    never, _profile = await colleague("Nina Never", email="never@example.com")
    carol, _profile = await colleague("Carol Petit")
    await frequency(app, daily, "daily")
    await frequency(app, never, "off")
    for person in (daily, weekly, never):
        await notify(NotificationKind.NEW_FOLLOWER.value, person, actor_id=carol.id)
    now = utcnow()

    assert await run_digests(app, mailer, now) == 2
    assert await run_digests(app, mailer, now + timedelta(minutes=5)) == 0
    assert await run_digests(app, mailer, now + timedelta(days=1)) == 1
    assert await run_digests(app, mailer, now + timedelta(days=7)) == 2

    assert len(mail_for(smtp_server, "daily@example.com")) == 3
    assert len(mail_for(smtp_server, "weekly@example.com")) == 2
    assert mail_for(smtp_server, "never@example.com") == []
    preference = await db.get(DigestPreference, weekly.id)
    assert preference is not None and preference.frequency == "weekly"
    assert preference.last_sent_at is not None


async def test_digest_speaks_the_reader_language(
    app: Starlette,
    mailer: Mailer,
    smtp_server: Outbox,
    colleague: Colleague,
    notify: Notify,
) -> None:
    amelie, _profile = await colleague("Amélie Roux", email="amelie@example.com", locale="fr")
    alice, _profile = await colleague("Alice Martin", email="alice@example.com")
    carol, _profile = await colleague("Carol Petit")
    for person in (amelie, alice):
        await notify(NotificationKind.NEW_FOLLOWER.value, person, actor_id=carol.id)
    await run_digests(app, mailer)
    [french] = mail_for(smtp_server, "amelie@example.com")
    [english] = mail_for(smtp_server, "alice@example.com")
    assert any(month in french for month in FRENCH_MONTHS)
    assert any(month in english for month in ENGLISH_MONTHS)


def test_esn_digest_command_sends_the_due_digests(tmp_path: Path, smtp_server: Outbox) -> None:
    env = {
        "ESN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'esn.sqlite3'}",
        "ESN_VAR_DIR": str(tmp_path / "var"),
        "ESN_SECRET_KEY": "cli-test-secret-key-long-enough-to-sign",
        "ESN_SMTP_URL": smtp_server.url,
    }
    assert CliRunner().invoke(cli, ["migrate"], env=env).exit_code == 0

    async def someone_with_news() -> None:
        engine = create_engine(env["ESN_DATABASE_URL"])
        async with create_session_factory(engine)() as db:
            reader, _profile = await create_person(
                db, NewPerson(email="reader@example.com", name="Rita Reader")
            )
            fan, _profile = await create_person(
                db, NewPerson(email="fan@example.com", name="Felix Fan")
            )
            await notifications.notify(
                db, NotificationKind.NEW_FOLLOWER.value, reader.id or 0, actor_id=fan.id
            )
            await db.commit()
        await engine.dispose()

    run_in_thread(lambda: asyncio.run(someone_with_news()))
    result = CliRunner().invoke(cli, ["digest"], env=env)
    assert result.exit_code == 0, result.output
    assert "Sent 1 digest(s)." in result.output
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "reader@example.com"
    assert "Felix Fan started following you" in message.get_content()
    again = CliRunner().invoke(cli, ["digest"], env=env)
    assert "Sent 0 digest(s)." in again.output
