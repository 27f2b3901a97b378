"""Streams and conversation: posts, comments, reactions, topics, the activity log.

Reading: every query that returns posts filters through
``policy.readable_posts_clause``; streams page by keyset on (created_at, id)
and load authors, attachments, topics, counts and the reader's reactions with
one query per kind of thing per page (counts live on the post row).

Writing: ``verb_noun(db, actor, ...)`` checks policy, writes, records the
events to announce (esn.stream.events, notifications) and commits: the commit
sends them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.groups.models import Group, Membership
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.people.models import Follow, Profile
from esn.people.service import fold
from esn.stream import markdown
from esn.stream.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    AttachmentRefused,
    PreparedAttachment,
    delete_files,
    new_names,
    prepare_attachment,
    stored_path,
    thumbnail_type,
    write_files,
)
from esn.stream.events import (
    CommentCreated,
    PostCreated,
    PostDeleted,
    PostUpdated,
    ReactionChanged,
)
from esn.stream.markdown import topic_key
from esn.stream.models import (
    COMPANY_SOURCE,
    Activity,
    Attachment,
    Comment,
    Mention,
    Post,
    PostRevision,
    PostTopic,
    Reaction,
    ReactionKind,
    TopicFollow,
    group_source,
    profile_source,
    reaction_count_column,
)

STREAM_PAGE_SIZE = 20
MAX_STREAM_PAGE_SIZE = 50
# A stream shows the latest few comments of each post; /posts/{id} shows them all.
STREAM_COMMENTS = 3
MAX_THREAD_COMMENTS = 500
MAX_SOURCES = 500

REACTION_KINDS = [kind.value for kind in ReactionKind]
# Two submissions of the same text this close together are one post.
DUPLICATE_WINDOW = timedelta(seconds=60)
MAX_ID = 2**31 - 1
_TOPIC = re.compile(r"^(?=[\w-]*[^\W\d_])[\w-]{1,60}$")


# --- what the templates receive ------------------------------------------------


@dataclass
class CommentView:
    """A comment with its author and, for a top-level comment, its replies.

    A comment hidden by a moderator is ``redacted`` for everyone but its author
    and the post's moderators: ``comment`` is then a detached copy without its
    text, and the template shows a placeholder.
    """

    comment: Comment
    author: Profile
    replies: list[CommentView] = field(default_factory=list)
    can_reply: bool = False
    can_report: bool = False
    can_moderate: bool = False
    redacted: bool = False


@dataclass
class PostView:
    """A post as one reader sees it: author, attachments, topics, counts, reactions.

    ``reaction_counts`` has every kind (zero included); ``my_reactions`` the kinds
    the reader chose. ``comments`` holds the first comments (a stream) or the
    whole conversation (``/posts/{id}``, then ``full`` is True).
    """

    post: Post
    author: Profile
    attachments: list[Attachment] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    my_reactions: set[str] = field(default_factory=set)
    reaction_counts: dict[str, int] = field(default_factory=dict)
    comments: list[CommentView] = field(default_factory=list)
    group: Group | None = None
    can_interact: bool = False
    can_edit: bool = False
    can_delete: bool = False
    full: bool = False
    # Moderation: the reader may report it (not its author), may hide or
    # restore it; ``redacted`` when it is hidden and the reader sees only the
    # placeholder (``post`` is then a detached copy without text or topics,
    # and attachments and comments are left out).
    can_report: bool = False
    can_moderate: bool = False
    redacted: bool = False

    @property
    def hidden(self) -> bool:
        """Hidden by a moderator (the author and moderators still see it, with why)."""
        return self.post.hidden_at is not None

    @property
    def shown_comments(self) -> int:
        """How many comments (replies included) this view holds."""
        return sum(1 + len(view.replies) for view in self.comments)

    @property
    def reaction_kinds(self) -> list[tuple[str, int, bool]]:
        """(kind, count, mine) for each reaction kind, in a fixed order."""
        return [
            (kind, self.reaction_counts.get(kind, 0), kind in self.my_reactions)
            for kind in REACTION_KINDS
        ]


@dataclass
class ActivityView:
    """An event of the activity log, ready to show in a stream."""

    activity: Activity
    actor: Profile | None
    group: Group | None = None

    @property
    def created_at(self) -> datetime:
        return self.activity.created_at


@dataclass
class StreamPage:
    """One page of a stream, newest first, and the cursor of the next page.

    ``items`` are the posts; ``activities`` the activity-log events merged in
    (home stream only). Templates iterate ``entries``, both in time order.
    ``sources`` are the streams a live page listens to for new posts.
    """

    items: list[PostView]
    next_cursor: str | None
    activities: list[ActivityView] = field(default_factory=list)
    # The sources whose new posts belong at the top of this stream (live updates).
    sources: list[str] = field(default_factory=list)

    @property
    def entries(self) -> list[PostView | ActivityView]:
        """Posts and events together, newest first (posts first at equal times)."""
        merged: list[tuple[tuple[datetime, int, int], PostView | ActivityView]] = [
            ((as_utc(view.post.created_at), 1, view.post.id or 0), view) for view in self.items
        ]
        merged += [
            ((as_utc(view.created_at), 0, view.activity.id or 0), view) for view in self.activities
        ]
        merged.sort(key=lambda pair: pair[0], reverse=True)
        return [view for _key, view in merged]


# --- sources --------------------------------------------------------------------


def parse_source(source: str) -> tuple[str, int | None] | None:
    """("company", None), ("group", id) or ("user", id); None if not a source key."""
    if source == COMPANY_SOURCE:
        return COMPANY_SOURCE, None
    kind, _sep, number = source.partition(":")
    if kind in {"group", "user"} and number.isdigit() and len(number) < 12:
        return kind, int(number)
    return None


async def _membership(db: AsyncSession, actor: User, group_id: int) -> Membership | None:
    return (
        await db.execute(
            select(Membership).where(
                col(Membership.group_id) == group_id, col(Membership.user_id) == actor.id
            )
        )
    ).scalar_one_or_none()


async def can_read_source(db: AsyncSession, actor: User | None, source: str) -> bool:
    """May ``actor`` read the posts of ``source`` (company, a profile, a group)?"""
    parsed = parse_source(source)
    if parsed is None or actor is None or not policy.is_staff(actor):
        return False
    kind, number = parsed
    if kind == COMPANY_SOURCE:
        return True
    assert number is not None
    if kind == "user":
        person = await db.get(User, number)
        return person is not None and policy.can_see_profile(actor, person)
    group = await db.get(Group, number)
    if group is None:
        return False
    is_member = await _membership(db, actor, number) is not None
    return policy.can_read_group_content(actor, group.visibility, is_member=is_member)


# --- cursors --------------------------------------------------------------------


def encode_cursor(created_at: datetime, rank: int, item_id: int) -> str:
    """The opaque ``after`` value continuing a stream after this item.

    ``rank`` orders items of equal time: posts (1) before activity events (0).
    """
    raw = json.dumps([as_utc(created_at).isoformat(), rank, item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int, int] | None:
    """The position an ``after`` value points to, or None if it is not one of ours."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, rank, item_id = json.loads(raw)
        moment = as_utc(datetime.fromisoformat(stamp))
    except (ValueError, TypeError):
        return None
    if rank not in (0, 1) or type(item_id) is not int:
        return None
    return moment, rank, item_id


