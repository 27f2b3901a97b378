"""The demo company: believable, consistent, fast, and added only once."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from typer.testing import CliRunner

from esn.accounts.models import User
from esn.cli import app
from esn.core.errors import InvalidInput
from esn.people.models import Follow, Profile, Skill
from esn_tools.demo import company as seed
from esn_tools.demo.animation import NEWCOMERS
from tests.conftest import log_in


async def profiles(db: AsyncSession) -> list[Profile]:
    """Every profile in the database."""
    return list((await db.execute(select(Profile))).scalars())


async def test_demo_company_has_forty_people_in_six_departments(db: AsyncSession) -> None:
    result = await seed.seed_demo(db)

    everyone = await profiles(db)
    # The forty of the table, and three newcomers who arrived three weeks ago.
    assert result.people == len(everyone) == len(seed.PEOPLE) + len(NEWCOMERS) == 43
    assert {p.department for p in everyone} == set(seed.DEPARTMENTS)
    assert len(seed.DEPARTMENTS) == 6
    assert {p.site for p in everyone} >= {"Paris", "Lyon", "Nantes", "Montréal"}
    assert any("é" in p.display_name for p in everyone)
    assert all(p.bio and p.how_i_can_help and p.looking_for and p.languages for p in everyone)
    locales = set((await db.execute(select(col(User.locale)))).scalars())
    assert locales == {"fr", "en"}


async def test_org_chart_has_one_root_and_no_loop(db: AsyncSession) -> None:
    await seed.seed_demo(db)
    everyone = await profiles(db)
    manager_of = {p.user_id: p.manager_id for p in everyone}

    roots = [p for p in everyone if p.manager_id is None]
    assert [p.display_name for p in roots] == ["Hélène Marchand"]
    for person in everyone:
        seen = {person.user_id}
        boss = manager_of[person.user_id]
        while boss is not None:
            assert boss not in seen, f"{person.display_name} is in a loop"
            seen.add(boss)
            boss = manager_of[boss]
    # Each department has a head who reports to the CEO.
    heads = {p.department for p in everyone if p.manager_id == roots[0].user_id}
    assert heads == set(seed.DEPARTMENTS)


async def test_some_skills_cross_departments(db: AsyncSession) -> None:
    await seed.seed_demo(db)
    rows = await db.execute(
        select(col(Skill.key), col(Profile.department)).join(
            Profile, col(Profile.user_id) == col(Skill.user_id)
        )
    )
    departments_of: dict[str, set[str]] = defaultdict(set)
    for key, department in rows:
        departments_of[key].add(department)

    shared = [key for key, departments in departments_of.items() if len(departments) >= 3]
    assert len(shared) >= 3
    assert len(departments_of) >= 30


async def test_notable_accounts_are_what_the_table_says(db: AsyncSession) -> None:
    await seed.seed_demo(db)
    kinds = {account.kind: account.email for account in seed.notable_accounts()}
    users = {u.email: u for u in (await db.execute(select(User))).scalars()}

    assert users[kinds["administrator"]].role == "admin"
    assert users[kinds["animator"]].role == "animator"
    assert users[kinds["employee"]].role == "employee"
    manager_id = users[kinds["manager"]].id
    reports = (
        await db.execute(select(func.count()).where(col(Profile.manager_id) == manager_id))
    ).scalar_one()
    assert reports >= 2
    follows = (await db.execute(select(func.count()).select_from(Follow))).scalar_one()
    assert follows >= 40


async def test_demo_admin_logs_in_with_the_printed_password(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    await seed.seed_demo(db)
    admin = next(a for a in seed.notable_accounts() if a.kind == "administrator")

    response = await log_in(client, admin.email, seed.DEMO_PASSWORD)

    assert response.status_code == 303
    assert (await client.get("/admin")).status_code == 200


async def test_seeding_twice_is_refused_without_if_empty(db: AsyncSession) -> None:
    await seed.seed_demo(db)

    with pytest.raises(InvalidInput):
        await seed.seed_demo(db)
    skipped = await seed.seed_demo(db, if_empty=True)

    assert skipped.skipped
    assert len(await profiles(db)) == 43


def _seed_with_cli(tmp_path: Path) -> tuple[list[str], str]:
    """Migrate a new SQLite file, seed it twice with --if-empty; (outputs, path)."""
    path = tmp_path / "demo.sqlite3"
    env = {
        "ESN_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "ESN_VAR_DIR": str(tmp_path / "var"),
        "ESN_SECRET_KEY": "seed-test-secret-key-long-enough-to-sign",
    }
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    outputs = []
    for _ in range(2):
        result = runner.invoke(app, ["seed", "--demo", "--if-empty"], env=env)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    return outputs, str(path)


def test_cli_seed_if_empty_twice_adds_the_company_once(tmp_path: Path) -> None:
    (first, second), path = _seed_with_cli(tmp_path)

    with sqlite3.connect(path) as connection:
        count = connection.execute('SELECT count(*) FROM "user"').fetchone()[0]
    assert count == 43
    assert "43 people" in first
    assert "not added" in second
    for output in (first, second):
        assert seed.DEMO_PASSWORD in output
        for account in seed.notable_accounts():
            assert account.email in output


def test_seed_is_deterministic(tmp_path: Path) -> None:
    def follows(path: str) -> list[tuple[str, str]]:
        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                'SELECT a.email, b.email FROM follow JOIN "user" a ON a.id = follower_id '
                'JOIN "user" b ON b.id = followee_id ORDER BY 1, 2'
            )
            return list(rows)

    def animation(path: str) -> list[list[tuple[object, ...]]]:
        queries = (
            'SELECT u.email, s.state, s.works_on FROM spotlight s JOIN "user" u ON u.id = member_id'
            " ORDER BY 1, 2",
            "SELECT reason, state, comment_id IS NULL FROM content_report ORDER BY 1",
            "SELECT group_id IS NULL, version, body FROM charter ORDER BY 1, 2, 3",
            "SELECT outcome, note FROM impact_story ORDER BY 1",
            'SELECT email FROM "user" ORDER BY 1',
            "SELECT body, comment_count, reaction_count FROM post ORDER BY 1",
        )
        with sqlite3.connect(path) as connection:
            return [list(connection.execute(query)) for query in queries]

    _outputs, one = _seed_with_cli(tmp_path / "one")
    _outputs, two = _seed_with_cli(tmp_path / "two")

    assert follows(one) == follows(two)
    assert animation(one) == animation(two)


async def test_demo_network_is_alive(db: AsyncSession) -> None:
    """Groups of every visibility, conversations with replies, reactions,
    topics and mentions, and counts on the post rows that match the rows."""
    from sqlalchemy import func, select

    from esn.groups.models import Group
    from esn.stream.models import Comment, Mention, Post, PostTopic, Reaction

    result = await seed.seed_demo(db)
    assert result.groups >= 6 and result.posts >= 10
    visibilities = set((await db.execute(select(Group.visibility))).scalars())
    assert visibilities == {"open", "private", "secret"}
    assert (await db.execute(select(func.count()).select_from(PostTopic))).scalar_one() > 0
    assert (await db.execute(select(func.count()).select_from(Mention))).scalar_one() > 0
    replies = select(func.count()).select_from(Comment).where(Comment.parent_id.is_not(None))  # type: ignore[union-attr]
    assert (await db.execute(replies)).scalar_one() > 0
    for post in (await db.execute(select(Post))).scalars():
        comments = select(func.count()).select_from(Comment).where(Comment.post_id == post.id)
        reactions = select(func.count()).select_from(Reaction).where(Reaction.post_id == post.id)
        assert post.comment_count == (await db.execute(comments)).scalar_one()
        assert post.reaction_count == (await db.execute(reactions)).scalar_one()


# --- the animator's side of the demo (esn/seed_animation.py) -------------------------


async def _user_id(db: AsyncSession, handle: str) -> int:
    """The account id behind a demo handle."""
    found = await db.execute(select(col(Profile.user_id)).where(col(Profile.handle) == handle))
    return int(found.scalar_one())


async def check_spotlights(db: AsyncSession, result: seed.SeedResult) -> None:
    """One spotlight showing now (with its stream event), one waiting, one past."""
    from esn.animation.models import Spotlight
    from esn.core.clock import as_utc, utcnow
    from esn.notifications.models import Notification
    from esn.stream.models import Activity

    now = utcnow()
    lea = await _user_id(db, "lea-fontaine")
    spotlights = list((await db.execute(select(Spotlight))).scalars())

    assert result.spotlights == len(spotlights) == 3
    assert all(s.drafted_by == lea and s.works_on and s.why_now for s in spotlights)
    showing = [
        s
        for s in spotlights
        if s.state == "accepted" and as_utc(s.starts_at) <= now < as_utc(s.ends_at)
    ]
    assert len(showing) == 1
    activity = (
        await db.execute(
            select(Activity).where(
                col(Activity.verb) == "spotlighted",
                col(Activity.object_type) == "spotlight",
                col(Activity.object_id) == showing[0].id,
            )
        )
    ).scalar_one()
    assert activity.actor_id == showing[0].member_id and activity.source == "company"
    (waiting,) = [s for s in spotlights if s.state == "proposed"]
    notification = (
        await db.execute(select(Notification).where(col(Notification.spotlight_id) == waiting.id))
    ).scalar_one()
    assert notification.kind == "spotlight_proposed"
    assert (notification.user_id, notification.actor_id) == (waiting.member_id, lea)
    assert notification.read_at is None
    past = [s for s in spotlights if s.state == "accepted" and as_utc(s.ends_at) < now]
    assert len(past) == 1 and (now - as_utc(past[0].ends_at)).days >= 14
    assert len({s.member_id for s in spotlights}) == 3


async def check_reports(db: AsyncSession, result: seed.SeedResult) -> None:
    """Open reports on a post and a comment, one dismissed, one post hidden with its reason."""
    from esn.animation.models import ContentReport, ModerationAction
    from esn.notifications.models import Notification
    from esn.stream.models import Comment, Post

    lea = await _user_id(db, "lea-fontaine")
    reports = list((await db.execute(select(ContentReport))).scalars())
    actions = list((await db.execute(select(ModerationAction))).scalars())

    assert result.reports == len(reports)
    open_reports = [r for r in reports if r.state == "open"]
    assert 2 <= len(open_reports) <= 3
    assert len({r.reporter_id for r in open_reports}) == len(open_reports)
    assert all(r.reason and r.handled_by is None for r in open_reports)
    on_posts = [r for r in open_reports if r.comment_id is None]
    on_comments = [r for r in open_reports if r.comment_id is not None]
    assert on_posts and on_comments
    company_post = await db.get(Post, on_posts[0].post_id)
    assert company_post is not None and company_post.source == "company"
    comment = await db.get(Comment, on_comments[0].comment_id)
    assert comment is not None and comment.post_id == on_comments[0].post_id

    (dismissed,) = [r for r in reports if r.state == "dismissed"]
    assert dismissed.handled_by == lea
    assert [(a.action, a.actor_id) for a in actions if a.report_id == dismissed.id] == [
        ("dismiss", lea)
    ]

    hidden = list(
        (await db.execute(select(Post).where(col(Post.hidden_at).is_not(None)))).scalars()
    )
    assert len(hidden) == 1
    post = hidden[0]
    assert post.hidden_by == lea and post.hidden_reason
    author = await db.get(User, post.author_id)
    assert author is not None and author.email.endswith("@" + seed.DEMO_DOMAIN)
    (actioned,) = [r for r in reports if r.state == "actioned"]
    assert actioned.post_id == post.id and actioned.handled_by == lea
    hide = [a for a in actions if a.report_id == actioned.id]
    assert [(a.action, a.post_id, a.reason) for a in hide] == [
        ("hide", post.id, post.hidden_reason)
    ]
    told = await db.execute(
        select(col(Notification.user_id)).where(
            col(Notification.kind) == "content_hidden", col(Notification.post_id) == post.id
        )
    )
    assert list(told.scalars()) == [post.author_id]


async def test_demo_animator_finds_spotlights_and_reports(db: AsyncSession) -> None:
    result = await seed.seed_demo(db)

    await check_spotlights(db, result)
    await check_reports(db, result)


async def test_demo_work_queue_has_something_in_every_list(
    db: AsyncSession, client: httpx.AsyncClient
) -> None:
    from datetime import timedelta

    from esn.accounts.models import UserSession
    from esn.animation.models import Charter, CharterAcceptance
    from esn.core.clock import as_utc, utcnow
    from esn.groups.models import Group, GroupRequest, Membership
    from esn.stream.models import Comment, Post

    await seed.seed_demo(db)
    now = utcnow()
    posts = list((await db.execute(select(Post))).scalars())
    comments = list((await db.execute(select(Comment))).scalars())
    answerers: dict[int, set[int]] = defaultdict(set)
    for comment in comments:
        answerers[comment.post_id].add(comment.author_id)

    # Posts older than 48 hours (within 30 days) that nobody but their author answered.
    unanswered = [
        p
        for p in posts
        if timedelta(hours=48) < now - as_utc(p.created_at) < timedelta(days=30)
        and p.hidden_at is None
        and not answerers[p.id or 0] - {p.author_id}
    ]
    assert len(unanswered) >= 3
    assert any(p.source == "company" for p in unanswered)
    groups = {g.id: g for g in (await db.execute(select(Group))).scalars()}
    assert any(p.group_id and groups[p.group_id].visibility == "open" for p in unanswered)
    assert any(p.comment_count and answerers[p.id or 0] == {p.author_id} for p in unanswered)

    # Newcomers: first login three weeks ago, not a word since.
    emails = [newcomer.email for newcomer in NEWCOMERS]
    newcomers = list((await db.execute(select(User).where(col(User.email).in_(emails)))).scalars())
    assert len(newcomers) == len(NEWCOMERS) >= 2
    silent = {u.id for u in newcomers}
    assert not silent & ({p.author_id for p in posts} | {c.author_id for c in comments})
    sessions = list(
        (
            await db.execute(select(UserSession).where(col(UserSession.user_id).in_(silent)))
        ).scalars()
    )
    assert {s.user_id for s in sessions} == silent
    for user in newcomers:
        assert user.role == "employee" and user.password_hash
        assert timedelta(days=14) < now - as_utc(user.created_at) < timedelta(days=30)
    for session in sessions:
        assert timedelta(days=14) < now - as_utc(session.created_at) < timedelta(days=30)
        assert as_utc(session.expires_at) < now
    departments = await db.execute(
        select(col(Profile.department)).where(col(Profile.user_id).in_(silent))
    )
    assert all(departments.scalars())

    # A group that went quiet: open, created over 60 days ago, last word over 30 days old.
    def last_word(group_id: int) -> float:
        times = [as_utc(p.created_at) for p in posts if p.group_id == group_id]
        ids = {p.id for p in posts if p.group_id == group_id}
        times += [as_utc(c.created_at) for c in comments if c.post_id in ids]
        return min((now - t).days for t in times) if times else 0

    quiet = [
        g
        for g in groups.values()
        if g.visibility == "open"
        and (now - as_utc(g.created_at)).days > 60
        and last_word(g.id or 0) > 30
    ]
    assert quiet

    # A join request waiting for more than three days, on a private group.
    waiting = list(
        (
            await db.execute(
                select(GroupRequest).where(
                    col(GroupRequest.kind) == "request", col(GroupRequest.state) == "pending"
                )
            )
        ).scalars()
    )
    assert any(
        now - as_utc(r.created_at) > timedelta(days=3)
        and groups[r.group_id].visibility == "private"
        for r in waiting
    )

    # Charters: the company's first version was never reviewed in over a year; everyone in
    # the demo accepted the latest (nobody is stopped at the door); a group changed its own.
    charters = list((await db.execute(select(Charter))).scalars())
    company = sorted((c for c in charters if c.group_id is None), key=lambda c: c.version)
    assert [c.version for c in company] == [1, 2]
    assert company[0].reviewed_at is None
    assert (now - as_utc(company[0].created_at)).days > 365
    accepted = await db.execute(
        select(col(CharterAcceptance.user_id)).where(
            col(CharterAcceptance.charter_id) == company[-1].id
        )
    )
    everyone = await db.execute(select(col(User.id)))
    assert set(accepted.scalars()) == set(everyone.scalars())
    changed = [c for c in charters if c.group_id is not None and c.version == 2]
    assert changed
    group_id = changed[0].group_id
    first = next(c for c in charters if c.group_id == group_id and c.version == 1)
    members = set(
        (
            await db.execute(
                select(col(Membership.user_id)).where(col(Membership.group_id) == group_id)
            )
        ).scalars()
    )

    async def accepted_by(charter: Charter) -> set[int]:
        rows = await db.execute(
            select(col(CharterAcceptance.user_id)).where(
                col(CharterAcceptance.charter_id) == charter.id
            )
        )
        return set(rows.scalars())

    behind = (await accepted_by(first) - await accepted_by(changed[0])) & members
    assert behind and await accepted_by(changed[0])

    # A newcomer signs in with the demo password (nothing stops them at the door).
    response = await log_in(client, NEWCOMERS[0].email, seed.DEMO_PASSWORD)
    assert response.status_code == 303
    assert (await client.get("/")).status_code == 200


async def check_featuring_and_impact(db: AsyncSession) -> None:
    """A post featured company-wide, one pinned in its group, a featured group, stories."""
    from esn.animation.models import FeaturedPost, ImpactStory
    from esn.core.clock import as_utc, utcnow
    from esn.groups.models import Group
    from esn.proposals.models import Proposal
    from esn.stream.models import Post

    now = utcnow()
    featured = list((await db.execute(select(FeaturedPost))).scalars())

    company = [f for f in featured if f.group_id is None]
    pinned = [f for f in featured if f.group_id is not None]
    assert len(company) == 1 and len(pinned) == 1
    assert all(as_utc(f.expires_at) > now and f.ended_at is None for f in featured)
    pin = await db.get(Post, pinned[0].post_id)
    assert pin is not None and pin.group_id == pinned[0].group_id
    until = (await db.execute(select(col(Group.featured_until)))).scalars()
    assert any(t is not None and as_utc(t) > now for t in until)

    stories = list((await db.execute(select(ImpactStory))).scalars())
    assert len({s.outcome for s in stories}) == len(stories) >= 3
    origins = (
        await db.execute(
            select(col(Proposal.origin_post_id)).where(col(Proposal.origin_post_id).is_not(None))
        )
    ).scalars()
    became = [s for s in stories if s.outcome == "became_proposal"]
    assert became and became[0].post_id in set(origins)


async def check_departments_and_counters(db: AsyncSession) -> None:
    """Replies, reactions and shared groups link departments; Customer Service and
    Finance share none of them. Every counter on a post or group matches its rows."""
    import itertools

    from esn.groups.models import Group, Membership
    from esn.stream.models import Comment, Post, Reaction
    from esn_tools.demo.animation import SILENT_PAIR

    department: dict[int, str] = {
        user_id: name
        for user_id, name in await db.execute(select(col(Profile.user_id), col(Profile.department)))
    }
    pairs: list[tuple[int, int]] = []
    comment_on_post = select(col(Comment.author_id), col(Post.author_id)).join(
        Post, col(Post.id) == col(Comment.post_id)
    )
    pairs += [(a, b) for a, b in await db.execute(comment_on_post)]
    parent = Comment.__table__.alias("parent")  # type: ignore[attr-defined]
    reply_to_comment = select(col(Comment.author_id), parent.c.author_id).join(
        parent, parent.c.id == col(Comment.parent_id)
    )
    pairs += [(a, b) for a, b in await db.execute(reply_to_comment)]
    reaction_on_post = select(col(Reaction.user_id), col(Post.author_id)).join(
        Post, col(Post.id) == col(Reaction.post_id)
    )
    pairs += [(a, b) for a, b in await db.execute(reaction_on_post)]
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, user_id in await db.execute(
        select(col(Membership.group_id), col(Membership.user_id))
    ):
        members[group_id].append(user_id)
    for people_in_group in members.values():
        pairs += itertools.combinations(people_in_group, 2)
    talking = {
        frozenset((department[a], department[b]))
        for a, b in pairs
        if department[a] != department[b]
    }
    all_pairs = {frozenset(p) for p in itertools.combinations(seed.DEPARTMENTS, 2)}
    never = all_pairs - talking

    assert set(SILENT_PAIR) <= set(seed.DEPARTMENTS)
    assert never == {frozenset(SILENT_PAIR)}

    for post in (await db.execute(select(Post))).scalars():
        kinds = (
            await db.execute(select(col(Reaction.kind)).where(col(Reaction.post_id) == post.id))
        ).scalars()
        counted = {"like": 0, "celebrate": 0, "insightful": 0, "support": 0}
        for kind in kinds:
            counted[kind] += 1
        assert (post.like_count, post.celebrate_count) == (counted["like"], counted["celebrate"])
        assert (post.insightful_count, post.support_count) == (
            counted["insightful"],
            counted["support"],
        )
    for group in (await db.execute(select(Group))).scalars():
        assert group.member_count == len(members[group.id or 0]), group.name


async def test_demo_curation_impact_and_departments(db: AsyncSession) -> None:
    await seed.seed_demo(db)

    await check_featuring_and_impact(db)
    await check_departments_and_counters(db)
