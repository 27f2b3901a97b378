"""Who may see and do what: the one place these decisions are made."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, false, or_, select, true
from sqlmodel import col

from esn.accounts.models import Role, User
from esn.animation.models import SpotlightState
from esn.groups.models import (
    PENDING,
    Group,
    GroupRequest,
    GroupRole,
    Membership,
    RequestKind,
    Visibility,
)
from esn.notifications.models import Notification
from esn.proposals.models import CoProposerState, Proposal, ProposalCoProposer
from esn.stream.models import Post


def is_admin(actor: User | None) -> bool:
    """Administrators manage accounts, roles and imports."""
    return actor is not None and actor.is_active and actor.role == Role.ADMIN.value


def can_administer(actor: User | None) -> bool:
    """May open /admin and change accounts."""
    return is_admin(actor)


def can_edit_profile(actor: User | None, profile_user_id: int) -> bool:
    """People edit their own profile; administrators edit anyone's."""
    if actor is None or not actor.is_active:
        return False
    return actor.id == profile_user_id or is_admin(actor)


def can_see_directory(actor: User | None) -> bool:
    """The directory and profiles are for signed-in staff only."""
    return actor is not None and actor.is_active


def can_follow(actor: User | None, followee_id: int) -> bool:
    """Anyone signed in may follow anyone else, never themselves."""
    return actor is not None and actor.is_active and actor.id != followee_id


def can_see_profile(actor: User | None, person: User) -> bool:
    """Signed-in staff see active people; only administrators see deactivated ones."""
    if not can_see_directory(actor):
        return False
    return person.is_active or is_admin(actor)


def visible_people_clause(actor: User) -> Any:
    """SQL condition on ``user``: the people ``actor`` may see (the list twin of
    can_see_profile; the caller has checked can_see_directory)."""
    if is_admin(actor):
        return true()
    return col(User.is_active).is_(True)


# --- groups and their content --------------------------------------------------
#
# The rules, in one place:
# - Everything needs a signed-in, active person; anonymous visitors see nothing.
# - Open and private groups are listed for everyone; a secret group exists only
#   for its members, the people it invited (pending invitation), company
#   animators and administrators (who curate and administer groups).
# - Content (posts, comments, attachments, members list) of an open group is
#   for everyone; of a private or secret group, for its members only — not for
#   administrators or company animators who are not members.
# - The company stream and profile streams are for everyone signed in.
# A thing someone may not see answers exactly like a missing one (404).


def is_staff(actor: User | None) -> bool:
    """Signed in and active: the least anyone needs to see anything."""
    return actor is not None and actor.is_active


def is_company_animator(actor: User | None) -> bool:
    """Community animators curate across the whole network."""
    return is_staff(actor) and actor is not None and actor.role == Role.ANIMATOR.value


# The group roles that run a group: they decide requests, invite, remove
# members and moderate its content.
GROUP_MANAGER_ROLES = (GroupRole.OWNER.value, GroupRole.ANIMATOR.value)


def is_open_group(visibility: str) -> bool:
    """An open group's content is for everyone signed in; any other, for its members."""
    return visibility == Visibility.OPEN.value


def is_group_manager(group_role: str | None) -> bool:
    """Is this group role one that runs the group (owner or group animator)?"""
    return group_role in GROUP_MANAGER_ROLES


def sees_every_group(actor: User | None) -> bool:
    """Administrators and company animators know every group exists, secret ones
    included: they administer and curate the network. Knowing is not reading."""
    return is_admin(actor) or is_company_animator(actor)


def can_see_group(
    actor: User | None, visibility: str, *, is_member: bool, is_invited: bool = False
) -> bool:
    """May ``actor`` know this group exists (its name, description, about page)?"""
    if not is_staff(actor):
        return False
    if visibility != Visibility.SECRET.value:
        return True
    return is_member or is_invited or sees_every_group(actor)


def can_read_group_content(actor: User | None, visibility: str, *, is_member: bool) -> bool:
    """May ``actor`` read the group's posts, comments, attachments and members?"""
    if not is_staff(actor):
        return False
    return is_open_group(visibility) or is_member


def can_post_in_group(actor: User | None, *, is_member: bool) -> bool:
    """Only members post, comment and react in a group, whatever its visibility."""
    return is_staff(actor) and is_member


