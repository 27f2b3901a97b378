"""A post's conversation: comments and replies, and reactions.

Counts live on the post row and are changed in the same transaction; the
post's author (and the author of the comment answered) are notified, and open
pages are told after commit.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.stream.events import CommentCreated, ReactionChanged
from esn.stream.models import Comment, Post, Reaction, reaction_count_column
from esn.stream.service.access import readable_post, readers_among, require_participant
from esn.stream.service.rendering import record_mentions, render
from esn.stream.service.views import REACTION_KINDS


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
    await require_participant(db, actor, post)
    answered: Comment | None = None
    if parent_id is not None:
        answered = await db.get(Comment, parent_id)
        if answered is None or answered.post_id != post.id:
            raise NotFound
        if answered.hidden_at is not None:
            raise Forbidden
    rendered = await render(db, post.group_id, body)
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
    readers = await readers_among(db, post.group_id, wanted - {actor.id})
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
    await record_mentions(db, actor, post, comment, rendered.mentioned, already=readers)
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
    await require_participant(db, actor, post)
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
        if await readers_among(db, post.group_id, {post.author_id} - {actor.id}):
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
