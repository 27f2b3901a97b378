"""The proposals service: writing, the lifecycle by its rightful actors, the ledger,
the project group, check-ins, the retrospective and the scheduled job."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.applications import Starlette

from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.groups.models import Group, Membership
from esn.proposals import jobs
from esn.proposals import service as proposals
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, Activity, Comment, Post
from tests.conftest import MakeGroup, MakePerson
from tests.proposals.conftest import (
    Org,
    history,
    idea,
    kinds_for,
    stored,
    submitted,
    today,
)


async def test_a_proposal_goes_from_draft_to_retrospective(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    draft = await proposals.create_proposal(db, org.alice, idea(coproposers=(org.bob.email,)))
    assert draft.state == "draft" and draft.submitted_at is None
    assert await kinds_for(db, org.bob) == ["proposal_coproposer"]
    await proposals.answer_coproposal(db, org.bob, draft.id or 0, accept=True)

    proposal = await proposals.submit_proposal(
        db, org.alice, draft.id or 0, version=draft.version, media_dir=media_dir
    )
    assert proposal.state == "submitted" and proposal.approver_id == org.manager.id
    assert await kinds_for(db, org.manager) == ["proposal_submitted"]
    assert proposal.discussion_post_id is not None
    conversation = await db.get(Post, proposal.discussion_post_id)
    assert conversation is not None and conversation.source == COMPANY_SOURCE

    changed = await proposals.decide_proposal(
        db,
        org.manager,
        proposal.id or 0,
        "request_changes",
        "Say how you measure it.",
        version=proposal.version,
    )
    assert changed.state == "changes_requested"
    again = await proposals.submit_proposal(
        db, org.alice, proposal.id or 0, version=changed.version, media_dir=media_dir
    )
    approved = await proposals.decide_proposal(
        db, org.manager, again.id or 0, "approve", "Good idea.", version=again.version
    )
    assert approved.state == "approved" and approved.group_id is not None
    group = await db.get(Group, approved.group_id)
    assert group is not None and group.name == "Invoice export"
    members = set(
        (
            await db.execute(
                select(col(Membership.user_id)).where(col(Membership.group_id) == group.id)
            )
        ).scalars()
    )
    assert members == {org.alice.id, org.bob.id}
    assert "proposal_approved" in await kinds_for(db, org.alice)
    assert "proposal_approved" in await kinds_for(db, org.bob)

    result = await jobs.tick(db, utcnow() + timedelta(days=8))
    assert result.started == 1
    active = await stored(db, approved.id)
    assert active.state == "active"
    await proposals.check_in(db, org.bob, active.id or 0, "Wrote the query.", 150)

    closed, follow_up = await proposals.close_proposal(
        db,
        org.alice,
        active.id or 0,
        proposals.Retrospective("stop", "Customers wanted PDF after all.", "stop"),
        version=active.version,
        media_dir=media_dir,
    )
    assert closed.state == "stopped" and follow_up is None
    assert await history(db, closed.id) == [
        ("submit", "draft", "submitted"),
        ("request_changes", "submitted", "changes_requested"),
        ("resubmit", "changes_requested", "submitted"),
        ("approve", "submitted", "approved"),
        ("start", "approved", "active"),
        ("stop", "active", "stopped"),
    ]
    page = await stream.stream_page(db, org.outsider, [f"group:{group.id}"])
    assert any("Customers wanted PDF" in view.post.body for view in page.items)
    verbs = set((await db.execute(select(col(Activity.verb)))).scalars())
    assert {"approved", "stopped"} <= verbs


async def test_two_approvals_at_once_make_exactly_one_decision(
    app: Starlette, org: Org, media_dir: Path, db: AsyncSession
) -> None:
    proposal = await submitted(db, org.alice, media_dir)
    factory = app.state.session_factory

    async def act(decision: str) -> str:
        async with factory() as session:
            try:
                await proposals.decide_proposal(
                    session,
                    org.manager,
                    proposal.id or 0,
                    decision,
                    f"{decision} because",
                    version=proposal.version,
                )
            except proposals.StaleProposal:
                return "stale"
            return decision

    results = await asyncio.gather(act("approve"), act("decline"))

    assert sorted(results).count("stale") == 1
    winner = next(result for result in results if result != "stale")
    final = await stored(db, proposal.id)
    assert final.state == {"approve": "approved", "decline": "declined"}[winner]
    moves = [action for action, _f, _t in await history(db, proposal.id)]
    assert moves == ["submit", winner]
    groups_made = (await db.execute(select(col(Group.id)))).scalars().all()
    assert len(groups_made) == (1 if winner == "approve" else 0)


async def test_without_a_manager_an_administrator_decides_but_never_their_own(
    db: AsyncSession, org: Org, colleague: MakePerson, media_dir: Path
) -> None:
    mine = await submitted(db, org.admin, media_dir)
    assert mine.approver_id is None
    with pytest.raises(proposals.NotYours):
        await proposals.decide_proposal(
            db, org.admin, mine.id or 0, "approve", "Mine", version=mine.version
        )
    other_admin, _profile = await colleague("Adele Admin", role="admin")
    decided = await proposals.decide_proposal(
        db, other_admin, mine.id or 0, "approve", "Fine", version=mine.version
    )
    assert decided.state == "approved"


async def test_a_manager_on_the_team_hands_the_decision_to_an_administrator(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    draft = await proposals.create_proposal(db, org.alice, idea(coproposers=(org.manager.email,)))
    await proposals.answer_coproposal(db, org.manager, draft.id or 0, accept=True)
    proposal = await proposals.submit_proposal(
        db, org.alice, draft.id or 0, version=draft.version, media_dir=media_dir
    )
    assert proposal.approver_id is None
    with pytest.raises(proposals.NotYours):
        await proposals.decide_proposal(
            db, org.manager, proposal.id or 0, "approve", "Ours", version=proposal.version
        )
    assert "proposal_submitted" in await kinds_for(db, org.admin)
    approved = await proposals.decide_proposal(
        db, org.admin, proposal.id or 0, "approve", "Fine", version=proposal.version
    )
    assert approved.state == "approved"


async def test_the_allowance_comes_from_the_person_then_the_department(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    ids = {org.alice.id or 0, org.bob.id or 0, org.outsider.id or 0}
    assert set((await proposals.allowance_percents(db, ids)).values()) == {10}
    await proposals.set_department_allowance(db, org.admin, "Engineering", 20)
    await proposals.set_person_allowance(db, org.admin, org.bob.email, 5)
    percents = await proposals.allowance_percents(db, ids)
    assert percents == {org.alice.id: 20, org.bob.id: 5, org.outsider.id: 10}
    with pytest.raises(InvalidInput) as refused:
        await proposals.create_proposal(db, org.bob, idea())
    assert "your slack-time allowance is 1.75 h a week (5 %)" in refused.value.errors["time_amount"]
    await proposals.set_person_allowance(db, org.admin, org.bob.email, None)
    assert (await proposals.allowance_percents(db, {org.bob.id or 0}))[org.bob.id or 0] == 20
    with pytest.raises(Forbidden):  # only administrators
        await proposals.set_department_allowance(db, org.alice, "Engineering", 50)


async def test_approval_counts_every_team_member_over_every_week(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    start = today() + timedelta(days=7)
    bobs = await submitted(db, org.bob, media_dir, time_amount=Decimal(8), start_date=start)
    await proposals.decide_proposal(
        db, org.manager, bobs.id or 0, "approve", "Yes", version=bobs.version
    )
    # Alice's proposal starts after Bob's ends: Bob may co-propose it.
    later = start + timedelta(days=35)
    draft = await proposals.create_proposal(
        db,
        org.alice,
        idea(coproposers=(org.bob.email,), start_date=later, end_date=later + timedelta(days=6)),
    )
    await proposals.answer_coproposal(db, org.bob, draft.id or 0, accept=True)
    fits = await proposals.submit_proposal(
        db, org.alice, draft.id or 0, version=draft.version, media_dir=media_dir
    )
    # A third one overlapping Bob's last week does not fit him.
    overlapping = await proposals.create_proposal(
        db,
        org.alice,
        idea(
            title="Overlap",
            coproposers=(org.bob.email,),
            start_date=start + timedelta(days=27),
            end_date=start + timedelta(days=30),
            time_amount=Decimal(3),
        ),
    )
    await proposals.answer_coproposal(db, org.bob, overlapping.id or 0, accept=True)
    overlapping = await proposals.submit_proposal(
        db,
        org.alice,
        overlapping.id or 0,
        version=overlapping.version,
        media_dir=media_dir,
    )
    with pytest.raises(InvalidInput) as refused:
        await proposals.decide_proposal(
            db,
            org.manager,
            overlapping.id or 0,
            "approve",
            "Yes",
            version=overlapping.version,
        )
    message = refused.value.errors["__all__"]
    assert "Bob Leroy" in message and "Alice Martin" not in message
    assert "3.5 h a week allowed, 2.8 h already committed, 1.05 h asked here" in message
    ok = await proposals.decide_proposal(
        db, org.manager, fits.id or 0, "approve", "Yes", version=fits.version
    )
    assert ok.state == "approved"


async def test_check_ins_come_from_the_team_while_active_and_count_against_the_grant(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    proposal = await submitted(
        db, org.alice, media_dir, start_date=today(), end_date=today() + timedelta(days=27)
    )
    active = await proposals.decide_proposal(
        db, org.manager, proposal.id or 0, "approve", "Go", version=proposal.version
    )
    assert active.state == "active"  # its start date has come: it starts at once
    with pytest.raises(proposals.NotYours):
        await proposals.check_in(db, org.outsider, active.id or 0, "Helped", 60)
    with pytest.raises(InvalidInput):
        await proposals.check_in(db, org.alice, active.id or 0, "Nothing", 0)
    await proposals.check_in(db, org.alice, active.id or 0, "Query written", 90)
    await proposals.check_in(db, org.alice, active.id or 0, "Tested", 60)
    page = await proposals.proposal_page(db, org.alice, active.id or 0)
    assert page.spent_minutes == 150
    assert page.granted_minutes == 28 * 30  # 4 weeks at 3.5 h, one person
    assert page.can_check_in and page.can_close


async def test_the_job_starts_ends_and_reminds_once(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    proposal = await submitted(db, org.alice, media_dir)
    await proposals.decide_proposal(
        db, org.manager, proposal.id or 0, "approve", "Go", version=proposal.version
    )
    now = utcnow()
    assert await jobs.tick(db, now) == jobs.TickResult(0, 0, 0)  # not yet
    started = now + timedelta(days=7)
    assert (await jobs.tick(db, started)).started == 1
    assert (await jobs.tick(db, started)).started == 0  # nothing twice
    week_later = started + timedelta(days=8)
    assert (await jobs.tick(db, week_later)).reminded == 1
    assert (await jobs.tick(db, week_later)).reminded == 0
    assert "proposal_checkin_due" in await kinds_for(db, org.alice)
    await proposals.check_in(db, org.alice, proposal.id or 0, "Progress", 60)
    assert (await jobs.tick(db, utcnow() + timedelta(days=3))).reminded == 0
    after_end = now + timedelta(days=40)
    result = await jobs.tick(db, after_end)
    assert result.ended == 1
    assert (await stored(db, proposal.id)).state == "retrospective_due"
    assert "proposal_retro_due" in await kinds_for(db, org.alice)
    with pytest.raises(proposals.RefusedTransition):
        await proposals.check_in(db, org.alice, proposal.id or 0, "Late", 30)


async def test_closing_with_a_follow_up_writes_the_next_draft(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    draft = await proposals.create_proposal(
        db, org.alice, idea(coproposers=(org.bob.email,), start_date=today())
    )
    await proposals.answer_coproposal(db, org.bob, draft.id or 0, accept=True)
    proposal = await proposals.submit_proposal(
        db, org.alice, draft.id or 0, version=draft.version, media_dir=media_dir
    )
    active = await proposals.decide_proposal(
        db, org.manager, proposal.id or 0, "approve", "Go", version=proposal.version
    )
    with pytest.raises(proposals.NotYours):
        await proposals.close_proposal(
            db,
            org.bob,
            active.id or 0,
            proposals.Retrospective("complete", "x", "continue"),
            version=active.version,
            media_dir=media_dir,
        )
    closed, follow_up = await proposals.close_proposal(
        db,
        org.alice,
        active.id or 0,
        proposals.Retrospective("complete", "It works.", "continue", follow_up=True),
        version=active.version,
        media_dir=media_dir,
    )
    assert closed.state == "completed"
    assert follow_up is not None and follow_up.state == "draft"
    assert follow_up.previous_id == closed.id and follow_up.group_id == closed.group_id
    page = await proposals.proposal_page(db, org.alice, closed.id or 0)
    assert page.follow_up is not None and page.retrospective is not None
    assert page.retrospective.post_id is not None
    follow_page = await proposals.proposal_page(db, org.bob, follow_up.id or 0)
    assert follow_page.my_coproposal == "invited"


async def test_backers_and_volunteers_are_colleagues_once_each(
    db: AsyncSession, org: Org, media_dir: Path
) -> None:
    proposal = await submitted(db, org.alice, media_dir, start_date=today())
    with pytest.raises(proposals.NotYours):
        await proposals.back_proposal(db, org.alice, proposal.id or 0, "Me")
    await proposals.back_proposal(db, org.outsider, proposal.id or 0, "Yes!")
    await proposals.back_proposal(db, org.outsider, proposal.id or 0, "Yes, twice")
    await proposals.volunteer(db, org.bob, proposal.id or 0, "SQL")
    page = await proposals.proposal_page(db, org.outsider, proposal.id or 0)
    assert [(b.profile.display_name, b.text) for b in page.backers] == [
        ("Otto Other", "Yes, twice")
    ]
    # The proposer hears of the first backing only.
    assert (await kinds_for(db, org.alice)).count("proposal_backed") == 1
    approved = await proposals.decide_proposal(
        db, org.manager, proposal.id or 0, "approve", "Go", version=proposal.version
    )
    members = set(
        (
            await db.execute(
                select(col(Membership.user_id)).where(col(Membership.group_id) == approved.group_id)
            )
        ).scalars()
    )
    assert members == {org.alice.id, org.bob.id}  # the volunteer joined the project group
    await proposals.unback_proposal(db, org.outsider, proposal.id or 0)
    page = await proposals.proposal_page(db, org.outsider, proposal.id or 0)
    assert page.backers == [] and page.can_support


async def test_a_proposal_in_a_secret_group_stays_with_that_group(
    db: AsyncSession, org: Org, media_dir: Path, make_group: MakeGroup
) -> None:
    group = await make_group(org.alice, "Skunkworks", "secret")
    proposal = await submitted(db, org.alice, media_dir, group=group.slug, title="Hush")
    with pytest.raises(NotFound):
        await proposals.proposal_page(db, org.outsider, proposal.id or 0)
    with pytest.raises(NotFound):
        await proposals.back_proposal(db, org.outsider, proposal.id or 0, "")
    listed = await proposals.list_proposals(db, org.outsider, proposals.ProposalQuery())
    assert listed.rows == []
    # The manager decides, so sees it; the conversation stays in the group.
    assert (await proposals.proposal_page(db, org.manager, proposal.id or 0)).may_decide
    conversation = await db.get(Post, proposal.discussion_post_id)
    assert conversation is not None and conversation.group_id == group.id
    approved = await proposals.decide_proposal(
        db, org.manager, proposal.id or 0, "approve", "Go", version=proposal.version
    )
    assert approved.group_id == group.id  # the linked group is the project group
    event = (
        await db.execute(select(Activity).where(col(Activity.object_type) == "proposal"))
    ).scalar_one()
    assert event.source == f"group:{group.id}"
    # The outsider's home reads the company stream and their own: not the group's.
    context = stream.HomeContext("Otto Other", "otto-other", followees=[], groups=[], topics=[])
    home = await stream.home_stream(db, org.outsider, context=context)
    assert not [a for a in home.activities if a.activity.object_type == "proposal"]


async def test_a_draft_is_for_its_proposer_and_those_asked(db: AsyncSession, org: Org) -> None:
    draft = await proposals.create_proposal(db, org.alice, idea(coproposers=(org.bob.email,)))
    assert (await proposals.proposal_page(db, org.bob, draft.id or 0)).my_coproposal == "invited"
    for reader in (org.manager, org.outsider, org.admin):
        with pytest.raises(NotFound):
            await proposals.proposal_page(db, reader, draft.id or 0)
    comments = (await db.execute(select(Comment))).scalars().all()
    assert comments == []
