"""Community health for company animators: the report, and each of its tables as CSV.

Figures cover the whole company, private and secret groups included, as
aggregates only: no post text and no group name ever leaves this module. The
per-person tables (bridgers, introductions) are for animators and
administrators (policy.can_see_person_figures), and so is the whole page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.health import activity as activity_figures
from esn.animation.health.activity import ActivityCounts, Answers, Period, Segments, Week
from esn.animation.health.bridges import Bridges, bridges
from esn.animation.health.ladder import Ladder, LadderInput, format_signal_value, ladder
from esn.animation.models import ImpactOutcome, ImpactStory
from esn.core.clock import utcnow
from esn.core.errors import NotFound
from esn.core.i18n import gettext as _
from esn.proposals.models import Proposal

WEEK_CHOICES = (4, 12, 26, 52)
DEFAULT_WEEKS = 12
TABLES = (
    "weekly",
    "segments",
    "matrix",
    "never",
    "bridgers",
    "introductions",
    "ladder",
    "impact",
)
# Stories that say a conversation turned into something: they count for level 5.
INNOVATION_OUTCOMES = (ImpactOutcome.IDEA_ADOPTED.value, ImpactOutcome.BECAME_PROPOSAL.value)


def segment_labels() -> dict[str, str]:
    """The segments' names, translated, most engaged first."""
    return {
        "creators": _("Creators (posted)"),
        "contributors": _("Contributors (commented, no post)"),
        "reactors": _("Reactors (reacted only)"),
        "readers": _("Readers (signed in only)"),
        "inactive": _("Inactive"),
    }


def outcome_labels() -> dict[str, str]:
    """The impact outcomes' names, translated."""
    return {
        ImpactOutcome.GOT_HELP.value: _("Someone got help"),
        ImpactOutcome.FIRST_CROSS_TEAM_CONTACT.value: _("First cross-team contact"),
        ImpactOutcome.IDEA_ADOPTED.value: _("Idea adopted"),
        ImpactOutcome.BECAME_PROPOSAL.value: _("Became a proposal"),
    }


@dataclass(frozen=True)
class ProposalFigures:
    """Proposals submitted in the period, and those that started from a post."""

    submitted: int
    from_conversations: int

    @property
    def share(self) -> float | None:
        """Share that came from a conversation, or None without proposals."""
        return self.from_conversations / self.submitted if self.submitted else None


@dataclass(frozen=True)
class HealthReport:
    """Everything the health page shows, for one period."""

    period: Period
    activity: ActivityCounts
    weeks: list[Week]
    answers: Answers
    segments: Segments
    bridges: Bridges
    proposals: ProposalFigures
    impact: dict[str, int]
    ladder: Ladder

    def share(self, count: int) -> float | None:
        """``count`` over the population, or None for an empty company."""
        population = self.activity.population
        return count / population if population else None


def require_animator(actor: User) -> None:
    """Only company animators and administrators know this page exists (404 otherwise)."""
    if not policy.can_animate_company(actor) or not policy.can_see_person_figures(actor):
        raise NotFound


def end_of_today() -> datetime:
    """Midnight UTC at the end of the current day."""
    return datetime.combine(utcnow().date() + timedelta(days=1), time(0), tzinfo=UTC)


async def impact_counts(db: AsyncSession, since: datetime, until: datetime) -> dict[str, int]:
    """Impact stories tagged in [since, until), by outcome (every outcome listed)."""
    statement = (
        select(col(ImpactStory.outcome), func.count())
        .where(col(ImpactStory.created_at) >= since, col(ImpactStory.created_at) < until)
        .group_by(col(ImpactStory.outcome))
    )
    counts = {outcome.value: 0 for outcome in ImpactOutcome}
    for outcome, count in (await db.execute(statement)).all():
        counts[outcome] = int(count)
    return counts


async def proposal_figures(db: AsyncSession, period: Period) -> ProposalFigures:
    """Proposals first submitted in the period; drafts never shared do not count."""
    from_post = func.count(col(Proposal.origin_post_id))  # COUNT skips NULL
    statement = select(func.count(), from_post).where(
        col(Proposal.submitted_at) >= period.start, col(Proposal.submitted_at) < period.end
    )
    submitted, from_conversations = (await db.execute(statement)).one()
    return ProposalFigures(int(submitted), int(from_conversations))


