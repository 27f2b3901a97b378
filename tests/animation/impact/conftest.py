"""Fixtures of the impact-log tests: people without passwords, groups and posts."""

from __future__ import annotations

import itertools

import pytest
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.groups.models import Group, Membership
from esn.stream.models import COMPANY_SOURCE, Post, group_source


class Rows:
    """Writes groups and posts straight to the database."""

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
        self, name: str, visibility: str = "open", *, members: dict[int, str] | None = None
    ) -> Group:
        """A group with its members and their roles."""
        group = Group(slug=f"group-{next(self.counter)}", name=name, visibility=visibility)
        await self._save(group)
        assert group.id is not None
        for user_id, role in (members or {}).items():
            await self._save(Membership(group_id=group.id, user_id=user_id, role=role))
        return group

    async def post(self, author: User, *, group: Group | None = None, body: str = "") -> Post:
        """A post in the company stream or a group."""
        post = Post(
            source=group_source(group.id) if group and group.id else COMPANY_SOURCE,
            group_id=group.id if group else None,
            author_id=author.id,  # type: ignore[arg-type]
            body=body or f"Post number {next(self.counter)}",
            created_at=utcnow(),
        )
        await self._save(post)
        return post


@pytest.fixture
def rows(app: Starlette) -> Rows:
    """Groups and posts written straight to the database."""
    return Rows(app)
