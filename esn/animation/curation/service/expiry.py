"""Expiry dates of features and pins: whole days in the animator's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _

DEFAULT_FEATURE_DAYS = 7
MIN_FEATURE_DAYS = 1
MAX_FEATURE_DAYS = 60


def _zone(actor: User) -> ZoneInfo:
    try:
        return ZoneInfo(actor.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_for(actor: User) -> date:
    """Today in ``actor``'s time zone: the day the date fields count from."""
    return utcnow().astimezone(_zone(actor)).date()


def default_until(actor: User) -> date:
    """The expiry a feature or pin form proposes: a week from today."""
    return today_for(actor) + timedelta(days=DEFAULT_FEATURE_DAYS)


def expiry_from(actor: User, until: date, field_name: str = "until") -> datetime:
    """The end of day ``until`` in ``actor``'s time zone, as aware UTC.

    Refused (next to ``field_name``): a day that has passed, today (less than
    a day), or more than MAX_FEATURE_DAYS ahead.
    """
    today = today_for(actor)
    if until < today:
        raise InvalidInput({field_name: _("This date has passed: choose a later day.")})
    if until < today + timedelta(days=MIN_FEATURE_DAYS):
        raise InvalidInput({field_name: _("Choose tomorrow or later: at least one day.")})
    if until > today + timedelta(days=MAX_FEATURE_DAYS):
        raise InvalidInput(
            {
                field_name: _("Choose a day at most %(count)d days from today.")
                % {"count": MAX_FEATURE_DAYS}
            }
        )
    end_of_day = datetime.combine(until + timedelta(days=1), time.min, tzinfo=_zone(actor))
    return end_of_day.astimezone(UTC)
