"""Moderation rules: reporting, the queue's scope, hiding, restoring, dismissing, display."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import Role
from esn.animation.moderation import service as moderation
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.stream import service as stream
from esn.stream.models import Comment, Post, group_source
from tests.animation.conftest import on_post_page
from tests.animation.moderation.conftest import (
    MakeGroup,
    MakePost,
    StatementCounter,
    actions_of,
    notifications_of,
    reports_of,
    stored,
)
from tests.conftest import MakePerson

REASON = "This is rude to a colleague."


# --- reporting -----------------------------------------------------------------------------


async def test_a_reader_reports_a_post_and_a_comment(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    author, _ = await colleague("Ann Author")
    reader, _ = await colleague("Rita Reader")
    post = await make_post(author, "Something rude")
    comment = await stream.add_comment(db, author, post.id or 0, "rude comment")
    post_id, comment_id, reader_id = post.id, comment.id, reader.id

    await moderation.report_content(db, reader, post.id or 0, None, REASON)
    await moderation.report_content(db, reader, post.id or 0, comment.id, REASON)

    reports = await reports_of(db, post_id)
    assert [(r.comment_id, r.reporter_id, r.state) for r in reports] == [
        (None, reader_id, "open"),
        (comment_id, reader_id, "open"),
    ]
    # Nobody is told, least of all the author (who would learn who reported).
    assert await notifications_of(db, author.id) == []


async def test_the_author_cannot_report_their_own_words(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    author, _ = await colleague()
    post = await make_post(author, "Mine")
    comment = await stream.add_comment(db, author, post.id or 0, "also mine")
    with pytest.raises(Forbidden):
        await moderation.report_content(db, author, post.id or 0, None, REASON)
    with pytest.raises(Forbidden):
        await moderation.report_target(db, author, post.id or 0, comment.id)


async def test_a_non_reader_cannot_report_a_private_group_post(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost, make_group: MakeGroup
) -> None:
    author, _ = await colleague()
    outsider, _ = await colleague()
    group = await make_group("private", [(author, "member")])
    post = await make_post(author, "Private words", group_source(group.id or 0))
    with pytest.raises(NotFound):
        await moderation.report_content(db, outsider, post.id or 0, None, REASON)
    with pytest.raises(NotFound):
        await moderation.report_target(db, outsider, 999_999)


async def test_a_comment_of_another_post_is_not_found(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    author, _ = await colleague()
    reader, _ = await colleague()
    first = await make_post(author, "First")
    second = await make_post(author, "Second")
    comment = await stream.add_comment(db, author, first.id or 0, "on the first")
    with pytest.raises(NotFound):
        await moderation.report_content(db, reader, second.id or 0, comment.id, REASON)


async def test_one_open_report_per_person_per_item(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    author, _ = await colleague()
    reader, _ = await colleague()
    other, _ = await colleague()
    post = await make_post(author, "Something")
    await moderation.report_content(db, reader, post.id or 0, None, REASON)

    target = await moderation.report_target(db, reader, post.id or 0)
    assert target.already_reported
    with pytest.raises(InvalidInput) as refused:
        await moderation.report_content(db, reader, post.id or 0, None, REASON)
    assert "already reported" in refused.value.errors["__all__"]
    # Someone else still may.
    await moderation.report_content(db, other, post.id or 0, None, REASON)
    assert len(await reports_of(db, post.id)) == 2


# --- the queue ----------------------------------------------------------------------------


async def test_the_queue_scope_follows_who_may_read_and_animate(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost, make_group: MakeGroup
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    group_animator, _ = await colleague()
    private = await make_group(
        "private", [(author, "member"), (reader, "member"), (group_animator, "animator")]
    )
    company_post = await make_post(author, "Company words")
    private_post = await make_post(author, "Secret plans", group_source(private.id or 0))
    await moderation.report_content(db, reader, company_post.id or 0, None, REASON)
    await moderation.report_content(db, reader, private_post.id or 0, None, "Leaks a secret.")

    company_queue = await moderation.moderation_queue(db, animator)
    # The company animator is not a member: nothing of the private post reaches them.
    assert [item.post.id for item in company_queue.items] == [company_post.id]
    assert company_queue.items[0].reasons[0].reason == REASON
    assert await moderation.open_report_count(db, animator, private.id) == 0
    assert await moderation.open_report_count(db, animator, None) == 1

    group_queue = await moderation.moderation_queue(db, group_animator)
    assert [item.post.id for item in group_queue.items] == [private_post.id]
    assert group_queue.items[0].excerpt == "Secret plans"
    assert await moderation.open_report_count(db, group_animator, private.id) == 1
    narrowed = await moderation.moderation_queue(db, group_animator, private.slug)
    assert [item.post.id for item in narrowed.items] == [private_post.id]

    with pytest.raises(Forbidden):
        await moderation.moderation_queue(db, reader)
    assert await moderation.open_report_count(db, reader, private.id) == 0


async def test_the_queue_groups_reports_by_item_oldest_first(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ADMIN.value)
    author, _ = await colleague()
    first, _ = await colleague("First Reporter")
    second, _ = await colleague("Second Reporter")
    older = await make_post(author, "Older")
    newer = await make_post(author, "Newer")
    comment = await stream.add_comment(db, author, newer.id or 0, "a comment")
    await moderation.report_content(db, first, older.id or 0, None, "First reason here")
    await moderation.report_content(db, first, newer.id or 0, comment.id, "About the comment")
    await moderation.report_content(db, second, older.id or 0, None, "Second reason here")

    queue = await moderation.moderation_queue(db, animator)
    assert [(i.post.id, i.comment.id if i.comment else None, i.count) for i in queue.items] == [
        (older.id, None, 2),
        (newer.id, comment.id, 1),
    ]
    assert [(r.reason, r.reporter) for r in queue.items[0].reasons] == [
        ("First reason here", "First Reporter"),
        ("Second reason here", "Second Reporter"),
    ]


# --- hide, restore, dismiss -----------------------------------------------------------------


async def test_hiding_settles_the_reports_records_and_tells_the_author(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    post = await make_post(author, "Rude words")
    await moderation.report_content(db, reader, post.id or 0, None, REASON)

    await moderation.hide_content(db, animator, post.id or 0, None, "Insults a colleague")

    hidden = await stored(db, Post, post.id)
    assert hidden.hidden_at is not None and hidden.hidden_by == animator.id
    assert hidden.hidden_reason == "Insults a colleague"
    reports = await reports_of(db, post.id)
    assert [(r.state, r.handled_by) for r in reports] == [("actioned", animator.id)]
    actions = await actions_of(db, post.id)
    assert [(a.action, a.actor_id, a.reason, a.report_id) for a in actions] == [
        ("hide", animator.id, "Insults a colleague", reports[0].id)
    ]
    assert await notifications_of(db, author.id) == [("content_hidden", None)]
    assert await moderation.moderation_queue(db, animator) is not None
    assert (await moderation.moderation_queue(db, animator)).items == []


async def test_hiding_twice_is_refused_cleanly(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    post = await make_post(author, "Words")
    await moderation.hide_content(db, animator, post.id or 0, None, "Off topic")
    with pytest.raises(moderation.AlreadyHandled):
        await moderation.hide_content(db, animator, post.id or 0, None, "Again")
    assert len(await actions_of(db, post.id)) == 1
    with pytest.raises(InvalidInput):
        await moderation.hide_content(db, animator, post.id or 0, None, "  ")


async def test_restoring_shows_it_again_and_tells_the_author(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    post = await make_post(author, "Words")
    with pytest.raises(moderation.AlreadyHandled):
        await moderation.restore_content(db, animator, post.id or 0, None, "")
    await moderation.hide_content(db, animator, post.id or 0, None, "Off topic")
    await moderation.restore_content(db, animator, post.id or 0, None, "It was fine")

    restored = await stored(db, Post, post.id)
    assert restored.hidden_at is None and restored.hidden_reason == ""
    assert [(a.action, a.reason) for a in await actions_of(db, post.id)] == [
        ("hide", "Off topic"),
        ("restore", "It was fine"),
    ]
    assert [kind for kind, _c in await notifications_of(db, author.id)] == [
        "content_hidden",
        "content_restored",
    ]


async def test_dismissing_closes_the_reports_once(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    post = await make_post(author, "Words")
    await moderation.report_content(db, reader, post.id or 0, None, REASON)

    await moderation.dismiss_reports(db, animator, post.id or 0, None, "Nothing wrong")

    assert [r.state for r in await reports_of(db, post.id)] == ["dismissed"]
    assert [(a.action, a.actor_id, a.reason) for a in await actions_of(db, post.id)] == [
        ("dismiss", animator.id, "Nothing wrong")
    ]
    with pytest.raises(moderation.AlreadyHandled):
        await moderation.dismiss_reports(db, animator, post.id or 0, None, "")
    assert (await stored(db, Post, post.id)).hidden_at is None
    # The reporter may report it again later: their earlier report is closed.
    await moderation.report_content(db, reader, post.id or 0, None, REASON)


async def test_only_moderators_hide_restore_or_dismiss(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost, make_group: MakeGroup
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    owner, _ = await colleague()
    private = await make_group("private", [(author, "member"), (owner, "owner")])
    company_post = await make_post(author, "Company words")
    private_post = await make_post(author, "Private words", group_source(private.id or 0))
    with pytest.raises(Forbidden):
        await moderation.hide_content(db, reader, company_post.id or 0, None, "No")
    with pytest.raises(Forbidden):
        await moderation.dismiss_reports(db, author, company_post.id or 0, None, "")
    # The group's owner moderates its content, not the company stream.
    with pytest.raises(Forbidden):
        await moderation.hide_content(db, owner, company_post.id or 0, None, "No")
    # A company animator who cannot read the private group cannot moderate it.
    with pytest.raises(NotFound):
        await moderation.hide_content(db, animator, private_post.id or 0, None, "No")
    await moderation.hide_content(db, owner, private_post.id or 0, None, "Off topic")
    assert (await stored(db, Post, private_post.id)).hidden_by == owner.id


# --- what readers see -------------------------------------------------------------------------


async def test_a_hidden_post_is_a_placeholder_for_everyone_but_author_and_moderators(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    post = await make_post(author, "Rude words #rude")
    await stream.add_comment(db, reader, post.id or 0, "a reply to rude words")
    await moderation.hide_content(db, animator, post.id or 0, None, "Insults")
    db.expire_all()

    for_reader = await stream.post_view(db, reader, post.id or 0)
    assert for_reader is not None and for_reader.redacted
    assert for_reader.post.body == "" and "Rude" not in for_reader.post.html
    assert for_reader.comments == [] and for_reader.topics == []
    assert for_reader.post.hidden_reason == "" and not for_reader.can_interact
    home = await stream.home_stream(db, reader)
    assert [view.redacted for view in home.items] == [True]

    for_author = await stream.post_view(db, author, post.id or 0)
    assert for_author is not None and not for_author.redacted and for_author.hidden
    assert for_author.post.hidden_reason == "Insults" and for_author.comments
    for_moderator = await stream.post_view(db, animator, post.id or 0)
    assert for_moderator is not None and not for_moderator.redacted
    assert for_moderator.can_moderate

    # Nothing new happens on a hidden post; its history and files are hidden too.
    with pytest.raises(Forbidden):
        await stream.add_comment(db, reader, post.id or 0, "more")
    with pytest.raises(Forbidden):
        await stream.toggle_reaction(db, reader, post.id or 0, "like")
    with pytest.raises(NotFound):
        await stream.post_history(db, reader, post.id or 0)
    # The stored row keeps its text (the placeholder is a detached copy).
    assert (await stored(db, Post, post.id)).body == "Rude words #rude"


async def test_editing_a_hidden_post_does_not_unhide_it(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    post = await make_post(author, "Rude words")
    await moderation.hide_content(db, animator, post.id or 0, None, "Insults")
    await stream.edit_post(db, author, post.id or 0, "Kinder words")
    edited = await stored(db, Post, post.id)
    assert edited.hidden_at is not None and edited.body == "Kinder words"
    view = await stream.post_view(db, reader, post.id or 0)
    assert view is not None and view.redacted and "Kinder" not in view.post.html


async def test_a_hidden_comment_is_a_placeholder_for_others(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    commenter, _ = await colleague()
    post = await make_post(author, "A question")
    comment = await stream.add_comment(db, commenter, post.id or 0, "rude answer")
    await moderation.hide_content(db, animator, post.id or 0, comment.id, "Rude")
    db.expire_all()

    for_author = await stream.post_view(db, author, post.id or 0)
    assert for_author is not None and not for_author.redacted
    shown = for_author.comments[0]
    assert shown.redacted and shown.comment.body == "" and "rude" not in shown.comment.html
    assert not shown.can_reply
    for_commenter = await stream.post_view(db, commenter, post.id or 0)
    assert for_commenter is not None
    assert not for_commenter.comments[0].redacted
    assert for_commenter.comments[0].comment.hidden_reason == "Rude"
    single = await stream.comment_view(db, author, comment.id or 0)
    assert single is not None and single.redacted
    assert await notifications_of(db, commenter.id) == [("content_hidden", comment.id)]
    assert (await stored(db, Comment, comment.id)).body == "rude answer"
    with pytest.raises(Forbidden):
        await stream.add_comment(db, author, post.id or 0, "reply", comment.id)


async def test_comments_of_a_hidden_post_are_not_delivered_to_others(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    post = await make_post(author, "Words")
    comment = await stream.add_comment(db, reader, post.id or 0, "a comment")
    await moderation.hide_content(db, animator, post.id or 0, None, "Off topic")
    assert await stream.comment_view(db, reader, comment.id or 0) is None
    assert await stream.comment_view(db, author, comment.id or 0) is not None


async def test_a_hidden_post_is_never_pushed_live(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    post = await make_post(author, "Words")
    shared = await stream.shared_post_view(db, post.id or 0)
    assert shared is not None and not shared.hidden
    await moderation.hide_content(db, animator, post.id or 0, None, "Off topic")
    db.expire_all()
    shared = await stream.shared_post_view(db, post.id or 0)
    assert shared is not None and shared.redacted and shared.post.body == ""
    view = stream.view_for_reader(shared, author, None)
    assert view is not None and view.redacted


async def test_hidden_files_are_for_the_author_and_moderators(
    db: AsyncSession, colleague: MakePerson, tmp_path: Path
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    media = tmp_path / "media"
    post = await stream.create_post(
        db,
        author,
        "company",
        "With a file",
        uploads=[stream.Upload("notes.txt", b"secret notes")],
        media_dir=media,
    )
    view = await stream.post_view(db, author, post.id or 0)
    assert view is not None
    attachment_id = view.attachments[0].id or 0
    await moderation.hide_content(db, animator, post.id or 0, None, "Leak")
    with pytest.raises(NotFound):
        await stream.attachment_file(db, reader, post.id or 0, attachment_id, media_dir=media)
    found = await stream.attachment_file(db, author, post.id or 0, attachment_id, media_dir=media)
    assert found.filename == "notes.txt"
    await stream.attachment_file(db, animator, post.id or 0, attachment_id, media_dir=media)


async def test_hidden_posts_cost_no_extra_query_in_a_stream(
    db: AsyncSession,
    colleague: MakePerson,
    make_post: MakePost,
    statements: StatementCounter,
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    for number in range(3):
        await make_post(author, f"Post {number}")

    async def measure() -> int:
        db.expire_all()
        statements.count = 0
        await stream.stream_page(db, reader, ["company"])
        return statements.count

    visible = await measure()
    page = await stream.stream_page(db, reader, ["company"])
    for view in page.items:
        await moderation.hide_content(db, animator, view.post.id or 0, None, "Off topic")
    assert await measure() == visible


async def test_the_post_panel_is_for_moderators(
    db: AsyncSession, colleague: MakePerson, make_post: MakePost
) -> None:
    animator, _ = await colleague(role=Role.ANIMATOR.value)
    author, _ = await colleague()
    reader, _ = await colleague()
    post = await make_post(author, "Words")
    comment = await stream.add_comment(db, author, post.id or 0, "a comment")
    await moderation.report_content(db, reader, post.id or 0, comment.id, REASON)
    await moderation.hide_content(db, animator, post.id or 0, None, "Off topic")

    assert await on_post_page(moderation.post_moderation, db, reader, post.id or 0) is None
    assert await on_post_page(moderation.post_moderation, db, author, post.id or 0) is None
    panel = await on_post_page(moderation.post_moderation, db, animator, post.id or 0)
    assert panel is not None
    assert [(i.comment.id if i.comment else None, i.count) for i in panel.items] == [
        (comment.id, 1)
    ]
    assert [(e.action.action, e.action.reason) for e in panel.history] == [("hide", "Off topic")]
