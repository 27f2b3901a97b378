"""The maturity ladder: each level from its signals, and the level-5 inputs from data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from esn.animation.health import ladder as maturity
from esn.animation.health import service as health
from esn.animation.models import ImpactStory
from esn.proposals.models import Proposal
from tests.animation.health.conftest import NOW, add_post, days_ago
from tests.conftest import MakePerson

# Every threshold met exactly: the edges are inclusive.
AT_THRESHOLDS = maturity.LadderInput(
    answered_share=maturity.ANSWERED_SHARE_MIN,
    median_answer_hours=maturity.MEDIAN_ANSWER_HOURS_MAX,
    interacting_share=maturity.CROSS_TEAM_SHARE_MIN,
    engaged_share=maturity.ENGAGED_SHARE_MIN,
    participating_share=maturity.PARTICIPATING_SHARE_MIN,
    proposals_from_conversations_share=maturity.PROPOSALS_FROM_CONVERSATIONS_MIN,
    innovation_stories=maturity.INNOVATION_STORIES_MIN,
)


def test_every_threshold_met_reaches_level_five() -> None:
    ladder = maturity.ladder(AT_THRESHOLDS)
    assert ladder.current == 5
    assert [level.reached for level in ladder.levels] == [True] * 5


@pytest.mark.parametrize(
    ("change", "level"),
    [
        ({"answered_share": 0.49}, 1),
        ({"median_answer_hours": 24.1}, 1),
        ({"answered_share": None, "median_answer_hours": None}, 1),
        ({"interacting_share": 0.49}, 2),
        ({"interacting_share": None}, 2),
        ({"engaged_share": 0.09}, 3),
        ({"participating_share": 0.2}, 3),
        ({"proposals_from_conversations_share": 0.2}, 4),
        ({"proposals_from_conversations_share": None}, 4),
        ({"innovation_stories": 0}, 4),
    ],
)
def test_a_missed_signal_stops_the_climb(change: dict[str, object], level: int) -> None:
    ladder = maturity.ladder(replace(AT_THRESHOLDS, **change))  # type: ignore[arg-type]
    assert ladder.current == level


def test_a_level_needs_the_levels_below() -> None:
    # People engage and departments talk, but posts go unanswered: still level 1.
    ladder = maturity.ladder(replace(AT_THRESHOLDS, answered_share=0.1))
    assert ladder.current == 1
    cross_team = ladder.levels[2]
    assert cross_team.met and not cross_team.reached


def test_signals_show_value_and_threshold() -> None:
    ladder = maturity.ladder(replace(AT_THRESHOLDS, median_answer_hours=30.0))
    median = ladder.levels[1].signals[1]
    assert not median.met
    assert maturity.format_signal_value(median, median.value) == "30.0 h"
    assert maturity.format_signal_value(median, median.threshold) == "24.0 h"
    answered = ladder.levels[1].signals[0]
    assert maturity.format_signal_value(answered, answered.value) == "50 %"


async def _proposal(db: AsyncSession, proposer_id: int | None, **fields: object) -> None:
    assert proposer_id is not None
    db.add(
        Proposal(
            title="An idea",
            problem="A problem",
            gain="A gain",
            minutes_per_week=120,
            start_date=date(2025, 6, 1),
            end_date=date(2025, 7, 1),
            proposer_id=proposer_id,
            **fields,  # type: ignore[arg-type]
        )
    )
    await db.commit()


async def test_proposals_and_impact_stories_feed_level_five(
    db: AsyncSession, colleague: MakePerson
) -> None:
    animator, _ = await colleague("Ann Animator", role="animator")
    person, _ = await colleague("Pia Proposer")
    post = await add_post(db, person, days_ago(20))
    await _proposal(db, person.id, origin_post_id=post.id, submitted_at=days_ago(10))
    await _proposal(db, person.id, submitted_at=days_ago(9))
    await _proposal(db, person.id, submitted_at=days_ago(8))
    await _proposal(db, person.id, origin_post_id=post.id)  # a draft never submitted
    await _proposal(db, person.id, origin_post_id=post.id, submitted_at=days_ago(300))
    assert post.id is not None
    for outcome, at in [
        ("idea_adopted", days_ago(3)),
        ("became_proposal", days_ago(2)),
        ("got_help", days_ago(2)),
    ]:
        db.add(ImpactStory(post_id=post.id, outcome=outcome, created_at=at))
    other = await add_post(db, person, days_ago(200))
    assert other.id is not None
    db.add(ImpactStory(post_id=other.id, outcome="idea_adopted", created_at=days_ago(199)))
    await db.commit()

    report = await health.health_report(db, animator, 4, now=NOW)

    assert (report.proposals.submitted, report.proposals.from_conversations) == (3, 1)
    assert report.impact == {
        "got_help": 1,
        "first_cross_team_contact": 0,
        "idea_adopted": 1,
        "became_proposal": 1,
    }
    level_five = report.ladder.levels[4]
    shares = {signal.key: signal.value for signal in level_five.signals}
    assert shares["proposals_from_conversations"] == pytest.approx(1 / 3)
    assert shares["innovation_stories"] == 2
    assert level_five.met
