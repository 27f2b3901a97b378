"""What the proposal form starts with: a new proposal (maybe from a post and its
thread), or the proposal being edited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import Group, Membership
from esn.people.models import Profile
from esn.proposals import ledger
from esn.proposals.lifecycle import PROPOSER
from esn.proposals.models import Proposal, ProposalCoProposer, TimeUnit
from esn.proposals.service.commitments import own_allowance
from esn.proposals.service.limits import MAX_SHOWN
from esn.proposals.service.reading import profiles, readable, valid_id
from esn.proposals.service.transitions import require_actor
from esn.proposals.service.writing import require_editable
from esn.stream import service as stream

# Participants of the thread a proposal comes from, suggested as co-proposers.
MAX_SUGGESTED = 8


@dataclass(frozen=True)
class Prefill:
    """What the "new proposal" form starts with."""

    values: dict[str, str]
    origin: stream.PostView | None
    suggested: list[Profile]
    groups: list[tuple[str, str]]
    allowance_percent: int = ledger.DEFAULT_ALLOWANCE_PERCENT

    @property
    def allowance(self) -> str:
        """The writer's allowance, for the time field's help."""
        minutes = ledger.allowance_minutes(self.allowance_percent)
        return _("%(percent)s %% of working time (%(hours)s h a week)") % {
            "percent": self.allowance_percent,
            "hours": ledger.hours(minutes),
        }


async def my_groups(db: AsyncSession, actor: User) -> list[tuple[str, str]]:
    """(slug, name) of the groups ``actor`` belongs to: what a proposal may be linked to."""
    rows = await db.execute(
        select(col(Group.slug), col(Group.name))
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(col(Membership.user_id) == actor.id)
        .order_by(col(Group.search_name))
        .limit(MAX_SHOWN)
    )
    return [(slug, name) for slug, name in rows.all()]


async def new_proposal(db: AsyncSession, actor: User, from_post: int | None) -> Prefill:
    """The new proposal form, filled from a post and its thread when there is one.

    The thread's participants are suggested as co-proposers; a post in a
    private or secret group links the proposal to that group, so the idea
    stays with the people who could read it.
    """
    if not policy.is_staff(actor):
        raise Forbidden
    assert actor.id is not None
    today = utcnow().date()
    start = today + timedelta(days=7)
    values = {
        "time_unit": TimeUnit.PERCENT.value,
        "time_amount": str(ledger.DEFAULT_ALLOWANCE_PERCENT),
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(weeks=8) - timedelta(days=1)).isoformat(),
    }
    mine = await my_groups(db, actor)
    percent = await own_allowance(db, actor.id)
    if from_post is None:
        return Prefill(
            values=values, origin=None, suggested=[], groups=mine, allowance_percent=percent
        )
    origin = await stream.post_view(db, actor, valid_id(from_post))
    if origin is None:
        raise NotFound
    first_line = next((line for line in origin.post.body.splitlines() if line.strip()), "")
    title = re.sub(r"[#*_`>\[\]]", "", first_line).strip()
    values["title"] = title[:117] + "…" if len(title) > 120 else title
    values["problem"] = origin.post.body[:4000]
    values["origin_post_id"] = str(origin.post.id)
    participant_ids = [origin.post.author_id] + [
        view.comment.author_id for top in origin.comments for view in [top, *top.replies]
    ]
    wanted = [uid for uid in dict.fromkeys(participant_ids) if uid != actor.id][:MAX_SUGGESTED]
    found = await profiles(db, set(wanted))
    suggested = [found[uid] for uid in wanted if uid in found]
    values["coproposers"] = ", ".join(f"@{p.handle}" for p in suggested)
    origin_group = origin.group
    if origin_group is not None and not policy.is_open_group(origin_group.visibility):
        # Only a group the proposer belongs to can be linked; otherwise they choose.
        values["group"] = next((slug for slug, _n in mine if slug == origin_group.slug), "")
    return Prefill(
        values=values, origin=origin, suggested=suggested, groups=mine, allowance_percent=percent
    )


async def editable_proposal(
    db: AsyncSession, actor: User, proposal_id: int
) -> tuple[Proposal, Prefill]:
    """The proposal to edit and its form: values, the groups it may be linked to, the
    proposer's allowance."""
    proposal = await readable(db, actor, proposal_id)
    await require_actor(db, proposal, PROPOSER, actor)
    require_editable(proposal)
    assert proposal.id is not None
    handles = (
        await db.execute(
            select(col(Profile.handle))
            .join(ProposalCoProposer, col(ProposalCoProposer.user_id) == col(Profile.user_id))
            .where(col(ProposalCoProposer.proposal_id) == proposal.id)
            .order_by(col(ProposalCoProposer.id))
        )
    ).scalars()
    slug = None
    if proposal.group_id is not None:
        slug = (
            await db.execute(select(col(Group.slug)).where(col(Group.id) == proposal.group_id))
        ).scalar_one_or_none()
    amount = ledger.amount_for(proposal.time_unit, proposal.minutes_per_week)
    values = {
        "title": proposal.title,
        "problem": proposal.problem,
        "gain": proposal.gain,
        "time_unit": proposal.time_unit,
        "time_amount": format(amount.normalize(), "f"),
        "start_date": proposal.start_date.isoformat(),
        "end_date": proposal.end_date.isoformat(),
        "skills": proposal.skills,
        "coproposers": ", ".join(f"@{handle}" for handle in handles),
        "group": slug or "",
        "version": str(proposal.version),
    }
    prefill = Prefill(
        values=values,
        origin=None,
        suggested=[],
        groups=await my_groups(db, actor),
        allowance_percent=await own_allowance(db, proposal.proposer_id),
    )
    return proposal, prefill
