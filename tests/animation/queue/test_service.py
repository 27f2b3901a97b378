"""The work queue's rules: each list finds what needs attention, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User, UserSession
from esn.animation.models import QueueItemHandled
from esn.animation.queue import service as queue
from esn.core.clock import utcnow
from esn.core.errors import NotFound
from esn.groups.models import Group
from esn.stream.models import Post
from tests.animation.queue.conftest import Rows, ago
from tests.conftest import MakePerson


def ids(queue_list: queue.QueueList) -> list[int]:
    return [item.object_id for item in queue_list.items]


@pytest.fixture
async def animator(colleague: MakePerson) -> User:
    """A company animator."""
    user, _profile = await colleague("Ana Animator", role="animator")
    return user


@pytest.fixture
async def author(colleague: MakePerson) -> User:
    """An employee who writes posts."""
    user, _profile = await colleague("Paul Poster", department="Sales")
    return user


@pytest.fixture
async def other(colleague: MakePerson) -> User:
    """Another employee, who answers."""
    user, _profile = await colleague("Rita Replier", department="Engineering")
    return user


# --- unanswered posts --------------------------------------------------------------


async def test_unanswered_posts_are_older_than_48_hours_and_answered_by_nobody_else(
    db: AsyncSession, rows: Rows, animator: User, author: User, other: User
) -> None:
    silent = await rows.post(author, created_at=ago(days=3), body="Anyone knows the VPN?")
    self_answered = await rows.post(author, created_at=ago(days=4))
    await rows.comment(self_answered, author, created_at=ago(days=3))
    answered = await rows.post(author, created_at=ago(days=5))
    await rows.comment(answered, author, created_at=ago(days=4))
    await rows.comment(answered, other, created_at=ago(days=4))
    await rows.post(author, created_at=ago(hours=40))  # too young to worry about
    await rows.post(author, created_at=ago(days=45))  # history
    hidden_answer = await rows.post(author, created_at=ago(days=3, hours=1))
    await rows.comment(hidden_answer, other, created_at=ago(days=3), hidden=True)
    hidden = await rows.post(author, created_at=ago(days=3))
    await db.execute(update(Post).where(col(Post.id) == hidden.id).values(hidden_at=utcnow()))
    await db.commit()

    found = await queue.unanswered_posts(db, animator)

    assert ids(found) == [self_answered.id, hidden_answer.id, silent.id]
    assert found.total == 3
    item = found.items[-1]
    assert item.href == f"/posts/{silent.id}"
    assert item.title == "Anyone knows the VPN?"
    assert "Paul Poster" in item.context


async def test_a_private_groups_unanswered_post_shows_only_to_animators_who_are_members(
    db: AsyncSession, rows: Rows, colleague: MakePerson, animator: User, author: User
) -> None:
    member_animator, _p = await colleague("Mia Member", role="animator")
    private = await rows.group(
        "Secret plans",
        "private",
        members={author.id: "owner", member_animator.id: "member"},  # type: ignore[dict-item]
    )
    post = await rows.post(author, group=private, created_at=ago(days=3))

    assert ids(await queue.unanswered_posts(db, animator)) == []
    assert (await queue.unanswered_posts(db, animator)).total == 0
    assert ids(await queue.unanswered_posts(db, member_animator)) == [post.id]


async def test_posts_of_an_archived_group_or_an_inactive_author_are_not_work(
    db: AsyncSession, rows: Rows, colleague: MakePerson, animator: User, author: User
) -> None:
    archived = await rows.group("Old project", archived_at=ago(days=1))
    await rows.post(author, group=archived, created_at=ago(days=3))
    gone, _p = await colleague("Gone Person")
    await rows.post(gone, created_at=ago(days=3))
    await db.execute(update(User).where(col(User.id) == gone.id).values(is_active=False))
    await db.commit()

    assert ids(await queue.unanswered_posts(db, animator)) == []


async def test_lists_are_bounded_and_count_everything(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    db.add_all(
        [
            Post(source="company", author_id=author.id, body=f"Post {n}", created_at=ago(days=3))  # type: ignore[arg-type]
            for n in range(queue.QUEUE_LIMIT + 5)
        ]
    )
    await db.commit()

    found = await queue.unanswered_posts(db, animator)

    assert len(found.items) == queue.QUEUE_LIMIT
    assert found.total == queue.QUEUE_LIMIT + 5
    assert found.truncated


# --- silent newcomers ------------------------------------------------------------------


async def test_silent_newcomers_arrived_two_weeks_ago_and_never_spoke(
    db: AsyncSession, rows: Rows, colleague: MakePerson, animator: User, author: User
) -> None:
    silent, silent_profile = await colleague("Sam Silent", department="Finance")
    poster, _p = await colleague("Pia Poster")
    commenter, _p = await colleague("Carl Commenter")
    fresh, _p = await colleague("Fred Fresh")
    veteran, _p = await colleague("Vera Veteran")
    inactive, _p = await colleague("Ian Inactive")
    for person in (silent, poster, commenter, inactive):
        await rows.age_account(person, ago(days=20))
    await rows.age_account(fresh, ago(days=5))
    await rows.age_account(veteran, ago(days=400))
    await rows.post(poster, created_at=ago(days=2))
    post = await rows.post(author, created_at=ago(days=2))
    await rows.comment(post, commenter, created_at=ago(days=1))
    await db.execute(update(User).where(col(User.id) == inactive.id).values(is_active=False))
    await db.commit()

    found = await queue.silent_newcomers(db, animator)

    assert ids(found) == [silent.id]
    assert found.items[0].href == f"/people/{silent_profile.handle}"
    assert found.items[0].context == "Finance"


async def test_an_older_session_counts_as_the_first_sign_of_a_newcomer(
    db: AsyncSession, rows: Rows, colleague: MakePerson, animator: User
) -> None:
    person, _p = await colleague("Sue Session")
    db.add(
        UserSession(
            token_hash="x" * 64,
            user_id=person.id,  # type: ignore[arg-type]
            created_at=ago(days=16),
            expires_at=utcnow() + timedelta(days=1),
        )
    )
    await db.commit()

    assert ids(await queue.silent_newcomers(db, animator)) == [person.id]


async def test_group_animators_and_employees_get_no_company_queue(
    db: AsyncSession, author: User
) -> None:
    with pytest.raises(NotFound):
        await queue.company_queue(db, author)
    assert (await queue.silent_newcomers(db, author)).items == []


# --- quiet groups ----------------------------------------------------------------------


async def test_quiet_groups_had_no_post_or_comment_for_30_days(
    db: AsyncSession, rows: Rows, animator: User, author: User, other: User
) -> None:
    quiet = await rows.group("Quiet bunch")
    await rows.post(author, group=quiet, created_at=ago(days=40))
    never = await rows.group("Never spoke")
    busy = await rows.group("Busy bees")
    await rows.post(author, group=busy, created_at=ago(days=2))
    commented = await rows.group("Late replies")
    old_post = await rows.post(author, group=commented, created_at=ago(days=50))
    await rows.comment(old_post, other, created_at=ago(days=3))
    await rows.group("Young group", created_at=ago(days=10))
    await rows.group("Archived", archived_at=ago(days=1))
    await rows.group("Merged away", merged_into_id=busy.id)
    secret = await rows.group("Hush", "secret")

    found = await queue.quiet_groups(db, animator)

    assert sorted(ids(found)) == sorted([quiet.id, never.id, secret.id])  # type: ignore[type-var]
    by_id = {item.object_id: item for item in found.items}
    assert by_id[quiet.id].since is not None  # type: ignore[index]
    assert by_id[never.id].since is None  # type: ignore[index]
    assert by_id[secret.id].href == f"/groups/{secret.slug}"  # type: ignore[index]
    # never active comes first
    assert found.items[0].since is None


async def test_a_handled_quiet_group_comes_back_after_30_days(
    db: AsyncSession, rows: Rows, animator: User
) -> None:
    group = await rows.group("Quiet bunch")
    assert group.id is not None

    await queue.mark_handled(db, animator, "quiet_group", group.id)
    assert ids(await queue.quiet_groups(db, animator)) == []

    await db.execute(
        update(QueueItemHandled).values(handled_at=ago(days=31))  # the mark is old now
    )
    await db.commit()
    assert ids(await queue.quiet_groups(db, animator)) == [group.id]

    await queue.mark_handled(db, animator, "quiet_group", group.id)
    assert ids(await queue.quiet_groups(db, animator)) == []
    marks = (await db.execute(select(QueueItemHandled))).scalars().all()
    assert len(marks) == 1


# --- waiting requests ------------------------------------------------------------------


async def test_join_requests_waiting_more_than_three_days(
    db: AsyncSession, rows: Rows, colleague: MakePerson, animator: User, author: User
) -> None:
    asker, _p = await colleague("Ada Asker")
    patient, _p = await colleague("Pat Patient")
    accepted, _p = await colleague("Acc Epted")
    group = await rows.group("Closed circle", "private", members={author.id: "owner"})  # type: ignore[dict-item]
    waiting = await rows.request(group, asker, created_at=ago(days=4))
    await rows.request(group, patient, created_at=ago(days=1))
    decided = await rows.request(group, accepted, created_at=ago(days=5))
    decided.state = "accepted"
    await db.merge(decided)
    await db.commit()

    found = await queue.waiting_requests(db, animator)

    assert ids(found) == [waiting.id]
    item = found.items[0]
    assert item.href == f"/groups/{group.slug}/members"
    assert item.title == "Closed circle"
    # The animator is not a member: who asked stays with the group.
    assert item.context == ""
    mine = await queue.waiting_requests(db, author)
    assert mine.items[0].context == "Ada Asker"


# --- stale charters --------------------------------------------------------------------


async def test_charters_not_written_or_reviewed_for_a_year(
    db: AsyncSession, rows: Rows, animator: User
) -> None:
    await rows.charter(None, 1, created_at=ago(days=800))
    company = await rows.charter(None, 2, created_at=ago(days=400))
    reviewed_group = await rows.group("Reviewed")
    await rows.charter(reviewed_group, 1, created_at=ago(days=500), reviewed_at=ago(days=20))
    fresh_group = await rows.group("Fresh")
    await rows.charter(fresh_group, 1, created_at=ago(days=500))
    await rows.charter(fresh_group, 2, created_at=ago(days=10))
    stale_group = await rows.group("Stale")
    stale = await rows.charter(stale_group, 3, created_at=ago(days=370), reviewed_at=ago(days=366))

    found = await queue.stale_charters(db, animator)

    assert sorted(ids(found)) == sorted([company.id, stale.id])  # type: ignore[type-var]
    hrefs = {item.object_id: item.href for item in found.items}
    assert hrefs[company.id] == "/animation/charter"  # type: ignore[index]
    assert hrefs[stale.id] == f"/groups/{stale_group.slug}/charter"  # type: ignore[index]


# --- handled marks ---------------------------------------------------------------------


async def test_a_handled_item_leaves_the_queue_and_a_double_submit_is_harmless(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    post = await rows.post(author, created_at=ago(days=3))
    assert post.id is not None

    await queue.mark_handled(db, animator, "unanswered_post", post.id)
    await queue.mark_handled(db, animator, "unanswered_post", post.id)

    assert ids(await queue.unanswered_posts(db, animator)) == []
    marks = (await db.execute(select(QueueItemHandled))).scalars().all()
    assert [(m.kind, m.object_id, m.handled_by) for m in marks] == [
        ("unanswered_post", post.id, animator.id)
    ]


async def test_marking_refuses_unknown_kinds_missing_items_and_unreadable_posts(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    private = await rows.group("Private", "private", members={author.id: "owner"})  # type: ignore[dict-item]
    post = await rows.post(author, group=private, created_at=ago(days=3))
    assert post.id is not None
    for kind, object_id in [
        ("nonsense", 1),
        ("unanswered_post", 999_999),
        ("unanswered_post", 2**40),
        ("unanswered_post", post.id),
        ("quiet_group", 999_999),
        ("stale_charter", 999_999),
    ]:
        with pytest.raises(NotFound):
            await queue.mark_handled(db, animator, kind, object_id)


# --- a group's own queue ----------------------------------------------------------------


async def test_a_group_animator_sees_and_handles_their_groups_items_only(
    db: AsyncSession, rows: Rows, colleague: MakePerson, author: User
) -> None:
    keeper, _p = await colleague("Kim Keeper")
    asker, _p = await colleague("Ada Asker")
    mine = await rows.group(
        "Mine",
        "private",
        members={keeper.id: "animator", author.id: "member"},  # type: ignore[dict-item]
    )
    theirs = await rows.group("Theirs", members={author.id: "owner"})  # type: ignore[dict-item]
    my_post = await rows.post(author, group=mine, created_at=ago(days=3))
    their_post = await rows.post(author, group=theirs, created_at=ago(days=3))
    company_post = await rows.post(author, created_at=ago(days=3))
    my_request = await rows.request(mine, asker, created_at=ago(days=4))
    my_charter = await rows.charter(mine, 1, created_at=ago(days=400))
    company_charter = await rows.charter(None, 1, created_at=ago(days=400))

    work = await queue.group_queue(db, keeper, mine.slug)

    found = {queue_list.kind: ids(queue_list) for queue_list in work.lists}
    assert found == {
        "unanswered_post": [my_post.id],
        "quiet_group": [],
        "waiting_request": [my_request.id],
        "stale_charter": [my_charter.id],
    }
    assert work.group is not None and work.group.id == mine.id
    assert work.total == 3

    assert my_post.id and their_post.id and company_post.id and company_charter.id
    await queue.mark_handled(db, keeper, "unanswered_post", my_post.id)
    for kind, object_id in [
        ("unanswered_post", their_post.id),
        ("unanswered_post", company_post.id),
        ("stale_charter", company_charter.id),
        ("silent_newcomer", asker.id),
        ("quiet_group", theirs.id),
    ]:
        with pytest.raises(NotFound):
            await queue.mark_handled(db, keeper, kind, object_id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await queue.group_queue(db, keeper, theirs.slug)
    with pytest.raises(NotFound):
        await queue.group_queue(db, author, mine.slug)  # a member, not an animator
    with pytest.raises(NotFound):
        await queue.group_queue(db, keeper, "no-such-group")


async def test_a_company_animator_sees_a_private_groups_queue_without_its_posts(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    private = await rows.group("Private", "private", members={author.id: "owner"})  # type: ignore[dict-item]
    await rows.post(author, group=private, created_at=ago(days=3))

    work = await queue.group_queue(db, animator, private.slug)

    assert {ql.kind: ql.total for ql in work.lists}["unanswered_post"] == 0


async def test_the_company_queue_has_every_list(
    db: AsyncSession, rows: Rows, animator: User, author: User
) -> None:
    await rows.post(author, created_at=ago(days=3))
    await rows.group("Quiet")

    work = await queue.company_queue(db, animator)

    assert work.counts() == {
        "unanswered_post": 1,
        "silent_newcomer": 0,
        "quiet_group": 1,
        "waiting_request": 0,
        "stale_charter": 0,
    }
    assert isinstance(work.lists[2].items[0].title, str)
    assert (await db.get(Group, work.lists[2].items[0].object_id)) is not None