def can_manage_group(actor: User | None, group_role: str | None) -> bool:
    """Owners and group animators decide requests, invite, remove members, edit."""
    return is_staff(actor) and is_group_manager(group_role)


def can_moderate_post(actor: User | None, author_id: int, group_role: str | None) -> bool:
    """A post is deleted by its author, its group's owners/animators, or an admin."""
    if not is_staff(actor) or actor is None:
        return False
    return actor.id == author_id or is_admin(actor) or is_group_manager(group_role)


def can_edit_post(actor: User | None, author_id: int) -> bool:
    """Only the author edits a post's text."""
    return is_staff(actor) and actor is not None and actor.id == author_id


def readable_group_ids_clause(actor: User) -> Any:
    """SQL condition on a ``group.id`` column: groups whose content ``actor`` may read.

    Open groups, plus the groups ``actor`` belongs to. Used by every list query
    that returns group content (streams, search, topics, autocomplete).
    """
    member_of = select(col(Membership.group_id)).where(col(Membership.user_id) == actor.id)
    open_groups = select(col(Group.id)).where(col(Group.visibility) == Visibility.OPEN.value)
    return or_(col(Group.id).in_(member_of), col(Group.id).in_(open_groups))


# "May read this post" (and so its comments, reactions and files), decided in
# SQL by readable_posts_clause for lists and in Python by may_read_post where
# the rows are already in hand (a live card shared by every socket, who may
# be mentioned or notified): the same rule, side by side, kept in agreement by
# tests/test_policy.py. A post hidden by a moderator stays readable, as its
# placeholder; who sees its text is can_see_hidden_content.


def readable_posts_clause(actor: User) -> Any:
    """SQL condition on ``post``: the posts ``actor`` may read (company, profiles,
    open groups, and groups ``actor`` belongs to); none for anyone not signed in
    and active. The Python twin is may_read_post."""
    if not is_staff(actor):
        return false()
    member_of = select(col(Membership.group_id)).where(col(Membership.user_id) == actor.id)
    open_groups = select(col(Group.id)).where(col(Group.visibility) == Visibility.OPEN.value)
    # A filter, never the way in: "+ 0" keeps the planner from reading posts
    # through the group_id index (every post of every readable group, then a
    # sort) when the query walks an index in the stream's order.
    group_id = col(Post.group_id) + 0
    return or_(group_id.is_(None), group_id.in_(member_of), group_id.in_(open_groups))


def may_read_post(actor: User | None, *, group_visibility: str | None, is_member: bool) -> bool:
    """May ``actor`` read a post (the Python twin of readable_posts_clause)?

    ``group_visibility`` is the visibility of the post's group, None for a
    company or profile post; ``is_member``: ``actor`` belongs to that group.
    """
    if not is_staff(actor):
        return False
    return group_visibility is None or is_open_group(group_visibility) or is_member


def listed_groups_clause(actor: User) -> Any:
    """SQL condition on ``group``: the groups ``actor`` may know exist."""
    if sees_every_group(actor):
        return true()
    member_of = select(col(Membership.group_id)).where(col(Membership.user_id) == actor.id)
    invited_to = select(col(GroupRequest.group_id)).where(
        and_(
            col(GroupRequest.user_id) == actor.id,
            col(GroupRequest.kind) == RequestKind.INVITATION.value,
            col(GroupRequest.state) == PENDING,
        )
    )
    return or_(
        col(Group.visibility) != Visibility.SECRET.value,
        col(Group.id).in_(member_of),
        col(Group.id).in_(invited_to),
    )


# --- group membership ----------------------------------------------------------


def can_create_group(actor: User | None) -> bool:
    """Anyone signed in may start a group (and becomes its owner)."""
    return is_staff(actor)


def can_join_group(actor: User | None, visibility: str, *, is_member: bool) -> bool:
    """Open groups are joined directly, without asking anyone."""
    return is_staff(actor) and is_open_group(visibility) and not is_member


def can_request_to_join(actor: User | None, visibility: str, *, is_member: bool) -> bool:
    """Private groups are joined on request; secret groups only by invitation."""
    return is_staff(actor) and visibility == Visibility.PRIVATE.value and not is_member


