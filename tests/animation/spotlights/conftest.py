"""Fixtures of the spotlight tests: colleagues, an animator, signed-in clients, content."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts import service as accounts
from esn.accounts.models import User
from esn.animation.models import Spotlight
from esn.animation.spotlights import service as spotlights
from esn.core.clock import utcnow
from esn.notifications.models import Notification
from esn.people.models import Profile
from esn.stream.models import COMPANY_SOURCE, Comment, Post
from esn.web.context import SESSION_COOKIE, session_signer
from esn.web.csrf import CSRF_COOKIE, csrf_token_for, new_csrf_secret
from tests.conftest import MakePerson

SignIn = Callable[[User], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def animator(colleague: MakePerson) -> User:
    """A company animator."""
    user, _profile = await colleague("Anna Animator", role="animator", department="Community")
    return user


@pytest.fixture
async def member(colleague: MakePerson) -> User:
    """The colleague put in the spotlight."""
    user, _profile = await colleague(
        "Marc Member", department="Finance", site="Lyon", email="marc@example.com"
    )
    return user


@pytest.fixture
async def third(colleague: MakePerson) -> User:
    """Someone else in the company."""
    user, _profile = await colleague("Theo Third", department="Sales")
    return user


@pytest.fixture
async def sign_in(app: Starlette) -> AsyncIterator[SignIn]:
    """A client signed in as ``user`` through a server-side session (no password),
    which sends the CSRF token with every form."""
    clients: list[httpx.AsyncClient] = []

    async def make(user: User) -> httpx.AsyncClient:
        settings = app.state.settings
        async with app.state.session_factory() as db:
            token = await accounts.open_session_without_password(db, settings, user)
        secret = new_csrf_secret()
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            cookies={
                SESSION_COOKIE: session_signer(settings).sign(token).decode(),
                CSRF_COOKIE: secret,
            },
            headers={"X-CSRF-Token": csrf_token_for(settings.secret_key, secret)},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def draft(
    db: AsyncSession,
    animator: User,
    member: User,
    *,
    works_on: str = "The quarterly close",
    days: int = 7,
) -> Spotlight:
    """An animator's draft for ``member`` through the service."""
    profile = await db.get(Profile, member.id)
    assert profile is not None
    new = spotlights.NewSpotlight(
        person=profile.handle,
        portrait=spotlights.Portrait(works_on=works_on, can_help_with="Excel", looking_for=""),
        why_now="Closing went smoothly",
        days=days,
    )
    return await spotlights.draft_spotlight(db, animator, new)


async def stored(db: AsyncSession, spotlight_id: int | None) -> Spotlight:
    """The spotlight as stored now."""
    db.expire_all()
    found = await db.get(Spotlight, spotlight_id)
    assert found is not None
    return found


async def notifications_of(db: AsyncSession, user_id: int | None) -> list[tuple[str, int | None]]:
    """(kind, spotlight id) of each notification ``user_id`` received, oldest first."""
    found = await db.execute(
        select(col(Notification.kind), col(Notification.spotlight_id))
        .where(col(Notification.user_id) == user_id)
        .order_by(col(Notification.id))
    )
    return [(kind, spotlight_id) for kind, spotlight_id in found.all()]


async def add_post(
    db: AsyncSession, author: User, *, at: datetime | None = None, body: str = "Hello"
) -> Post:
    """A company post written directly (the stream service is not what is tested)."""
    post = Post(
        source=COMPANY_SOURCE, author_id=author.id or 0, body=body, created_at=at or utcnow()
    )
    db.add(post)
    await db.commit()
    return post


async def add_comment(
    db: AsyncSession, author: User, post: Post, *, parent: Comment | None = None
) -> Comment:
    """A comment (or a reply to ``parent``) written directly."""
    comment = Comment(
        post_id=post.id or 0,
        author_id=author.id or 0,
        parent_id=parent.id if parent else None,
        body="Thanks",
        created_at=utcnow() - timedelta(days=1),
    )
    db.add(comment)
    await db.commit()
    return comment


def error_for(html: str, field: str) -> str:
    """The message shown next to ``field`` on a form page."""
    match = re.search(rf'<small id="error-{field}" class="field-error">([^<]*)</small>', html)
    assert match, f"no error shown next to {field}"
    return match.group(1)
