"""The demo's slack-time proposals: one in every state, as people would have made them.

Everything goes through the proposals service (approvals check allowances,
make project groups, post conversations and retrospectives), then times are
moved back so the history reads like weeks of use. Jérôme Caron, the support
team lead, finds two proposals waiting in his queue and one project running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.groups.models import Group
from esn.notifications.models import Notification
from esn.people.models import Profile
from esn.proposals import service as proposals
from esn.proposals.models import (
    Proposal,
    ProposalCheckIn,
    ProposalTransition,
)
from esn.stream.models import Activity, Post

ADMINISTRATOR = "camille-roux"
# What happens to each demo proposal after it is written, in order.
SUBMIT = "submit"
CHANGES = "request_changes"
APPROVE = "approve"
DECLINE = "decline"
WITHDRAW = "withdraw"
END = "end"
COMPLETE = "complete"
STOP = "stop"


@dataclass(frozen=True)
class DemoProposal:
    """A proposal, its people (by handle) and what happened to it.

    ``starts_in`` is in days from today (negative: it started in the past);
    ``steps`` are applied in order, the approver's with ``reason``.
    """

    proposer: str
    title: str
    problem: str
    gain: str
    percent: int
    starts_in: int
    weeks: int
    skills: tuple[str, ...]
    steps: tuple[str, ...]
    reason: str = ""
    coproposers: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    backers: tuple[tuple[str, str], ...] = ()
    volunteers: tuple[tuple[str, str], ...] = ()
    checkins: tuple[tuple[str, str, int], ...] = ()
    learned: str = ""
    next_step: str = "continue"
    group: str = ""
    origin: str = ""  # a phrase of the post it came from
    days_ago: int = 1


PROPOSALS: tuple[DemoProposal, ...] = (
    DemoProposal(
        "lucas-petit",
        "Dark mode for the customer app",
        "Customers using the app at night find it too bright; support hears it every week.",
        "A more comfortable app and one reason less to complain in the store reviews.",
        10,
        21,
        6,
        ("Front-end", "Design"),
        (),
        coproposers=("zoe-lambert",),
        days_ago=1,
    ),
    DemoProposal(
        "chloe-dubois",
        "Export invoices as CSV",
        "Three customers this week asked to export their invoices as CSV, and two key accounts "
        "asked too. Today support copies figures by hand.",
        "Fewer support tickets, happier key accounts, and an hour a day back for support.",
        10,
        10,
        6,
        ("SQL", "Python", "Customer support"),
        (SUBMIT,),
        coproposers=("lucas-petit",),
        accepted=("lucas-petit",),
        backers=(
            ("antoine-mercier", "Two of my key accounts will love this."),
            ("sophie-tremblay", "Yes, please."),
            ("daniel-walsh", ""),
        ),
        volunteers=(("samuel-cohen", "SQL, the invoice tables"),),
        origin="export their invoices as CSV",
        days_ago=3,
    ),
    DemoProposal(
        "aurelien-masson",
        "A shared library of support macros",
        "Each of us keeps answers to common questions in our own notes; newcomers start from "
        "nothing.",
        "Faster, more consistent answers, and newcomers up to speed in days.",
        5,
        14,
        4,
        ("Writing", "Customer support"),
        (SUBMIT,),
        backers=(("noemie-perrin", "Great for onboarding."),),
        days_ago=1,
    ),
    DemoProposal(
        "zoe-lambert",
        "Offline mode prototype",
        "Field technicians lose the app in basements and lifts.",
        "Technicians keep working without network; fewer failed interventions.",
        15,
        14,
        8,
        ("Mobile", "Kotlin"),
        (SUBMIT, CHANGES),
        reason="Good idea. Can you say how you will measure failed interventions first?",
        backers=(("oliver-bennett", "I can test it in Montréal."),),
        days_ago=6,
    ),
    DemoProposal(
        "clemence-aubert",
        "Standing desks pilot",
        "Several colleagues asked for standing desks; nobody knows whether they would use them.",
        "A decision based on a month of real use rather than opinions.",
        5,
        12,
        4,
        ("Wellbeing", "Procurement"),
        (SUBMIT, APPROVE),
        reason="Let's try it on one floor in Paris.",
        volunteers=(("laura-whitaker", "Procurement"),),
        days_ago=4,
    ),
    DemoProposal(
        "manon-leroy",
        "Self-service FAQ refresh",
        "Half of the FAQ is out of date; customers call us for answers that are already there.",
        "Fewer calls for simple questions.",
        10,
        -14,
        6,
        ("Writing", "Customer support"),
        (SUBMIT, APPROVE),
        reason="Yes, and share the before/after call figures.",
        backers=(("sophie-tremblay", "Long overdue!"),),
        checkins=(
            ("manon-leroy", "Listed the 40 most read pages; 18 are out of date.", 180),
            ("manon-leroy", "Rewrote the billing section with Chloé's help.", 210),
        ),
        days_ago=20,
    ),
    DemoProposal(
        "ines-haddad",
        "Cache CI dependencies to save energy",
        "Our CI runs 1,400 builds a day and downloads the same dependencies every time.",
        "About a third less energy for CI, and faster builds.",
        10,
        -21,
        8,
        ("Python", "CI", "Energy"),
        (SUBMIT, APPROVE),
        reason="Measured savings are exactly what Green IT needs.",
        coproposers=("bastien-girard",),
        accepted=("bastien-girard",),
        backers=(("claire-vasseur", "Finance will price the savings."), ("hugo-bernard", "")),
        checkins=(
            ("bastien-girard", "Cache in place for the backend builds.", 240),
            ("ines-haddad", "First figures: 28 % less data downloaded.", 180),
        ),
        group="Green IT",
        origin="Caching dependencies could save",
        days_ago=25,
    ),
    DemoProposal(
        "kevin-o-brien",
        "A Montréal office podcast",
        "Colleagues in Montréal feel far from the Paris news.",
        "Closer sites.",
        10,
        10,
        12,
        ("Audio",),
        (SUBMIT, DECLINE),
        reason="Not this quarter: the sales targets need you. Let's talk again in June.",
        days_ago=9,
    ),
    DemoProposal(
        "hugo-bernard",
        "Blog redesign",
        "The blog looks dated.",
        "More readers.",
        10,
        20,
        6,
        ("Design",),
        (WITHDRAW,),
        days_ago=8,
    ),
    DemoProposal(
        "francois-dupuis",
        "Churn dashboard for marketing",
        "Marketing sees churn once a quarter, too late to act.",
        "Campaigns that react within the month.",
        10,
        -49,
        6,
        ("SQL", "Dashboards"),
        (SUBMIT, APPROVE, END),
        reason="Go, with Samuel's window functions.",
        checkins=(("francois-dupuis", "Dashboard live for the team.", 210),),
        days_ago=55,
    ),
    DemoProposal(
        "samuel-cohen",
        "SQL lunch & learn",
        "Many colleagues export to spreadsheets what one query would answer.",
        "Autonomous teams and fewer data requests.",
        5,
        -63,
        6,
        ("SQL", "Teaching"),
        (SUBMIT, APPROVE, COMPLETE),
        reason="Great way to share the Data Guild's know-how.",
        checkins=(
            ("samuel-cohen", "First session: 14 people.", 120),
            ("samuel-cohen", "Third session, exercises online.", 90),
        ),
        learned="Short, practical sessions work best; people came back with their own queries.",
        next_step="continue",
        days_ago=70,
    ),
    DemoProposal(
        "priya-raman",
        "A chatbot for HR questions",
        "HR answers the same questions about leave and expenses every day.",
        "HR time for people rather than forms.",
        10,
        -56,
        4,
        ("Python", "NLP"),
        (SUBMIT, APPROVE, STOP),
        reason="Worth a try, keep it small.",
        learned="The questions need context a bot does not have; an FAQ would do more. "
        "Stopping is the right outcome.",
        next_step="stop",
        days_ago=60,
    ),
)


async def _people(db: AsyncSession) -> dict[str, User]:
    rows = await db.execute(
        select(User, col(Profile.handle)).join(Profile, col(Profile.user_id) == col(User.id))
    )
    return {handle: user for user, handle in rows.all()}


async def _manager_of(db: AsyncSession, user: User) -> User:
    manager_id = (
        await db.execute(select(col(Profile.manager_id)).where(col(Profile.user_id) == user.id))
    ).scalar_one()
    manager = await db.get(User, manager_id)
    assert manager is not None
    return manager


async def _origin(db: AsyncSession, phrase: str) -> int | None:
    if not phrase:
        return None
    return (
        (
            await db.execute(
                select(col(Post.id)).where(col(Post.body).contains(phrase)).order_by(col(Post.id))
            )
        )
        .scalars()
        .first()
    )


async def _group_slug(db: AsyncSession, name: str) -> str:
    if not name:
        return ""
    slug = (await db.execute(select(col(Group.slug)).where(col(Group.name) == name))).scalar_one()
    return str(slug)


async def _write(
    db: AsyncSession, demo: DemoProposal, people: dict[str, User], media_dir: Path
) -> Proposal:
    """Write one demo proposal and take it through its steps, through the service."""
    proposer = people[demo.proposer]
    today = utcnow().date()
    start = today + timedelta(days=demo.starts_in)
    draft = await proposals.create_proposal(
        db,
        proposer,
        proposals.ProposalInput(
            title=demo.title,
            problem=demo.problem,
            gain=demo.gain,
            time_unit="percent",
            time_amount=Decimal(demo.percent),
            start_date=start,
            end_date=start + timedelta(weeks=demo.weeks) - timedelta(days=1),
            skills=demo.skills,
            coproposers=tuple(people[h].email for h in demo.coproposers),
            group=await _group_slug(db, demo.group),
            origin_post_id=await _origin(db, demo.origin),
        ),
    )
    assert draft.id is not None
    pid = draft.id
    for handle in demo.accepted:
        await proposals.answer_coproposal(db, people[handle], pid, accept=True)
    proposal = draft
    for step in demo.steps:
        if step == SUBMIT:
            proposal = await proposals.submit_proposal(
                db, proposer, pid, version=proposal.version, media_dir=media_dir
            )
            for handle, word in demo.backers:
                await proposals.back_proposal(db, people[handle], pid, word)
            for handle, skills in demo.volunteers:
                await proposals.volunteer(db, people[handle], pid, skills)
        elif step in {APPROVE, DECLINE, CHANGES}:
            proposal = await proposals.decide_proposal(
                db,
                await _manager_of(db, proposer),
                pid,
                step,
                demo.reason,
                version=proposal.version,
            )
            if proposal.state == "active":
                for handle, done, minutes in demo.checkins:
                    await proposals.check_in(db, people[handle], pid, done, minutes)
        elif step == WITHDRAW:
            proposal = await proposals.withdraw_proposal(
                db, proposer, pid, version=proposal.version
            )
        elif step == END:
            await proposals.end_proposal(db, proposal)
        else:
            proposal, _follow_up = await proposals.close_proposal(
                db,
                proposer,
                pid,
                proposals.Retrospective(step, demo.learned, demo.next_step),
                version=proposal.version,
                media_dir=media_dir,
            )
    return proposal


async def _backdate(db: AsyncSession, proposal: Proposal, days_ago: int) -> None:
    """Spread a proposal's life over the ``days_ago`` days before now."""
    now = utcnow()
    born = now - timedelta(days=days_ago)
    moves = list(
        (
            await db.execute(
                select(col(ProposalTransition.id))
                .where(col(ProposalTransition.proposal_id) == proposal.id)
                .order_by(col(ProposalTransition.id))
            )
        ).scalars()
    )
    step = timedelta(days=days_ago) / (len(moves) + 1)
    last = born
    for number, move_id in enumerate(moves, start=1):
        last = born + step * number
        await db.execute(
            update(ProposalTransition)
            .where(col(ProposalTransition.id) == move_id)
            .values(created_at=last)
        )
    first_move = born + step
    await db.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal.id)
        .values(
            created_at=born,
            updated_at=last,
            submitted_at=first_move if proposal.submitted_at else None,
            waiting_since=last if proposal.waiting_since else None,
            activated_at=_activation(proposal.activated_at, proposal.start_date, now),
        )
    )
    if proposal.discussion_post_id is not None:
        await db.execute(
            update(Post)
            .where(col(Post.id) == proposal.discussion_post_id)
            .values(created_at=first_move)
        )
    await db.execute(
        update(Activity)
        .where(col(Activity.object_type) == "proposal", col(Activity.object_id) == proposal.id)
        .values(created_at=last)
    )
    await db.execute(
        update(Notification)
        .where(col(Notification.proposal_id) == proposal.id)
        .values(created_at=last)
    )
    if proposal.state != "submitted":
        # The approver has long since read that it was waiting for them.
        await db.execute(
            update(Notification)
            .where(
                col(Notification.proposal_id) == proposal.id,
                col(Notification.kind) == "proposal_submitted",
            )
            .values(read_at=last)
        )
    checkins = list(
        (
            await db.execute(
                select(col(ProposalCheckIn.id))
                .where(col(ProposalCheckIn.proposal_id) == proposal.id)
                .order_by(col(ProposalCheckIn.id))
            )
        ).scalars()
    )
    for weeks_back, checkin_id in enumerate(reversed(checkins), start=0):
        await db.execute(
            update(ProposalCheckIn)
            .where(col(ProposalCheckIn.id) == checkin_id)
            .values(created_at=now - timedelta(days=2 + 7 * weeks_back))
        )
    await db.commit()


def _activation(activated_at: datetime | None, start: date, now: datetime) -> datetime | None:
    """A project that started in the past was activated on its start date."""
    if activated_at is None:
        return None
    started = datetime.combine(start, now.timetz())
    return min(started, now)


async def seed_proposals(db: AsyncSession, media_dir: Path) -> int:
    """Create the demo proposals; returns how many."""
    people = await _people(db)
    # Engineering negotiated 15 % of slack time; everyone else has the default 10 %.
    await proposals.set_department_allowance(db, people[ADMINISTRATOR], "Engineering", 15)
    for demo in PROPOSALS:
        proposal = await _write(db, demo, people, media_dir)
        await _backdate(db, proposal, demo.days_ago)
    return len(PROPOSALS)
