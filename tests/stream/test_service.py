"""The stream services: posting, reading, conversation, topics, home, live events."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts.models import Role, User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.notifications.models import Notification
from esn.people.models import Follow
from esn.stream import service as stream
from esn.stream.models import (
    COMPANY_SOURCE,
    Activity,
    Mention,
    Post,
    PostRevision,
    PostTopic,
    Reaction,
    group_source,
    profile_source,
)
from tests.conftest import MakePerson
from tests.stream.conftest import Listener, MakeGroup, StatementCounter, stored_posts


async def post(
    app: Starlette,
    actor: User,
    body: str,
    source: str = COMPANY_SOURCE,
    uploads: list[stream.Upload] | None = None,
) -> Post:
    """Post through the service in a session of its own, as a request would."""
    async with app.state.session_factory() as db:
        return await stream.create_post(
            db,
            actor,
            source,
            body,
            uploads=uploads,
            media_dir=app.state.settings.media_dir,
        )


async def notifications_of(db: AsyncSession, user: User) -> list[Notification]:
    db.expire_all()
    rows = await db.execute(select(Notification).where(Notification.user_id == user.id))  # type: ignore[arg-type]
    return list(rows.scalars())


# --- reading ----------------------------------------------------------------------


async def test_stream_pages_by_keyset_without_overlap(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    author, _ = await colleague("Ann Author")
    reader, _ = await colleague("Rita Reader")
    moment = utcnow()
    # Half the posts share one timestamp: the id breaks the tie.
    for number in range(45):
        created = moment - timedelta(seconds=number // 2)
        db.add(
            Post(source=COMPANY_SOURCE, author_id=author.id, body=f"n{number}", created_at=created)
        )
    await db.commit()

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = await stream.stream_page(db, reader, [COMPANY_SOURCE], cursor, limit=20)
        seen += [view.post.id or 0 for view in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break

    assert pages == 3
    assert len(seen) == 45 == len(set(seen))
    keys = [(p.created_at, p.id) for p in await stored_posts(db)]
    expected = [pid for _at, pid in sorted(keys, key=lambda k: (k[0], k[1] or 0), reverse=True)]
    assert seen == expected


async def test_a_bad_cursor_starts_from_the_top(
    db: AsyncSession, app: Starlette, colleague: MakePerson
) -> None:
    author, _ = await colleague()
    await post(app, author, "hello")

    page = await stream.stream_page(db, author, [COMPANY_SOURCE], after="not-a-cursor!!")

    assert [view.post.body for view in page.items] == ["hello"]


async def test_private_and_secret_posts_reach_members_only(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    member, _ = await colleague("Mia Member")
    outsider, _ = await colleague("Otto Outsider")
    admin, _ = await colleague("Ada Admin", role=Role.ADMIN)
    private = await make_group("private", [(member, "owner")])
    secret = await make_group("secret", [(member, "owner")])
    open_group = await make_group("open", [(member, "owner")])
    assert private.id and secret.id and open_group.id
    hidden = [
        await post(app, member, "private marker", group_source(private.id)),
        await post(app, member, "secret marker", group_source(secret.id)),
    ]
    visible = await post(app, member, "open marker", group_source(open_group.id))
    sources = [group_source(g) for g in (private.id, secret.id, open_group.id)]

    for reader in (outsider, admin):
        page = await stream.stream_page(db, reader, sources)
        assert [view.post.id for view in page.items] == [visible.id]
        for item in hidden:
            assert item.id is not None
            assert await stream.post_view(db, reader, item.id) is None
        assert not await stream.can_read_source(db, reader, group_source(private.id))
    member_page = await stream.stream_page(db, member, sources)
    assert len(member_page.items) == 3
    assert await stream.can_read_source(db, outsider, group_source(open_group.id))
    assert await stream.can_read_source(db, outsider, COMPANY_SOURCE)
    assert not await stream.can_read_source(db, outsider, "group:999999")
    assert not await stream.can_read_source(db, outsider, "nonsense")


async def test_a_post_view_has_author_topics_counts_and_my_reactions(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    author, author_profile = await colleague("Ann Author")
    reader, _ = await colleague("Rita Reader")
    created = await post(app, author, "About #budget and #planning")
    assert created.id is not None
    async with app.state.session_factory() as other:
        await stream.toggle_reaction(other, reader, created.id, "like")
    async with app.state.session_factory() as other:
        await stream.toggle_reaction(other, author, created.id, "like")
    async with app.state.session_factory() as other:
        await stream.toggle_reaction(other, reader, created.id, "celebrate")

    view = await stream.post_view(db, reader, created.id)

    assert view is not None
    assert view.author.handle == author_profile.handle
    assert view.topics == ["budget", "planning"]
    assert view.reaction_counts == {"like": 2, "celebrate": 1, "insightful": 0, "support": 0}
    assert view.my_reactions == {"like", "celebrate"}
    assert view.post.reaction_count == 3
    assert not view.can_edit and not view.can_delete and view.can_interact


# --- posting ----------------------------------------------------------------------


async def test_where_one_may_post(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    alice, _ = await colleague("Alice")
    bob, _ = await colleague("Bob")
    open_group = await make_group("open", [(bob, "owner")])
    private = await make_group("private", [(bob, "owner")])
    assert open_group.id and private.id and alice.id and bob.id

    await post(app, alice, "company", COMPANY_SOURCE)
    await post(app, alice, "mine", profile_source(alice.id))
    with pytest.raises(Forbidden):
        await post(app, alice, "on bob's profile", profile_source(bob.id))
    with pytest.raises(Forbidden):
        await post(app, alice, "open but not a member", group_source(open_group.id))
    with pytest.raises(NotFound):
        await post(app, alice, "private", group_source(private.id))
    with pytest.raises(NotFound):
        await post(app, alice, "missing", "group:424242")
    with pytest.raises(InvalidInput):
        await post(app, alice, "nowhere", "elsewhere:1")

    assert [p.body for p in await stored_posts(db)] == ["company", "mine"]


async def test_the_same_post_sent_twice_is_stored_once(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    alice, _ = await colleague()

    first = await post(app, alice, "Lunch at noon?")
    second = await post(app, alice, "Lunch at noon?")
    racing = await asyncio.gather(*(post(app, alice, "Racing twice") for _ in range(2)))

    assert first.id == second.id
    assert racing[0].id == racing[1].id
    assert [p.body for p in await stored_posts(db)] == ["Lunch at noon?", "Racing twice"]


async def test_a_refused_attachment_saves_nothing(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    alice, _ = await colleague()
    uploads = [
        stream.Upload("fine.pdf", b"%PDF-1.4 ok"),
        stream.Upload("cat.png", b"<html><script>alert(1)</script></html>"),
    ]

    with pytest.raises(InvalidInput) as refused:
        await post(app, alice, "with files", uploads=uploads)

    assert "cat.png" in refused.value.errors["attachments"]
    assert await stored_posts(db) == []
    folder = Path(app.state.settings.media_dir) / "attachments"
    assert not folder.exists() or list(folder.iterdir()) == []


async def test_more_than_five_attachments_are_refused(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    alice, _ = await colleague()
    uploads = [stream.Upload(f"f{n}.txt", b"text") for n in range(6)]

    with pytest.raises(InvalidInput):
        await post(app, alice, "too many", uploads=uploads)

    assert await stored_posts(db) == []


async def test_an_attachment_is_downloadable_by_readers_only(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    member, _ = await colleague()
    outsider, _ = await colleague()
    group = await make_group("private", [(member, "member")])
    assert group.id
    created = await post(
        app, member, "report", group_source(group.id), [stream.Upload("r.pdf", b"%PDF-1 x")]
    )
    assert created.id is not None
    view = await stream.post_view(db, member, created.id)
    assert view is not None
    attachment_id = view.attachments[0].id
    assert attachment_id is not None
    media_dir = app.state.settings.media_dir

    found = await stream.attachment_file(db, member, created.id, attachment_id, media_dir=media_dir)

    assert found.path.read_bytes() == b"%PDF-1 x"
    assert found.filename == "r.pdf"
    with pytest.raises(NotFound):
        await stream.attachment_file(db, outsider, created.id, attachment_id, media_dir=media_dir)
    with pytest.raises(NotFound):
        await stream.attachment_file(db, member, created.id + 1, attachment_id, media_dir=media_dir)


# --- mentions ---------------------------------------------------------------------


async def test_a_mention_notifies_only_people_who_can_read_the_post(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    author, _ = await colleague("Ann Author")
    member, member_profile = await colleague("Mo Member")
    outsider, outsider_profile = await colleague("Oz Outsider")
    group = await make_group("private", [(author, "owner"), (member, "member")])
    assert group.id

    created = await post(
        app,
        author,
        f"Hi @{member_profile.handle} and @{outsider_profile.handle}",
        group_source(group.id),
    )

    assert f'href="/people/{member_profile.handle}"' in created.html
    assert f"/people/{outsider_profile.handle}" not in created.html
    assert f"@{outsider_profile.handle}" in created.html
    assert [(n.kind, n.post_id) for n in await notifications_of(db, member)] == [
        ("mentioned", created.id)
    ]
    assert await notifications_of(db, outsider) == []
    mentions = (await db.execute(select(Mention.user_id))).scalars().all()  # type: ignore[call-overload]
    assert list(mentions) == [member.id]


async def test_mention_candidates_propose_only_people_who_can_read(
    db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    author, _ = await colleague("Ann Author")
    member, _ = await colleague("Sam Member")
    await colleague("Sam Outsider")
    gone, _ = await colleague("Sam Gone")
    gone.is_active = False
    db.add(gone)
    await db.commit()
    private = await make_group("private", [(author, "owner"), (member, "member")])
    assert private.id
    stranger, _ = await colleague("Sam Stranger")

    in_company = await stream.mention_candidates(db, author, "sam", COMPANY_SOURCE)
    in_group = await stream.mention_candidates(db, author, "sam", group_source(private.id))
    for_stranger = await stream.mention_candidates(db, stranger, "sam", group_source(private.id))

    assert [p.display_name for p in in_company] == ["Sam Member", "Sam Outsider", "Sam Stranger"]
    assert [p.display_name for p in in_group] == ["Sam Member"]
    assert for_stranger == []


# --- conversation -------------------------------------------------------------------


async def test_comments_and_replies_keep_counts_and_notify(
    app: Starlette, db: AsyncSession, colleague: MakePerson, listener: Listener
) -> None:
    author, _ = await colleague("Ann Author")
    first, _ = await colleague("Fred First")
    second, _ = await colleague("Sue Second")
    created = await post(app, author, "Question?")
    assert created.id is not None
    listener.listen(f"post:{created.id}")

    async with app.state.session_factory() as session:
        top = await stream.add_comment(session, first, created.id, "An answer")
    async with app.state.session_factory() as session:
        reply = await stream.add_comment(session, second, created.id, "Agreed", top.id)
    async with app.state.session_factory() as session:
        deeper = await stream.add_comment(session, author, created.id, "Thanks", reply.id)

    view = await stream.post_view(db, author, created.id)
    assert view is not None
    assert view.post.comment_count == 3
    assert [c.comment.body for c in view.comments] == ["An answer"]
    # A reply to a reply joins the same thread.
    assert [r.comment.id for r in view.comments[0].replies] == [reply.id, deeper.id]
    assert {(n.kind, n.comment_id) for n in await notifications_of(db, author)} == {
        ("reply", top.id),
        ("reply", reply.id),
    }
    assert {(n.kind, n.comment_id) for n in await notifications_of(db, first)} == {
        ("reply", reply.id)
    }
    assert {(n.kind, n.comment_id) for n in await notifications_of(db, second)} == {
        ("reply", deeper.id)
    }
    events = listener.events()
    assert [event["type"] for _channel, event in events] == ["comment.created"] * 3
    assert all(set(event) == {"type", "post_id", "comment_id"} for _c, event in events)


async def test_only_members_comment_and_react_in_a_group(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    member, _ = await colleague()
    outsider, _ = await colleague()
    open_group = await make_group("open", [(member, "owner")])
    private = await make_group("private", [(member, "owner")])
    assert open_group.id and private.id
    public_post = await post(app, member, "open", group_source(open_group.id))
    private_post = await post(app, member, "closed", group_source(private.id))
    assert public_post.id and private_post.id

    with pytest.raises(Forbidden):
        await stream.add_comment(db, outsider, public_post.id, "let me in")
    with pytest.raises(Forbidden):
        await stream.toggle_reaction(db, outsider, public_post.id, "like")
    with pytest.raises(NotFound):
        await stream.add_comment(db, outsider, private_post.id, "let me in")
    with pytest.raises(NotFound):
        await stream.toggle_reaction(db, outsider, private_post.id, "like")
    await db.rollback()

    assert (await db.execute(select(func.count()).select_from(Reaction))).scalar_one() == 0
    assert [p.comment_count for p in await stored_posts(db)] == [0, 0]


async def test_reacting_twice_takes_the_reaction_back(
    app: Starlette, db: AsyncSession, colleague: MakePerson, listener: Listener
) -> None:
    author, _ = await colleague()
    fan, _ = await colleague()
    created = await post(app, author, "Shipped!")
    assert created.id is not None
    listener.listen(f"post:{created.id}")

    async with app.state.session_factory() as session:
        on = await stream.toggle_reaction(session, fan, created.id, "celebrate")
    async with app.state.session_factory() as session:
        off = await stream.toggle_reaction(session, fan, created.id, "celebrate")

    assert (on, off) == (True, False)
    assert [p.reaction_count for p in await stored_posts(db)] == [0]
    assert (await db.execute(select(func.count()).select_from(Reaction))).scalar_one() == 0
    assert [n.kind for n in await notifications_of(db, author)] == ["reaction"]
    assert [event for _c, event in listener.events()] == [
        {"type": "reaction.changed", "post_id": created.id}
    ] * 2
    with pytest.raises(InvalidInput):
        await stream.toggle_reaction(db, fan, created.id, "angry")


# --- edit and delete ---------------------------------------------------------------


async def test_editing_keeps_the_history_and_the_author_only_edits(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    author, _ = await colleague()
    other, _ = await colleague()
    created = await post(app, author, "First draft #draft")
    assert created.id is not None

    async with app.state.session_factory() as session:
        await stream.edit_post(session, author, created.id, "Final text #final")
    with pytest.raises(Forbidden):
        await stream.edit_post(db, other, created.id, "hijack")

    history = await stream.post_history(db, other, created.id)
    assert history.post.post.body == "Final text #final"
    assert history.post.post.edited_at is not None
    assert [r.revision.body for r in history.revisions] == ["First draft #draft"]
    tags = (await db.execute(select(PostTopic.tag))).scalars().all()  # type: ignore[call-overload]
    assert list(tags) == ["final"]
    assert (await db.execute(select(func.count()).select_from(PostRevision))).scalar_one() == 1


async def test_who_may_delete_a_group_post(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    author, _ = await colleague()
    animator, _ = await colleague()
    member, _ = await colleague()
    admin, _ = await colleague(role=Role.ADMIN)
    group = await make_group(
        "open", [(author, "member"), (animator, "animator"), (member, "member")]
    )
    assert group.id
    media_dir = app.state.settings.media_dir
    posts = [await post(app, author, f"post {n}", group_source(group.id)) for n in range(3)]

    with pytest.raises(Forbidden):
        await stream.delete_post(db, member, posts[0].id or 0, media_dir=media_dir)
    for actor, item in zip((author, animator, admin), posts, strict=True):
        async with app.state.session_factory() as session:
            await stream.delete_post(session, actor, item.id or 0, media_dir=media_dir)

    assert await stored_posts(db) == []


async def test_deleting_a_post_removes_its_files(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    author, _ = await colleague()
    created = await post(app, author, "files", uploads=[stream.Upload("a.txt", b"hello")])
    folder = Path(app.state.settings.media_dir) / "attachments"
    assert len(list(folder.iterdir())) == 1

    await stream.delete_post(db, author, created.id or 0, media_dir=app.state.settings.media_dir)

    assert list(folder.iterdir()) == []


# --- topics and home --------------------------------------------------------------


async def test_topic_stream_and_following_a_topic(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    author, _ = await colleague()
    reader, _ = await colleague()
    private = await make_group("private", [(author, "owner")])
    assert private.id
    await post(app, author, "Public #Rust news")
    await post(app, author, "Secret #rust plans", group_source(private.id))
    await post(app, author, "Other #go news")

    page = await stream.topic_page(db, reader, "rust")
    followed = await stream.set_topic_follow(db, reader, "Rust", follow=True)
    again = await stream.set_topic_follow(db, reader, "rust", follow=True)
    home = await stream.home_stream(db, reader)

    assert [v.post.body for v in page.stream.items] == ["Public #Rust news"]
    assert followed.following and again.following
    assert (await stream.topic_page(db, reader, "rust")).following
    # The reader follows nobody: the topic brings the post home, with company posts.
    assert [v.post.body for v in home.items] == ["Other #go news", "Public #Rust news"]
    with pytest.raises(NotFound):
        await stream.topic_page(db, reader, "no/slashes")


async def test_home_gathers_my_sources_and_activity(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    me, _ = await colleague("Me Myself")
    followed, _ = await colleague("Fay Followed")
    stranger, _ = await colleague("Stan Stranger")
    mine = await make_group("private", [(me, "member"), (stranger, "owner")])
    theirs = await make_group("open", [(stranger, "owner")])
    assert mine.id and theirs.id and me.id and followed.id and stranger.id
    db.add(Follow(follower_id=me.id, followee_id=followed.id))
    await stream.record_activity(
        db,
        actor_id=stranger.id,
        verb="joined",
        object_type="group",
        object_id=mine.id,
        source=group_source(mine.id),
    )
    await stream.record_activity(
        db,
        actor_id=stranger.id,
        verb="joined",
        object_type="group",
        object_id=theirs.id,
        source=group_source(theirs.id),
    )
    await db.commit()
    await post(app, stranger, "company news")
    await post(app, stranger, "in my group", group_source(mine.id))
    await post(app, stranger, "in an open group I am not in", group_source(theirs.id))
    await post(app, stranger, "on a stranger's profile", profile_source(stranger.id))
    await post(app, followed, "from someone I follow", profile_source(followed.id))
    await post(app, me, "on my profile", profile_source(me.id))

    page = await stream.home_stream(db, me)

    assert sorted(v.post.body for v in page.items) == [
        "company news",
        "from someone I follow",
        "in my group",
        "on my profile",
    ]
    assert [(a.activity.verb, a.group.id if a.group else None) for a in page.activities] == [
        ("joined", mine.id)
    ]
    assert len(page.entries) == 5
    # A live page listens to exactly these sources for new posts.
    assert sorted(page.sources) == sorted(
        [COMPANY_SOURCE, profile_source(me.id), profile_source(followed.id), group_source(mine.id)]
    )


async def test_home_pages_posts_and_activity_together_without_overlap(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    me, _ = await colleague()
    group = await make_group("open", [(me, "member")])
    assert group.id and me.id
    moment = utcnow()
    for number in range(15):
        at = moment - timedelta(seconds=number)
        db.add(Post(source=COMPANY_SOURCE, author_id=me.id, body=f"p{number}", created_at=at))
        activity = await stream.record_activity(
            db,
            actor_id=me.id,
            verb="joined",
            object_type="group",
            object_id=group.id,
            source=group_source(group.id),
        )
        activity.created_at = at  # same instants as the posts: the tie-break matters
    await db.commit()

    seen: list[str] = []
    cursor = None
    while True:
        page = await stream.home_stream(db, me, cursor, limit=7)
        for entry in page.entries:
            if isinstance(entry, stream.PostView):
                seen.append(f"post {entry.post.id}")
            else:
                seen.append(f"activity {entry.activity.id}")
        cursor = page.next_cursor
        if cursor is None:
            break

    assert len(seen) == 30 == len(set(seen))


async def test_profile_stream_shows_posts_on_the_profile_and_readable_posts_elsewhere(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    person, _ = await colleague()
    viewer, _ = await colleague()
    private = await make_group("private", [(person, "owner")])
    assert private.id and person.id
    await post(app, person, "on my profile", profile_source(person.id))
    await post(app, person, "in the company stream")
    await post(app, person, "hidden in a private group", group_source(private.id))

    page = await stream.profile_stream(db, viewer, person.id)

    assert [v.post.body for v in page.items] == ["in the company stream", "on my profile"]


# --- live events -------------------------------------------------------------------


async def test_a_new_post_is_published_on_its_source_after_commit(
    app: Starlette, colleague: MakePerson, listener: Listener
) -> None:
    author, _ = await colleague()
    listener.listen("source:company")

    created = await post(app, author, "Hello everyone, a secret word")

    assert listener.events() == [
        ("source:company", {"type": "post.created", "post_id": created.id})
    ]


# --- no N+1 ---------------------------------------------------------------------------


async def test_the_home_stream_costs_the_same_queries_for_more_posts(
    app: Starlette,
    db: AsyncSession,
    colleague: MakePerson,
    make_group: MakeGroup,
    statements: StatementCounter,
) -> None:
    me, _ = await colleague()
    group = await make_group("open", [(me, "member")])
    assert group.id
    await post(app, me, "in my group", group_source(group.id))

    async def add_posts(count: int) -> None:
        for number in range(count):
            author, _ = await colleague()
            created = await post(
                app, author, f"#topic {number}", uploads=[stream.Upload("a.txt", b"x")]
            )
            assert created.id is not None
            async with app.state.session_factory() as session:
                await stream.toggle_reaction(session, me, created.id, "like")
            async with app.state.session_factory() as session:
                await stream.add_comment(session, me, created.id, "comment")

    async def measure() -> int:
        async with app.state.session_factory() as session:
            statements.count = 0
            page = await stream.home_stream(session, me)
            assert (
                sum(1 for v in page.items if v.comments and v.my_reactions) == len(page.items) - 1
            )
            return statements.count

    await add_posts(2)
    few = await measure()
    await add_posts(10)
    many = await measure()

    assert few == many


async def test_a_stream_shows_the_latest_comments_with_their_replies(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    author, _ = await colleague()
    created = await post(app, author, "Thread")
    assert created.id is not None
    top_ids = []
    for number in range(5):
        async with app.state.session_factory() as session:
            top = await stream.add_comment(session, author, created.id, f"top {number}")
            top_ids.append(top.id)
    for number in range(4):
        async with app.state.session_factory() as session:
            await stream.add_comment(session, author, created.id, f"reply {number}", top_ids[4])

    short = await stream.post_view(db, author, created.id, full=False)
    page = await stream.stream_page(db, author, [COMPANY_SOURCE])

    assert short is not None
    assert [c.comment.body for c in short.comments] == ["top 2", "top 3", "top 4"]
    assert [r.comment.body for r in short.comments[2].replies] == ["reply 1", "reply 2", "reply 3"]
    assert short.shown_comments == 6 and short.post.comment_count == 9
    assert [c.comment.body for c in page.items[0].comments] == ["top 2", "top 3", "top 4"]


async def test_counts_and_topics_on_the_post_row_follow_every_change(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    author, _ = await colleague("Ann Author")
    reader, _ = await colleague("Rita Reader")
    created = await post(app, author, "About #budget and #planning")
    assert created.id is not None
    for actor, kind in [
        (reader, "like"),
        (reader, "celebrate"),
        (reader, "like"),
        (author, "support"),
    ]:
        async with app.state.session_factory() as other:
            await stream.toggle_reaction(other, actor, created.id, kind)
    async with app.state.session_factory() as other:
        await stream.edit_post(other, author, created.id, "Now about #roadmap")

    stored = await db.get(Post, created.id)

    assert stored is not None
    assert (stored.like_count, stored.celebrate_count, stored.support_count) == (0, 1, 1)
    assert stored.insightful_count == 0 and stored.reaction_count == 2
    assert stored.topic_tags == "roadmap"


# --- for animation: hiding content, moving a merged group's posts ---------------------


async def test_set_hidden_hides_and_restores_once_and_tells_open_pages(
    app: Starlette, db: AsyncSession, colleague: MakePerson, listener: Listener
) -> None:
    author, _ = await colleague("Ann Author")
    moderator, _ = await colleague("Mo Moderator", role=Role.ANIMATOR)
    created = await post(app, author, "Off topic")
    assert created.id is not None
    listener.listen(f"post:{created.id}")
    loaded = await stream.readable_post(db, moderator, created.id)

    assert await stream.set_hidden(db, moderator, created.id, None, "spam", hide=True)
    # The caller's loaded row follows, without becoming a pending change.
    assert loaded.hidden_at is not None and loaded.hidden_by == moderator.id
    assert loaded.hidden_reason == "spam" and loaded not in db.dirty
    assert listener.events() == []  # nothing is told before the commit
    await db.commit()
    assert listener.events() == [
        (f"post:{created.id}", {"type": "post.updated", "post_id": created.id})
    ]
    # Hidden already: a second hide (another moderator's click) changes nothing.
    assert not await stream.set_hidden(db, moderator, created.id, None, "again", hide=True)
    assert await stream.set_hidden(db, moderator, created.id, None, "", hide=False)
    assert not await stream.set_hidden(db, moderator, created.id, None, "", hide=False)
    await db.commit()
    (stored,) = await stored_posts(db)
    assert stored.hidden_at is None and stored.hidden_by is None and stored.hidden_reason == ""


async def test_set_hidden_loses_to_a_moderator_who_was_first(
    app: Starlette, db: AsyncSession, colleague: MakePerson
) -> None:
    author, _ = await colleague("Ann Author")
    first, _ = await colleague("Fay First", role=Role.ANIMATOR)
    second, _ = await colleague("Sid Second", role=Role.ANIMATOR)
    created = await post(app, author, "Reported twice")
    assert created.id is not None
    await stream.readable_post(db, second, created.id)  # still visible as this session saw it
    async with app.state.session_factory() as other:
        assert await stream.set_hidden(other, first, created.id, None, "first", hide=True)
        await other.commit()

    assert not await stream.set_hidden(db, second, created.id, None, "second", hide=True)
    await db.rollback()
    (stored,) = await stored_posts(db)
    assert stored.hidden_by == first.id and stored.hidden_reason == "first"


async def test_set_hidden_on_a_comment_leaves_the_post_and_its_pages_alone(
    app: Starlette, db: AsyncSession, colleague: MakePerson, listener: Listener
) -> None:
    author, _ = await colleague("Ann Author")
    moderator, _ = await colleague("Mo Moderator", role=Role.ANIMATOR)
    created = await post(app, author, "A question")
    other = await post(app, author, "Another question")
    assert created.id is not None and other.id is not None
    async with app.state.session_factory() as session:
        comment = await stream.add_comment(session, author, created.id, "A rude answer")
    assert comment.id is not None
    listener.listen(f"post:{created.id}")

    with pytest.raises(NotFound):  # not a comment of that post
        await stream.set_hidden(db, moderator, other.id, comment.id, "rude", hide=True)
    assert await stream.set_hidden(db, moderator, created.id, comment.id, "rude", hide=True)
    await db.commit()

    assert listener.events() == []
    view = await stream.comment_view(db, author, comment.id)
    assert view is not None and view.comment.hidden_reason == "rude"
    reader, _ = await colleague("Rita Reader")
    redacted = await stream.comment_view(db, reader, comment.id)
    assert redacted is not None and redacted.redacted
    assert all(item.hidden_at is None for item in await stored_posts(db))


async def test_move_group_posts_takes_posts_and_activity_to_the_target(
    app: Starlette, db: AsyncSession, colleague: MakePerson, make_group: MakeGroup
) -> None:
    member, _ = await colleague("Mia Member")
    old = await make_group("private", [(member, "owner")])
    new = await make_group("open", [(member, "owner")])
    elsewhere = await make_group("open", [(member, "owner")])
    assert old.id and new.id and elsewhere.id
    moving = [await post(app, member, f"old {n}", group_source(old.id)) for n in range(2)]
    staying = await post(app, member, "elsewhere", group_source(elsewhere.id))
    await stream.record_activity(
        db,
        actor_id=member.id,
        verb="joined",
        object_type="group",
        object_id=old.id,
        source=group_source(old.id),
    )
    await db.commit()

    assert await stream.move_group_posts(db, old.id, new.id) == 2
    await db.commit()

    by_id = {item.id: item for item in await stored_posts(db)}
    for item in moving:
        assert by_id[item.id].group_id == new.id
        assert by_id[item.id].source == group_source(new.id)
    assert by_id[staying.id].source == group_source(elsewhere.id)
    sources = (await db.execute(select(col(Activity.source)))).scalars().all()
    assert sources == [group_source(new.id)]
    page = await stream.stream_page(db, member, [group_source(new.id)])
    assert {view.post.id for view in page.items} == {item.id for item in moving}


@pytest.mark.usefixtures("route_map")
def test_render_markdown_for_other_texts_links_topics_not_people() -> None:
    html = stream.render_markdown("**Rules** for @someone about #events <script>x</script>")
    assert "<strong>Rules</strong>" in html and "<script" not in html
    assert 'href="/topics/events"' in html
    assert "@someone" in html and html.count("<a ") == 1
