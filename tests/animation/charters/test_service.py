"""Charter rules: versions, acceptance, the group banner, who may write, the review queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.charters import service as charters
from esn.animation.models import Charter, CharterAcceptance
from esn.animation.queue import service as queue
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.groups.models import Group, Membership
from esn.stream import service as stream
from tests.conftest import MakeGroup, MakePerson


async def _member(db: AsyncSession, group: Group, user: User, role: str = "member") -> None:
    db.add(Membership(group_id=group.id, user_id=user.id, role=role))
    await db.commit()


async def _banner(db: AsyncSession, user: User, group: Group) -> charters.GroupCharterBanner | None:
    """The charter banner of ``user``'s page of ``group``, with the role the page loaded."""
    assert group.id is not None
    return await charters.group_banner(db, user, group, await stream.group_role(db, user, group.id))


async def _versions(db: AsyncSession, group_id: int | None) -> list[tuple[int, str]]:
    db.expire_all()
    scope = (
        col(Charter.group_id).is_(None) if group_id is None else col(Charter.group_id) == group_id
    )
    rows = await db.execute(
        select(col(Charter.version), col(Charter.body)).where(scope).order_by(col(Charter.version))
    )
    return [(version, body) for version, body in rows.all()]


async def test_each_save_is_a_new_version_and_old_ones_are_kept(
    db: AsyncSession, colleague: MakePerson
) -> None:
    animator, _ = await colleague("Anna Animator", role="animator")
    first = await charters.save_charter(db, animator, None, "Be kind.\r\n")
    second = await charters.save_charter(db, animator, None, "Be kind. Answer questions.")
    assert (first.version, second.version) == (1, 2)
    assert await _versions(db, None) == [(1, "Be kind."), (2, "Be kind. Answer questions.")]
    history = await charters.charter_history(db, animator, None, editing=True)
    assert [v.version for v in history.versions] == [2, 1]
    assert history.versions[0].author_name == "Anna Animator"
    old = await charters.charter_page(db, animator, None, version=1)
    assert old.charter is not None and old.charter.body == "Be kind."
    assert not old.is_latest


async def test_empty_unchanged_or_stale_texts_are_refused(
    db: AsyncSession, colleague: MakePerson
) -> None:
    admin, _ = await colleague("Ada Admin", role="admin")
    with pytest.raises(InvalidInput) as empty:
        await charters.save_charter(db, admin, None, "   \n ")
    assert "body" in empty.value.errors
    await charters.save_charter(db, admin, None, "Be kind.", base_version=0)
    with pytest.raises(InvalidInput) as unchanged:
        await charters.save_charter(db, admin, None, "  Be kind.\r\n", base_version=1)
    assert "current text" in unchanged.value.errors["body"]
    with pytest.raises(InvalidInput) as stale:
        await charters.save_charter(db, admin, None, "Be nice.", base_version=0)
    assert "Someone saved a new version" in stale.value.errors["body"]
    assert len(await _versions(db, None)) == 1


async def test_only_animators_write_the_company_charter(
    db: AsyncSession, colleague: MakePerson
) -> None:
    employee, _ = await colleague("Eve Employee")
    with pytest.raises(Forbidden):
        await charters.save_charter(db, employee, None, "My rules.")
    with pytest.raises(Forbidden):
        await charters.mark_charter_reviewed(db, employee, None)
    with pytest.raises(Forbidden):
        await charters.charter_history(db, employee, None, editing=True)