def can_change_group_roles(actor: User | None, group_role: str | None) -> bool:
    """Only owners make someone an owner, an animator or a plain member."""
    return is_staff(actor) and group_role == GroupRole.OWNER.value


def can_remove_member(actor: User | None, group_role: str | None, member_role: str) -> bool:
    """Owners remove anyone; group animators remove animators and members, never owners."""
    if not can_manage_group(actor, group_role):
        return False
    return member_role != GroupRole.OWNER.value or group_role == GroupRole.OWNER.value


# --- notifications and live updates ----------------------------------------------


def visible_notifications_clause(actor: User) -> Any:
    """SQL condition on ``notification``: the ones ``actor`` may still see.

    A notification that points at a post ``actor`` can no longer read (they
    left its private group) or at a group they may no longer know exists is
    hidden, not deleted: it shows again if access comes back. Correlated
    EXISTS lookups by primary key keep this cheap for one person's list.
    """
    post_readable = exists(
        select(col(Post.id)).where(
            col(Post.id) == col(Notification.post_id), readable_posts_clause(actor)
        )
    )
    group_listed = exists(
        select(col(Group.id)).where(
            col(Group.id) == col(Notification.group_id), listed_groups_clause(actor)
        )
    )
    proposal_readable = exists(
        select(col(Proposal.id)).where(
            col(Proposal.id) == col(Notification.proposal_id), readable_proposals_clause(actor)
        )
    )
    return and_(
        or_(col(Notification.post_id).is_(None), post_readable),
        or_(col(Notification.group_id).is_(None), group_listed),
        or_(col(Notification.proposal_id).is_(None), proposal_readable),
    )


def can_receive_live(actor: User | None) -> bool:
    """Only signed-in, active people keep a live-updates socket open."""
    return is_staff(actor)


# --- posting in streams ---------------------------------------------------------


def can_post_in_company(actor: User | None) -> bool:
    """Anyone signed in may post to the company-wide stream."""
    return is_staff(actor)


def can_post_on_profile(actor: User | None, profile_user_id: int) -> bool:
    """A profile's stream takes posts from its owner only."""
    return is_staff(actor) and actor is not None and actor.id == profile_user_id


# --- slack-time proposals ---------------------------------------------------------
#
# A draft is for its proposer and the co-proposers they asked. Once submitted,
# a proposal is for everyone who may read its group's content (everyone when
# it has no group or an open one), plus its team and its approver, who must
# see what they decide. A proposal linked to a private or secret group never
# shows to anyone else, anywhere.


def readable_proposals_clause(actor: User) -> Any:
    """SQL condition on ``proposal``: the proposals ``actor`` may see."""
    asked = select(col(ProposalCoProposer.proposal_id)).where(
        col(ProposalCoProposer.user_id) == actor.id,
        col(ProposalCoProposer.state).in_(
            (CoProposerState.INVITED.value, CoProposerState.ACCEPTED.value)
        ),
    )
    member_of = select(col(Membership.group_id)).where(col(Membership.user_id) == actor.id)
    open_groups = select(col(Group.id)).where(col(Group.visibility) == Visibility.OPEN.value)
    group_readable = or_(
        col(Proposal.group_id).is_(None),
        col(Proposal.group_id).in_(open_groups),
        col(Proposal.group_id).in_(member_of),
    )
    approver = col(Proposal.approver_id) == actor.id
    if is_admin(actor):
        # Administrators decide for people who have no manager.
        approver = or_(approver, col(Proposal.approver_id).is_(None))
    return or_(
        col(Proposal.proposer_id) == actor.id,
        col(Proposal.id).in_(asked),
        and_(col(Proposal.submitted_at).is_not(None), or_(group_readable, approver)),
    )


def is_on_team(actor: User | None, team_ids: set[int]) -> bool:
    """Is ``actor`` the proposer or an accepted co-proposer?"""
    return is_staff(actor) and actor is not None and actor.id in team_ids


def can_approve_proposal(
    actor: User | None, *, approver_id: int | None, team_ids: set[int]
) -> bool:
    """The proposer's manager decides; with no manager, an administrator.

    Nobody decides on a proposal they carry: when the manager is on the team,
    an administrator decides instead.
    """
    if not is_staff(actor) or actor is None or is_on_team(actor, team_ids):
        return False
    if approver_id is not None and approver_id not in team_ids:
        return actor.id == approver_id
    return is_admin(actor)


