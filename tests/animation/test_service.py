"""The animation domain's public service: its parts of the home, group and post pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.accounts.models import Role, User
from esn.animation import service as animation
from esn.animation.charters import service as charters
from esn.animation.moderation import service as moderation
from esn.groups.models import Group, GroupRole, Membership, Visibility
from esn.stream import service as stream
from esn.stream.models import Post, group_source
from tests.conftest import MakePerson


@pytest.fixture
def statements(app: Starlette) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs, in order (cleared by the test)."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


async def _garden(db: AsyncSession, owner: User, author: User) -> Group:
    """An open group owned by ``owner`` where ``author`` is a member."""
    group = Group(slug="garden", name="Garden", search_name="garden", visibility=Visibility.OPEN)
    db.add(group)
    await db.flush()
    assert group.id is not None
    db.add(Membership(group_id=group.id, user_id=owner.id, role=GroupRole.OWNER))
    db.add(Membership(group_id=group.id, user_id=author.id, role=GroupRole.MEMBER))
    await db.commit()
    return group


def _rereads(statements: list[str]) -> list[str]:
    """Statements that read a post by itself, or someone's group role, again."""
    return [s for s in statements if "FROM post " in s or "membership" in s]


async def test_the_post_panel_starts_from_the_post_and_role_the_page_loaded(
    db: AsyncSession, colleague: MakePerson, tmp_path: Path, statements: list[str]
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    owner, _ = await colleague()
    author, _ = await colleague()
    reader, _ = await colleague()
    group = await _garden(db, owner, author)
    assert group.id is not None
    post: Post = await stream.create_post(
        db, author, group_source(group.id), "Seeds to share", media_dir=tmp_path
    )
    assert post.id is not None

    for actor, tools in ((reader, False), (owner, True), (animator, True)):
        view = await stream.post_view(db, actor, post.id)
        assert view is not None
        role = await stream.group_role(db, actor, group.id)
        statements.clear()
        panel = await animation.post_panel(db, actor, view.post, role)
        parts = (panel.featuring, panel.moderation, panel.impact)
        assert [part is not None for part in parts] == [tools] * 3
        assert _rereads(statements) == []
        if not tools:
            assert statements == []  # a reader's panel is decided without a query


async def test_the_group_panel_follows_the_role_it_is_given(
    db: AsyncSession, colleague: MakePerson, tmp_path: Path
) -> None:
    owner, _ = await colleague()
    author, _ = await colleague()
    reader, _ = await colleague()
    group = await _garden(db, owner, author)
    assert group.id is not None
    post = await stream.create_post(db, author, group_source(group.id), "Hm", media_dir=tmp_path)
    await moderation.report_content(db, reader, post.id or 0, None, "Off topic")
    await charters.save_charter(db, owner, group.slug, "Share seeds.")

    as_owner = await animation.group_panel(db, owner, group, GroupRole.OWNER)
    assert as_owner.can_animate and as_owner.open_reports == 1
    assert as_owner.charter_banner is not None  # the owner has not accepted it yet
    as_member = await animation.group_panel(db, author, group, GroupRole.MEMBER)
    assert not as_member.can_animate and as_member.open_reports == 0
    assert as_member.charter_banner is not None
    as_reader = await animation.group_panel(db, reader, group, None)
    assert (as_reader.can_animate, as_reader.open_reports, as_reader.charter_banner) == (
        False,
        0,
        None,
    )
