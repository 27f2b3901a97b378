"""Fixtures of the work-queue tests: people without passwords, rows written in the past."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.animation.models import Charter
from esn.core.clock import utcnow
from esn.groups.models import Group, GroupRequest, Membership
from esn.stream.models import COMPANY_SOURCE, Comment, Post, group_source


def ago(**delta: float) -> datetime:
    """A moment in the past, as aware UTC."""
    return utcnow() - timedelta(**delta)


class Rows:
    """Writes rows straight to the database, with the dates a test needs."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.counter = itertools.count(1)

    async def _save(self, *items: object) -> None:
        async with self.app.state.session_factory() as session:
            for item in items:
                session.add(item)
            await session.commit()
            for item in items:
                await session.refresh(item)

    async def group(
        self,
        name: str,
        visibility: str = "open",
        *,
        created_at: datetime | None = None,
        members: dict[int, str] | None = None,
        **fields: object,
    ) -> Group:
        """A group (two months old unless told) with its members and their roles."""
        number = next(self.counter)
        group = Group(
            slug=f"group-{number}",
            name=name,
            visibility=visibility,
            created_at=created_at or ago(days=60),
            member_count=len(members or {}),
            **fields,  # type: ignore[arg-type]
        )
        await self._save(group)
        assert group.id is not None
        for user_id, role in (members or {}).items():
            await self._save(Membership(group_id=group.id, user_id=user_id, role=role))
        return group

    async def post(
        self, author: User, *, group: Group | None = None, created_at: datetime, body: str = ""
    ) -> Post:
        """A post written at ``created_at``, in the company stream or a group."""
        source = group_source(group.id) if group and group.id else COMPANY_SOURCE
        post = Post(
            source=source,
            group_id=group.id if group else None,
            author_id=author.id,  # type: ignore[arg-type]
            body=body or f"Post number {next(self.counter)}",
            created_at=created_at,
        )
        await self._save(post)
        return post

    async def comment(
        self, post: Post, author: User, *, created_at: datetime, hidden: bool = False
    ) -> Comment:
        """A comment on ``post`` written at ``created_at``."""
        comment = Comment(
            post_id=post.id,  # type: ignore[arg-type]
            author_id=author.id,  # type: ignore[arg-type]
            body="An answer",
            created_at=created_at,
            hidden_at=created_at if hidden else None,
        )
        await self._save(comment)
        return comment

    async def request(self, group: Group, user: User, *, created_at: datetime) -> GroupRequest:
        """A pending request to join ``group``, made at ``created_at``."""
        item = GroupRequest(
            group_id=group.id,  # type: ignore[arg-type]
            user_id=user.id,  # type: ignore[arg-type]
            kind="request",
            created_at=created_at,
        )
        await self._save(item)
        return item

    async def charter(
        self,
        group: Group | None,
        version: int,
        *,
        created_at: datetime,
        reviewed_at: datetime | None = None,
    ) -> Charter:
        """One version of the company's (no group) or a group's charter."""
        charter = Charter(
            group_id=group.id if group else None,
            version=version,
            body=f"Rules, version {version}",
            created_at=created_at,
            reviewed_at=reviewed_at,
        )
        await self._save(charter)
        return charter

    async def age_account(self, user: User, created_at: datetime) -> None:
        """Pretend ``user``'s account was created at ``created_at``."""
        async with self.app.state.session_factory() as session:
            stored = await session.get(User, user.id)
            assert stored is not None
            stored.created_at = created_at
            await session.commit()


@pytest.fixture
def rows(app: Starlette) -> Rows:
    """Rows written straight to the database, dated in the past."""
    return Rows(app)
