"""Accounts service: hashing, sessions, throttling, password reset, roles."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts import service as accounts
from esn.accounts.models import LoginFailure, PasswordResetToken, Role
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound, Throttled
from esn.settings import Settings
from tests.conftest import PASSWORD, MakePerson, Outbox


async def test_passwords_are_stored_as_argon2id(db: AsyncSession, make_person: MakePerson) -> None:
    user, _profile = await make_person()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("length", [128, 1024])
async def test_long_passwords_work(
    db: AsyncSession, settings: Settings, make_person: MakePerson, length: int
) -> None:
    long_password = ("päss wörd " * 200)[:length]
    user, _profile = await make_person()
    token = await accounts.change_password(db, settings, user, PASSWORD, long_password)
    assert token
    result = await accounts.log_in(db, settings, user.email, long_password, address="10.0.0.1")
    assert result.user.id == user.id


async def test_login_is_case_insensitive_on_email(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    user, _profile = await make_person(email="Camille.Roux@Example.com")
    result = await accounts.log_in(
        db, settings, "  CAMILLE.roux@example.com ", PASSWORD, address="10.0.0.1"
    )
    assert result.user.id == user.id


async def test_each_login_opens_a_distinct_session(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    first = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")
    second = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")
    assert first.session_token != second.session_token
    assert (await accounts.user_for_session(db, first.session_token)) is not None


async def test_logout_ends_only_that_session(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    laptop = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")
    phone = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.2")
    await accounts.log_out(db, laptop.session_token)
    assert await accounts.user_for_session(db, laptop.session_token) is None
    assert await accounts.user_for_session(db, phone.session_token) is not None


async def test_password_change_ends_every_other_session(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    old = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")
    new_token = await accounts.change_password(db, settings, user, PASSWORD, "a new passphrase")
    assert await accounts.user_for_session(db, old.session_token) is None
    assert await accounts.user_for_session(db, new_token) is not None
    with pytest.raises(InvalidInput):
        await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")


async def test_password_change_needs_the_current_password(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    with pytest.raises(InvalidInput) as caught:
        await accounts.change_password(db, settings, user, "wrong", "a new passphrase")
    assert "current_password" in caught.value.errors


async def test_expired_session_is_refused(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    login = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")
    short = dataclasses.replace(settings, session_days=-1)
    expired = await accounts.log_in(db, short, user.email, PASSWORD, address="10.0.0.1")
    assert await accounts.user_for_session(db, login.session_token) is not None
    assert await accounts.user_for_session(db, expired.session_token) is None


async def test_too_many_failures_for_an_account_are_throttled_then_forgiven(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    for attempt in range(settings.login_max_failures_per_account):
        with pytest.raises(InvalidInput):
            await accounts.log_in(db, settings, user.email, "wrong", address=f"10.0.1.{attempt}")
    with pytest.raises(Throttled) as caught:
        await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.2.1")
    assert 0 < caught.value.retry_after <= settings.login_window_seconds + 1
    # Never a permanent lock: once the failures age out of the window, login works.
    past = utcnow() - timedelta(seconds=settings.login_window_seconds + 1)
    await db.execute(update(LoginFailure).values(at=past))
    await db.commit()
    result = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.2.1")
    assert result.user.id == user.id


async def test_too_many_failures_from_one_address_are_throttled(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    user, _profile = await make_person()
    strict = dataclasses.replace(settings, login_max_failures_per_address=3)
    for number in range(3):
        with pytest.raises(InvalidInput):
            await accounts.log_in(db, strict, f"guess{number}@example.com", "x", address="10.9.9.9")
    with pytest.raises(Throttled):
        await accounts.log_in(db, strict, user.email, PASSWORD, address="10.9.9.9")
    other_address = await accounts.log_in(db, strict, user.email, PASSWORD, address="10.9.9.8")
    assert other_address.user.id == user.id


async def test_password_reset_mail_link_works_once(
    db: AsyncSession, settings: Settings, make_person: MakePerson, smtp_server: Outbox
) -> None:
    user, _profile = await make_person()
    session = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")
    await accounts.request_password_reset(db, settings, user.email.upper())
    [message] = await smtp_server.received(1)
    assert message["To"] == user.email
    body = message.get_content()
    link = next(line for line in body.splitlines() if "/password-reset/" in line)
    token = link.rsplit("/", 1)[1].strip()
    assert await accounts.reset_token_is_valid(db, token)
    await accounts.reset_password(db, token, "brand new passphrase")
    assert await accounts.user_for_session(db, session.session_token) is None
    with pytest.raises(NotFound):
        await accounts.reset_password(db, token, "another passphrase")
    result = await accounts.log_in(
        db, settings, user.email, "brand new passphrase", address="10.0.0.1"
    )
    assert result.user.id == user.id


async def test_password_reset_for_unknown_email_sends_nothing(
    db: AsyncSession, settings: Settings, smtp_server: Outbox
) -> None:
    await accounts.request_password_reset(db, settings, "nobody@example.com")
    assert await smtp_server.received(1, within=0.5) == []


async def test_expired_reset_link_is_refused(
    db: AsyncSession, settings: Settings, make_person: MakePerson, smtp_server: Outbox
) -> None:
    user, _profile = await make_person()
    await accounts.request_password_reset(db, settings, user.email)
    [message] = await smtp_server.received(1)
    token = message.get_content().split("/password-reset/")[1].split()[0]
    await db.execute(update(PasswordResetToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    await db.commit()
    assert not await accounts.reset_token_is_valid(db, token)
    with pytest.raises(NotFound):
        await accounts.reset_password(db, token, "brand new passphrase")


async def test_deactivation_ends_sessions_and_blocks_login(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    admin, _ = await make_person("Admin", role=Role.ADMIN.value)
    user, _ = await make_person()
    session = await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")
    assert admin.id is not None and user.id is not None
    await accounts.set_active(db, admin, user.id, active=False)
    assert await accounts.user_for_session(db, session.session_token) is None
    with pytest.raises(InvalidInput):
        await accounts.log_in(db, settings, user.email, PASSWORD, address="10.0.0.1")


async def test_only_admins_change_roles(db: AsyncSession, make_person: MakePerson) -> None:
    employee, _ = await make_person()
    other, _ = await make_person()
    assert other.id is not None
    with pytest.raises(Forbidden):
        await accounts.set_role(db, employee, other.id, Role.ADMIN.value)
