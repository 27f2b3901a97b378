"""Every domain's tables, imported once so the metadata is complete for Alembic."""

from sqlmodel import SQLModel

from esn.accounts.models import LoginFailure, PasswordResetToken, User, UserSession
from esn.animation.models import (
    Charter,
    CharterAcceptance,
    ContentReport,
    FeaturedPost,
    FeaturedPostSeen,
    ImpactStory,
    ModerationAction,
    QueueItemHandled,
    Spotlight,
)
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
    "Charter",
    "CharterAcceptance",
    "Comment",
    "ContentReport",
    "DigestPreference",
    "FeaturedPost",
    "FeaturedPostSeen",
    "Follow",
    "Group",
    "GroupRequest",
    "GroupTag",
    "ImpactStory",
    "LoginFailure",
    "Membership",
    "Mention",
    "ModerationAction",
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
    "QueueItemHandled",
    "Reaction",
    "Skill",
    "SlackAllowance",
    "Spotlight",
    "TopicFollow",
    "User",
    "UserSession",
    "metadata",
]
