"""The department matrix, the silent pairs, the bridgers and the introductions."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.health import service as health
from esn.animation.health.bridges import keywords
from esn.people.models import Profile
from tests.animation.health.conftest import (
    NOW,
    add_comment,
    add_group,
    add_post,
    add_reaction,
    days_ago,
)
from tests.conftest import MakePerson


async def _set_profile(db: AsyncSession, user_id: int | None, **fields: str) -> None:
    await db.execute(update(Profile).where(col(Profile.user_id) == user_id).values(**fields))
    await db.commit()


@pytest.fixture
async def company(db: AsyncSession, colleague: MakePerson) -> dict[str, int | None]:
    """Four departments: Engineering, Legal, Ops, Sales; Legal talks to nobody."""
    animator, _ = await colleague("Ann Animator", role="animator")
    eve, _ = await colleague("Eve Eng", department="Engineering", skills=("Python",))
    ed, _ = await colleague("Ed Eng", department="Engineering")
    sam, _ = await colleague("Sam Sales", department="Sales", skills=("negociation",))
    stan, _ = await colleague("Stan Sales", department="Sales", skills=("Excel",))
    olga, _ = await colleague("Olga Ops", department="Ops", skills=("Python", "Ansible"))
    lea, _ = await colleague("Léa Legal", department="Legal", skills=("Négociation",))
    nobody, _ = await colleague("Nat Nodept")
    await _set_profile(db, lea.id, looking_for="Quelqu'un pour automatiser en PYTHON")
    first = await add_post(db, eve, days_ago(5))
    second = await add_post(db, eve, days_ago(4))
    sales_post = await add_post(db, sam, days_ago(4))
    await add_comment(db, first, sam, days_ago(5, hours=-1))  # Sales -> Engineering
    await add_comment(db, first, ed, days_ago(5, hours=-2))  # Engineering -> Engineering
    await add_comment(db, first, eve, days_ago(5, hours=-3))  # her own post: not counted
    await add_comment(db, first, nobody, days_ago(5, hours=-3))  # no department: left out
    await add_reaction(db, first, olga, days_ago(3))  # Ops -> Engineering
    await add_reaction(db, second, olga, days_ago(3))  # Ops -> Engineering
    await add_reaction(db, sales_post, olga, days_ago(3))  # Ops -> Sales
    old = await add_post(db, stan, days_ago(200))
    await add_comment(db, old, lea, days_ago(199))  # before the period: Legal stays silent
    # A secret group shared by Engineering and Legal: one shared group, both ways.
    await add_group(db, "Hidden Circle", [ed, lea], visibility="secret")
    return {"animator": animator.id, "eve": eve.id, "olga": olga.id, "sam": sam.id, "lea": lea.id}


async def _report(db: AsyncSession, weeks: int = 4) -> health.HealthReport:
    animator = (await db.execute(select(User).where(col(User.role) == "animator"))).scalar_one()
    return await health.health_report(db, animator, weeks, now=NOW)


async def test_matrix_counts_each_kind(db: AsyncSession, company: dict[str, int | None]) -> None:
    links = (await _report(db)).bridges
    assert links.departments == ["Engineering", "Legal", "Ops", "Sales"]
    sales_to_eng = links.cell("Sales", "Engineering")
    assert (sales_to_eng.replies, sales_to_eng.reactions, sales_to_eng.shared_groups) == (1, 0, 0)
    assert links.cell("Engineering", "Sales").total == 0  # direction kept
    assert links.cell("Engineering", "Engineering").replies == 1
    assert links.cell("Ops", "Engineering").reactions == 2
    assert links.cell("Ops", "Sales").reactions == 1
    assert links.cell("Engineering", "Legal").shared_groups == 1
    assert links.cell("Legal", "Engineering").shared_groups == 1
    assert links.totals() == [
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [2, 0, 0, 1],
        [1, 0, 0, 0],
    ]


async def test_pairs_that_never_interact(db: AsyncSession, company: dict[str, int | None]) -> None:
    links = (await _report(db)).bridges
    assert links.never == [("Legal", "Ops"), ("Legal", "Sales")]
    assert links.interacting_share == pytest.approx(4 / 6)


async def test_bridgers_ranked_by_departments_then_interactions(
    db: AsyncSession, company: dict[str, int | None]
) -> None:
    bridgers = (await _report(db)).bridges.bridgers
    ranked = [(b.person.name, b.departments, b.interactions) for b in bridgers]
    assert ranked == [
        # Eve and Olga reach two departments with three interactions: by name.
        ("Eve Eng", ("Ops", "Sales"), 3),
        ("Olga Ops", ("Engineering", "Sales"), 3),
        ("Sam Sales", ("Engineering", "Ops"), 2),
    ]


async def test_introductions_only_across_silent_departments_with_a_match(
    db: AsyncSession, company: dict[str, int | None]
) -> None:
    introductions = (await _report(db)).bridges.introductions
    found = [
        (m.first.name, m.second.name, m.first_needs_met, m.second_needs_met, m.shared_skills)
        for m in introductions
    ]
    assert found == [
        # Léa looks for Python; Olga lists it (Eve too, but Engineering and Legal share a group).
        ("Léa Legal", "Olga Ops", ("python",), (), ()),
        # "Négociation" and "negociation": the same skill, accents aside. Stan has no match.
        ("Léa Legal", "Sam Sales", (), (), ("Négociation",)),
    ]


async def test_no_introduction_once_departments_talk(
    db: AsyncSession, company: dict[str, int | None]
) -> None:
    post = await add_post(db, await _user(db, company["lea"]), days_ago(2))
    await add_comment(db, post, await _user(db, company["olga"]), days_ago(1))
    links = (await _report(db)).bridges
    assert links.never == [("Legal", "Sales")]
    assert [m.second.name for m in links.introductions] == ["Sam Sales"]


async def _user(db: AsyncSession, user_id: int | None) -> User:
    user = await db.get(User, user_id)
    assert user is not None
    return user


def test_keywords_fold_case_accents_plurals_and_stop_words() -> None:
    found = keywords("Je cherche de l'aide pour les APIs et Kubernetes, en Français")
    assert found == {"api": "apis", "kubernete": "kubernetes", "francai": "francais"}
    assert keywords("API") == {"api": "api"}  # meets "APIs"
    assert set(keywords("C++ and C# with UX")) == {"c++", "c#", "ux"}
