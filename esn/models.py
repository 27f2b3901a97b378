"""Every domain's tables, imported once so the metadata is complete for Alembic."""

from sqlmodel import SQLModel

from esn.accounts.models import LoginFailure, PasswordResetToken, User, UserSession
from esn.groups.models import Group, GroupRequest, GroupTag, Membership
from esn.notifications.models import DigestPreference, Notification, NotificationSetting
from esn.people.models import Follow, Profile, Skill
from esn.proposals.models import (
    Proposal,
    ProposalBacking,
    ProposalCheckIn,
    ProposalCoProposer,
    ProposalRetrospective,
    ProposalSkill,
    ProposalTransition,
    ProposalVolunteer,
    SlackAllowance,
)
from esn.stream.models import (
    Activity,
    Attachment,
    Comment,
    Mention,
    Post,
    PostRevision,
    PostTopic,
    Reaction,
    TopicFollow,
)

metadata = SQLModel.metadata

__all__ = [
    "Activity",
    "Attachment",
    "Comment",
    "DigestPreference",
    "Follow",
    "Group",
    "GroupRequest",
    "GroupTag",
    "LoginFailure",
    "Membership",
    "Mention",
    "Notification",
    "NotificationSetting",
    "PasswordResetToken",
    "Post",
    "PostRevision",
    "PostTopic",
    "Profile",
    "Proposal",
    "ProposalBacking",
    "ProposalCheckIn",
    "ProposalCoProposer",
    "ProposalRetrospective",
    "ProposalSkill",
    "ProposalTransition",
    "ProposalVolunteer",
    "Reaction",
    "Skill",
    "SlackAllowance",
    "TopicFollow",
    "User",
    "UserSession",
    "metadata",
]
