"""Accounts: passwords, sessions, login throttling, password reset, roles.

Functions take the database session first and the acting user second, check
policy, write, and commit.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.events import SessionEnded
from esn.accounts.models import LoginFailure, PasswordResetToken, Role, User, UserSession
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound, Throttled
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.mail import Email
from esn.settings import Settings

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches the stored hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """A translated reason the password is unacceptable, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return _("Use at least %(count)d characters.") % {"count": PASSWORD_MIN_LENGTH}
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("Use at most %(count)d characters.") % {"count": PASSWORD_MAX_LENGTH}
    if "\x00" in password:
        return _("The password contains a character that cannot be used.")
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


async def get_user(db: AsyncSession, user_id: int) -> User:
    """The account with this id, or NotFound."""
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound
    return user


async def find_user_by_email(db: AsyncSession, email: str) -> User | None:
    """The account with this email, if any."""
    result = await db.execute(select(User).where(col(User.email) == normalise_email(email)))
    return result.scalar_one_or_none()


# --- login throttling -------------------------------------------------------


async def _failures_since(db: AsyncSession, key: str, since_seconds: int) -> tuple[int, int]:
    """How many failures ``key`` has in the window, and seconds until the oldest expires."""
    window_start = utcnow() - timedelta(seconds=since_seconds)
    result = await db.execute(
        select(func.count(), func.min(LoginFailure.at)).where(
            col(LoginFailure.key) == key, col(LoginFailure.at) > window_start
        )
    )
    count, oldest = result.one()
    if not count or oldest is None:
        return 0, 0
    remaining = as_utc(oldest) + timedelta(seconds=since_seconds) - utcnow()
    return int(count), max(1, int(remaining.total_seconds()) + 1)


async def _check_throttle(db: AsyncSession, settings: Settings, email: str, address: str) -> None:
    window = settings.login_window_seconds
    limits = [
        (f"account:{email}", settings.login_max_failures_per_account),
        (f"address:{address}", settings.login_max_failures_per_address),
    ]
    for key, limit in limits:
        count, retry_after = await _failures_since(db, key, window)
        if count >= limit:
            raise Throttled(retry_after)


async def _record_failure(db: AsyncSession, settings: Settings, email: str, address: str) -> None:
    cutoff = utcnow() - timedelta(seconds=settings.login_window_seconds)
    await db.execute(delete(LoginFailure).where(col(LoginFailure.at) < cutoff))
    db.add(LoginFailure(key=f"account:{email}"))
    db.add(LoginFailure(key=f"address:{address}"))
    await db.commit()


@dataclass(frozen=True)
class LoginResult:
    """A successful login: the account and the new session's secret token."""

    user: User
    session_token: str


async def log_in(
    db: AsyncSession,
    settings: Settings,
    email: str,
    password: str,
    *,
    address: str,
    user_agent: str = "",
) -> LoginResult:
    """Check credentials and open a new session.

    Raises Throttled when the account or the address failed too often recently,
    and InvalidInput with the same message whether the email is unknown or the
    password wrong, so the form reveals nothing about who has an account.
    """
    email = normalise_email(email)
    await _check_throttle(db, settings, email, address)
    user = await find_user_by_email(db, email)
    valid = verify_password(user.password_hash if user else "", password)
    if user is None or not valid or not user.is_active:
        await _record_failure(db, settings, email, address)
        raise InvalidInput({"password": _("Wrong email or password.")})
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    await db.execute(delete(LoginFailure).where(col(LoginFailure.key) == f"account:{email}"))
    token = await _open_session(db, settings, user, user_agent)
    await db.commit()
    return LoginResult(user=user, session_token=token)


async def _open_session(db: AsyncSession, settings: Settings, user: User, user_agent: str) -> str:
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=settings.session_days),
            user_agent=user_agent[:255],
        )
    )
    return token


