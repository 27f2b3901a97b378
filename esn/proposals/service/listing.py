"""The list of proposals: filtered, searched, paged by keyset, and exported as CSV.

Every row passes ``policy.readable_proposals_clause``; the CSV is further cut
to the reader's scope (everything for an administrator, their reports' at any
depth for a manager).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import as_utc
from esn.core.errors import Forbidden
from esn.core.i18n import gettext as _
from esn.people import service as people
from esn.people.models import Profile
from esn.proposals import ledger
from esn.proposals.lifecycle import state_label
from esn.proposals.models import Proposal, ProposalBacking, ProposalSkill
from esn.proposals.service.labels import period_label, time_label
from esn.proposals.service.limits import MAX_SHOWN
from esn.proposals.service.links import proposal_path

LIST_PAGE_SIZE = 20
MAX_SEARCH_WORDS = 5
MAX_EXPORT_ROWS = 5000


@dataclass(frozen=True)
class ProposalQuery:
    """The list's filters (forms.py checked them) and its page cursor."""

    q: str = ""
    state: str = ""
    department: str = ""
    skill: str = ""
    after: int | None = None


@dataclass
class ProposalRow:
    """A proposal in the list: with its proposer and its number of backers."""

    proposal: Proposal
    proposer: Profile
    backers: int

    @property
    def state_label(self) -> str:
        """Where the proposal stands, as people name it."""
        return state_label(self.proposal.state)

    @property
    def time_asked(self) -> str:
        """The time asked, as the proposer expressed it."""
        return time_label(self.proposal)

    @property
    def period(self) -> str:
        """From when to when."""
        return period_label(self.proposal)


@dataclass
class ProposalList:
    """A page of the list, the cursor of the next one, and the filters' choices."""

    rows: list[ProposalRow]
    next_cursor: int | None
    departments: list[str]
    can_export: bool


async def backer_counts(db: AsyncSession, ids: list[int | None]) -> dict[int, int]:
    """How many backers each of these proposals has (one query; absent means none)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await db.execute(
        select(col(ProposalBacking.proposal_id), func.count())
        .where(col(ProposalBacking.proposal_id).in_(wanted))
        .group_by(col(ProposalBacking.proposal_id))
    )
    return {int(pid): int(count) for pid, count in rows.all()}


async def _has_reports(db: AsyncSession, actor: User) -> bool:
    found = await db.execute(
        select(col(Profile.user_id)).where(col(Profile.manager_id) == actor.id).limit(1)
    )
    return found.first() is not None


def _filtered(actor: User, query: ProposalQuery) -> Any:
    statement = (
        select(Proposal, Profile)
        .join(Profile, col(Profile.user_id) == col(Proposal.proposer_id))
        .where(policy.readable_proposals_clause(actor))
    )
    if query.state:
        statement = statement.where(col(Proposal.state) == query.state)
    if query.department:
        statement = statement.where(col(Profile.department) == query.department)
    if query.skill:
        statement = statement.where(
            exists(
                select(col(ProposalSkill.id)).where(
                    col(ProposalSkill.proposal_id) == col(Proposal.id),
                    col(ProposalSkill.key) == people.skill_key(query.skill),
                )
            )
        )
    for word in query.q.split()[:MAX_SEARCH_WORDS]:
        statement = statement.where(
            col(Proposal.search_text).like(people.like_pattern(people.fold(word)), escape="\\")
        )
    return statement


async def list_proposals(
    db: AsyncSession, actor: User, query: ProposalQuery | None
) -> ProposalList:
    """The proposals ``actor`` may see, newest first, filtered and searched (keyset on id)."""
    if not policy.is_staff(actor):
        raise Forbidden
    departments = list(
        (
            await db.execute(
                select(col(Profile.department))
                .where(col(Profile.department) != "")
                .distinct()
                .order_by(col(Profile.department))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    can_export = policy.can_export_proposals(actor, has_reports=await _has_reports(db, actor))
    if query is None:
        return ProposalList(
            rows=[], next_cursor=None, departments=departments, can_export=can_export
        )
    statement = _filtered(actor, query)
    if query.after is not None:
        statement = statement.where(col(Proposal.id) < query.after)
    found = (
        await db.execute(statement.order_by(col(Proposal.id).desc()).limit(LIST_PAGE_SIZE + 1))
    ).all()
    page = found[:LIST_PAGE_SIZE]
    counts = await backer_counts(db, [row[0].id for row in page])
    rows = [ProposalRow(row[0], row[1], counts.get(row[0].id, 0)) for row in page]
    next_cursor = page[-1][0].id if len(found) > LIST_PAGE_SIZE and page else None
    return ProposalList(
        rows=rows, next_cursor=next_cursor, departments=departments, can_export=can_export
    )


def _reports_of(actor: User) -> Any:
    """Everyone under ``actor`` in the org chart, directly or not (a recursive query)."""
    tree = (
        select(col(Profile.user_id).label("uid"))
        .where(col(Profile.manager_id) == actor.id)
        .cte("reports", recursive=True)
    )
    below = select(col(Profile.user_id)).join(tree, col(Profile.manager_id) == tree.c.uid)
    tree = tree.union(below)
    return select(tree.c.uid)


async def export_rows(db: AsyncSession, actor: User, query: ProposalQuery) -> list[list[str]]:
    """The CSV of the proposals in ``actor``'s scope: everything for an administrator,
    their reports' (at any depth) for a manager. A header row first."""
    if not policy.can_export_proposals(actor, has_reports=await _has_reports(db, actor)):
        raise Forbidden
    statement = _filtered(actor, query)
    if not policy.is_admin(actor):
        statement = statement.where(col(Proposal.proposer_id).in_(_reports_of(actor)))
    found = (await db.execute(statement.order_by(col(Proposal.id)).limit(MAX_EXPORT_ROWS))).all()
    counts = await backer_counts(db, [row[0].id for row in found])
    header = [
        _("Id"),
        _("Title"),
        _("State"),
        _("Proposer"),
        _("Department"),
        _("Hours a week"),
        _("Percent of working time"),
        _("Start"),
        _("End"),
        _("Skills sought"),
        _("Backers"),
        _("Submitted"),
        _("Link"),
    ]
    lines = [header]
    for proposal, proposer in found:
        lines.append(
            [
                str(proposal.id),
                proposal.title,
                state_label(proposal.state),
                proposer.display_name,
                proposer.department,
                ledger.hours(proposal.minutes_per_week),
                ledger.percent_of_week(proposal.minutes_per_week),
                proposal.start_date.isoformat(),
                proposal.end_date.isoformat(),
                proposal.skills,
                str(counts.get(proposal.id or 0, 0)),
                as_utc(proposal.submitted_at).date().isoformat() if proposal.submitted_at else "",
                proposal_path(proposal.id),
            ]
        )
    return lines
