"""Where a spotlight stands: state names for people, refusals, what shows when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlmodel import col

from esn.animation.models import Spotlight, SpotlightState
from esn.core.clock import as_utc, utcnow
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.lifecycle import SPOTLIGHT, LifecycleError

# The member may correct their portrait while it waits and while it shows.
EDITABLE = {SpotlightState.PROPOSED.value, SpotlightState.ACCEPTED.value}


class StaleSpotlight(InvalidInput):
    """The spotlight changed since the form was rendered: reload, then try again."""

    def __init__(self) -> None:
        super().__init__(
            {
                "__all__": _(
                    "This spotlight changed since you opened it. Reload the page to see "
                    "where it stands now, then try again."
                )
            }
        )


class RefusedTransition(InvalidInput):
    """The lifecycle does not declare this move from the spotlight's current state."""


def state_label(state: str) -> str:
    """A spotlight state's name for people."""
    labels = {
        SpotlightState.PROPOSED.value: _("waiting for an answer"),
        SpotlightState.ACCEPTED.value: _("accepted"),
        SpotlightState.DECLINED.value: _("declined"),
        SpotlightState.WITHDRAWN.value: _("withdrawn"),
    }
    return labels.get(state, state)


def refused(state: str) -> RefusedTransition:
    """The refusal of a move the lifecycle does not declare from ``state``."""
    return RefusedTransition(
        {
            "__all__": _("This cannot be done now: the spotlight is already “%(state)s”.")
            % {"state": state_label(state)}
        }
    )


def declares(state: str, action: str) -> bool:
    """Does esn.lifecycle.SPOTLIGHT allow ``action`` from ``state``?"""
    try:
        SPOTLIGHT.transition(state, action)
    except LifecycleError:
        return False
    return True


def showing_now(now: datetime) -> Any:
    """SQL condition: accepted and its period covers ``now``."""
    return and_(
        col(Spotlight.state) == SpotlightState.ACCEPTED.value,
        col(Spotlight.starts_at) <= now,
        col(Spotlight.ends_at) > now,
    )


def is_showing(spotlight: Spotlight, now: datetime | None = None) -> bool:
    """Accepted and within its period."""
    now = now or utcnow()
    return spotlight.state == SpotlightState.ACCEPTED.value and as_utc(
        spotlight.starts_at
    ) <= now < as_utc(spotlight.ends_at)