async def open_session_without_password(
    db: AsyncSession, settings: Settings, user: User, *, user_agent: str = ""
) -> str:
    """Open and commit a session for an active ``user``; its secret token.

    Only for callers that have already established who is acting without a
    password (the loopback-only benchmark endpoint); never reachable from a form.
    """
    if not user.is_active:
        raise Forbidden
    token = await _open_session(db, settings, user, user_agent)
    await db.commit()
    return token


async def user_for_session(db: AsyncSession, token: str) -> User | None:
    """The active account signed in with this session token, if it is still valid."""
    return (await users_for_sessions(db, [token])).get(token)


async def users_for_sessions(db: AsyncSession, tokens: list[str]) -> dict[str, User]:
    """The active account behind each still-valid session token among ``tokens``
    (one query for them all; tokens that ended are missing from the answer)."""
    by_hash = {_token_hash(token): token for token in tokens}
    if not by_hash:
        return {}
    rows = await db.execute(
        select(User, col(UserSession.token_hash), col(UserSession.expires_at))
        .join(UserSession, col(UserSession.user_id) == col(User.id))
        .where(col(UserSession.token_hash).in_(by_hash))
    )
    now = utcnow()
    return {
        by_hash[token_hash]: user
        for user, token_hash, expires_at in rows.all()
        if user.is_active and as_utc(expires_at) > now
    }


async def log_out(db: AsyncSession, token: str) -> None:
    """End this session everywhere: the cookie is worthless from now on, and the
    session's open live-update sockets close."""
    ended = await db.execute(
        delete(UserSession)
        .where(col(UserSession.token_hash) == _token_hash(token))
        .returning(col(UserSession.user_id))
    )
    for user_id in set(ended.scalars()):
        record(db, SessionEnded(user_id))
    await db.commit()


async def _end_all_sessions(db: AsyncSession, user_id: int) -> None:
    await db.execute(delete(UserSession).where(col(UserSession.user_id) == user_id))
    # Open live-update sockets re-check their session once this is committed.
    record(db, SessionEnded(user_id))


async def change_password(
    db: AsyncSession,
    settings: Settings,
    actor: User,
    current_password: str,
    new_password: str,
    *,
    user_agent: str = "",
) -> str:
    """Change the actor's password, end every session, and return a fresh one's token."""
    errors: dict[str, str] = {}
    if not verify_password(actor.password_hash, current_password):
        errors["current_password"] = _("This is not your current password.")
    problem = password_problem(new_password)
    if problem:
        errors["new_password"] = problem
    if errors:
        raise InvalidInput(errors)
    assert actor.id is not None
    user = await get_user(db, actor.id)
    user.password_hash = hash_password(new_password)
    await _end_all_sessions(db, actor.id)
    token = await _open_session(db, settings, user, user_agent)
    await db.commit()
    return token


# --- password reset ---------------------------------------------------------


async def request_password_reset(db: AsyncSession, settings: Settings, email: str) -> None:
    """Mail a single-use reset link if the address belongs to an active account.

    Says nothing either way, so the form cannot be used to list accounts.
    """
    user = await find_user_by_email(db, email)
    if user is None or not user.is_active:
        return
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    db.add(
        PasswordResetToken(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(minutes=settings.password_reset_minutes),
        )
    )
    link = f"{settings.base_url}/password-reset/{token}"
    body = _(
        "Someone asked to reset the password of your esn account.\n\n"
        "To choose a new password, open this link within %(minutes)d minutes:\n%(link)s\n\n"
        "If it was not you, ignore this message: your password stays the same."
    ) % {"minutes": settings.password_reset_minutes, "link": link}
    record(db, Email(user.email, _("Reset your esn password"), body))
    await db.commit()


async def _valid_reset_token(db: AsyncSession, token: str) -> PasswordResetToken | None:
    result = await db.execute(
        select(PasswordResetToken).where(col(PasswordResetToken.token_hash) == _token_hash(token))
    )
    reset = result.scalar_one_or_none()
    if reset is None or reset.used_at is not None or as_utc(reset.expires_at) <= utcnow():
        return None
    return reset


