"""Curating a group: who may, its details, archiving it, featuring it in the directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.animation.curation import service as curation
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.groups import service as groups
from esn.groups.models import Group, GroupTag
from esn.stream import service as stream
from esn.stream.models import Activity, group_source
from tests.animation.curation.conftest import MakeGroup, MakePost, fresh, in_days, person
from tests.conftest import MakePerson

# --- curating a group ------------------------------------------------------------------


async def test_who_may_curate_a_group(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    owner = await person(colleague, "Owen Owner")
    member = await person(colleague, "Mia Member")
    stranger = await person(colleague, "Sam Stranger")
    animator = await person(colleague, "Anna Animator", "animator")
    group = await make_group("private", members=[(owner, "owner"), (member, "member")])
    secret = await make_group("secret", members=[(owner, "owner")])
    for actor in (member, stranger):
        with pytest.raises(Forbidden):
            await curation.curation_page(db, actor, group.slug)
    with pytest.raises(NotFound):
        await curation.curation_page(db, stranger, secret.slug)
    page = await curation.curation_page(db, owner, group.slug)
    assert not page.can_merge and not page.can_feature
    page = await curation.curation_page(db, animator, secret.slug)
    assert page.can_merge and page.can_feature


async def test_editing_details_keeps_the_address_and_normalises_tags(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    owner = await person(colleague, "Owen Owner")
    group = await make_group(members=[(owner, "owner")], tags=["old", "kept"])
    details = curation.GroupDetails(
        name="Café Lovers", description="Coffee.", tags=("Kept", "  Nouvelle   Étiquette ", "kept")
    )
    await curation.update_group_details(db, owner, group.slug, details)
    stored = await fresh(db, Group, group.id)
    assert isinstance(stored, Group)
    assert (stored.name, stored.slug, stored.search_name) == (
        "Café Lovers",
        group.slug,
        "cafe lovers",
    )
    tags = (
        await db.execute(select(col(GroupTag.tag)).where(col(GroupTag.group_id) == group.id))
    ).scalars()
    assert sorted(tags) == ["kept", "nouvelle etiquette"]


async def test_an_archived_group_is_read_only_and_still_readable(
    db: AsyncSession,
    colleague: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
    tmp_path: Path,
) -> None:
    owner = await person(colleague, "Owen Owner")
    reader = await person(colleague, "Rita Reader")
    requester = await person(colleague, "Rob Requester")
    group = await make_group(members=[(owner, "owner")])
    private = await make_group("private", members=[(owner, "owner")])
    await make_post(owner, "still here", group)
    with pytest.raises(InvalidInput) as refused:
        await curation.archive_group(db, owner, group.slug, confirmed=False)
    assert "Tick" in refused.value.errors["confirm"]
    await curation.archive_group(db, owner, group.slug, confirmed=True)
    await curation.archive_group(db, owner, private.slug, confirmed=True)
    with pytest.raises(InvalidInput) as refused:
        await curation.archive_group(db, owner, group.slug, confirmed=True)
    assert "already" in refused.value.errors["confirm"]
    assert group.id is not None
    with pytest.raises(InvalidInput) as refused:
        await stream.create_post(db, owner, group_source(group.id), "new", media_dir=tmp_path)
    assert "archived" in refused.value.errors["source"]
    page = await groups.group_page(db, reader, group.slug)
    assert page.header.archived and page.header.can_read and not page.header.can_join
    assert page.stream is not None and [v.post.body for v in page.stream.items] == ["still here"]
    with pytest.raises(InvalidInput) as refused:
        await groups.join_group(db, reader, group.slug)
    assert "archived" in refused.value.errors["__all__"]
    with pytest.raises(InvalidInput):
        await groups.join_group(db, requester, private.slug)
    with pytest.raises(InvalidInput) as refused:
        await groups.invite_person(db, owner, group.slug, "colleague2@example.com")
    assert "archived" in refused.value.errors["invitee"]
    verbs = (await db.execute(select(col(Activity.verb)))).scalars()
    assert "archived" in set(verbs)
    await curation.unarchive_group(db, owner, group.slug)
    assert await groups.join_group(db, reader, group.slug) == "joined"
    with pytest.raises(InvalidInput):
        await curation.unarchive_group(db, owner, group.slug)


# --- featuring groups in the directory ---------------------------------------------------


async def test_featured_groups_lead_the_directory_without_leaking_secret_ones(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    animator = await person(colleague, "Anna Animator", "animator")
    owner = await person(colleague, "Owen Owner")
    reader = await person(colleague, "Rita Reader")
    await make_group(name="Alpha")
    zulu = await make_group(name="Zulu", members=[(owner, "owner")])
    secret = await make_group("secret", name="Hidden", members=[(owner, "owner")])
    with pytest.raises(Forbidden):
        await curation.feature_group(db, owner, zulu.slug, in_days(7))
    with pytest.raises(InvalidInput) as refused:
        await curation.feature_group(db, animator, zulu.slug, in_days(-1))
    assert "passed" in refused.value.errors["until"]
    await curation.feature_group(db, animator, zulu.slug, in_days(7))
    await curation.feature_group(db, animator, secret.slug, in_days(7))
    directory = await groups.search_groups(db, reader, groups.DirectoryQuery())
    assert [card.group.name for card in directory.featured] == ["Zulu"]
    assert "Hidden" not in [card.group.name for card in directory.groups]
    member_view = await groups.search_groups(db, owner, groups.DirectoryQuery())
    assert sorted(card.group.name for card in member_view.featured) == ["Hidden", "Zulu"]
    await curation.unfeature_group(db, animator, zulu.slug)
    directory = await groups.search_groups(db, reader, groups.DirectoryQuery())
    assert directory.featured == []
