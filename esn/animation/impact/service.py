"""The impact log: tagging a thread with what came of it, listing the stories.

Animators tag a post ("someone got help", "first cross-team contact", "idea
adopted", "became a proposal") with an optional note. Company animators and
administrators tag any post they may read; a group's owners and animators
tag the posts of their group. The stories are listed at /animation/impact and
counted in the health view (impact_counts).

Tagging never grants reading: a story about a post the viewer may not read
shows only as a count per group and outcome, never its text or note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import ImpactOutcome, ImpactStory
from esn.core.clock import as_utc
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import Group, Membership
from esn.people.models import Profile
from esn.stream.models import Post

STORIES_PAGE_SIZE = 50
# Stories about posts the viewer cannot read, summed per group and outcome.
MAX_AGGREGATE_ROWS = 100
NOTE_MAX_LENGTH = 1000
EXCERPT_LENGTH = 200
MAX_ID = 2**31 - 1


def outcome_labels() -> dict[str, str]:
    """Each outcome with its translated name, in the order forms offer them."""
    return {
        ImpactOutcome.GOT_HELP.value: _("Someone got help"),
        ImpactOutcome.FIRST_CROSS_TEAM_CONTACT.value: _("First cross-team contact"),
        ImpactOutcome.IDEA_ADOPTED.value: _("Idea adopted"),
        ImpactOutcome.BECAME_PROPOSAL.value: _("Became a proposal"),
    }


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_LENGTH else flat[: EXCERPT_LENGTH - 1] + "…"


# --- on a post's page -----------------------------------------------------------------


@dataclass(frozen=True)
class TagView:
    """One outcome tagged on a thread, as the post page shows it to animators."""

    id: int
    outcome: str
    label: str
    note: str
    tagged_by: str
    created_at: datetime


@dataclass
class PostImpact:
    """The impact part of a post's page, for those who may tag it."""

    post_id: int
    tags: list[TagView]
    # Outcomes not yet tagged on this thread: (value, label).
    choices: list[tuple[str, str]]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    done: str = ""


async def _taggable_post(db: AsyncSession, actor: User, post_id: int) -> tuple[int, bool]:
    """The post's id and whether ``actor`` may tag it (one query, as every post
    page asks); NotFound if they may not read it."""
    if not policy.is_staff(actor) or not 0 < post_id <= MAX_ID:
        raise NotFound
    row = (
        await db.execute(
            select(col(Post.group_id), col(Membership.role))
            .outerjoin(
                Membership,
                and_(
                    col(Membership.group_id) == col(Post.group_id),
                    col(Membership.user_id) == actor.id,
                ),
            )
            .where(col(Post.id) == post_id, policy.readable_posts_clause(actor))
        )
    ).one_or_none()
    if row is None:
        raise NotFound
    group_id, role = row
    return post_id, policy.can_tag_impact(actor, can_read=True, group_id=group_id, group_role=role)


async def _tags(db: AsyncSession, post_id: int) -> list[TagView]:
    labels = outcome_labels()
    rows = await db.execute(
        select(ImpactStory, col(Profile.display_name))
        .outerjoin(Profile, col(Profile.user_id) == col(ImpactStory.tagged_by))
        .where(col(ImpactStory.post_id) == post_id)
        .order_by(col(ImpactStory.created_at), col(ImpactStory.id))
    )
    return [
        TagView(
            id=story.id or 0,
            outcome=story.outcome,
            label=labels.get(story.outcome, story.outcome),
            note=story.note,
            tagged_by=name or "",
            created_at=as_utc(story.created_at),
        )
        for story, name in rows.all()
    ]


async def _impact_view(db: AsyncSession, post_id: int) -> PostImpact:
    tags = await _tags(db, post_id)
    tagged = {tag.outcome for tag in tags}
    choices = [(value, label) for value, label in outcome_labels().items() if value not in tagged]
    return PostImpact(post_id=post_id, tags=tags, choices=choices)


async def post_impact(
    db: AsyncSession, actor: User, post: Post, group_role: str | None
) -> PostImpact | None:
    """The outcomes tagged on a thread when ``actor`` may tag it, or None.

    ``post`` is one ``actor`` may read, as their post page loaded it, and
    ``group_role`` their role in its group: neither is read again here.
    """
    allowed = policy.can_tag_impact(
        actor, can_read=True, group_id=post.group_id, group_role=group_role
    )
    if not allowed or post.id is None:
        return None
    return await _impact_view(db, post.id)


async def impact_form(db: AsyncSession, actor: User, post_id: int) -> PostImpact:
    """The impact part of a post for someone who may tag it (404/403 otherwise)."""
    _post, allowed = await _taggable_post(db, actor, post_id)
    if not allowed:
        raise Forbidden
    return await _impact_view(db, post_id)


