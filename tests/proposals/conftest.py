"""Fixtures and helpers of the proposals tests: a small org chart, groups, a proposal's
input, a submitted proposal, what is stored and recorded."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts.models import User, UserSession
from esn.core.clock import utcnow
from esn.notifications.models import Notification
from esn.proposals import service as proposals
from esn.proposals.models import Proposal, ProposalTransition
from esn.settings import Settings
from esn.web.context import SESSION_COOKIE, session_signer
from tests.conftest import MakePerson


@pytest.fixture
def media_dir(settings: Settings) -> Path:
    """Where posts' files go."""
    return settings.media_dir


@dataclass
class Org:
    """A manager with two reports, and an administrator with no manager."""

    manager: User
    alice: User
    bob: User
    admin: User
    outsider: User


@pytest.fixture
async def org(colleague: MakePerson) -> Org:
    """Mona manages Alice and Bob in Engineering; Ada administers; Otto is elsewhere."""
    manager, _ = await colleague("Mona Manager", department="Engineering")
    alice, _ = await colleague("Alice Martin", department="Engineering", manager_id=manager.id)
    bob, _ = await colleague("Bob Leroy", department="Engineering", manager_id=manager.id)
    admin, _ = await colleague("Ada Admin", department="IT", role="admin")
    outsider, _ = await colleague("Otto Other", department="Sales")
    return Org(manager=manager, alice=alice, bob=bob, admin=admin, outsider=outsider)


def idea(**changes: Any) -> proposals.ProposalInput:
    """A valid proposal starting next week for four weeks at 10 %, with ``changes``."""
    start = utcnow().date() + timedelta(days=7)
    base = proposals.ProposalInput(
        title="Invoice export",
        problem="Customers ask for their invoices as CSV.",
        gain="Fewer support tickets.",
        time_unit="percent",
        time_amount=Decimal(10),
        start_date=start,
        end_date=start + timedelta(days=27),
        skills=("SQL", "Python"),
    )
    return replace(base, **changes)


async def submitted(db: AsyncSession, user: User, media_dir: Path, **changes: Any) -> Proposal:
    """A proposal by ``user``, written and submitted."""
    draft = await proposals.create_proposal(db, user, idea(**changes))
    assert draft.id is not None
    return await proposals.submit_proposal(
        db, user, draft.id, version=draft.version, media_dir=media_dir
    )


def today() -> date:
    """Today in UTC, as the service sees it."""
    return utcnow().date()


async def stored(db: AsyncSession, proposal_id: int | None) -> Proposal:
    """The proposal as stored now."""
    db.expire_all()
    found = await db.get(Proposal, proposal_id)
    assert found is not None
    return found


async def history(db: AsyncSession, proposal_id: int | None) -> list[tuple[str, str, str]]:
    """(action, from, to) of every recorded transition, oldest first."""
    rows = await db.execute(
        select(
            col(ProposalTransition.action),
            col(ProposalTransition.from_state),
            col(ProposalTransition.to_state),
        )
        .where(col(ProposalTransition.proposal_id) == proposal_id)
        .order_by(col(ProposalTransition.id))
    )
    return [(a, f, t) for a, f, t in rows.all()]


async def kinds_for(db: AsyncSession, user: User) -> list[str]:
    """The kinds of notification ``user`` received, oldest first."""
    rows = await db.execute(
        select(col(Notification.kind))
        .where(col(Notification.user_id) == user.id)
        .order_by(col(Notification.id))
    )
    return list(rows.scalars())


async def sign_in_as(app: Starlette, user: User) -> httpx.AsyncClient:
    """A client signed in as ``user`` without a password: a session row and its cookie.

    Logging in through the form hashes with argon2, slow on purpose; these
    tests are about proposals, and tests/accounts covers the login itself.
    """
    token = secrets.token_urlsafe(32)
    async with app.state.session_factory() as session:
        session.add(
            UserSession(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_id=user.id,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        await session.commit()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    signed = session_signer(app.state.settings).sign(token).decode()
    client.cookies.set(SESSION_COOKIE, signed)
    return client