async def health_report(
    db: AsyncSession, actor: User, weeks: int = DEFAULT_WEEKS, *, now: datetime | None = None
) -> HealthReport:
    """The company's health over the ``weeks`` weeks ending ``now``.

    By default the period ends at the end of today (UTC), so that its weeks
    and the 28 days of "active" are whole days.
    """
    require_animator(actor)
    if weeks not in WEEK_CHOICES:
        weeks = DEFAULT_WEEKS
    period = Period(weeks=weeks, end=now if now is not None else end_of_today())
    people = await activity_figures.active_people_ids(db)
    counts = await activity_figures.activity_counts(db, period, people)
    weekly = await activity_figures.weekly_volume(db, period)
    answered = await activity_figures.answers(db, period)
    segments = await activity_figures.segments(db, period, people)
    links = await bridges(db, period)
    proposals = await proposal_figures(db, period)
    impact = await impact_counts(db, period.start, period.end)
    population = len(people)
    sizes = segments.sizes()
    figures = LadderInput(
        answered_share=answered.share,
        median_answer_hours=answered.median_hours,
        interacting_share=links.interacting_share,
        engaged_share=counts.engaged / population if population else None,
        participating_share=(sizes["creators"] + sizes["contributors"]) / population
        if population
        else None,
        proposals_from_conversations_share=proposals.share,
        innovation_stories=sum(impact[outcome] for outcome in INNOVATION_OUTCOMES),
    )
    return HealthReport(
        period=period,
        activity=counts,
        weeks=weekly,
        answers=answered,
        segments=segments,
        bridges=links,
        proposals=proposals,
        impact=impact,
        ladder=ladder(figures),
    )


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _table(header: list[str], body: Iterable[Sequence[object]]) -> list[list[object]]:
    return [list(header), *(list(row) for row in body)]


def table_rows(report: HealthReport, table: str) -> list[list[object]]:
    """One table of the report as rows, a header row first (for the CSV export)."""
    if table == "weekly":
        return _table(
            [_("Week starting"), _("Posts"), _("Comments")],
            ([week.start.isoformat(), week.posts, week.comments] for week in report.weeks),
        )
    if table == "segments":
        sizes = report.segments.sizes()
        return _table(
            [_("Segment"), _("People"), _("Share (%)")],
            (
                [label, sizes[key], _percent(report.share(sizes[key]))]
                for key, label in segment_labels().items()
            ),
        )
    if table == "matrix":
        links = report.bridges
        rows: list[list[object]] = [
            [
                _("From department"),
                _("To department"),
                _("Replies"),
                _("Reactions"),
                _("Shared groups"),
                _("Total"),
            ]
        ]
        for source in links.departments:
            for target in links.departments:
                cell = links.cell(source, target)
                rows.append(
                    [source, target, cell.replies, cell.reactions, cell.shared_groups, cell.total]
                )
        return rows
    if table == "never":
        return _table([_("Department"), _("Department")], report.bridges.never)
    if table == "bridgers":
        return _table(
            [
                _("Person"),
                _("Department"),
                _("Departments reached"),
                _("Interactions"),
                _("Other departments"),
            ],
            (
                [
                    bridger.person.name,
                    bridger.person.department,
                    len(bridger.departments),
                    bridger.interactions,
                    "; ".join(bridger.departments),
                ]
                for bridger in report.bridges.bridgers
            ),
        )
    if table == "introductions":
        return _table(
            [
                _("Person"),
                _("Department"),
                _("Person"),
                _("Department"),
                _("Looked for by the first, offered by the second"),
                _("Looked for by the second, offered by the first"),
                _("Shared skills"),
            ],
            (
                [
                    match.first.name,
                    match.first.department,
                    match.second.name,
                    match.second.department,
                    "; ".join(match.first_needs_met),
                    "; ".join(match.second_needs_met),
                    "; ".join(match.shared_skills),
                ]
                for match in report.bridges.introductions
            ),
        )
    if table == "ladder":
        rows = _table(
            [_("Level"), _("Name"), _("Reached"), _("Signal"), _("Value"), _("Threshold")], []
        )
        for level in report.ladder.levels:
            for signal in level.signals:
                rows.append(
                    [
                        level.number,
                        level.name,
                        _("yes") if level.reached else _("no"),
                        signal.label,
                        format_signal_value(signal, signal.value),
                        ("≤ " if signal.at_most else "≥ ")
                        + format_signal_value(signal, signal.threshold)
                        if signal.threshold is not None
                        else "",
                    ]
                )
        return rows
    if table == "impact":
        return _table(
            [_("Outcome"), _("Stories")],
            ([label, report.impact.get(key, 0)] for key, label in outcome_labels().items()),
        )
    raise NotFound