async def test_group_charter_is_written_by_its_animators_and_company_animators(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    owner, _ = await colleague("Olga Owner")
    member, _ = await colleague("Max Member")
    company_animator, _ = await colleague("Cora Animator", role="animator")
    group = await make_group(owner, "Gardening")
    await _member(db, group, member)
    await charters.save_charter(db, owner, "gardening", "Share seeds.")
    with pytest.raises(Forbidden):
        await charters.save_charter(db, member, "gardening", "No rules.")
    await charters.save_charter(db, company_animator, "gardening", "Share seeds and tools.")
    assert [v for v, _body in await _versions(db, group.id)] == [1, 2]
    # The group's versions are numbered apart from the company's.
    assert await _versions(db, None) == []


async def test_a_secret_group_charter_does_not_leak(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    owner, _ = await colleague("Sam Secret")
    outsider, _ = await colleague("Otto Outsider")
    await make_group(owner, "Skunkworks", visibility="secret")
    await charters.save_charter(db, owner, "skunkworks", "Say nothing.")
    for call in (
        charters.charter_page(db, outsider, "skunkworks"),
        charters.charter_history(db, outsider, "skunkworks"),
        charters.save_charter(db, outsider, "skunkworks", "Tell all."),
        charters.accept_charter(db, outsider, "skunkworks", 1),
    ):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(NotFound):
        await charters.charter_page(db, outsider, "no-such-group")
    with pytest.raises(NotFound):
        await charters.charter_page(db, outsider, "../etc")


async def test_company_charter_status_asks_again_for_each_new_version(
    db: AsyncSession, colleague: MakePerson
) -> None:
    admin, _ = await colleague("Ada Admin", role="admin")
    person, _ = await colleague("Paul Person")
    assert not (await charters.company_charter_status(db, person)).pending
    first = await charters.save_charter(db, admin, None, "Be kind.")
    assert (await charters.company_charter_status(db, person)).pending
    assert first.id is not None
    await charters.accept_charter(db, person, None, first.id)
    await charters.accept_charter(db, person, None, first.id)  # a double click
    count = await db.execute(
        select(func.count()).where(col(CharterAcceptance.user_id) == person.id)
    )
    assert count.scalar_one() == 1
    assert not (await charters.company_charter_status(db, person)).pending
    await charters.save_charter(db, admin, None, "Be kind. Answer.")
    status = await charters.company_charter_status(db, person)
    assert status.pending and status.version == 2


async def test_accepting_a_charter_of_another_scope_is_not_found(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    owner, _ = await colleague("Olga Owner")
    await make_group(owner, "Gardening")
    group_charter = await charters.save_charter(db, owner, "gardening", "Share seeds.")
    assert group_charter.id is not None
    with pytest.raises(NotFound):
        await charters.accept_charter(db, owner, None, group_charter.id)
    with pytest.raises(NotFound):
        await charters.accept_charter(db, owner, "gardening", 2**40)


async def test_group_banner_for_members_until_they_accept_and_again_on_change(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    owner, _ = await colleague("Olga Owner")
    member, _ = await colleague("Max Member")
    outsider, _ = await colleague("Otto Outsider")
    group = await make_group(owner, "Gardening")
    assert group.id is not None
    await _member(db, group, member)
    assert await _banner(db, member, group) is None  # no charter yet
    first = await charters.save_charter(db, owner, "gardening", "Share seeds.")
    banner = await _banner(db, member, group)
    assert banner is not None and not banner.changed
    assert banner.charter_id == first.id and banner.url == "/groups/gardening/charter"
    assert await _banner(db, outsider, group) is None
    with pytest.raises(Forbidden):  # a group's charter is for its members to accept
        await charters.accept_charter(db, outsider, "gardening", banner.charter_id)
    await charters.accept_charter(db, member, "gardening", banner.charter_id)
    assert await _banner(db, member, group) is None
    await charters.save_charter(db, owner, "gardening", "Share seeds and tools.")
    changed = await _banner(db, member, group)
    assert changed is not None and changed.changed and changed.version == 2


async def test_charter_text_is_sanitised_markdown(db: AsyncSession, colleague: MakePerson) -> None:
    admin, _ = await colleague("Ada Admin", role="admin")
    await charters.save_charter(
        db, admin, None, "**Be kind** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    page = await charters.charter_page(db, admin, None)
    assert "<strong>Be kind</strong>" in page.html
    assert "<script>" not in page.html
    assert 'href="javascript' not in page.html


async def test_stale_charters_leave_the_queue_once_reviewed(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    admin, _ = await colleague("Ada Admin", role="admin")
    owner, _ = await colleague("Olga Owner")
    await make_group(owner, "Gardening")
    archived = await make_group(owner, "Old Club")
    with pytest.raises(InvalidInput):
        await charters.mark_charter_reviewed(db, admin, None)
    await charters.save_charter(db, admin, None, "Be kind.")
    await charters.save_charter(db, owner, "gardening", "Share seeds.")
    await charters.save_charter(db, owner, "gardening", "Share seeds and tools.")
    await charters.save_charter(db, owner, "old-club", "Old rules.")
    long_ago = utcnow() - timedelta(days=400)
    await db.execute(update(Charter).values(created_at=long_ago))
    await db.execute(update(Group).where(col(Group.id) == archived.id).values(archived_at=utcnow()))
    await db.commit()

    async def stale() -> set[tuple[str, str]]:
        found = await queue.stale_charters(db, admin)
        return {(item.href, item.context) for item in found.items}

    # Latest versions only, the archived group's left out.
    assert await stale() == {("/animation/charter", "1"), ("/groups/gardening/charter", "2")}
    with pytest.raises(InvalidInput):  # reviewing a version that is no longer the latest
        await charters.mark_charter_reviewed(db, owner, "gardening", version=1)
    await charters.mark_charter_reviewed(db, owner, "gardening", version=2)
    await charters.mark_charter_reviewed(db, admin, None)
    assert await stale() == set()
