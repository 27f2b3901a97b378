"""Content hidden by a moderator: who still sees it, the placeholder everyone else
gets, and the hide/restore step itself.

A hidden post or comment stays readable (``policy.readable_posts_clause``) but
shows its text only to its author and its moderators
(``policy.can_see_hidden_content``); the others get a detached copy without
the text. Hiding and restoring follow ``esn.lifecycle.CONTENT_VISIBILITY``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from markupsafe import Markup
from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import NotFound
from esn.core.events import record
from esn.core.i18n import gettext as _
from esn.lifecycle import CONTENT_VISIBILITY, LifecycleError
from esn.people.models import Profile
from esn.stream.events import PostUpdated
from esn.stream.models import Comment, Post
from esn.stream.service.views import CommentView, PostView

# The states of esn.lifecycle.CONTENT_VISIBILITY and the steps between them.
VISIBLE = "visible"
HIDDEN = "hidden"
HIDE = "hide"
RESTORE = "restore"


def post_placeholder() -> str:
    """What readers see instead of a hidden post's text."""
    # Also what a live edit of a hidden post pushes into the card's body.
    return str(Markup("<p>{}</p>").format(_("This post was hidden by a moderator.")))


def comment_placeholder() -> str:
    """What readers see instead of a hidden comment's text."""
    return str(Markup("<p>{}</p>").format(_("This comment was hidden by a moderator.")))


def redacted_post(post: Post) -> Post:
    """A detached copy of a hidden post with nothing of what its author wrote.

    Never added to a session: the stored row keeps its text. The reason stays
    with the author and the moderators too.
    """
    copy = Post(**post.model_dump())
    copy.body = ""
    copy.html = post_placeholder()
    copy.topic_tags = ""
    copy.hidden_reason = ""
    copy.dedupe_key = None
    return copy


def redacted_comment(comment: Comment) -> Comment:
    """A detached copy of a hidden comment without its text or reason."""
    copy = Comment(**comment.model_dump())
    copy.body = ""
    copy.html = comment_placeholder()
    copy.hidden_reason = ""
    return copy


def comment_for(
    actor: User | None, comment: Comment, author: Profile, *, can_reply: bool, moderator: bool
) -> CommentView:
    """A comment as ``actor`` sees it: in full, or as the placeholder when hidden."""
    hidden = comment.hidden_at is not None
    shown = not hidden or policy.can_see_hidden_content(
        actor, author_id=comment.author_id, moderator=moderator
    )
    return CommentView(
        comment=comment if shown else redacted_comment(comment),
        author=author,
        # Nobody answers a hidden comment: the thread goes on around it.
        can_reply=can_reply and not hidden,
        can_report=not hidden
        and policy.can_report_content(actor, can_read=True, author_id=comment.author_id),
        can_moderate=moderator,
        redacted=not shown,
    )


def apply_visibility(view: PostView, actor: User | None) -> PostView:
    """``view`` as ``actor`` may see it: a hidden post is only a placeholder for
    anyone but its author and its moderators (no text, files or comments)."""
    post = view.post
    if post.hidden_at is None or policy.can_see_hidden_content(
        actor, author_id=post.author_id, moderator=view.can_moderate
    ):
        return view
    return replace(
        view,
        post=redacted_post(post),
        attachments=[],
        topics=[],
        comments=[],
        can_interact=False,
        can_edit=False,
        can_report=False,
        redacted=True,
    )


async def set_hidden(
    db: AsyncSession,
    actor: User,
    post_id: int,
    comment_id: int | None,
    reason: str,
    *,
    hide: bool,
) -> bool:
    """Hide (or restore) a post, or one of its comments, in the caller's transaction.

    A compare-and-set: the row changes only if it is still in the state the
    step starts from (``WHERE hidden_at IS NULL`` to hide); False when another
    moderator was first or the step is not one CONTENT_VISIBILITY declares.
    The caller has decided ``actor`` may moderate it, and commits; open pages
    are told when a post's visibility changed. NotFound for a comment that is
    not the post's.
    """
    model: Any = Post if comment_id is None else Comment
    item: Post | Comment | None
    if comment_id is None:
        item = await db.get(Post, post_id)
    else:
        item = await db.get(Comment, comment_id)
        if item is not None and item.post_id != post_id:
            item = None
    if item is None:
        raise NotFound
    try:
        CONTENT_VISIBILITY.next_state(
            HIDDEN if item.hidden_at is not None else VISIBLE, HIDE if hide else RESTORE
        )
    except LifecycleError:
        return False
    condition = col(model.hidden_at).is_(None) if hide else col(model.hidden_at).is_not(None)
    values: dict[str, Any] = (
        {"hidden_at": utcnow(), "hidden_by": actor.id, "hidden_reason": reason}
        if hide
        else {"hidden_at": None, "hidden_by": None, "hidden_reason": ""}
    )
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(model)
            .where(col(model.id) == item.id, condition)
            .values(values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return False
    # The row changed behind the session's back: keep the loaded object in step
    # (without marking it dirty) for whoever reads it next in this session.
    for name, value in values.items():
        set_committed_value(item, name, value)
    if comment_id is None:
        # Open pages swap the card's body: the placeholder (or the text again)
        # for each reader, as esn.stream.live decides.
        record(db, PostUpdated(post_id))
    return True
