"""Reading posts: rows with what one query brings along, their comments in threads,
and the views a reader gets (a stream's card, a whole conversation, a live card).

Every query here filters through ``policy.readable_posts_clause``; the live
card, read once for every socket of a process, is checked per reader in
memory with its Python twin ``policy.may_read_post``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.groups.models import Group, Membership
from esn.people.models import Profile
from esn.stream.models import Attachment, Comment, Post, Reaction, reaction_count_column
from esn.stream.service.access import is_archived, is_moderator, membership
from esn.stream.service.cursors import bounded, decode_cursor, encode_cursor, posts_after
from esn.stream.service.hidden import apply_visibility, comment_for
from esn.stream.service.views import REACTION_KINDS, CommentView, PostView, StreamPage

# A stream shows the latest few comments of each post; /posts/{id} shows them all.
STREAM_COMMENTS = 3
MAX_THREAD_COMMENTS = 500


@dataclass
class PostRow:
    """A post as read from the database with what one query brings along:
    its author, its group, the reader's role there and the reader's reactions."""

    post: Post
    author: Profile
    group: Group | None
    role: str | None
    mine: set[str]


async def post_rows(
    db: AsyncSession, actor: User, condition: Any, after: str | None, limit: int
) -> list[PostRow]:
    """Readable posts matching ``condition``, newest first, after the cursor.

    One query: author and group are joined, the reader's role in the group
    and the reader's reactions come as correlated subqueries (both by index).
    """
    conditions = [condition, policy.readable_posts_clause(actor)]
    keyset = posts_after(decode_cursor(after))
    if keyset is not None:
        conditions.append(keyset)
    my_reactions = (
        select(func.aggregate_strings(col(Reaction.kind), " "))
        .where(col(Reaction.post_id) == col(Post.id), col(Reaction.user_id) == actor.id)
        .correlate(Post)
        .scalar_subquery()
    )
    my_role = (
        select(col(Membership.role))
        .where(col(Membership.group_id) == col(Post.group_id), col(Membership.user_id) == actor.id)
        .correlate(Post)
        .scalar_subquery()
    )
    rows = await db.execute(
        select(Post, Profile, Group, my_role, my_reactions)
        .join(Profile, col(Profile.user_id) == col(Post.author_id))
        .outerjoin(Group, col(Group.id) == col(Post.group_id))
        .where(*conditions)
        .order_by(col(Post.created_at).desc(), col(Post.id).desc())
        .limit(limit)
    )
    return [
        PostRow(
            post=row[0],
            author=row[1],
            group=row[2],
            role=row[3],
            mine=set(row[4].split()) if row[4] else set(),
        )
        for row in rows.all()
    ]


async def _comment_rows(
    db: AsyncSession, post_ids: list[int], per_post: int | None
) -> list[tuple[Comment, Profile]]:
    """Comments of ``post_ids`` with their authors, oldest first.

    With ``per_post``, only the latest ``per_post`` top-level comments of each
    post and the latest ``per_post`` replies of each of those, in one query: a
    window partitioned by (post, parent) numbers each thread's comments.
    """
    if not post_ids:
        return []
    if per_post is None:
        query = (
            select(Comment, Profile)
            .join(Profile, col(Profile.user_id) == col(Comment.author_id))
            .where(col(Comment.post_id).in_(post_ids))
            .order_by(col(Comment.created_at), col(Comment.id))
            .limit(MAX_THREAD_COMMENTS)
        )
        return [(row[0], row[1]) for row in (await db.execute(query)).all()]
    ranked = (
        select(
            col(Comment.id).label("comment_id"),
            func.row_number()
            .over(
                partition_by=(col(Comment.post_id), col(Comment.parent_id)),
                order_by=(col(Comment.created_at).desc(), col(Comment.id).desc()),
            )
            .label("position"),
        )
        .where(col(Comment.post_id).in_(post_ids))
        .subquery()
    )
    query = (
        select(Comment, Profile)
        .join(ranked, ranked.c.comment_id == col(Comment.id))
        .join(Profile, col(Profile.user_id) == col(Comment.author_id))
        .where(ranked.c.position <= per_post)
        .order_by(col(Comment.created_at), col(Comment.id))
    )
    rows = [(row[0], row[1]) for row in (await db.execute(query)).all()]
    # Replies to a comment that is not shown are not shown either.
    shown_top = {comment.id for comment, _author in rows if comment.parent_id is None}
    return [row for row in rows if row[0].parent_id is None or row[0].parent_id in shown_top]


def _threads(
    rows: list[tuple[Comment, Profile]],
    can_reply: bool,
    actor: User | None = None,
    moderator: bool = False,
) -> list[CommentView]:
    """Top-level comments with their replies under them (one level shown)."""
    top: dict[int, CommentView] = {}
    ordered: list[CommentView] = []
    for comment, author in rows:
        view = comment_for(actor, comment, author, can_reply=can_reply, moderator=moderator)
        if comment.parent_id is None:
            assert comment.id is not None
            top[comment.id] = view
            ordered.append(view)
        elif comment.parent_id in top:
            top[comment.parent_id].replies.append(view)
    return ordered


def reaction_counts(post: Post) -> dict[str, int]:
    """How many reactions of each kind ``post`` has (from its row)."""
    return {kind: getattr(post, reaction_count_column(kind)) for kind in REACTION_KINDS}


async def decorate(
    db: AsyncSession,
    actor: User | None,
    rows: list[PostRow],
    *,
    comments_per_post: int | None,
) -> list[PostView]:
    """Turn post rows into views. Counts and topics come from the post rows;
    attachments and comments are read only for posts that have some."""
    if not rows:
        return []
    with_attachments = [row.post.id for row in rows if row.post.attachment_count]
    attachments: dict[int, list[Attachment]] = {}
    if with_attachments:
        for attachment in (
            await db.execute(
                select(Attachment)
                .where(col(Attachment.post_id).in_(with_attachments))
                .order_by(col(Attachment.id))
            )
        ).scalars():
            attachments.setdefault(attachment.post_id, []).append(attachment)

    with_comments = [row.post.id for row in rows if row.post.comment_count and row.post.id]
    by_post: dict[int, list[tuple[Comment, Profile]]] = {}
    for comment, author in await _comment_rows(db, with_comments, comments_per_post):
        by_post.setdefault(comment.post_id, []).append((comment, author))

    views = []
    for row in rows:
        post = row.post
        assert post.id is not None
        # A hidden post takes no comments or reactions until it is restored.
        can_interact = (
            policy.is_staff(actor)
            and post.hidden_at is None
            and (
                post.group_id is None
                or policy.can_post_in_group_now(
                    actor, is_member=row.role is not None, archived=is_archived(row.group)
                )
            )
        )
        moderator = is_moderator(actor, post, row.role)
        view = PostView(
            post=post,
            author=row.author,
            attachments=attachments.get(post.id, []),
            topics=post.topic_tags.split(),
            my_reactions=row.mine,
            reaction_counts=reaction_counts(post),
            comments=_threads(by_post.get(post.id, []), can_interact, actor, moderator),
            group=row.group,
            can_interact=can_interact,
            can_edit=policy.can_edit_post(actor, post.author_id),
            can_delete=policy.can_moderate_post(actor, post.author_id, row.role),
            full=comments_per_post is None,
            can_report=post.hidden_at is None
            and policy.can_report_content(actor, can_read=True, author_id=post.author_id),
            can_moderate=moderator,
            group_role=row.role,
        )
        views.append(apply_visibility(view, actor))
    return views


async def page(
    db: AsyncSession, actor: User, condition: Any, after: str | None, limit: int
) -> StreamPage:
    """One page of the readable posts matching ``condition`` (keyset after ``after``)."""
    limit = bounded(limit)
    rows = await post_rows(db, actor, condition, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = await decorate(db, actor, rows, comments_per_post=STREAM_COMMENTS)
    next_cursor = None
    if more and rows:
        last = rows[-1].post
        assert last.id is not None
        next_cursor = encode_cursor(last.created_at, 1, last.id)
    return StreamPage(items=items, next_cursor=next_cursor)


async def post_view(
    db: AsyncSession, actor: User | None, post_id: int, *, full: bool = True
) -> PostView | None:
    """One post with its whole conversation (or, ``full=False``, its latest
    comments as a stream shows them); None when missing or not readable."""
    if actor is None or not policy.is_staff(actor):
        return None
    rows = await post_rows(db, actor, col(Post.id) == post_id, None, 1)
    per_post = None if full else STREAM_COMMENTS
    views = await decorate(db, actor, rows, comments_per_post=per_post)
    return views[0] if views else None


async def shared_post_view(db: AsyncSession, post_id: int) -> PostView | None:
    """A post as a stream shows it, before anything about its reader is known.

    For live updates: one read serves every socket of a process, then
    ``view_for_reader`` decides, per reader and without a query, whether they
    may see it and what they may do with it. Never render it as is.
    """
    row = (
        await db.execute(
            select(Post, Profile, Group)
            .join(Profile, col(Profile.user_id) == col(Post.author_id))
            .outerjoin(Group, col(Group.id) == col(Post.group_id))
            .where(col(Post.id) == post_id)
        )
    ).one_or_none()
    if row is None:
        return None
    shared = PostRow(post=row[0], author=row[1], group=row[2], role=None, mine=set())
    views = await decorate(db, None, [shared], comments_per_post=STREAM_COMMENTS)
    return views[0]


def view_for_reader(shared: PostView, actor: User, group_role: str | None) -> PostView | None:
    """``shared`` as ``actor`` (whose role in the post's group is ``group_role``)
    sees it, or None when they may not read it. The reader's own reactions are
    not known here: a new post has none yet."""
    post = shared.post
    if post.group_id is not None and shared.group is None:
        return None
    is_member = group_role is not None
    visibility = shared.group.visibility if shared.group is not None else None
    if not policy.may_read_post(actor, group_visibility=visibility, is_member=is_member):
        return None
    if shared.redacted:
        # Read for nobody in particular, a hidden post is only its placeholder
        # here: live cards never carry hidden content (esn.stream.live does
        # not push hidden posts at all).
        return replace(shared, my_reactions=set(), full=False)
    can_interact = post.hidden_at is None and (
        post.group_id is None
        or policy.can_post_in_group_now(
            actor, is_member=is_member, archived=is_archived(shared.group)
        )
    )
    return replace(
        shared,
        my_reactions=set(),
        can_interact=can_interact,
        can_edit=policy.can_edit_post(actor, post.author_id),
        can_delete=policy.can_moderate_post(actor, post.author_id, group_role),
        can_report=policy.can_report_content(actor, can_read=True, author_id=post.author_id),
        can_moderate=False,
        full=False,
        group_role=group_role,
    )


async def comment_view(db: AsyncSession, actor: User | None, comment_id: int) -> CommentView | None:
    """One comment with its author, or None when missing or its post is not readable.

    A hidden comment is its placeholder for anyone but its author and the
    post's moderators; a comment on a hidden post is None for them (the post
    shows only its placeholder, without its conversation).
    """
    if actor is None or not policy.is_staff(actor):
        return None
    row = (
        await db.execute(
            select(Comment, Profile, Post)
            .join(Post, col(Post.id) == col(Comment.post_id))
            .join(Profile, col(Profile.user_id) == col(Comment.author_id))
            .where(col(Comment.id) == comment_id, policy.readable_posts_clause(actor))
        )
    ).one_or_none()
    if row is None:
        return None
    comment, author, post = row[0], row[1], row[2]
    can_reply = True
    role: str | None = None
    if post.group_id is not None:
        member = await membership(db, actor, post.group_id)
        role = member.role if member is not None else None
        can_reply = policy.can_post_in_group_now(
            actor,
            is_member=member is not None,
            archived=is_archived(await db.get(Group, post.group_id)),
        )
    moderator = is_moderator(actor, post, role)
    if post.hidden_at is not None:
        if not policy.can_see_hidden_content(actor, author_id=post.author_id, moderator=moderator):
            return None
        can_reply = False
    return comment_for(actor, comment, author, can_reply=can_reply, moderator=moderator)
