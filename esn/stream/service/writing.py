"""Writing posts: publish (with attachments), edit with history, delete, and move a
merged group's posts.

``verb_noun(db, actor, ...)`` checks policy, writes, records the events open
pages are told about (esn.stream.events) and the notifications, and commits:
the commit sends them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.people.models import Profile
from esn.stream.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    AttachmentRefused,
    PreparedAttachment,
    delete_files,
    new_names,
    prepare_attachment,
    write_files,
)
from esn.stream.events import PostCreated, PostDeleted, PostUpdated
from esn.stream.models import Attachment, Mention, Post, PostRevision, PostTopic, group_source
from esn.stream.service.access import group_role, readable_post
from esn.stream.service.activity import move_activity
from esn.stream.service.reading import post_view
from esn.stream.service.rendering import add_topics, record_mentions, render
from esn.stream.service.sources import postable_source
from esn.stream.service.views import PostHistory, RevisionView

# Two submissions of the same text this close together are one post.
DUPLICATE_WINDOW = timedelta(seconds=60)
MAX_REVISIONS = 100


@dataclass(frozen=True)
class Upload:
    """A file as received: its name and its bytes (read one byte past the limit)."""

    filename: str
    data: bytes


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
    group_id = await postable_source(db, actor, source)
    prepared = _prepare_uploads(uploads or [], max_attachment_bytes)
    now = utcnow()
    minute = int(now.timestamp()) // 60
    key = _dedupe_key(actor.id, source, body, minute)
    earlier = await _recent_duplicate(
        db, [key, _dedupe_key(actor.id, source, body, minute - 1)], now
    )
    if earlier is not None:
        return earlier
    rendered = await render(db, group_id, body)
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
        add_topics(db, post, rendered.tags)
        await record_mentions(db, actor, post, None, rendered.mentioned)
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
    rendered = await render(db, post.group_id, body)
    db.add(PostRevision(post_id=post.id, editor_id=actor.id, body=post.body))
    post.body = body
    post.html = rendered.html
    post.edited_at = utcnow()
    post.topic_tags = " ".join(sorted(rendered.tags))
    record(db, PostUpdated(post.id))
    await db.execute(delete(PostTopic).where(col(PostTopic.post_id) == post.id))
    add_topics(db, post, rendered.tags)
    already = set(
        (
            await db.execute(
                select(col(Mention.user_id)).where(
                    col(Mention.post_id) == post.id, col(Mention.comment_id).is_(None)
                )
            )
        ).scalars()
    )
    await record_mentions(db, actor, post, None, rendered.mentioned, already=already)
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


async def move_group_posts(db: AsyncSession, source_group_id: int, target_group_id: int) -> int:
    """Move every post of one group to another, with their stream and the activity
    log of the old group's stream; how many posts moved.

    For a merge of groups, whose caller decided it may and commits (one
    transaction for the whole merge). Comments, reactions, topics and files
    follow their posts.
    """
    moved = await db.execute(
        update(Post)
        .where(col(Post.group_id) == source_group_id)
        .values(group_id=target_group_id, source=group_source(target_group_id))
        .execution_options(synchronize_session=False)
    )
    await move_activity(db, group_source(source_group_id), group_source(target_group_id))
    return int(getattr(moved, "rowcount", 0) or 0)
