"""What a proposal says in the streams: its conversation, the link from the thread it
came from, its retrospective, and where its activity shows.

The stream service commits on its own: these run after the proposal's own
change is committed, and a post that cannot be made (the proposer left the
group meanwhile) leaves the proposal standing without it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.core.errors import Forbidden, InvalidInput, NotFound
from esn.core.i18n import gettext as _
from esn.groups.models import Group
from esn.proposals.models import NextStep, Proposal, ProposalRetrospective, ProposalState
from esn.proposals.service.links import proposal_path
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, group_source

log = logging.getLogger("esn.proposals")

# How much of the problem the conversation's post quotes.
EXCERPT = 600


def escape_markdown(text: str) -> str:
    """``text`` with Markdown's special characters escaped: a title is never markup."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~-])", r"\\\1", text)


def excerpt(text: str, length: int = EXCERPT) -> str:
    """``text`` on one line, cut at a word before ``length`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length].rsplit(" ", 1)[0] + "…"


def event_source(group: Group | None) -> str:
    """Where a proposal's events go: the company stream, unless its group is not open."""
    if group is None or policy.is_open_group(group.visibility):
        return COMPANY_SOURCE
    assert group.id is not None
    return group_source(group.id)


async def open_conversation(
    db: AsyncSession, actor: User, proposal: Proposal, *, media_dir: Path
) -> None:
    """Post the proposal where its readers are; its comments are the proposal's conversation.

    If posting fails, the proposal stands without a conversation and the next
    submission tries again.
    """
    group = await db.get(Group, proposal.group_id) if proposal.group_id else None
    source = group_source(group.id) if group is not None and group.id else COMPANY_SOURCE
    body = "\n\n".join(
        [
            "**"
            + _("Slack-time proposal: %(title)s") % {"title": escape_markdown(proposal.title)}
            + "**",
            escape_markdown(excerpt(proposal.problem)),
            "[" + _("Read the proposal, back it or volunteer") + f"]({proposal_path(proposal.id)})",
        ]
    )
    try:
        post = await stream.create_post(db, actor, source, body, media_dir=media_dir)
    except (Forbidden, NotFound, InvalidInput):
        await db.rollback()
        log.warning("proposal %s: its conversation could not be opened", proposal.id)
        return
    await db.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal.id, col(Proposal.discussion_post_id).is_(None))
        .values(discussion_post_id=post.id)
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    await db.refresh(proposal)


async def link_origin(db: AsyncSession, actor: User, proposal: Proposal) -> None:
    """Say in the original thread that it became a proposal, when all its readers may see it.

    A proposal in a private or secret group is not announced in a thread
    outside that group: the thread's readers could not open it, and its title
    is not theirs to read.
    """
    assert proposal.origin_post_id is not None
    origin = await stream.post_view(db, actor, proposal.origin_post_id, full=False)
    if origin is None:
        return
    if proposal.group_id is not None and proposal.group_id != origin.post.group_id:
        group = await db.get(Group, proposal.group_id)
        if group is None or not policy.is_open_group(group.visibility):
            return
    body = (
        _("This conversation became a slack-time proposal:")
        + f" [{escape_markdown(proposal.title)}]({proposal_path(proposal.id)})"
    )
    try:
        await stream.add_comment(db, actor, proposal.origin_post_id, body)
    except (Forbidden, NotFound, InvalidInput):
        await db.rollback()


def _next_step_label(step: str) -> str:
    return {
        NextStep.CONTINUE.value: _("Continue"),
        NextStep.PIVOT.value: _("Pivot"),
        NextStep.STOP.value: _("Stop"),
    }.get(step, step)


async def post_retrospective(
    db: AsyncSession,
    actor: User,
    proposal: Proposal,
    retrospective: ProposalRetrospective,
    group_id: int,
    media_dir: Path,
) -> None:
    """Post the retrospective in the project group and link it from the retrospective."""
    heading = (
        _("Retrospective of “%(title)s”: completed")
        if proposal.state == ProposalState.COMPLETED.value
        else _("Retrospective of “%(title)s”: stopped")
    ) % {"title": escape_markdown(proposal.title)}
    body = "\n\n".join(
        [
            f"**{heading}**",
            "**" + _("What we learned") + "**",
            escape_markdown(retrospective.learned),
            "**"
            + _("What happens next: %(step)s") % {"step": _next_step_label(retrospective.next_step)}
            + "**",
            "[" + _("The proposal and its history") + f"]({proposal_path(proposal.id)})",
        ]
    )
    try:
        post = await stream.create_post(
            db, actor, group_source(group_id), body, media_dir=media_dir
        )
    except (Forbidden, NotFound, InvalidInput):
        await db.rollback()
        log.warning("proposal %s: the retrospective could not be posted", proposal.id)
        return
    retrospective.post_id = post.id
    await db.commit()
