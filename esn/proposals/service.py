"""Slack-time proposals: writing them, deciding on them, running them, closing them.

Every change of state goes along esn.proposals.lifecycle.PROPOSAL, by the
actor the edge names, as one conditional UPDATE on (id, state, version): two
managers or two tabs acting at once cannot both win, and a form rendered
before the last change is refused as stale. Writes commit first; then
notifications are dispatched, memberships announced, and the proposal's
posts (its conversation, its retrospective) are made through the stream
service, which commits on its own.

Reading goes through ``policy.readable_proposals_clause``; a proposal someone
may not see answers exactly like a missing one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from babel.dates import format_date
from sqlalchemy import CursorResult, delete, exists, func, or_, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import Role, User
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import get_locale
from esn.core.i18n import gettext as _
from esn.groups import service as groups
from esn.groups.models import Group, Membership
from esn.lifecycle import LifecycleError
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people import service as people
from esn.people.models import Profile
from esn.proposals import ledger
from esn.proposals.lifecycle import (
    APPROVER,
    COMMITTED,
    EDITABLE,
    FINAL,
    NEEDS_REASON,
    PINNED,
    PROPOSAL,
    PROPOSER,
    SUPPORTABLE,
    TEAM,
    actions_for,
)
from esn.proposals.models import (
    CoProposerState,
    NextStep,
    Proposal,
    ProposalBacking,
    ProposalCheckIn,
    ProposalCoProposer,
    ProposalRetrospective,
    ProposalSkill,
    ProposalState,
    ProposalTransition,
    ProposalVolunteer,
    SlackAllowance,
)
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, group_source

log = logging.getLogger("esn.proposals")

# Ids come from URLs; anything beyond a 32-bit key cannot exist.
MAX_ID = 2**31 - 1
LIST_PAGE_SIZE = 20
MAX_COPROPOSERS = 10
MAX_SKILLS = 12
MAX_SUGGESTED = 8
MAX_SHOWN = 200
MAX_SEARCH_WORDS = 5
MAX_EXPORT_ROWS = 5000
MAX_ADMINS_NOTIFIED = 20
MAX_REPORTS = 200
MAX_QUEUE = 200
MAX_PINNED = 5
EXCERPT = 600


# --- errors the views turn into messages ---------------------------------------------


class StaleProposal(InvalidInput):
    """The proposal changed since the form was rendered: reload, then decide again."""

    def __init__(self) -> None:
        super().__init__(
            {
                "__all__": _(
                    "This proposal changed since you opened it. Reload the page to see "
                    "where it stands now, then try again."
                )
            }
        )


class RefusedTransition(InvalidInput):
    """The lifecycle does not declare this move from the proposal's current state."""


class NotYours(Forbidden):
    """The actor may see the proposal but this move is not theirs to make (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def state_label(state: str) -> str:
    """A state's name for people."""
    labels = {
        ProposalState.DRAFT.value: _("Draft"),
        ProposalState.SUBMITTED.value: _("Submitted"),
        ProposalState.CHANGES_REQUESTED.value: _("Changes requested"),
        ProposalState.APPROVED.value: _("Approved"),
        ProposalState.DECLINED.value: _("Declined"),
        ProposalState.WITHDRAWN.value: _("Withdrawn"),
        ProposalState.ACTIVE.value: _("In progress"),
        ProposalState.RETROSPECTIVE_DUE.value: _("Retrospective due"),
        ProposalState.COMPLETED.value: _("Completed"),
        ProposalState.STOPPED.value: _("Stopped"),
    }
    return labels.get(state, state)


def action_label(action: str) -> str:
    """A lifecycle action's name for people (history, buttons)."""
    labels = {
        "submit": _("Submitted"),
        "resubmit": _("Submitted again"),
        "withdraw": _("Withdrawn"),
        "approve": _("Approved"),
        "decline": _("Declined"),
        "request_changes": _("Changes requested"),
        "start": _("Started"),
        "end": _("Reached its end date"),
        "complete": _("Completed"),
        "stop": _("Stopped"),
    }
    return labels.get(action, action)


def _refused(state: str, action: str) -> RefusedTransition:
    return RefusedTransition(
        {
            "__all__": _(
                "This cannot be done now: the proposal is “%(state)s”, and “%(action)s” "
                "is not a step that follows from there."
            )
            % {"state": state_label(state), "action": action_label(action)}
        }
    )


# --- what forms give the service -----------------------------------------------------


@dataclass(frozen=True)
class ProposalInput:
    """A proposal's fields as forms.py checked them (trimmed, bounded, parsed)."""

    title: str
    problem: str
    gain: str
    time_unit: str
    time_amount: Decimal
    start_date: date
    end_date: date
    skills: tuple[str, ...] = ()
    coproposers: tuple[str, ...] = ()
    group: str = ""
    origin_post_id: int | None = None

    @property
    def minutes_per_week(self) -> int:
        return ledger.minutes_for(self.time_unit, self.time_amount)


@dataclass(frozen=True)
class Retrospective:
    """How the proposer closes the project."""

    outcome: str  # "complete" or "stop"
    learned: str
    next_step: str
    follow_up: bool = False


# --- reading one proposal --------------------------------------------------------------


def _valid_id(proposal_id: int) -> int:
    if not 0 < proposal_id <= MAX_ID:
        raise NotFound
    return proposal_id


