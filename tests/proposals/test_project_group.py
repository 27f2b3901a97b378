"""The project group: its proposals at its top, and kept when groups are merged."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from esn.proposals import service as proposals
from tests.conftest import MakeGroup
from tests.proposals.conftest import Org, idea, stored, submitted


async def test_moving_a_groups_proposals_relinks_them_all_and_no_others(
    db: AsyncSession, org: Org, media_dir: Path, make_group: MakeGroup
) -> None:
    old = await make_group(org.alice, "Old data club")
    new = await make_group(org.alice, "Data club")
    other = await make_group(org.alice, "Lunch club")
    assert old.id is not None and new.id is not None and other.id is not None
    linked = await submitted(db, org.alice, media_dir, group=old.slug)
    draft = await proposals.create_proposal(db, org.alice, idea(group=old.slug, title="Draft"))
    elsewhere = await proposals.create_proposal(db, org.alice, idea(group=other.slug))
    before = {p.id: (p.state, p.version) for p in (linked, draft)}
    elsewhere_id = elsewhere.id

    moved = await proposals.move_group_proposals(db, old.id, new.id)
    assert moved == 2
    await db.commit()  # the caller's transaction: the caller commits

    for proposal_id, (state, version) in before.items():
        now = await stored(db, proposal_id)
        assert now.group_id == new.id
        assert now.version == version + 1  # a form naming the old group is now stale
        assert now.state == state
    assert (await stored(db, elsewhere_id)).group_id == other.id
    assert await proposals.move_group_proposals(db, old.id, new.id) == 0
    assert await proposals.move_group_proposals(db, new.id, new.id) == 0


async def test_a_move_left_uncommitted_changes_nothing(
    db: AsyncSession, org: Org, make_group: MakeGroup
) -> None:
    old = await make_group(org.alice, "Old data club")
    new = await make_group(org.alice, "Data club")
    assert old.id is not None and new.id is not None
    draft = await proposals.create_proposal(db, org.alice, idea(group=old.slug))
    draft_id = draft.id

    assert await proposals.move_group_proposals(db, old.id, new.id) == 1
    await db.rollback()

    assert (await stored(db, draft_id)).group_id == old.id