def _posts_after(position: tuple[datetime, int, int] | None) -> Any:
    """Keyset condition: posts that come after ``position`` (newest first)."""
    if position is None:
        return None
    moment, rank, item_id = position
    if rank == 1:
        # The plain bound lets the index on (created_at, id) start at the
        # cursor instead of walking down to it from the newest post.
        return and_(
            col(Post.created_at) <= moment,
            or_(
                col(Post.created_at) < moment,
                and_(col(Post.created_at) == moment, col(Post.id) < item_id),
            ),
        )
    return col(Post.created_at) < moment


def _activities_after(position: tuple[datetime, int, int] | None) -> Any:
    """Keyset condition: activity events that come after ``position``."""
    if position is None:
        return None
    moment, rank, item_id = position
    if rank == 1:
        return col(Activity.created_at) <= moment
    return and_(
        col(Activity.created_at) <= moment,
        or_(
            col(Activity.created_at) < moment,
            and_(col(Activity.created_at) == moment, col(Activity.id) < item_id),
        ),
    )


def _bounded(limit: int) -> int:
    return max(1, min(limit, MAX_STREAM_PAGE_SIZE))


# --- reading posts --------------------------------------------------------------


@dataclass
class _PostRow:
    """A post as read from the database with what one query brings along:
    its author, its group, the reader's role there and the reader's reactions."""

    post: Post
    author: Profile
    group: Group | None
    role: str | None
    mine: set[str]


def _archived(group: Group | None) -> bool:
    """An archived group is read-only: nobody posts, comments or reacts there."""
    return group is not None and group.archived_at is not None


async def _post_rows(
    db: AsyncSession, actor: User, condition: Any, after: str | None, limit: int
) -> list[_PostRow]:
    """Readable posts matching ``condition``, newest first, after the cursor.

    One query: author and group are joined, the reader's role in the group
    and the reader's reactions come as correlated subqueries (both by index).
    """
    conditions = [condition, policy.readable_posts_clause(actor)]
    keyset = _posts_after(decode_cursor(after))
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
        _PostRow(
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
        view = _comment_for(actor, comment, author, can_reply=can_reply, moderator=moderator)
        if comment.parent_id is None:
            assert comment.id is not None
            top[comment.id] = view
            ordered.append(view)
        elif comment.parent_id in top:
            top[comment.parent_id].replies.append(view)
    return ordered


# --- hidden content (moderation) -------------------------------------------------------


def _post_placeholder() -> str:
    # Also what a live edit of a hidden post pushes into the card's body.
    return str(Markup("<p>{}</p>").format(_("This post was hidden by a moderator.")))


def _comment_placeholder() -> str:
    return str(Markup("<p>{}</p>").format(_("This comment was hidden by a moderator.")))


def _redacted_post(post: Post) -> Post:
    """A detached copy of a hidden post with nothing of what its author wrote.

    Never added to a session: the stored row keeps its text. The reason stays
    with the author and the moderators too.
    """
    copy = Post(**post.model_dump())
    copy.body = ""
    copy.html = _post_placeholder()
    copy.topic_tags = ""
    copy.hidden_reason = ""
    copy.dedupe_key = None
    return copy


def _redacted_comment(comment: Comment) -> Comment:
    """A detached copy of a hidden comment without its text or reason."""
    copy = Comment(**comment.model_dump())
    copy.body = ""
    copy.html = _comment_placeholder()
    copy.hidden_reason = ""
    return copy


def _comment_for(
    actor: User | None, comment: Comment, author: Profile, *, can_reply: bool, moderator: bool
) -> CommentView:
    """A comment as ``actor`` sees it: in full, or as the placeholder when hidden."""
    hidden = comment.hidden_at is not None
    shown = not hidden or policy.can_see_hidden_content(
        actor, author_id=comment.author_id, moderator=moderator
    )
    return CommentView(
        comment=comment if shown else _redacted_comment(comment),
        author=author,
        # Nobody answers a hidden comment: the thread goes on around it.
        can_reply=can_reply and not hidden,
        can_report=not hidden
        and policy.can_report_content(actor, can_read=True, author_id=comment.author_id),
        can_moderate=moderator,
        redacted=not shown,
    )


def _moderator(actor: User | None, post: Post, group_role: str | None) -> bool:
    """May ``actor`` (who reads ``post``) hide and restore it and its comments?"""
    return policy.can_moderate_content(
        actor, group_id=post.group_id, group_role=group_role, can_read=True
    )


def _apply_visibility(view: PostView, actor: User | None) -> PostView:
    """``view`` as ``actor`` may see it: a hidden post is only a placeholder for
    anyone but its author and its moderators (no text, files or comments)."""
    post = view.post
    if post.hidden_at is None or policy.can_see_hidden_content(
        actor, author_id=post.author_id, moderator=view.can_moderate
    ):
        return view
    return replace(
        view,
        post=_redacted_post(post),
        attachments=[],
        topics=[],
        comments=[],
        can_interact=False,
        can_edit=False,
        can_report=False,
        redacted=True,
    )


def reaction_counts(post: Post) -> dict[str, int]:
    """How many reactions of each kind ``post`` has (from its row)."""
    return {kind: getattr(post, reaction_count_column(kind)) for kind in REACTION_KINDS}


async def _decorate(
    db: AsyncSession,
    actor: User | None,
    rows: list[_PostRow],
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
                    actor, is_member=row.role is not None, archived=_archived(row.group)
                )
            )
        )
        moderator = _moderator(actor, post, row.role)
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
        )
        views.append(_apply_visibility(view, actor))
    return views


