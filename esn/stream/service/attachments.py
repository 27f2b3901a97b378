"""Downloading a post's attachments: the file, for readers of the post only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from esn import policy
from esn.accounts.models import User
from esn.core.errors import NotFound
from esn.stream.attachments import stored_path, thumbnail_type
from esn.stream.models import Attachment
from esn.stream.service.access import group_role, is_moderator, readable_post


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
        moderator = is_moderator(actor, post, await group_role(db, actor, post.group_id))
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
