"""A proposal's time and period in the reader's language."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from esn.core.i18n import get_locale
from esn.core.i18n import gettext as _
from esn.proposals import ledger
from esn.proposals.models import Proposal, TimeUnit


def period_label(proposal: Proposal) -> str:
    """The proposal's period in the reader's language: "2 Mar 2026 to 29 Mar 2026"."""
    return _("%(start)s to %(end)s") % {
        "start": format_date(proposal.start_date, "medium", locale=get_locale()),
        "end": format_date(proposal.end_date, "medium", locale=get_locale()),
    }


def week_label(week: date) -> str:
    """A week by its Monday, short: "2 Mar"."""
    return format_date(week, "d MMM", locale=get_locale())


def time_label(proposal: Proposal) -> str:
    """The time asked, as the proposer expressed it, with its equivalent."""
    minutes = proposal.minutes_per_week
    if proposal.time_unit == TimeUnit.PERCENT.value:
        return _("%(percent)s %% of working time (%(hours)s h a week)") % {
            "percent": ledger.percent_of_week(minutes),
            "hours": ledger.hours(minutes),
        }
    return _("%(hours)s h a week (%(percent)s %% of working time)") % {
        "percent": ledger.percent_of_week(minutes),
        "hours": ledger.hours(minutes),
    }
