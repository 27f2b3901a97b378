"""Input models for the notifications pages."""

from __future__ import annotations

from pydantic import BaseModel

from esn.notifications.models import Channel, DigestFrequency, NotificationKind
from esn.web.i18n import gettext as _


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