async def _readable(db: AsyncSession, actor: User, proposal_id: int) -> Proposal:
    """The proposal if ``actor`` may see it; NotFound otherwise (missing or hidden)."""
    if not policy.is_staff(actor):
        raise NotFound
    found = (
        await db.execute(
            select(Proposal).where(
                col(Proposal.id) == _valid_id(proposal_id),
                policy.readable_proposals_clause(actor),
            )
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound
    return found


async def _coproposers(db: AsyncSession, proposal_id: int) -> list[ProposalCoProposer]:
    return list(
        (
            await db.execute(
                select(ProposalCoProposer)
                .where(col(ProposalCoProposer.proposal_id) == proposal_id)
                .order_by(col(ProposalCoProposer.id))
            )
        ).scalars()
    )


async def team_ids(db: AsyncSession, proposal: Proposal) -> set[int]:
    """The proposer and the co-proposers who accepted: who carries the proposal."""
    accepted = (
        await db.execute(
            select(col(ProposalCoProposer.user_id)).where(
                col(ProposalCoProposer.proposal_id) == proposal.id,
                col(ProposalCoProposer.state) == CoProposerState.ACCEPTED.value,
            )
        )
    ).scalars()
    return {proposal.proposer_id, *accepted}


def _require_proposer(actor: User, proposal: Proposal) -> None:
    if actor.id != proposal.proposer_id:
        raise NotYours(_("Only the proposer may do this."))


def _check_version(proposal: Proposal, version: int | None) -> None:
    if version is not None and version != proposal.version:
        raise StaleProposal


# --- moving along the lifecycle ----------------------------------------------------------


async def apply_transition(
    db: AsyncSession,
    proposal: Proposal,
    action: str,
    actor_id: int | None,
    *,
    reason: str = "",
    values: dict[str, Any] | None = None,
) -> None:
    """Take ``proposal`` along the declared edge ``action`` and record it; no commit.

    The update applies only if state and version are still those read, so of
    two people acting at once exactly one wins; the other gets StaleProposal
    (and the transaction is rolled back). It must be the transaction's first
    write, so that on SQLite it waits for the other writer and then sees its
    result.
    """
    try:
        edge = PROPOSAL.transition(proposal.state, action)
    except LifecycleError as exc:
        raise _refused(proposal.state, action) from exc
    now = utcnow()
    changes: dict[str, Any] = {
        "state": edge.target,
        "version": proposal.version + 1,
        "updated_at": now,
        **(values or {}),
    }
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(
                col(Proposal.id) == proposal.id,
                col(Proposal.state) == proposal.state,
                col(Proposal.version) == proposal.version,
            )
            .values(changes)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise StaleProposal
    assert proposal.id is not None
    db.add(
        ProposalTransition(
            proposal_id=proposal.id,
            actor_id=actor_id,
            action=action,
            from_state=proposal.state,
            to_state=edge.target,
            reason=reason,
            created_at=now,
        )
    )
    await db.flush()
    await db.refresh(proposal)


# --- allowances and commitments -------------------------------------------------------


async def allowance_percents(db: AsyncSession, user_ids: set[int]) -> dict[int, int]:
    """Each person's allowance in % of working time: their own, else their department's,
    else the default."""
    if not user_ids:
        return {}
    departments = dict(
        (
            await db.execute(
                select(col(Profile.user_id), col(Profile.department)).where(
                    col(Profile.user_id).in_(user_ids)
                )
            )
        ).all()
    )
    rows = (
        await db.execute(
            select(SlackAllowance).where(
                or_(
                    col(SlackAllowance.user_id).in_(user_ids),
                    col(SlackAllowance.department).in_(
                        {d for d in departments.values() if d} or {""}
                    ),
                )
            )
        )
    ).scalars()
    personal: dict[int, int] = {}
    by_department: dict[str, int] = {}
    for row in rows:
        if row.user_id is not None:
            personal[row.user_id] = row.percent
        elif row.department is not None:
            by_department[row.department] = row.percent
    return {
        user_id: personal.get(
            user_id,
            by_department.get(departments.get(user_id, ""), ledger.DEFAULT_ALLOWANCE_PERCENT),
        )
        for user_id in user_ids
    }


async def commitments(
    db: AsyncSession, user_ids: set[int], *, exclude: int | None = None, until: date | None = None
) -> dict[int, list[ledger.Commitment]]:
    """The approved and active proposals each person carries (as proposer or accepted
    co-proposer), as ledger commitments."""
    result: dict[int, list[ledger.Commitment]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return result
    carried = union(
        select(col(Proposal.id).label("pid"), col(Proposal.proposer_id).label("uid")).where(
            col(Proposal.proposer_id).in_(user_ids)
        ),
        select(
            col(ProposalCoProposer.proposal_id).label("pid"),
            col(ProposalCoProposer.user_id).label("uid"),
        ).where(
            col(ProposalCoProposer.user_id).in_(user_ids),
            col(ProposalCoProposer.state) == CoProposerState.ACCEPTED.value,
        ),
    ).subquery()
    statement = (
        select(
            carried.c.uid,
            col(Proposal.start_date),
            col(Proposal.end_date),
            col(Proposal.minutes_per_week),
        )
        .join(Proposal, col(Proposal.id) == carried.c.pid)
        .where(col(Proposal.state).in_(COMMITTED))
    )
    if exclude is not None:
        statement = statement.where(col(Proposal.id) != exclude)
    if until is not None:
        statement = statement.where(col(Proposal.start_date) <= until)
    for user_id, start, end, minutes in (await db.execute(statement)).all():
        result[user_id].append(ledger.Commitment(start, end, minutes))
    return result


def _long_date(day: date) -> str:
    return format_date(day, "long", locale=get_locale())


async def _display_names(db: AsyncSession, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(
        (
            await db.execute(
                select(col(Profile.user_id), col(Profile.display_name)).where(
                    col(Profile.user_id).in_(user_ids)
                )
            )
        ).all()
    )


def _within_allowance(minutes: int, percent: int) -> str | None:
    """Why asking ``minutes`` a week is refused outright, with the figures, or None."""
    allowed = ledger.allowance_minutes(percent)
    if minutes <= allowed:
        return None
    return _(
        "You ask %(asked)s h a week (%(asked_percent)s %% of working time); your "
        "slack-time allowance is %(allowed)s h a week (%(allowed_percent)s %%)."
    ) % {
        "asked": ledger.hours(minutes),
        "asked_percent": ledger.percent_of_week(minutes),
        "allowed": ledger.hours(allowed),
        "allowed_percent": percent,
    }


async def _check_ledger(db: AsyncSession, proposal: Proposal, team: set[int]) -> None:
    """Refuse an approval that takes anyone of the team past their allowance, with figures."""
    percents = await allowance_percents(db, team)
    existing = await commitments(db, team, exclude=proposal.id)
    asked = ledger.Commitment(proposal.start_date, proposal.end_date, proposal.minutes_per_week)
    names = await _display_names(db, team)
    problems = []
    for user_id in sorted(team):
        overrun = ledger.first_overrun(
            ledger.allowance_minutes(percents[user_id]), existing[user_id], asked
        )
        if overrun is None:
            continue
        problems.append(
            _(
                "Approving would take %(name)s past their slack-time allowance in the week of "
                "%(week)s: %(allowed)s h a week allowed, %(committed)s h already committed, "
                "%(asked)s h asked here (%(total)s h in all)."
            )
            % {
                "name": names.get(user_id, "?"),
                "week": _long_date(overrun.week),
                "allowed": ledger.hours(overrun.allowance),
                "committed": ledger.hours(overrun.committed),
                "asked": ledger.hours(overrun.asked),
                "total": ledger.hours(overrun.total),
            }
        )
    if problems:
        raise InvalidInput({"__all__": " ".join(problems)})


# --- writing a proposal ------------------------------------------------------------------


@dataclass(frozen=True)
class _Resolved:
    """A proposal input with its references resolved to ids."""

    coproposer_ids: list[int]
    group_id: int | None


async def _resolve(db: AsyncSession, actor: User, data: ProposalInput) -> _Resolved:
    """Check what forms cannot: people, group, origin post, dates and the allowance."""
    assert actor.id is not None
    errors: dict[str, str] = {}
    if data.end_date < data.start_date:
        errors["end_date"] = _("The end comes before the start: choose a later end date.")
    elif ledger.period_weeks(data.start_date, data.end_date) > ledger.MAX_PERIOD_WEEKS:
        errors["end_date"] = _("A proposal lasts at most %(count)d weeks.") % {
            "count": ledger.MAX_PERIOD_WEEKS
        }
    minutes = data.minutes_per_week
    if minutes <= 0:
        errors["time_amount"] = _("Ask for some time: more than zero.")
    else:
        percent = (await allowance_percents(db, {actor.id}))[actor.id]
        problem = _within_allowance(minutes, percent)
        if problem:
            errors["time_amount"] = problem
    coproposer_ids: list[int] = []
    for reference in data.coproposers[:MAX_COPROPOSERS]:
        person = await people.find_active_person(db, reference)
        if person is None or person.id is None:
            errors["coproposers"] = _("No active colleague has this email or handle: %(ref)s") % {
                "ref": reference
            }
            break
        if person.id == actor.id:
            errors["coproposers"] = _(
                "You are the proposer: co-proposers are the colleagues who carry it with you."
            )
            break
        if person.id not in coproposer_ids:
            coproposer_ids.append(person.id)
    group_id = None
    if data.group:
        found = (
            await db.execute(
                select(col(Group.id))
                .join(Membership, col(Membership.group_id) == col(Group.id))
                .where(col(Group.slug) == data.group, col(Membership.user_id) == actor.id)
            )
        ).scalar_one_or_none()
        if found is None:
            errors["group"] = _("Choose one of the groups you belong to, or none.")
        group_id = found
    if (
        data.origin_post_id is not None
        and await stream.post_view(db, actor, data.origin_post_id, full=False) is None
    ):
        raise NotFound
    if errors:
        raise InvalidInput(errors)
    return _Resolved(coproposer_ids=coproposer_ids, group_id=group_id)


def _search_text(data: ProposalInput) -> str:
    return people.fold(" ".join([data.title, data.problem, data.gain, " ".join(data.skills)]))


def _skill_rows(proposal_id: int, skills: tuple[str, ...]) -> list[ProposalSkill]:
    rows: dict[str, ProposalSkill] = {}
    for name in skills[:MAX_SKILLS]:
        key = people.skill_key(name)
        if key and key not in rows:
            rows[key] = ProposalSkill(proposal_id=proposal_id, name=name[:60], key=key[:60])
    return list(rows.values())


async def _invite_coproposers(
    db: AsyncSession, actor: User, proposal: Proposal, wanted: list[int]
) -> None:
    """Make the co-proposer list ``wanted``: new people are asked, dropped ones removed."""
    assert proposal.id is not None
    current = {row.user_id: row for row in await _coproposers(db, proposal.id)}
    for user_id, row in current.items():
        if user_id not in wanted:
            await db.delete(row)
    for user_id in wanted:
        if user_id in current:
            continue
        db.add(ProposalCoProposer(proposal_id=proposal.id, user_id=user_id))
        await notifications.notify(
            db,
            NotificationKind.PROPOSAL_COPROPOSER.value,
            user_id,
            actor_id=actor.id,
            proposal_id=proposal.id,
        )


async def create_proposal(db: AsyncSession, actor: User, data: ProposalInput) -> Proposal:
    """Write a new draft; the co-proposers named are asked to join it."""
    if not policy.is_staff(actor):
        raise Forbidden
    assert actor.id is not None
    resolved = await _resolve(db, actor, data)
    proposal = Proposal(
        title=data.title,
        problem=data.problem,
        gain=data.gain,
        time_unit=data.time_unit,
        minutes_per_week=data.minutes_per_week,
        start_date=data.start_date,
        end_date=data.end_date,
        skills=", ".join(data.skills),
        search_text=_search_text(data),
        proposer_id=actor.id,
        group_id=resolved.group_id,
        origin_post_id=data.origin_post_id,
    )
    db.add(proposal)
    await db.flush()
    assert proposal.id is not None
    db.add_all(_skill_rows(proposal.id, data.skills))
    await _invite_coproposers(db, actor, proposal, resolved.coproposer_ids)
    await db.commit()
    return proposal


async def update_proposal(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    data: ProposalInput,
    *,
    version: int | None,
) -> Proposal:
    """The proposer changes a draft, or a proposal they were asked to change."""
    proposal = await _readable(db, actor, proposal_id)
    _require_proposer(actor, proposal)
    _check_version(proposal, version)
    if proposal.state not in EDITABLE:
        raise RefusedTransition(
            {
                "__all__": _("A “%(state)s” proposal can no longer be changed.")
                % {"state": state_label(proposal.state)}
            }
        )
    resolved = await _resolve(db, actor, data)
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(
                col(Proposal.id) == proposal.id,
                col(Proposal.state) == proposal.state,
                col(Proposal.version) == proposal.version,
            )
            .values(
                title=data.title,
                problem=data.problem,
                gain=data.gain,
                time_unit=data.time_unit,
                minutes_per_week=data.minutes_per_week,
                start_date=data.start_date,
                end_date=data.end_date,
                skills=", ".join(data.skills),
                search_text=_search_text(data),
                group_id=resolved.group_id,
                version=proposal.version + 1,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise StaleProposal
    assert proposal.id is not None
    await db.execute(delete(ProposalSkill).where(col(ProposalSkill.proposal_id) == proposal.id))
    db.add_all(_skill_rows(proposal.id, data.skills))
    await _invite_coproposers(db, actor, proposal, resolved.coproposer_ids)
    await db.commit()
    await db.refresh(proposal)
    return proposal


async def _approver_for(db: AsyncSession, proposal: Proposal, team: set[int]) -> int | None:
    """The proposer's active manager, unless on the team; None means an administrator."""
    manager_id = (
        await db.execute(
            select(col(Profile.manager_id))
            .join(User, col(User.id) == col(Profile.manager_id))
            .where(col(Profile.user_id) == proposal.proposer_id, col(User.is_active).is_(True))
        )
    ).scalar_one_or_none()
    if manager_id is None or manager_id in team:
        return None
    return int(manager_id)


async def _admins(db: AsyncSession, exclude: set[int]) -> list[int]:
    return [
        user_id
        for user_id in (
            await db.execute(
                select(col(User.id))
                .where(
                    col(User.role) == Role.ADMIN.value,
                    col(User.is_active).is_(True),
                    col(User.id).not_in(exclude or {0}),
                )
                .order_by(col(User.id))
                .limit(MAX_ADMINS_NOTIFIED)
            )
        ).scalars()
        if user_id is not None
    ]


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~-])", r"\\\1", text)


def _excerpt(text: str, length: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length].rsplit(" ", 1)[0] + "…"


def event_source(group: Group | None) -> str:
    """Where a proposal's events go: the company stream, unless its group is not open."""
    if group is None or group.visibility == "open":
        return COMPANY_SOURCE
    assert group.id is not None
    return group_source(group.id)


async def submit_proposal(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    *,
    version: int | None,
    media_dir: Path,
) -> Proposal:
    """The proposer submits a draft, or submits again after changes were asked.

    The approver is fixed now: the proposer's manager, or the administrators.
    The first submission opens the proposal's conversation (a post where
    colleagues may read it) and links back from the post it came from.
    """
    proposal = await _readable(db, actor, proposal_id)
    _require_proposer(actor, proposal)
    _check_version(proposal, version)
    action = "resubmit" if proposal.state == ProposalState.CHANGES_REQUESTED.value else "submit"
    percent = (await allowance_percents(db, {proposal.proposer_id}))[proposal.proposer_id]
    problem = _within_allowance(proposal.minutes_per_week, percent)
    if problem:
        raise InvalidInput({"__all__": problem})
    team = await team_ids(db, proposal)
    approver_id = await _approver_for(db, proposal, team)
    first = proposal.submitted_at is None
    now = utcnow()
    await apply_transition(
        db,
        proposal,
        action,
        actor.id,
        values={
            "approver_id": approver_id,
            "waiting_since": now,
            "submitted_at": proposal.submitted_at or now,
        },
    )
    recipients = [approver_id] if approver_id is not None else await _admins(db, team)
    for recipient in recipients:
        await notifications.notify(
            db,
            NotificationKind.PROPOSAL_SUBMITTED.value,
            recipient,
            actor_id=actor.id,
            proposal_id=proposal.id,
        )
    await db.commit()
    if first or proposal.discussion_post_id is None:
        await _open_conversation(db, actor, proposal, media_dir=media_dir)
    if first and proposal.origin_post_id is not None:
        await _link_origin(db, actor, proposal)
    return proposal


async def _open_conversation(
    db: AsyncSession, actor: User, proposal: Proposal, *, media_dir: Path
) -> None:
    """Post the proposal where its readers are; its comments are the proposal's conversation.

    The stream service commits on its own: if posting fails (the proposer left
    the group meanwhile), the proposal stands without a conversation and the
    next submission tries again.
    """
    group = await db.get(Group, proposal.group_id) if proposal.group_id else None
    source = group_source(group.id) if group is not None and group.id else COMPANY_SOURCE
    body = "\n\n".join(
        [
            "**"
            + _("Slack-time proposal: %(title)s") % {"title": _escape_markdown(proposal.title)}
            + "**",
            _escape_markdown(_excerpt(proposal.problem)),
            "[" + _("Read the proposal, back it or volunteer") + f"](/proposals/{proposal.id})",
        ]
    )
    try:
        post = await stream.create_post(db, actor, source, body, media_dir=media_dir)
    except (Forbidden, NotFound, InvalidInput):
        await db.rollback()
        log.warning("proposal %s: its conversation could not be opened", proposal.id)
        return
    await db.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal.id, col(Proposal.discussion_post_id).is_(None))
        .values(discussion_post_id=post.id)
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    await db.refresh(proposal)


async def _link_origin(db: AsyncSession, actor: User, proposal: Proposal) -> None:
    """Say in the original thread that it became a proposal, when all its readers may see it.

    A proposal in a private or secret group is not announced in a thread
    outside that group: the thread's readers could not open it, and its title
    is not theirs to read.
    """
    assert proposal.origin_post_id is not None
    origin = await stream.post_view(db, actor, proposal.origin_post_id, full=False)
    if origin is None:
        return
    if proposal.group_id is not None and proposal.group_id != origin.post.group_id:
        group = await db.get(Group, proposal.group_id)
        if group is None or group.visibility != "open":
            return
    body = (
        _("This conversation became a slack-time proposal:")
        + f" [{_escape_markdown(proposal.title)}](/proposals/{proposal.id})"
    )
    try:
        await stream.add_comment(db, actor, proposal.origin_post_id, body)
    except (Forbidden, NotFound, InvalidInput):
        await db.rollback()


async def withdraw_proposal(
    db: AsyncSession, actor: User, proposal_id: int, *, version: int | None
) -> Proposal:
    """The proposer takes back a draft or a proposal still waiting for a decision."""
    proposal = await _readable(db, actor, proposal_id)
    _require_proposer(actor, proposal)
    _check_version(proposal, version)
    await apply_transition(db, proposal, "withdraw", actor.id)
    await db.commit()
    return proposal


# --- deciding ------------------------------------------------------------------------------


def _decision_kind(action: str) -> str:
    return {
        "approve": NotificationKind.PROPOSAL_APPROVED.value,
        "decline": NotificationKind.PROPOSAL_DECLINED.value,
        "request_changes": NotificationKind.PROPOSAL_CHANGES.value,
    }[action]


async def _volunteer_ids(db: AsyncSession, proposal_id: int) -> list[int]:
    return [
        int(user_id)
        for user_id in (
            await db.execute(
                select(col(ProposalVolunteer.user_id))
                .where(col(ProposalVolunteer.proposal_id) == proposal_id)
                .order_by(col(ProposalVolunteer.id))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    ]


async def _project_group(db: AsyncSession, proposal: Proposal, team: set[int]) -> int:
    """The project group (created now, or the linked one) with the team and volunteers in it.

    Returns the group's id. No commit.
    """
    assert proposal.id is not None
    proposer = await db.get(User, proposal.proposer_id)
    if proposer is None:
        raise NotFound
    if proposal.group_id is None:
        skills = tuple(
            (
                await db.execute(
                    select(col(ProposalSkill.name))
                    .where(col(ProposalSkill.proposal_id) == proposal.id)
                    .order_by(col(ProposalSkill.id))
                )
            ).scalars()
        )
        group = await groups.add_group(
            db,
            proposer,
            groups.NewGroup(
                name=proposal.title,
                description=_excerpt(proposal.problem, 3000),
                tags=("slack-time", *skills[: MAX_SKILLS - 1]),
            ),
        )
        assert group.id is not None
        group_id = group.id
    else:
        group_id = proposal.group_id
    members = sorted(team - {proposal.proposer_id}) + await _volunteer_ids(db, proposal.id)
    if proposal.group_id is not None:
        members = [proposal.proposer_id, *members]
    await groups.add_members(db, proposer, group_id, members)
    return group_id


async def decide_proposal(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    action: str,
    reason: str,
    *,
    version: int | None,
    today: date | None = None,
) -> Proposal:
    """The approver approves, declines or asks for changes, always with a reason.

    Approving checks every team member's allowance over the proposal's
    period, creates (or fills) the project group, starts the project if its
    start date has come, and puts the approval in the streams of those who
    may see it. The proposer and co-proposers are told.
    """
    proposal = await _readable(db, actor, proposal_id)
    team = await team_ids(db, proposal)
    if actor.id in team:
        raise NotYours(_("Nobody approves their own proposal: your manager decides on it."))
    if not policy.can_approve_proposal(actor, approver_id=proposal.approver_id, team_ids=team):
        raise NotYours(
            _("Only the proposer's manager (or, without one, an administrator) decides.")
        )
    if action not in NEEDS_REASON:
        raise _refused(proposal.state, action)
    if not reason.strip():
        raise InvalidInput({"reason": _("Say why: the proposer will read it.")})
    _check_version(proposal, version)
    try:
        PROPOSAL.transition(proposal.state, action)
    except LifecycleError as exc:
        raise _refused(proposal.state, action) from exc
    if action == "approve":
        await _check_ledger(db, proposal, team)
    await apply_transition(db, proposal, action, actor.id, reason=reason)
    assert proposal.id is not None
    if action == "approve":
        group_id = await _project_group(db, proposal, team)
        await db.execute(
            update(Proposal)
            .where(col(Proposal.id) == proposal.id)
            .values(group_id=group_id)
            .execution_options(synchronize_session=False)
        )
        await db.refresh(proposal)
        if proposal.start_date <= (today or utcnow().date()):
            await apply_transition(db, proposal, "start", None, values={"activated_at": utcnow()})
        group = await db.get(Group, group_id)
        await stream.record_activity(
            db,
            actor_id=actor.id,
            verb="approved",
            object_type="proposal",
            object_id=proposal.id,
            target_type="group",
            target_id=group_id,
            source=event_source(group),
        )
    for user_id in sorted(team):
        await notifications.notify(
            db, _decision_kind(action), user_id, actor_id=actor.id, proposal_id=proposal.id
        )
    await db.commit()
    return proposal


# --- the team, backers and volunteers --------------------------------------------------------


async def answer_coproposal(
    db: AsyncSession, actor: User, proposal_id: int, *, accept: bool
) -> Proposal:
    """Someone asked to co-propose accepts (and now counts) or declines."""
    proposal = await _readable(db, actor, proposal_id)
    assert actor.id is not None and proposal.id is not None
    if accept and proposal.state in FINAL:
        raise RefusedTransition(
            {
                "__all__": _("A “%(state)s” proposal no longer takes co-proposers.")
                % {"state": state_label(proposal.state)}
            }
        )
    target = CoProposerState.ACCEPTED.value if accept else CoProposerState.DECLINED.value
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(ProposalCoProposer)
            .where(
                col(ProposalCoProposer.proposal_id) == proposal.id,
                col(ProposalCoProposer.user_id) == actor.id,
                col(ProposalCoProposer.state) == CoProposerState.INVITED.value,
            )
            .values(state=target, answered_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise InvalidInput(
            {"__all__": _("There is no request to co-propose waiting for you here.")}
        )
    if accept:
        if proposal.approver_id == actor.id:
            # The manager joined the team: an administrator decides instead.
            await db.execute(
                update(Proposal)
                .where(col(Proposal.id) == proposal.id)
                .values(approver_id=None)
                .execution_options(synchronize_session=False)
            )
        if proposal.group_id is not None and proposal.state in COMMITTED:
            proposer = await db.get(User, proposal.proposer_id)
            assert proposer is not None
            await groups.add_members(db, proposer, proposal.group_id, [actor.id])
    await db.commit()
    await db.refresh(proposal)
    return proposal


async def _supportable(db: AsyncSession, actor: User, proposal_id: int) -> Proposal:
    proposal = await _readable(db, actor, proposal_id)
    if actor.id in await team_ids(db, proposal):
        raise NotYours(_("You carry this proposal: backing and volunteering are for colleagues."))
    if proposal.state not in SUPPORTABLE:
        raise RefusedTransition(
            {
                "__all__": _("A “%(state)s” proposal no longer takes backers or volunteers.")
                % {"state": state_label(proposal.state)}
            }
        )
    return proposal


async def back_proposal(db: AsyncSession, actor: User, proposal_id: int, word: str) -> Proposal:
    """Back a proposal (once per person; backing again changes the word)."""
    proposal = await _supportable(db, actor, proposal_id)
    assert actor.id is not None and proposal.id is not None
    existing = (
        await db.execute(
            select(ProposalBacking).where(
                col(ProposalBacking.proposal_id) == proposal.id,
                col(ProposalBacking.user_id) == actor.id,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.word = word
    else:
        db.add(ProposalBacking(proposal_id=proposal.id, user_id=actor.id, word=word))
        await notifications.notify(
            db,
            NotificationKind.PROPOSAL_BACKED.value,
            proposal.proposer_id,
            actor_id=actor.id,
            proposal_id=proposal.id,
        )
    try:
        await db.commit()
    except IntegrityError:
        # Backed twice at the same instant: the first one stands.
        await db.rollback()
        return proposal
    return proposal


async def _withdraw_support(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    support: type[ProposalBacking] | type[ProposalVolunteer],
) -> Proposal:
    """Remove ``actor``'s backing or offer to volunteer (nothing when there is none)."""
    proposal = await _readable(db, actor, proposal_id)
    await db.execute(
        delete(support).where(
            col(support.proposal_id) == proposal.id, col(support.user_id) == actor.id
        )
    )
    await db.commit()
    return proposal


async def unback_proposal(db: AsyncSession, actor: User, proposal_id: int) -> Proposal:
    """Take one's backing back."""
    return await _withdraw_support(db, actor, proposal_id, ProposalBacking)


async def volunteer(db: AsyncSession, actor: User, proposal_id: int, skills: str) -> Proposal:
    """Offer to join with one's skills; once the project runs, that means its group too."""
    proposal = await _supportable(db, actor, proposal_id)
    assert actor.id is not None and proposal.id is not None
    existing = (
        await db.execute(
            select(ProposalVolunteer).where(
                col(ProposalVolunteer.proposal_id) == proposal.id,
                col(ProposalVolunteer.user_id) == actor.id,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.skills = skills
    else:
        db.add(ProposalVolunteer(proposal_id=proposal.id, user_id=actor.id, skills=skills))
        await notifications.notify(
            db,
            NotificationKind.PROPOSAL_VOLUNTEER.value,
            proposal.proposer_id,
            actor_id=actor.id,
            proposal_id=proposal.id,
        )
        if proposal.group_id is not None and proposal.state in COMMITTED:
            proposer = await db.get(User, proposal.proposer_id)
            assert proposer is not None
            await groups.add_members(db, proposer, proposal.group_id, [actor.id])
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        return proposal
    return proposal


async def unvolunteer(db: AsyncSession, actor: User, proposal_id: int) -> Proposal:
    """Take one's offer back (the project group, if joined, is left as any group is)."""
    return await _withdraw_support(db, actor, proposal_id, ProposalVolunteer)


# --- running: check-ins and the end ------------------------------------------------------------


async def check_in(
    db: AsyncSession, actor: User, proposal_id: int, done: str, minutes: int
) -> ProposalCheckIn:
    """A team member says what was done this week and the time it took."""
    proposal = await _readable(db, actor, proposal_id)
    if actor.id not in await team_ids(db, proposal):
        raise NotYours(_("Check-ins are written by the proposal's team."))
    try:
        PROPOSAL.transition(proposal.state, "check_in")
    except LifecycleError as exc:
        raise RefusedTransition(
            {
                "__all__": _("Check-ins are for active projects: this proposal is “%(state)s”.")
                % {"state": state_label(proposal.state)}
            }
        ) from exc
    if minutes <= 0:
        raise InvalidInput({"hours": _("Enter the time spent: more than zero.")})
    assert actor.id is not None and proposal.id is not None
    # Only while still active, even if the proposer closes it at this very moment.
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(
                col(Proposal.id) == proposal.id,
                col(Proposal.state) == ProposalState.ACTIVE.value,
            )
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise StaleProposal
    entry = ProposalCheckIn(
        proposal_id=proposal.id, user_id=actor.id, done=done, minutes_spent=minutes
    )
    db.add(entry)
    await db.commit()
    return entry


async def close_proposal(
    db: AsyncSession,
    actor: User,
    proposal_id: int,
    retro: Retrospective,
    *,
    version: int | None,
    media_dir: Path,
) -> tuple[Proposal, Proposal | None]:
    """The proposer closes the project as completed or stopped, with its retrospective.

    The retrospective is posted in the project group and the end appears in
    the streams of those who may see the proposal. With ``follow_up``, a new
    draft continuing it is written too (returned second).
    """
    proposal = await _readable(db, actor, proposal_id)
    _require_proposer(actor, proposal)
    _check_version(proposal, version)
    if retro.outcome not in {"complete", "stop"} or retro.next_step not in {
        step.value for step in NextStep
    }:
        raise InvalidInput({"outcome": _("Choose one of the listed options.")})
    if not retro.learned.strip():
        raise InvalidInput({"learned": _("Say what you learned: it is what others will read.")})
    await apply_transition(db, proposal, retro.outcome, actor.id)
    assert proposal.id is not None and actor.id is not None
    retrospective = ProposalRetrospective(
        proposal_id=proposal.id,
        author_id=actor.id,
        outcome=proposal.state,
        learned=retro.learned,
        next_step=retro.next_step,
    )
    db.add(retrospective)
    group = await db.get(Group, proposal.group_id) if proposal.group_id else None
    await stream.record_activity(
        db,
        actor_id=actor.id,
        verb=proposal.state,
        object_type="proposal",
        object_id=proposal.id,
        target_type="group" if group is not None else None,
        target_id=group.id if group is not None else None,
        source=event_source(group),
    )
    await db.commit()
    if group is not None and group.id is not None:
        await _post_retrospective(db, actor, proposal, retrospective, group.id, media_dir)
    follow_up = None
    if retro.follow_up:
        follow_up = await _follow_up(db, actor, proposal)
        retrospective.follow_up_id = follow_up.id
        await db.commit()
    return proposal, follow_up


def _next_step_label(step: str) -> str:
    return {
        NextStep.CONTINUE.value: _("Continue"),
        NextStep.PIVOT.value: _("Pivot"),
        NextStep.STOP.value: _("Stop"),
    }.get(step, step)


async def _post_retrospective(
    db: AsyncSession,
    actor: User,
    proposal: Proposal,
    retrospective: ProposalRetrospective,
    group_id: int,
    media_dir: Path,
) -> None:
    """Post the retrospective in the project group (the stream service commits)."""
    heading = (
        _("Retrospective of “%(title)s”: completed")
        if proposal.state == ProposalState.COMPLETED.value
        else _("Retrospective of “%(title)s”: stopped")
    ) % {"title": _escape_markdown(proposal.title)}
    body = "\n\n".join(
        [
            f"**{heading}**",
            "**" + _("What we learned") + "**",
            _escape_markdown(retrospective.learned),
            "**"
            + _("What happens next: %(step)s") % {"step": _next_step_label(retrospective.next_step)}
            + "**",
            "[" + _("The proposal and its history") + f"](/proposals/{proposal.id})",
        ]
    )
    try:
        post = await stream.create_post(
            db, actor, group_source(group_id), body, media_dir=media_dir
        )
    except (Forbidden, NotFound, InvalidInput):
        await db.rollback()
        log.warning("proposal %s: the retrospective could not be posted", proposal.id)
        return
    retrospective.post_id = post.id
    await db.commit()


async def _follow_up(db: AsyncSession, actor: User, proposal: Proposal) -> Proposal:
    """A new draft continuing ``proposal``: same idea, same team asked, next period."""
    assert proposal.id is not None and actor.id is not None
    start = utcnow().date() + timedelta(days=7)
    length = proposal.end_date - proposal.start_date
    follow = Proposal(
        title=proposal.title,
        problem=proposal.problem,
        gain=proposal.gain,
        time_unit=proposal.time_unit,
        minutes_per_week=proposal.minutes_per_week,
        start_date=start,
        end_date=start + length,
        skills=proposal.skills,
        search_text=proposal.search_text,
        proposer_id=actor.id,
        group_id=proposal.group_id,
        previous_id=proposal.id,
    )
    db.add(follow)
    await db.flush()
    assert follow.id is not None
    skills = tuple(part.strip() for part in proposal.skills.split(",") if part.strip())
    db.add_all(_skill_rows(follow.id, skills))
    team = sorted(await team_ids(db, proposal) - {actor.id})
    await _invite_coproposers(db, actor, follow, team)
    await db.commit()
    return follow


# --- pages -------------------------------------------------------------------------------------


@dataclass
class PersonEntry:
    """Someone in a list on the proposal page, with what they said or offered."""

    profile: Profile
    text: str = ""
    state: str = ""


@dataclass
class HistoryEntry:
    """One recorded transition with who made it (None: the scheduled job)."""

    transition: ProposalTransition
    actor: Profile | None

    @property
    def label(self) -> str:
        return action_label(self.transition.action)

    @property
    def states(self) -> str:
        """From which state to which, for the record."""
        return _("%(from)s to %(to)s") % {
            "from": state_label(self.transition.from_state),
            "to": state_label(self.transition.to_state),
        }


@dataclass
class CheckInEntry:
    """A check-in with its author."""

    checkin: ProposalCheckIn
    author: Profile


@dataclass
class ProposalView:
    """A proposal as one reader sees it: its people, history, time, and what they may do."""

    proposal: Proposal
    proposer: Profile
    approver: Profile | None
    coproposers: list[PersonEntry]
    backers: list[PersonEntry]
    volunteers: list[PersonEntry]
    history: list[HistoryEntry]
    checkins: list[CheckInEntry]
    skills: list[str]
    group: Group | None
    retrospective: ProposalRetrospective | None
    discussion: stream.PostView | None
    origin_readable: bool
    previous: Proposal | None
    follow_up: Proposal | None
    team_size: int
    spent_minutes: int
    my_coproposal: str | None
    my_backing: ProposalBacking | None
    my_volunteer: ProposalVolunteer | None
    is_proposer: bool
    on_team: bool
    may_decide: bool
    proposer_actions: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return state_label(self.proposal.state)

    @property
    def time_asked(self) -> str:
        return time_label(self.proposal)

    @property
    def period(self) -> str:
        return period_label(self.proposal)

    @property
    def granted_minutes(self) -> int:
        p = self.proposal
        return ledger.granted_minutes(p.minutes_per_week, p.start_date, p.end_date, self.team_size)

    @property
    def can_edit(self) -> bool:
        return self.is_proposer and self.proposal.state in EDITABLE

    @property
    def can_submit(self) -> bool:
        return "submit" in self.proposer_actions or "resubmit" in self.proposer_actions

    @property
    def can_withdraw(self) -> bool:
        return "withdraw" in self.proposer_actions

    @property
    def can_close(self) -> bool:
        return "complete" in self.proposer_actions

    @property
    def can_check_in(self) -> bool:
        return self.on_team and bool(
            [t for t in PROPOSAL.transitions if t.source == self.proposal.state and t.actor == TEAM]
        )

    @property
    def decisions(self) -> list[str]:
        return actions_for(self.proposal.state, APPROVER) if self.may_decide else []

    @property
    def can_support(self) -> bool:
        return (
            not self.on_team
            and self.my_coproposal != CoProposerState.INVITED.value
            and self.proposal.state in SUPPORTABLE
        )

    @property
    def shows_time_spent(self) -> bool:
        return self.proposal.activated_at is not None or bool(self.checkins)


def period_label(proposal: Proposal) -> str:
    """The proposal's period in the reader's language: "2 Mar 2026 to 29 Mar 2026"."""
    return _("%(start)s to %(end)s") % {
        "start": format_date(proposal.start_date, "medium", locale=get_locale()),
        "end": format_date(proposal.end_date, "medium", locale=get_locale()),
    }


def week_label(week: date) -> str:
    """A week by its Monday, short: "2 Mar"."""
    return format_date(week, "d MMM", locale=get_locale())


def time_label(proposal: Proposal) -> str:
    """The time asked, as the proposer expressed it, with its equivalent."""
    minutes = proposal.minutes_per_week
    if proposal.time_unit == ledger.PERCENT:
        return _("%(percent)s %% of working time (%(hours)s h a week)") % {
            "percent": ledger.percent_of_week(minutes),
            "hours": ledger.hours(minutes),
        }
    return _("%(hours)s h a week (%(percent)s %% of working time)") % {
        "percent": ledger.percent_of_week(minutes),
        "hours": ledger.hours(minutes),
    }


async def _profiles(db: AsyncSession, user_ids: set[int]) -> dict[int, Profile]:
    if not user_ids:
        return {}
    return {
        p.user_id: p
        for p in (
            await db.execute(select(Profile).where(col(Profile.user_id).in_(user_ids)))
        ).scalars()
    }


async def proposal_page(db: AsyncSession, actor: User, proposal_id: int) -> ProposalView:
    """Everything the proposal page shows to ``actor``."""
    proposal = await _readable(db, actor, proposal_id)
    assert proposal.id is not None and actor.id is not None
    pid = proposal.id
    coproposers = await _coproposers(db, pid)
    backings = list(
        (
            await db.execute(
                select(ProposalBacking)
                .where(col(ProposalBacking.proposal_id) == pid)
                .order_by(col(ProposalBacking.id))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    volunteers = list(
        (
            await db.execute(
                select(ProposalVolunteer)
                .where(col(ProposalVolunteer.proposal_id) == pid)
                .order_by(col(ProposalVolunteer.id))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    history = list(
        (
            await db.execute(
                select(ProposalTransition)
                .where(col(ProposalTransition.proposal_id) == pid)
                .order_by(col(ProposalTransition.created_at), col(ProposalTransition.id))
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    checkins = list(
        (
            await db.execute(
                select(ProposalCheckIn)
                .where(col(ProposalCheckIn.proposal_id) == pid)
                .order_by(col(ProposalCheckIn.created_at).desc(), col(ProposalCheckIn.id).desc())
                .limit(MAX_SHOWN)
            )
        ).scalars()
    )
    spent = (
        await db.execute(
            select(func.coalesce(func.sum(col(ProposalCheckIn.minutes_spent)), 0)).where(
                col(ProposalCheckIn.proposal_id) == pid
            )
        )
    ).scalar_one()
    wanted = {proposal.proposer_id}
    wanted |= {c.user_id for c in coproposers} | {b.user_id for b in backings}
    wanted |= {v.user_id for v in volunteers} | {c.user_id for c in checkins}
    wanted |= {h.actor_id for h in history if h.actor_id is not None}
    if proposal.approver_id is not None:
        wanted.add(proposal.approver_id)
    profiles = await _profiles(db, wanted)
    skills = list(
        (
            await db.execute(
                select(col(ProposalSkill.name))
                .where(col(ProposalSkill.proposal_id) == pid)
                .order_by(col(ProposalSkill.id))
            )
        ).scalars()
    )
    retrospective = (
        await db.execute(
            select(ProposalRetrospective).where(col(ProposalRetrospective.proposal_id) == pid)
        )
    ).scalar_one_or_none()
    group = None
    if proposal.group_id is not None:
        group = (
            await db.execute(
                select(Group).where(
                    col(Group.id) == proposal.group_id, policy.listed_groups_clause(actor)
                )
            )
        ).scalar_one_or_none()
    discussion = None
    if proposal.discussion_post_id is not None:
        discussion = await stream.post_view(db, actor, proposal.discussion_post_id)
    origin_readable = False
    if proposal.origin_post_id is not None:
        origin_readable = (
            await stream.post_view(db, actor, proposal.origin_post_id, full=False) is not None
        )
    previous = await _readable_or_none(db, actor, proposal.previous_id)
    follow_up = await _readable_or_none(
        db, actor, retrospective.follow_up_id if retrospective else None
    )
    team = {proposal.proposer_id} | {
        c.user_id for c in coproposers if c.state == CoProposerState.ACCEPTED.value
    }
    mine = next((c.state for c in coproposers if c.user_id == actor.id), None)
    is_proposer = actor.id == proposal.proposer_id
    return ProposalView(
        proposal=proposal,
        proposer=profiles[proposal.proposer_id],
        approver=profiles.get(proposal.approver_id) if proposal.approver_id else None,
        coproposers=[
            PersonEntry(profiles[c.user_id], state=c.state)
            for c in coproposers
            if c.user_id in profiles
        ],
        backers=[
            PersonEntry(profiles[b.user_id], b.word) for b in backings if b.user_id in profiles
        ],
        volunteers=[
            PersonEntry(profiles[v.user_id], v.skills) for v in volunteers if v.user_id in profiles
        ],
        history=[
            HistoryEntry(h, profiles.get(h.actor_id) if h.actor_id else None) for h in history
        ],
        checkins=[CheckInEntry(c, profiles[c.user_id]) for c in checkins if c.user_id in profiles],
        skills=skills,
        group=group,
        retrospective=retrospective,
        discussion=discussion,
        origin_readable=origin_readable,
        previous=previous,
        follow_up=follow_up,
        team_size=len(team),
        spent_minutes=int(spent),
        my_coproposal=mine,
        my_backing=next((b for b in backings if b.user_id == actor.id), None),
        my_volunteer=next((v for v in volunteers if v.user_id == actor.id), None),
        is_proposer=is_proposer,
        on_team=actor.id in team,
        may_decide=policy.can_approve_proposal(
            actor, approver_id=proposal.approver_id, team_ids=team
        ),
        proposer_actions=actions_for(proposal.state, PROPOSER) if is_proposer else [],
    )


async def _readable_or_none(
    db: AsyncSession, actor: User, proposal_id: int | None
) -> Proposal | None:
    if proposal_id is None:
        return None
    try:
        return await _readable(db, actor, proposal_id)
    except NotFound:
        return None


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
        "time_unit": ledger.PERCENT,
        "time_amount": str(ledger.DEFAULT_ALLOWANCE_PERCENT),
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(weeks=8) - timedelta(days=1)).isoformat(),
    }
    mine = await my_groups(db, actor)
    percent = (await allowance_percents(db, {actor.id}))[actor.id]
    if from_post is None:
        return Prefill(
            values=values, origin=None, suggested=[], groups=mine, allowance_percent=percent
        )
    origin = await stream.post_view(db, actor, _valid_id(from_post))
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
    profiles = await _profiles(db, set(wanted))
    suggested = [profiles[uid] for uid in wanted if uid in profiles]
    values["coproposers"] = ", ".join(f"@{p.handle}" for p in suggested)
    origin_group = origin.group
    if origin_group is not None and origin_group.visibility != "open":
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
    proposal = await _readable(db, actor, proposal_id)
    _require_proposer(actor, proposal)
    if proposal.state not in EDITABLE:
        raise RefusedTransition(
            {
                "__all__": _("A “%(state)s” proposal can no longer be changed.")
                % {"state": state_label(proposal.state)}
            }
        )
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
    percent = (await allowance_percents(db, {proposal.proposer_id}))[proposal.proposer_id]
    prefill = Prefill(
        values=values,
        origin=None,
        suggested=[],
        groups=await my_groups(db, actor),
        allowance_percent=percent,
    )
    return proposal, prefill


# --- the list, search and CSV ------------------------------------------------------------------


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
        return state_label(self.proposal.state)

    @property
    def time_asked(self) -> str:
        return time_label(self.proposal)

    @property
    def period(self) -> str:
        return period_label(self.proposal)


@dataclass
class ProposalList:
    """A page of the list, the cursor of the next one, and the filters' choices."""

    rows: list[ProposalRow]
    next_cursor: int | None
    departments: list[str]
    can_export: bool


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
    counts = await _backer_counts(db, [row[0].id for row in page])
    rows = [ProposalRow(row[0], row[1], counts.get(row[0].id, 0)) for row in page]
    next_cursor = page[-1][0].id if len(found) > LIST_PAGE_SIZE and page else None
    return ProposalList(
        rows=rows, next_cursor=next_cursor, departments=departments, can_export=can_export
    )


async def _backer_counts(db: AsyncSession, ids: list[int | None]) -> dict[int, int]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await db.execute(
        select(col(ProposalBacking.proposal_id), func.count())
        .where(col(ProposalBacking.proposal_id).in_(wanted))
        .group_by(col(ProposalBacking.proposal_id))
    )
    return {int(pid): int(count) for pid, count in rows.all()}


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
    counts = await _backer_counts(db, [row[0].id for row in found])
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
                f"/proposals/{proposal.id}",
            ]
        )
    return lines


# --- the approver's queue ------------------------------------------------------------------------


@dataclass
class QueueItem:
    """A proposal waiting for the reader's decision, and since when."""

    proposal: Proposal
    proposer: Profile
    waited: timedelta

    @property
    def time_asked(self) -> str:
        return time_label(self.proposal)

    @property
    def period(self) -> str:
        return period_label(self.proposal)

    @property
    def waited_days(self) -> int:
        return self.waited.days


@dataclass
class PersonTime:
    """One report's slack time over the coming weeks."""

    profile: Profile
    percent: int
    weeks: list[ledger.WeekTime]


@dataclass
class ApprovalsPage:
    """The manager's page: what waits for them, and their team's time."""

    queue: list[QueueItem]
    team: list[PersonTime]
    totals: list[ledger.WeekTime]
    weeks: list[date]
    projects: list[ProposalRow]

    @property
    def week_labels(self) -> list[str]:
        return [week_label(week) for week in self.weeks]


async def approvals_page(
    db: AsyncSession, actor: User, *, now: datetime | None = None
) -> ApprovalsPage:
    """Proposals waiting for ``actor``, with how long, and their direct reports' time:
    allowance, committed by approved and active proposals, available, week by week."""
    if not policy.is_staff(actor):
        raise Forbidden
    assert actor.id is not None
    now = now or utcnow()
    mine = col(Proposal.approver_id) == actor.id
    if policy.is_admin(actor):
        mine = or_(mine, col(Proposal.approver_id).is_(None))
    rows = (
        await db.execute(
            select(Proposal, Profile)
            .join(Profile, col(Profile.user_id) == col(Proposal.proposer_id))
            .where(col(Proposal.state) == ProposalState.SUBMITTED.value, mine)
            .order_by(col(Proposal.waiting_since), col(Proposal.id))
            .limit(MAX_QUEUE)
        )
    ).all()
    accepted = await _accepted_by_proposal(db, [row[0].id for row in rows])
    queue = []
    for proposal, proposer in rows:
        team = {proposal.proposer_id} | accepted.get(proposal.id or 0, set())
        if policy.can_approve_proposal(actor, approver_id=proposal.approver_id, team_ids=team):
            waited = now - as_utc(proposal.waiting_since or proposal.created_at)
            queue.append(QueueItem(proposal, proposer, waited))
    reports = list(
        (
            await db.execute(
                select(Profile)
                .join(User, col(User.id) == col(Profile.user_id))
                .where(col(Profile.manager_id) == actor.id, col(User.is_active).is_(True))
                .order_by(col(Profile.search_name))
                .limit(MAX_REPORTS)
            )
        ).scalars()
    )
    weeks = ledger.upcoming_weeks(now.date())
    ids = {p.user_id for p in reports}
    percents = await allowance_percents(db, ids)
    committed = await commitments(db, ids, until=weeks[-1] + timedelta(days=6))
    team_time = [
        PersonTime(
            profile=p,
            percent=percents[p.user_id],
            weeks=ledger.time_by_week(
                ledger.allowance_minutes(percents[p.user_id]), committed[p.user_id], weeks
            ),
        )
        for p in reports
    ]
    projects = (
        await db.execute(
            select(Proposal, Profile)
            .join(Profile, col(Profile.user_id) == col(Proposal.proposer_id))
            .where(
                col(Proposal.state).in_(
                    (
                        ProposalState.APPROVED.value,
                        ProposalState.ACTIVE.value,
                        ProposalState.RETROSPECTIVE_DUE.value,
                    )
                ),
                or_(
                    col(Proposal.approver_id) == actor.id, col(Proposal.proposer_id).in_(ids or {0})
                ),
                policy.readable_proposals_clause(actor),
            )
            .order_by(col(Proposal.end_date), col(Proposal.id))
            .limit(MAX_SHOWN)
        )
    ).all()
    counts = await _backer_counts(db, [row[0].id for row in projects])
    return ApprovalsPage(
        queue=queue,
        team=team_time,
        totals=ledger.sum_weeks(person.weeks for person in team_time),
        weeks=weeks,
        projects=[ProposalRow(p, prof, counts.get(p.id or 0, 0)) for p, prof in projects],
    )


async def _accepted_by_proposal(db: AsyncSession, ids: list[int | None]) -> dict[int, set[int]]:
    wanted = [i for i in ids if i is not None]
    result: dict[int, set[int]] = {}
    if not wanted:
        return result
    rows = await db.execute(
        select(col(ProposalCoProposer.proposal_id), col(ProposalCoProposer.user_id)).where(
            col(ProposalCoProposer.proposal_id).in_(wanted),
            col(ProposalCoProposer.state) == CoProposerState.ACCEPTED.value,
        )
    )
    for pid, uid in rows.all():
        result.setdefault(int(pid), set()).add(int(uid))
    return result


# --- the project group ---------------------------------------------------------------------------


async def pinned_for_group(db: AsyncSession, actor: User, group_id: int) -> list[ProposalRow]:
    """The proposals a group runs, shown at its top to those who may see them."""
    rows = (
        await db.execute(
            select(Proposal, Profile)
            .join(Profile, col(Profile.user_id) == col(Proposal.proposer_id))
            .where(
                col(Proposal.group_id) == group_id,
                col(Proposal.state).in_(PINNED),
                policy.readable_proposals_clause(actor),
            )
            .order_by(col(Proposal.id).desc())
            .limit(MAX_PINNED)
        )
    ).all()
    counts = await _backer_counts(db, [row[0].id for row in rows])
    return [ProposalRow(p, prof, counts.get(p.id or 0, 0)) for p, prof in rows]


# --- allowances (administrators) ------------------------------------------------------------------


@dataclass
class DepartmentAllowance:
    """A department and its allowance (None: the default applies)."""

    department: str
    percent: int | None
    people: int


@dataclass
class PersonAllowance:
    """Someone with an allowance of their own."""

    profile: Profile
    percent: int


@dataclass
class AllowancesPage:
    """The administrators' page of allowances."""

    default: int
    departments: list[DepartmentAllowance]
    people: list[PersonAllowance]


async def allowances_page(db: AsyncSession, actor: User) -> AllowancesPage:
    """Every department's allowance and every personal one."""
    if not policy.can_set_allowances(actor):
        raise Forbidden
    counts = (
        await db.execute(
            select(col(Profile.department), func.count())
            .where(col(Profile.department) != "")
            .group_by(col(Profile.department))
            .order_by(col(Profile.department))
            .limit(MAX_SHOWN)
        )
    ).all()
    set_for = dict(
        (
            await db.execute(
                select(col(SlackAllowance.department), col(SlackAllowance.percent)).where(
                    col(SlackAllowance.department).is_not(None)
                )
            )
        ).all()
    )
    personal = (
        await db.execute(
            select(Profile, col(SlackAllowance.percent))
            .join(SlackAllowance, col(SlackAllowance.user_id) == col(Profile.user_id))
            .order_by(col(Profile.search_name))
            .limit(MAX_SHOWN)
        )
    ).all()
    return AllowancesPage(
        default=ledger.DEFAULT_ALLOWANCE_PERCENT,
        departments=[
            DepartmentAllowance(str(name), set_for.get(name), int(count)) for name, count in counts
        ],
        people=[PersonAllowance(profile, int(percent)) for profile, percent in personal],
    )


async def set_department_allowance(
    db: AsyncSession, actor: User, department: str, percent: int | None
) -> None:
    """Set (or, with None, remove) a department's allowance."""
    if not policy.can_set_allowances(actor):
        raise Forbidden
    known = (
        await db.execute(
            select(col(Profile.user_id)).where(col(Profile.department) == department).limit(1)
        )
    ).first()
    if known is None:
        raise InvalidInput({"department": _("Choose one of the listed departments.")})
    await db.execute(delete(SlackAllowance).where(col(SlackAllowance.department) == department))
    if percent is not None:
        db.add(SlackAllowance(department=department, percent=percent, updated_by=actor.id))
    await _commit_allowance(db, "department")


async def set_person_allowance(
    db: AsyncSession, actor: User, reference: str, percent: int | None
) -> None:
    """Set (or, with None, remove) one person's own allowance, by email or handle."""
    if not policy.can_set_allowances(actor):
        raise Forbidden
    person = await people.find_active_person(db, reference)
    if person is None or person.id is None:
        raise InvalidInput({"person": _("No active colleague has this email or handle.")})
    await db.execute(delete(SlackAllowance).where(col(SlackAllowance.user_id) == person.id))
    if percent is not None:
        db.add(SlackAllowance(user_id=person.id, percent=percent, updated_by=actor.id))
    await _commit_allowance(db, "person")


async def _commit_allowance(db: AsyncSession, field_name: str) -> None:
    try:
        await db.commit()
    except IntegrityError as exc:
        # Two administrators saved the same allowance at once: the first one stands.
        await db.rollback()
        raise InvalidInput(
            {field_name: _("Someone changed this allowance at the same moment: reload the page.")}
        ) from exc


# --- the scheduled job's moves --------------------------------------------------------------------


async def due_to_start(db: AsyncSession, today: date) -> list[Proposal]:
    """Approved proposals whose start date has come."""
    return list(
        (
            await db.execute(
                select(Proposal)
                .where(
                    col(Proposal.state) == ProposalState.APPROVED.value,
                    col(Proposal.start_date) <= today,
                )
                .order_by(col(Proposal.id))
                .limit(MAX_QUEUE)
            )
        ).scalars()
    )


async def due_to_end(db: AsyncSession, today: date) -> list[Proposal]:
    """Active proposals past their end date."""
    return list(
        (
            await db.execute(
                select(Proposal)
                .where(
                    col(Proposal.state) == ProposalState.ACTIVE.value,
                    col(Proposal.end_date) < today,
                )
                .order_by(col(Proposal.id))
                .limit(MAX_QUEUE)
            )
        ).scalars()
    )


async def silent_projects(db: AsyncSession, since: datetime) -> list[Proposal]:
    """Active proposals with no check-in and no reminder since ``since`` (a week ago),
    running for at least that long."""
    recent_checkin = exists(
        select(col(ProposalCheckIn.id)).where(
            col(ProposalCheckIn.proposal_id) == col(Proposal.id),
            col(ProposalCheckIn.created_at) >= since,
        )
    )
    return list(
        (
            await db.execute(
                select(Proposal)
                .where(
                    col(Proposal.state) == ProposalState.ACTIVE.value,
                    col(Proposal.activated_at) < since,
                    or_(col(Proposal.reminded_at).is_(None), col(Proposal.reminded_at) < since),
                    ~recent_checkin,
                )
                .order_by(col(Proposal.id))
                .limit(MAX_QUEUE)
            )
        ).scalars()
    )


async def start_proposal(db: AsyncSession, proposal: Proposal) -> bool:
    """The job starts an approved proposal on its start date; False if someone moved it first."""
    try:
        await apply_transition(db, proposal, "start", None, values={"activated_at": utcnow()})
    except InvalidInput:
        return False
    await db.commit()
    return True


async def end_proposal(db: AsyncSession, proposal: Proposal) -> bool:
    """The job marks an active proposal past its end as waiting for its retrospective."""
    try:
        await apply_transition(db, proposal, "end", None)
    except InvalidInput:
        return False
    await notifications.notify(
        db,
        NotificationKind.PROPOSAL_RETRO_DUE.value,
        proposal.proposer_id,
        proposal_id=proposal.id,
    )
    await db.commit()
    return True


async def remind_check_in(db: AsyncSession, proposal: Proposal, now: datetime) -> int:
    """Remind the team that a week went by without a check-in; how many were told."""
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Proposal)
            .where(
                col(Proposal.id) == proposal.id,
                col(Proposal.state) == ProposalState.ACTIVE.value,
                or_(
                    col(Proposal.reminded_at).is_(None),
                    col(Proposal.reminded_at) == proposal.reminded_at,
                ),
            )
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        return 0
    told = 0
    for user_id in sorted(await team_ids(db, proposal)):
        told += (
            await notifications.notify(
                db, NotificationKind.PROPOSAL_CHECKIN_DUE.value, user_id, proposal_id=proposal.id
            )
            is not None
        )
    await db.commit()
    return told