async def tag_impact(
    db: AsyncSession, actor: User, post_id: int, outcome: str, note: str
) -> ImpactStory:
    """Tag a thread with an outcome; the same outcome twice on one thread is refused."""
    _post, allowed = await _taggable_post(db, actor, post_id)
    if not allowed:
        raise Forbidden
    if outcome not in outcome_labels():
        raise InvalidInput({"outcome": _("Choose one of the listed outcomes.")})
    duplicate = InvalidInput({"outcome": _("This thread is already tagged with this outcome.")})
    already = await db.execute(
        select(col(ImpactStory.id)).where(
            col(ImpactStory.post_id) == post_id, col(ImpactStory.outcome) == outcome
        )
    )
    if already.first() is not None:
        raise duplicate
    story = ImpactStory(
        post_id=post_id, outcome=outcome, note=note[:NOTE_MAX_LENGTH], tagged_by=actor.id
    )
    db.add(story)
    try:
        await db.commit()
    except IntegrityError:
        # Another animator tagged the same outcome at the same moment.
        await db.rollback()
        raise duplicate from None
    return story


async def remove_impact(db: AsyncSession, actor: User, post_id: int, story_id: int) -> None:
    """Take a tag off a thread (whoever may tag the thread may untag it)."""
    _post, allowed = await _taggable_post(db, actor, post_id)
    if not allowed:
        raise Forbidden
    if not 0 < story_id <= MAX_ID:
        raise NotFound
    story = await db.get(ImpactStory, story_id)
    if story is None or story.post_id != post_id:
        raise NotFound
    await db.delete(story)
    await db.commit()


# --- the stories ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoryView:
    """A story about a thread the viewer may read: everything about it."""

    id: int
    post_id: int
    outcome: str
    label: str
    note: str
    author: str
    author_handle: str
    excerpt: str
    group_name: str
    tagged_by: str
    created_at: datetime


@dataclass(frozen=True)
class HiddenStories:
    """Stories about threads of a group the viewer may not read: a count only."""

    group_name: str
    outcome: str
    label: str
    count: int


@dataclass(frozen=True)
class StoriesPage:
    """The impact log: newest stories first, then the ones the viewer only counts."""

    stories: list[StoryView]
    next_before: int | None
    hidden: list[HiddenStories]


async def list_stories(db: AsyncSession, actor: User, before: int | None = None) -> StoriesPage:
    """The stories, newest first, a page at a time (keyset on the story id);
    404 for anyone but company animators and administrators."""
    if not policy.can_animate_company(actor):
        raise NotFound
    labels = outcome_labels()
    author = aliased(Profile)
    tagger = aliased(Profile)
    query = (
        select(ImpactStory, Post, author, col(tagger.display_name), col(Group.name))
        .join(Post, col(Post.id) == col(ImpactStory.post_id))
        .join(author, col(author.user_id) == col(Post.author_id))
        .outerjoin(tagger, col(tagger.user_id) == col(ImpactStory.tagged_by))
        .outerjoin(Group, col(Group.id) == col(Post.group_id))
        .where(policy.readable_posts_clause(actor))
    )
    if before is not None:
        query = query.where(col(ImpactStory.id) < before)
    rows = (
        await db.execute(query.order_by(col(ImpactStory.id).desc()).limit(STORIES_PAGE_SIZE + 1))
    ).all()
    stories = [
        StoryView(
            id=story.id or 0,
            post_id=post.id or 0,
            outcome=story.outcome,
            label=labels.get(story.outcome, story.outcome),
            note=story.note,
            author=profile.display_name,
            author_handle=profile.handle,
            excerpt=_excerpt(post.body),
            group_name=group_name or "",
            tagged_by=tagged_by or "",
            created_at=as_utc(story.created_at),
        )
        for story, post, profile, tagged_by, group_name in rows[:STORIES_PAGE_SIZE]
    ]
    next_before = stories[-1].id if len(rows) > STORIES_PAGE_SIZE else None
    hidden: list[HiddenStories] = []
    if before is None:
        hidden_rows = await db.execute(
            select(col(Group.id), col(Group.name), col(ImpactStory.outcome), func.count())
            .join(Post, col(Post.id) == col(ImpactStory.post_id))
            .join(Group, col(Group.id) == col(Post.group_id))
            .where(~policy.readable_posts_clause(actor))
            .group_by(col(Group.id), col(Group.name), col(ImpactStory.outcome))
            .order_by(col(Group.name), col(Group.id), col(ImpactStory.outcome))
            .limit(MAX_AGGREGATE_ROWS)
        )
        hidden = [
            HiddenStories(
                group_name=name,
                outcome=outcome,
                label=labels.get(outcome, outcome),
                count=int(count),
            )
            for _gid, name, outcome, count in hidden_rows.all()
        ]
    return StoriesPage(stories=stories, next_before=next_before, hidden=hidden)


async def impact_counts(db: AsyncSession, since: datetime) -> dict[str, int]:
    """Stories tagged since ``since``, per outcome (every outcome present, 0 if none).

    A count only: safe to show whoever may see the health view's figures.
    """
    counts = {outcome.value: 0 for outcome in ImpactOutcome}
    rows = await db.execute(
        select(col(ImpactStory.outcome), func.count())
        .where(col(ImpactStory.created_at) >= since)
        .group_by(col(ImpactStory.outcome))
    )
    for outcome, count in rows.all():
        counts[outcome] = int(count)
    return counts