def can_export_proposals(actor: User | None, *, has_reports: bool) -> bool:
    """Managers (anyone with reports) and administrators export the proposals of their scope."""
    return is_staff(actor) and (has_reports or is_admin(actor))


def can_set_allowances(actor: User | None) -> bool:
    """Administrators set the slack-time allowance of people and departments."""
    return is_admin(actor)


# --- community animation ------------------------------------------------------------
#
# Company animators and administrators animate the whole network from
# /animation; a group's owners and animators animate their own group from its
# page. Animating never grants reading: a private or secret group's content
# stays for its members, so an animator who is not a member sees only counts
# about it, and cannot feature, tag or moderate what they cannot read.
# Per-person figures (who is quiet, who bridges departments) are for company
# animators and administrators only; there is no public leaderboard.


def can_animate_company(actor: User | None) -> bool:
    """May open /animation: spotlights, featuring, health, the company work queue."""
    return is_admin(actor) or is_company_animator(actor)


def can_animate_group(actor: User | None, group_role: str | None) -> bool:
    """May curate one group: describe, tag, pin, charter, archive, handle its queue."""
    return can_animate_company(actor) or can_manage_group(actor, group_role)


def can_merge_groups(actor: User | None) -> bool:
    """Merging moves one group's people and posts into another: company animators only."""
    return can_animate_company(actor)


def can_see_person_figures(actor: User | None) -> bool:
    """Per-person detail in the health view and the work queue."""
    return can_animate_company(actor)


def can_post_in_group_now(actor: User | None, *, is_member: bool, archived: bool) -> bool:
    """Members post, comment and react in a group, unless it is archived (read-only)."""
    return can_post_in_group(actor, is_member=is_member) and not archived


def can_moderate_content(
    actor: User | None, *, group_id: int | None, group_role: str | None, can_read: bool
) -> bool:
    """Hide, restore, dismiss reports: the group's owners and animators for its
    content; company animators and administrators for anything they may read."""
    if not is_staff(actor) or not can_read:
        return False
    if group_id is not None and is_group_manager(group_role):
        return True
    return can_animate_company(actor)


def can_tag_impact(
    actor: User | None, *, can_read: bool, group_id: int | None, group_role: str | None
) -> bool:
    """Tag a thread with what came of it: the same people who moderate it."""
    return can_moderate_content(actor, group_id=group_id, group_role=group_role, can_read=can_read)


def animated_group_ids(actor: User) -> Any:
    """Subquery of ``group.id``: the groups where ``actor`` is an owner or an animator."""
    return select(col(Membership.group_id)).where(
        col(Membership.user_id) == actor.id, col(Membership.role).in_(GROUP_MANAGER_ROLES)
    )


def moderated_posts_clause(actor: User) -> Any:
    """SQL condition on ``post``: the posts whose reports ``actor`` may handle
    (the list twin of can_moderate_content).

    Company animators and administrators: everything they may read, so never
    a private group's content they do not belong to: those reports are for
    that group's own animators. Group owners and animators: their groups.
    """
    if not is_staff(actor):
        return false()
    readable = readable_posts_clause(actor)
    if can_animate_company(actor):
        return readable
    return and_(readable, col(Post.group_id).in_(animated_group_ids(actor)))


def can_see_hidden_content(actor: User | None, *, author_id: int, moderator: bool) -> bool:
    """Hidden content shows in full to its author (with the reason) and moderators."""
    return is_staff(actor) and actor is not None and (actor.id == author_id or moderator)


def can_report_content(actor: User | None, *, can_read: bool, author_id: int) -> bool:
    """Anyone who may read a post or comment may report it, except its author."""
    return is_staff(actor) and actor is not None and can_read and actor.id != author_id


def can_see_spotlight(actor: User | None, *, member_id: int, state: str) -> bool:
    """An accepted spotlight is for everyone; before that, for the member and animators."""
    if not is_staff(actor) or actor is None:
        return False
    if state == SpotlightState.ACCEPTED.value:
        return True
    return actor.id == member_id or can_animate_company(actor)


def can_answer_spotlight(actor: User | None, *, member_id: int) -> bool:
    """Only the member edits their portrait and accepts or declines it."""
    return is_staff(actor) and actor is not None and actor.id == member_id