async def reset_token_is_valid(db: AsyncSession, token: str) -> bool:
    """True while the link can still be used."""
    return await _valid_reset_token(db, token) is not None


async def reset_password(db: AsyncSession, token: str, new_password: str) -> None:
    """Use a reset link once: set the password and end every session of that account."""
    problem = password_problem(new_password)
    if problem:
        raise InvalidInput({"password": problem})
    # Mark the token used in the same statement that checks it, so two
    # simultaneous submissions cannot both succeed.
    now = utcnow()
    claimed = await db.execute(
        update(PasswordResetToken)
        .where(
            col(PasswordResetToken.token_hash) == _token_hash(token),
            col(PasswordResetToken.used_at).is_(None),
            col(PasswordResetToken.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(PasswordResetToken.user_id))
    )
    user_id = claimed.scalar_one_or_none()
    if user_id is None:
        await db.rollback()
        raise NotFound
    user = await get_user(db, user_id)
    user.password_hash = hash_password(new_password)
    db.add(user)
    await _end_all_sessions(db, user_id)
    await db.commit()


# --- administration ---------------------------------------------------------


async def set_locale(db: AsyncSession, actor: User, locale: str) -> None:
    """Remember the interface language the person chose."""
    assert actor.id is not None
    user = await get_user(db, actor.id)
    user.locale = locale
    await db.commit()


async def set_role(db: AsyncSession, actor: User, user_id: int, role: str) -> User:
    """An administrator gives an account another role."""
    if not policy.can_administer(actor):
        raise Forbidden
    if role not in {r.value for r in Role}:
        raise InvalidInput({"role": _("Choose one of the listed roles.")})
    user = await get_user(db, user_id)
    if user.id == actor.id and role != Role.ADMIN.value:
        raise InvalidInput({"role": _("You cannot remove your own administrator role.")})
    user.role = role
    db.add(user)
    await db.commit()
    return user


async def set_active(db: AsyncSession, actor: User, user_id: int, active: bool) -> User:
    """An administrator deactivates (ending every session at once) or reactivates."""
    if not policy.can_administer(actor):
        raise Forbidden
    user = await get_user(db, user_id)
    if user.id == actor.id and not active:
        raise InvalidInput({"active": _("You cannot deactivate your own account.")})
    user.is_active = active
    db.add(user)
    if not active:
        await _end_all_sessions(db, user_id)
    await db.commit()
    return user


def valid_email(email: str) -> bool:
    """A deliberately simple shape check: one @, a dotted domain, no spaces,
    nothing invisible (NUL cannot even be stored by PostgreSQL)."""
    if any(unicodedata.category(c).startswith("C") for c in email):
        return False
    local, at, domain = email.partition("@")
    return bool(
        at
        and local
        and "." in domain.strip(".")
        and len(email) <= 254
        and not any(c.isspace() or c in '<>,;"\\' for c in email)
        and "@" not in domain
    )


async def add_user(
    db: AsyncSession, email: str, password: str | None, role: str = Role.EMPLOYEE.value
) -> User:
    """Stage a new account (flushed, not committed): the people service completes it.

    With no password the account can only be entered through a reset link.
    """
    email = normalise_email(email)
    errors: dict[str, str] = {}
    if not valid_email(email):
        errors["email"] = _("Enter a valid email address.")
    elif await find_user_by_email(db, email) is not None:
        errors["email"] = _("An account already uses this email.")
    if password is not None:
        problem = password_problem(password)
        if problem:
            errors["password"] = problem
    if role not in {r.value for r in Role}:
        errors["role"] = _("Choose one of the listed roles.")
    if errors:
        raise InvalidInput(errors)
    user = User(email=email, password_hash=hash_password(password) if password else "", role=role)
    db.add(user)
    await db.flush()
    return user