async def _page(
    db: AsyncSession, actor: User, condition: Any, after: str | None, limit: int
) -> StreamPage:
    limit = _bounded(limit)
    rows = await _post_rows(db, actor, condition, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = await _decorate(db, actor, rows, comments_per_post=STREAM_COMMENTS)
    next_cursor = None
    if more and rows:
        last = rows[-1].post
        assert last.id is not None
        next_cursor = encode_cursor(last.created_at, 1, last.id)
    return StreamPage(items=items, next_cursor=next_cursor)


async def stream_page(
    db: AsyncSession,
    actor: User,
    sources: list[str],
    after: str | None = None,
    limit: int = STREAM_PAGE_SIZE,
) -> StreamPage:
    """The posts of ``sources`` that ``actor`` may read, newest first, one page.

    ``after`` is the ``next_cursor`` of the previous page (keyset, never OFFSET).
    """
    if not policy.is_staff(actor) or not sources:
        return StreamPage(items=[], next_cursor=None)
    sources = sources[:MAX_SOURCES]
    page = await _page(db, actor, col(Post.source).in_(sources), after, limit)
    page.sources = sources
    return page


async def post_view(
    db: AsyncSession, actor: User | None, post_id: int, *, full: bool = True
) -> PostView | None:
    """One post with its whole conversation (or, ``full=False``, its latest
    comments as a stream shows them); None when missing or not readable."""
    if actor is None or not policy.is_staff(actor):
        return None
    rows = await _post_rows(db, actor, col(Post.id) == post_id, None, 1)
    per_post = None if full else STREAM_COMMENTS
    views = await _decorate(db, actor, rows, comments_per_post=per_post)
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
    shared = _PostRow(post=row[0], author=row[1], group=row[2], role=None, mine=set())
    views = await _decorate(db, None, [shared], comments_per_post=STREAM_COMMENTS)
    return views[0]


def view_for_reader(shared: PostView, actor: User, group_role: str | None) -> PostView | None:
    """``shared`` as ``actor`` (whose role in the post's group is ``group_role``)
    sees it, or None when they may not read it. The reader's own reactions are
    not known here: a new post has none yet."""
    post = shared.post
    if not policy.is_staff(actor):
        return None
    if post.group_id is not None:
        if shared.group is None:
            return None
        is_member = group_role is not None
        if not policy.can_read_group_content(actor, shared.group.visibility, is_member=is_member):
            return None
    if shared.redacted:
        # Read for nobody in particular, a hidden post is only its placeholder
        # here: live cards never carry hidden content (esn.realtime.cards
        # does not push hidden posts at all).
        return replace(shared, my_reactions=set(), full=False)
    can_interact = post.hidden_at is None and (
        post.group_id is None
        or policy.can_post_in_group_now(
            actor, is_member=group_role is not None, archived=_archived(shared.group)
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
        member = await _membership(db, actor, post.group_id)
        role = member.role if member is not None else None
        can_reply = policy.can_post_in_group_now(
            actor,
            is_member=member is not None,
            archived=_archived(await db.get(Group, post.group_id)),
        )
    moderator = _moderator(actor, post, role)
    if post.hidden_at is not None:
        if not policy.can_see_hidden_content(actor, author_id=post.author_id, moderator=moderator):
            return None
        can_reply = False
    return _comment_for(actor, comment, author, can_reply=can_reply, moderator=moderator)


# --- streams: home, profile, topic -------------------------------------------------

MAX_FOLLOWED_TOPICS = 200
MAX_ACTIVITY_GROUPS = 200


@dataclass
class HomeContext:
    """Who the reader is and what their home listens to, read in one query."""

    display_name: str
    handle: str
    followees: list[int]
    groups: list[tuple[int, str]]
    topics: list[str]

    def sources(self, actor_id: int) -> list[str]:
        """Company, my profile, people I follow, my groups."""
        sources = [COMPANY_SOURCE, profile_source(actor_id)]
        sources += [profile_source(user_id) for user_id in self.followees]
        sources += [group_source(group_id) for group_id, _name in self.groups]
        return sources


def _part(query: Any) -> Any:
    # SQLite refuses LIMIT inside a UNION member unless it is a subquery.
    inner = query.subquery()
    return select(*inner.c)


async def home_context(db: AsyncSession, actor: User) -> HomeContext:
    """The reader's name and handle, followees, groups (with names) and followed
    topics: one UNION ALL query, each list bounded."""
    assert actor.id is not None
    me: Any = select(
        literal("me").label("kind"),
        col(Profile.user_id).label("ref"),
        col(Profile.display_name).label("label"),
        col(Profile.handle).label("extra"),
    ).where(col(Profile.user_id) == actor.id)
    followees: Any = select(
        literal("person").label("kind"),
        col(Follow.followee_id).label("ref"),
        cast(null(), String).label("label"),
        cast(null(), String).label("extra"),
    ).where(col(Follow.follower_id) == actor.id)
    groups: Any = (
        select(
            literal("group").label("kind"),
            col(Group.id).label("ref"),
            col(Group.name).label("label"),
            col(Group.search_name).label("extra"),
        )
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(col(Membership.user_id) == actor.id)
    )
    topics: Any = select(
        literal("topic").label("kind"),
        cast(null(), Integer).label("ref"),
        col(TopicFollow.tag).label("label"),
        cast(null(), String).label("extra"),
    ).where(col(TopicFollow.user_id) == actor.id)
    rows = (
        await db.execute(
            union_all(
                me,
                _part(followees.order_by(col(Follow.id)).limit(MAX_SOURCES)),
                _part(groups.order_by(col(Group.id)).limit(MAX_SOURCES)),
                _part(topics.order_by(col(TopicFollow.tag)).limit(MAX_FOLLOWED_TOPICS)),
            )
        )
    ).all()
    context = HomeContext(display_name="", handle="", followees=[], groups=[], topics=[])
    group_rows: list[tuple[str, int, str]] = []
    found = False
    for kind, ref, label, extra in rows:
        if kind == "me":
            found = True
            context.display_name, context.handle = label, extra
        elif kind == "person":
            context.followees.append(ref)
        elif kind == "group":
            group_rows.append((extra or "", ref, label))
        else:
            context.topics.append(label)
    if not found:
        raise NotFound
    context.groups = [(group_id, name) for _key, group_id, name in sorted(group_rows)]
    return context


def _home_posts_condition(sources: list[str], topics: list[str]) -> Any:
    """The posts of ``sources`` or tagged with ``topics``, tested row by row.

    Deliberately not an index lookup by source: the database walks posts
    newest first (ix_post_created) and keeps the matching ones. Company posts
    belong to every home, so the walk to a page's end is short for everyone,
    whether they follow nothing or hundreds of sources; a lookup by source
    instead reads and sorts every post of every source (the big groups').
    ``source || ''`` keeps the planner from choosing that lookup, and topics
    are matched on the post's own ``topic_tags`` for the same reason (a
    subquery on post_topic would read every post of a popular topic).
    """
    condition: Any = (col(Post.source) + "").in_(sources)
    if topics:
        spaced = literal(" ") + col(Post.topic_tags) + " "
        tagged = [spaced.contains(f" {tag} ", autoescape=True) for tag in topics]
        condition = or_(condition, *tagged)
    return condition


async def home_stream(
    db: AsyncSession,
    actor: User,
    after: str | None = None,
    limit: int = STREAM_PAGE_SIZE,
    *,
    context: HomeContext | None = None,
) -> StreamPage:
    """The home stream: posts of my sources and followed topics, with the activity
    log of the same sources, merged newest first by keyset on time."""
    if not policy.is_staff(actor):
        return StreamPage(items=[], next_cursor=None)
    assert actor.id is not None
    limit = _bounded(limit)
    context = context or await home_context(db, actor)
    sources = context.sources(actor.id)
    condition = _home_posts_condition(sources, context.topics)
    position = decode_cursor(after)
    post_rows = await _post_rows(db, actor, condition, after, limit + 1)
    activities = await _activity_rows(db, actor, sources, position, limit + 1)
    merged: list[tuple[tuple[datetime, int, int], _PostRow | ActivityView]] = [
        ((as_utc(row.post.created_at), 1, row.post.id or 0), row) for row in post_rows
    ]
    merged += [((as_utc(view.created_at), 0, view.activity.id or 0), view) for view in activities]
    merged.sort(key=lambda pair: pair[0], reverse=True)
    taken = merged[:limit]
    next_cursor = encode_cursor(*taken[-1][0]) if len(merged) > limit and taken else None
    kept_posts = [entry for _key, entry in taken if isinstance(entry, _PostRow)]
    kept_activities = [entry for _key, entry in taken if isinstance(entry, ActivityView)]
    items = await _decorate(db, actor, kept_posts, comments_per_post=STREAM_COMMENTS)
    return StreamPage(
        items=items, next_cursor=next_cursor, activities=kept_activities, sources=sources
    )


@dataclass
class HomePage:
    """The home page: who I am, where I may post, and my home stream."""

    display_name: str
    handle: str
    destinations: list[tuple[str, str]]
    stream: StreamPage


async def home_page(db: AsyncSession, actor: User, after: str | None = None) -> HomePage:
    """The reader's name, the places the composer offers, and the home stream."""
    assert actor.id is not None
    context = await home_context(db, actor)
    destinations = [
        (COMPANY_SOURCE, _("Everyone in the company")),
        (profile_source(actor.id), _("My profile")),
    ]
    destinations += [(group_source(group_id), name) for group_id, name in context.groups]
    return HomePage(
        display_name=context.display_name,
        handle=context.handle,
        destinations=destinations,
        stream=await home_stream(db, actor, after, context=context),
    )


async def _activity_rows(
    db: AsyncSession,
    actor: User,
    sources: list[str],
    position: tuple[datetime, int, int] | None,
    limit: int,
) -> list[ActivityView]:
    """Activity events of ``sources`` after ``position``, with actors and groups
    (one query). An event about a group the reader may not know exists is left out.
    """
    conditions = [col(Activity.source).in_(sources)]
    keyset = _activities_after(position)
    if keyset is not None:
        conditions.append(keyset)
    group_id = case(
        (col(Activity.object_type) == "group", col(Activity.object_id)),
        (col(Activity.target_type) == "group", col(Activity.target_id)),
        else_=None,
    )
    rows = (
        await db.execute(
            select(Activity, Profile, Group, group_id)
            .join(Profile, col(Profile.user_id) == col(Activity.actor_id), isouter=True)
            .outerjoin(Group, and_(col(Group.id) == group_id, policy.listed_groups_clause(actor)))
            .where(*conditions)
            .order_by(col(Activity.created_at).desc(), col(Activity.id).desc())
            .limit(limit)
        )
    ).all()
    return [
        ActivityView(activity=activity, actor=profile, group=group)
        for activity, profile, group, about_group in rows
        if about_group is None or group is not None
    ]


async def profile_stream(
    db: AsyncSession,
    actor: User,
    person_id: int,
    after: str | None = None,
    limit: int = STREAM_PAGE_SIZE,
) -> StreamPage:
    """Posts on a person's profile and their posts elsewhere that ``actor`` may read."""
    if not policy.is_staff(actor):
        return StreamPage(items=[], next_cursor=None)
    condition = or_(col(Post.source) == profile_source(person_id), col(Post.author_id) == person_id)
    page = await _page(db, actor, condition, after, limit)
    page.sources = [profile_source(person_id)]
    return page


@dataclass
class TopicPage:
    """A #topic's stream and whether the reader follows it."""

    tag: str
    following: bool
    stream: StreamPage


def valid_topic(tag: str) -> str | None:
    """The stored form of ``tag`` if it can be a topic at all, else None."""
    key = topic_key(tag)
    if not key or len(tag) > 60 or not _TOPIC.match(key):
        return None
    return key


async def _is_following_topic(db: AsyncSession, actor: User, tag: str) -> bool:
    return (
        await db.execute(
            select(col(TopicFollow.id)).where(
                col(TopicFollow.user_id) == actor.id, col(TopicFollow.tag) == tag
            )
        )
    ).scalar_one_or_none() is not None


async def topic_page(
    db: AsyncSession,
    actor: User,
    tag: str,
    after: str | None = None,
    limit: int = STREAM_PAGE_SIZE,
) -> TopicPage:
    """The readable posts tagged ``#tag``, newest first (keyset)."""
    key = valid_topic(tag)
    if key is None or not policy.is_staff(actor):
        raise NotFound
    tagged = select(col(PostTopic.post_id)).where(col(PostTopic.tag) == key)
    stream = await _page(db, actor, col(Post.id).in_(tagged), after, limit)
    return TopicPage(tag=key, following=await _is_following_topic(db, actor, key), stream=stream)


@dataclass
class TopicState:
    """Whether the reader follows a #topic."""

    tag: str
    following: bool


async def set_topic_follow(db: AsyncSession, actor: User, tag: str, *, follow: bool) -> TopicState:
    """Follow (or stop following) a #topic; doing it twice changes nothing."""
    key = valid_topic(tag)
    if key is None or not policy.is_staff(actor):
        raise NotFound
    assert actor.id is not None
    following = await _is_following_topic(db, actor, key)
    if follow and not following:
        db.add(TopicFollow(user_id=actor.id, tag=key))
    elif not follow and following:
        await db.execute(
            delete(TopicFollow).where(
                col(TopicFollow.user_id) == actor.id, col(TopicFollow.tag) == key
            )
        )
    try:
        await db.commit()
    except IntegrityError:  # followed at the same moment from another tab
        await db.rollback()
    return TopicState(tag=key, following=follow)


# --- who may read a post ------------------------------------------------------------


async def _readers_among(db: AsyncSession, group_id: int | None, user_ids: set[int]) -> set[int]:
    """Which of ``user_ids`` may read a post of ``group_id`` (None: company or profile)."""
    if not user_ids:
        return set()
    users = list((await db.execute(select(User).where(col(User.id).in_(user_ids)))).scalars())
    if group_id is None:
        return {user.id for user in users if user.id is not None and policy.is_staff(user)}
    group = await db.get(Group, group_id)
    if group is None:
        return set()
    members = set(
        (
            await db.execute(
                select(col(Membership.user_id)).where(
                    col(Membership.group_id) == group_id, col(Membership.user_id).in_(user_ids)
                )
            )
        ).scalars()
    )
    return {
        user.id
        for user in users
        if user.id is not None
        and policy.can_read_group_content(user, group.visibility, is_member=user.id in members)
    }


MAX_MENTIONS = 20
MAX_TOPICS = 20


async def _resolve_mentions(
    db: AsyncSession, group_id: int | None, handles: list[str]
) -> dict[str, int]:
    """The mentioned handles whose person may read the post: handle -> user id.

    Everyone else stays plain text and is never notified.
    """
    handles = handles[:MAX_MENTIONS]
    if not handles:
        return {}
    rows = (
        await db.execute(
            select(col(Profile.handle), col(Profile.user_id)).where(
                col(Profile.handle).in_(handles)
            )
        )
    ).all()
    found = {handle: user_id for handle, user_id in rows}
    readers = await _readers_among(db, group_id, set(found.values()))
    return {handle: user_id for handle, user_id in found.items() if user_id in readers}


@dataclass
class _Rendered:
    html: str
    mentioned: dict[str, int]
    tags: list[str]


async def _render(db: AsyncSession, group_id: int | None, body: str) -> _Rendered:
    parsed = markdown.parse(body)
    mentioned = await _resolve_mentions(db, group_id, parsed.handles)
    html = markdown.render(parsed, set(mentioned))
    return _Rendered(html=html, mentioned=mentioned, tags=parsed.tags[:MAX_TOPICS])


# --- posting --------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file as received: its name and its bytes (read one byte past the limit)."""

    filename: str
    data: bytes


async def _postable_source(db: AsyncSession, actor: User, source: str) -> int | None:
    """Check ``actor`` may post to ``source``; the group id for a group source.

    A group the actor may not read answers NotFound, like a missing one; a
    group they may read but do not belong to, Forbidden.
    """
    parsed = parse_source(source)
    if parsed is None or not policy.is_staff(actor):
        raise InvalidInput({"source": _("Choose where to post.")})
    kind, number = parsed
    if kind == COMPANY_SOURCE:
        if not policy.can_post_in_company(actor):
            raise Forbidden
        return None
    assert number is not None
    if kind == "user":
        if not policy.can_post_on_profile(actor, number):
            raise Forbidden
        return None
    group = await db.get(Group, number)
    if group is None:
        raise NotFound
    is_member = await _membership(db, actor, number) is not None
    if not policy.can_read_group_content(actor, group.visibility, is_member=is_member):
        raise NotFound
    if not policy.can_post_in_group(actor, is_member=is_member):
        raise Forbidden
    if _archived(group):
        raise InvalidInput({"source": _("This group is archived: it is read-only.")})
    return number


def _dedupe_key(actor_id: int, source: str, body: str, minute: int) -> str:
    raw = f"{actor_id}\n{source}\n{minute}\n{body}".encode()
    return hashlib.sha256(raw).hexdigest()


def _prepare_uploads(uploads: list[Upload], max_bytes: int) -> list[PreparedAttachment]:
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(
            {
                "attachments": _("Attach at most %(count)d files to a post.")
                % {"count": MAX_ATTACHMENTS}
            }
        )
    try:
        return [prepare_attachment(u.filename, u.data, max_bytes) for u in uploads]
    except AttachmentRefused as exc:
        raise InvalidInput({"attachments": str(exc)}) from exc


async def create_post(
    db: AsyncSession,
    actor: User,
    source: str,
    body: str,
    *,
    uploads: list[Upload] | None = None,
    media_dir: Path,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> Post:
    """Post ``body`` (Markdown) with attachments to ``source``.

    The same text sent twice by the same person within a minute gives one post
    (the first one is returned). Attachments are all accepted or the post is
    not made. Mentioned people who may read the post are notified.
    """
    assert actor.id is not None
    group_id = await _postable_source(db, actor, source)
    prepared = _prepare_uploads(uploads or [], max_attachment_bytes)
    now = utcnow()
    minute = int(now.timestamp()) // 60
    key = _dedupe_key(actor.id, source, body, minute)
    earlier = await _recent_duplicate(
        db, [key, _dedupe_key(actor.id, source, body, minute - 1)], now
    )
    if earlier is not None:
        return earlier
    rendered = await _render(db, group_id, body)
    post = Post(
        source=source,
        group_id=group_id,
        author_id=actor.id,
        body=body,
        html=rendered.html,
        created_at=now,
        dedupe_key=key,
        topic_tags=" ".join(sorted(rendered.tags)),
        attachment_count=len(prepared),
    )
    db.add(post)
    written: list[str | None] = []
    try:
        await db.flush()
        assert post.id is not None
        record(db, PostCreated(post.id, source))
        _add_topics(db, post, rendered.tags)
        await _mention(db, actor, post, None, rendered.mentioned)
        for item in prepared:
            names = new_names(item)
            written += [names.stored_name, names.thumbnail_name]
            write_files(media_dir, item, names)
            db.add(
                Attachment(
                    post_id=post.id,
                    uploader_id=actor.id,
                    filename=item.filename,
                    stored_name=names.stored_name,
                    thumbnail_name=names.thumbnail_name,
                    content_type=item.content_type,
                    size=len(item.data),
                    is_image=item.is_image,
                )
            )
        await db.commit()
    except IntegrityError:
        # The same form arrived twice at the same moment: keep the first post.
        await db.rollback()
        delete_files(media_dir, written)
        duplicate = await _recent_duplicate(db, [key], now)
        if duplicate is None:
            raise
        return duplicate
    except BaseException:
        await db.rollback()
        delete_files(media_dir, written)
        raise
    return post


async def _recent_duplicate(db: AsyncSession, keys: list[str], now: datetime) -> Post | None:
    return (
        await db.execute(
            select(Post)
            .where(
                col(Post.dedupe_key).in_(keys),
                col(Post.created_at) >= now - DUPLICATE_WINDOW,
            )
            .limit(1)
        )
    ).scalar_one_or_none()


def _add_topics(db: AsyncSession, post: Post, tags: list[str]) -> None:
    assert post.id is not None
    for tag in tags:
        db.add(PostTopic(post_id=post.id, tag=tag, created_at=post.created_at))


async def _mention(
    db: AsyncSession,
    actor: User,
    post: Post,
    comment: Comment | None,
    mentioned: dict[str, int],
    *,
    already: set[int] | None = None,
) -> None:
    """Record mentions of people who may read the post and notify them."""
    assert post.id is not None
    for user_id in sorted(set(mentioned.values()) - (already or set())):
        db.add(
            Mention(
                post_id=post.id,
                comment_id=comment.id if comment is not None else None,
                user_id=user_id,
            )
        )
        await notifications.notify(
            db,
            NotificationKind.MENTIONED.value,
            user_id,
            actor_id=actor.id,
            post_id=post.id,
            comment_id=comment.id if comment is not None else None,
            group_id=post.group_id,
        )


async def readable_post(db: AsyncSession, actor: User, post_id: int) -> Post:
    """The post if ``actor`` may read it; NotFound otherwise, exactly like a missing one.

    Other domains (featuring, moderation, impact) start from this too.
    """
    # Ids come from URLs; beyond a 32-bit key nothing exists (and PostgreSQL
    # would refuse the parameter).
    if not policy.is_staff(actor) or not 0 < post_id <= MAX_ID:
        raise NotFound
    post = (
        await db.execute(
            select(Post).where(col(Post.id) == post_id, policy.readable_posts_clause(actor))
        )
    ).scalar_one_or_none()
    if post is None:
        raise NotFound
    return post


async def group_role(db: AsyncSession, actor: User, group_id: int | None) -> str | None:
    """``actor``'s role in the group (None outside it, or for no group)."""
    if group_id is None:
        return None
    membership = await _membership(db, actor, group_id)
    return membership.role if membership is not None else None


async def _require_participant(db: AsyncSession, actor: User, post: Post) -> None:
    """Only members comment and react in a group (403 for readers of an open group).

    Nobody comments on or reacts to a post hidden by a moderator.
    """
    if post.hidden_at is not None:
        raise Forbidden
    if post.group_id is None:
        return
    role = await group_role(db, actor, post.group_id)
    archived = _archived(await db.get(Group, post.group_id))
    if not policy.can_post_in_group_now(actor, is_member=role is not None, archived=archived):
        raise Forbidden


async def editable_post(db: AsyncSession, actor: User, post_id: int) -> Post:
    """The post to edit, if ``actor`` is its author."""
    post = await readable_post(db, actor, post_id)
    if not policy.can_edit_post(actor, post.author_id):
        raise Forbidden
    return post


async def edit_post(db: AsyncSession, actor: User, post_id: int, body: str) -> Post:
    """Replace a post's text, keeping the previous one in its history.

    Only people newly mentioned (and able to read the post) are notified.
    """
    post = await editable_post(db, actor, post_id)
    assert post.id is not None
    if body == post.body:
        return post
    rendered = await _render(db, post.group_id, body)
    db.add(PostRevision(post_id=post.id, editor_id=actor.id, body=post.body))
    post.body = body
    post.html = rendered.html
    post.edited_at = utcnow()
    post.topic_tags = " ".join(sorted(rendered.tags))
    record(db, PostUpdated(post.id))
    await db.execute(delete(PostTopic).where(col(PostTopic.post_id) == post.id))
    _add_topics(db, post, rendered.tags)
    already = set(
        (
            await db.execute(
                select(col(Mention.user_id)).where(
                    col(Mention.post_id) == post.id, col(Mention.comment_id).is_(None)
                )
            )
        ).scalars()
    )
    await _mention(db, actor, post, None, rendered.mentioned, already=already)
    await db.commit()
    return post


async def delete_post(db: AsyncSession, actor: User, post_id: int, *, media_dir: Path) -> Post:
    """Delete a post with its conversation and files (author, group owner/animator, admin)."""
    post = await readable_post(db, actor, post_id)
    role = await group_role(db, actor, post.group_id)
    if not policy.can_moderate_post(actor, post.author_id, role):
        raise Forbidden
    files = (
        await db.execute(
            select(col(Attachment.stored_name), col(Attachment.thumbnail_name)).where(
                col(Attachment.post_id) == post_id
            )
        )
    ).all()
    await db.delete(post)
    record(db, PostDeleted(post_id))
    await db.commit()
    delete_files(media_dir, [name for row in files for name in row])
    return post


@dataclass
class RevisionView:
    """An earlier text of a post, who replaced it and when."""

    revision: PostRevision
    editor: Profile | None


@dataclass
class PostHistory:
    """A post and its earlier texts, newest first."""

    post: PostView
    revisions: list[RevisionView]


MAX_REVISIONS = 100


async def post_history(db: AsyncSession, actor: User, post_id: int) -> PostHistory:
    """A readable post with its edit history."""
    view = await post_view(db, actor, post_id)
    if view is None or view.redacted:
        # A hidden post's earlier texts are hidden with it.
        raise NotFound
    rows = (
        await db.execute(
            select(PostRevision, Profile)
            .join(Profile, col(Profile.user_id) == col(PostRevision.editor_id), isouter=True)
            .where(col(PostRevision.post_id) == post_id)
            .order_by(col(PostRevision.created_at).desc(), col(PostRevision.id).desc())
            .limit(MAX_REVISIONS)
        )
    ).all()
    return PostHistory(
        post=view, revisions=[RevisionView(revision=row[0], editor=row[1]) for row in rows]
    )


# --- conversation -------------------------------------------------------------------


async def add_comment(
    db: AsyncSession,
    actor: User,
    post_id: int,
    body: str,
    parent_id: int | None = None,
) -> Comment:
    """Comment on a post, or reply to one of its comments.

    A reply to a reply joins the same thread (one level of nesting). The post's
    author and the author of the comment answered are notified ("reply"),
    mentioned readers too ("mentioned").
    """
    assert actor.id is not None
    post = await readable_post(db, actor, post_id)
    await _require_participant(db, actor, post)
    answered: Comment | None = None
    if parent_id is not None:
        answered = await db.get(Comment, parent_id)
        if answered is None or answered.post_id != post.id:
            raise NotFound
        if answered.hidden_at is not None:
            raise Forbidden
    rendered = await _render(db, post.group_id, body)
    comment = Comment(
        post_id=post_id,
        parent_id=(answered.parent_id or answered.id) if answered is not None else None,
        author_id=actor.id,
        body=body,
        html=rendered.html,
    )
    db.add(comment)
    await db.flush()
    assert comment.id is not None
    record(db, CommentCreated(post_id, comment.id))
    await db.execute(
        update(Post).where(col(Post.id) == post_id).values(comment_count=Post.comment_count + 1)
    )
    wanted = {post.author_id} | ({answered.author_id} if answered is not None else set())
    readers = await _readers_among(db, post.group_id, wanted - {actor.id})
    for user_id in sorted(readers):
        await notifications.notify(
            db,
            NotificationKind.REPLY.value,
            user_id,
            actor_id=actor.id,
            post_id=post_id,
            comment_id=comment.id,
            group_id=post.group_id,
        )
    await _mention(db, actor, post, comment, rendered.mentioned, already=readers)
    await db.commit()
    return comment


async def toggle_reaction(db: AsyncSession, actor: User, post_id: int, kind: str) -> bool:
    """Add the reaction, or take it back if it was there; True when now on.

    One per person per kind; the post author is notified when one is added.
    """
    assert actor.id is not None
    if kind not in REACTION_KINDS:
        raise InvalidInput({"kind": _("Choose one of the listed reactions.")})
    post = await readable_post(db, actor, post_id)
    await _require_participant(db, actor, post)
    existing = (
        await db.execute(
            select(Reaction).where(
                col(Reaction.post_id) == post_id,
                col(Reaction.user_id) == actor.id,
                col(Reaction.kind) == kind,
            )
        )
    ).scalar_one_or_none()
    record(db, ReactionChanged(post_id))
    if existing is not None:
        await db.delete(existing)
        change = -1
    else:
        db.add(Reaction(post_id=post_id, user_id=actor.id, kind=kind))
        change = 1
        if await _readers_among(db, post.group_id, {post.author_id} - {actor.id}):
            await notifications.notify(
                db,
                NotificationKind.REACTION.value,
                post.author_id,
                actor_id=actor.id,
                post_id=post_id,
                group_id=post.group_id,
            )
    try:
        await db.flush()
        await db.execute(
            update(Post)
            .where(col(Post.id) == post_id)
            .values(
                {
                    "reaction_count": col(Post.reaction_count) + change,
                    reaction_count_column(kind): getattr(Post, reaction_count_column(kind))
                    + change,
                }
            )
        )
        await db.commit()
    except IntegrityError:
        # The same reaction arrived twice at once: the first one stands.
        await db.rollback()
        return True
    return change > 0


# --- attachments ------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentFile:
    """A stored file a reader may download: where it is and how to send it."""

    path: Path
    content_type: str
    filename: str


async def attachment_file(
    db: AsyncSession,
    actor: User,
    post_id: int,
    attachment_id: int,
    *,
    media_dir: Path,
    thumbnail: bool = False,
) -> AttachmentFile:
    """An attachment (or an image's thumbnail) of a post ``actor`` may read.

    A hidden post's files are for its author and its moderators only.
    """
    post = await readable_post(db, actor, post_id)
    if post.hidden_at is not None:
        moderator = _moderator(actor, post, await group_role(db, actor, post.group_id))
        if not policy.can_see_hidden_content(actor, author_id=post.author_id, moderator=moderator):
            raise NotFound
    attachment = await db.get(Attachment, attachment_id)
    if attachment is None or attachment.post_id != post_id:
        raise NotFound
    if thumbnail:
        path = stored_path(media_dir, attachment.thumbnail_name)
        content_type = thumbnail_type(attachment.thumbnail_name or "")
    else:
        path = stored_path(media_dir, attachment.stored_name)
        content_type = attachment.content_type
    if path is None or not path.is_file():
        raise NotFound
    return AttachmentFile(path=path, content_type=content_type, filename=attachment.filename)


# --- mentions autocomplete ----------------------------------------------------------

MAX_CANDIDATES = 8


async def mention_candidates(
    db: AsyncSession, actor: User, query: str, source: str
) -> list[Profile]:
    """Active people whose handle or name starts with ``query`` and who may read
    ``source`` (for a group: its readers). Bounded; nobody for an unreadable source."""
    query = fold(query)
    if not query or not await can_read_source(db, actor, source):
        return []
    pattern = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    conditions: list[Any] = [
        col(User.is_active).is_(True),
        or_(
            col(Profile.handle).like(pattern, escape="\\"),
            col(Profile.search_name).like(pattern, escape="\\"),
            col(Profile.search_name).like("% " + pattern, escape="\\"),
        ),
    ]
    parsed = parse_source(source)
    if parsed is not None and parsed[0] == "group":
        group = await db.get(Group, parsed[1])
        if group is None:
            return []
        if group.visibility != "open":
            members = select(col(Membership.user_id)).where(col(Membership.group_id) == group.id)
            conditions.append(col(Profile.user_id).in_(members))
    rows = await db.execute(
        select(Profile)
        .join(User, col(User.id) == col(Profile.user_id))
        .where(*conditions)
        .order_by(col(Profile.search_name), col(Profile.user_id))
        .limit(MAX_CANDIDATES)
    )
    return list(rows.scalars())


async def record_activity(
    db: AsyncSession,
    *,
    actor_id: int | None,
    verb: str,
    object_type: str,
    object_id: int,
    source: str,
    target_type: str | None = None,
    target_id: int | None = None,
) -> Activity:
    """Append an event to the activity log in the caller's transaction.

    ``source`` decides who sees the event in their home stream (the same keys
    as posts: "company", "group:<id>", "user:<id>"). The caller commits.
    """
    activity = Activity(
        actor_id=actor_id,
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        target_type=target_type,
        target_id=target_id,
        source=source,
    )
    db.add(activity)
    return activity


async def remove_activity(db: AsyncSession, *, object_type: str, object_id: int) -> None:
    """Drop the events about an object that no longer shows (the caller commits)."""
    await db.execute(
        delete(Activity).where(
            col(Activity.object_type) == object_type, col(Activity.object_id) == object_id
        )
    )
