"""Input models for the notifications pages."""

from __future__ import annotations

from pydantic import BaseModel

from esn.core.i18n import gettext as _
from esn.notifications.models import Channel, DigestFrequency, NotificationKind


class NotificationSettingsForm(BaseModel):
    """/settings/notifications: a channel for each kind, and the digest frequency.

    The field names are the kinds' values, so the form and the table agree.
    """

    mentioned: Channel
    reply: Channel
    reaction: Channel
    new_follower: Channel
    join_request: Channel
    request_accepted: Channel
    invited: Channel
    # Kinds added after the first release default to in-app when a form omits them.
    proposal_coproposer: Channel = Channel.IN_APP
    proposal_submitted: Channel = Channel.IN_APP
    proposal_approved: Channel = Channel.IN_APP
    proposal_declined: Channel = Channel.IN_APP
    proposal_changes: Channel = Channel.IN_APP
    proposal_backed: Channel = Channel.IN_APP
    proposal_volunteer: Channel = Channel.IN_APP
    proposal_checkin_due: Channel = Channel.IN_APP
    proposal_retro_due: Channel = Channel.IN_APP
    spotlight_proposed: Channel = Channel.IN_APP
    spotlight_answered: Channel = Channel.IN_APP
    content_hidden: Channel = Channel.IN_APP
    content_restored: Channel = Channel.IN_APP
    digest: DigestFrequency

    def channels(self) -> dict[str, str]:
        """The chosen channel of every kind."""
        return {kind.value: getattr(self, kind.value).value for kind in NotificationKind}


def kind_labels() -> list[tuple[str, str]]:
    """(kind, label) in the order the settings page lists them, translated."""
    return [
        (NotificationKind.MENTIONED.value, _("Someone mentions me")),
        (NotificationKind.REPLY.value, _("Someone replies to my post or comment")),
        (NotificationKind.REACTION.value, _("Someone reacts to my post")),
        (NotificationKind.NEW_FOLLOWER.value, _("Someone starts following me")),
        (NotificationKind.JOIN_REQUEST.value, _("Someone asks to join a group I manage")),
        (NotificationKind.REQUEST_ACCEPTED.value, _("My request to join a group is accepted")),
        (NotificationKind.INVITED.value, _("I am invited to a group")),
        (NotificationKind.PROPOSAL_COPROPOSER.value, _("I am asked to co-propose a proposal")),
        (NotificationKind.PROPOSAL_SUBMITTED.value, _("A proposal waits for my approval")),
        (NotificationKind.PROPOSAL_APPROVED.value, _("A proposal I carry is approved")),
        (NotificationKind.PROPOSAL_DECLINED.value, _("A proposal I carry is declined")),
        (
            NotificationKind.PROPOSAL_CHANGES.value,
            _("Changes are asked to a proposal I carry"),
        ),
        (NotificationKind.PROPOSAL_BACKED.value, _("Someone backs my proposal")),
        (NotificationKind.PROPOSAL_VOLUNTEER.value, _("Someone volunteers for my proposal")),
        (
            NotificationKind.PROPOSAL_CHECKIN_DUE.value,
            _("A week passed without a check-in on my project"),
        ),
        (NotificationKind.PROPOSAL_RETRO_DUE.value, _("My project's retrospective is due")),
        (NotificationKind.SPOTLIGHT_PROPOSED.value, _("An animator proposes to spotlight me")),
        (NotificationKind.SPOTLIGHT_ANSWERED.value, _("A member answers a spotlight I drafted")),
        (NotificationKind.CONTENT_HIDDEN.value, _("A moderator hides something I wrote")),
        (NotificationKind.CONTENT_RESTORED.value, _("A moderator restores something I wrote")),
    ]


def channel_choices() -> list[tuple[str, str]]:
    """The channel options, translated."""
    return [
        (Channel.IN_APP.value, _("In the app")),
        (Channel.EMAIL.value, _("In the app and by email")),
        (Channel.OFF.value, _("Off")),
    ]


def frequency_choices() -> list[tuple[str, str]]:
    """The digest options, translated."""
    return [
        (DigestFrequency.OFF.value, _("Never")),
        (DigestFrequency.DAILY.value, _("Daily")),
        (DigestFrequency.WEEKLY.value, _("Weekly")),
    ]
