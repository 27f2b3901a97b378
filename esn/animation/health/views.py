"""The community health page at /animation/health and its CSV exports."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from esn.animation.health import charts, forms
from esn.animation.health import service as health
from esn.animation.health.ladder import format_signal_value
from esn.core.i18n import gettext as _
from esn.web.auth import require_user
from esn.web.csv_export import csv_response
from esn.web.db import db_session
from esn.web.forms import validate
from esn.web.templating import render


def _charts(report: health.HealthReport) -> dict[str, Markup]:
    """The page's pictures; the same numbers are in the tables beside them."""
    labels = [week.start.isoformat() for week in report.weeks]
    sizes = report.segments.sizes()
    links = report.bridges
    return {
        "weekly": charts.line_chart(
            "chart-weekly",
            _("Posts and comments per week"),
            _(
                "One point per week of the period, from %(start)s;"
                " the table below gives the numbers."
            )
            % {"start": labels[0] if labels else ""},
            labels,
            [
                charts.Series(_("Posts"), [week.posts for week in report.weeks]),
                charts.Series(_("Comments"), [week.comments for week in report.weeks]),
            ],
        ),
        "segments": charts.bar_chart(
            "chart-segments",
            _("Engagement segments"),
            _("How many people are in each segment over the period."),
            [(label, sizes[key]) for key, label in health.segment_labels().items()],
        ),
        "matrix": charts.heat_map(
            "chart-matrix",
            _("Interactions between departments"),
            _(
                "Rows are where the interaction comes from, columns where it goes;"
                " darker means more. Empty squares are pairs that never interact."
            ),
            links.departments,
            links.totals(),
        ),
    }


async def page(request: Request) -> Response:
    """The health view: figures, charts, bridges, the ladder; htmx gets the report."""
    user = require_user(request)
    values = dict(request.query_params)
    data, errors = validate(forms.PeriodForm, values)
    weeks = data.weeks if data else health.DEFAULT_WEEKS
    async with db_session(request) as db:
        report = await health.health_report(db, user, weeks)
    if errors:
        values["weeks"] = str(weeks)  # the default, kept: the message says why
    top = max((value for row in report.bridges.totals() for value in row), default=0)
    context: dict[str, Any] = {
        "report": report,
        "charts": _charts(report),
        "values": values,
        "errors": errors,
        "week_choices": forms.week_choices(),
        "segment_labels": health.segment_labels(),
        "outcome_labels": health.outcome_labels(),
        "format_signal": format_signal_value,
        "heat_level": lambda value: charts.heat_level(value, top),
        "tables": health.TABLES,
    }
    status = 422 if errors else 200
    return render(
        request, "animation/health/index.html", context, block="report", status_code=status
    )


async def export(request: Request) -> Response:
    """One table of the health view as CSV (?table=...&weeks=...)."""
    user = require_user(request)
    async with db_session(request) as db:
        # Who may not see the page may not learn which tables exist either.
        health.require_animator(user)
        data, errors = validate(forms.ExportForm, dict(request.query_params))
        if data is None:
            raise HTTPException(400, next(iter(errors.values())))
        report = await health.health_report(db, user, data.weeks)
    rows = health.table_rows(report, data.table)
    return csv_response(rows, f"health-{data.table}-{data.weeks}w.csv")


# Full paths (the animation routes are listed before the /groups and /posts mounts).
routes: list[BaseRoute] = [
    Route("/animation/health", page, methods=["GET"], name="animation_health_page"),
    Route("/animation/health.csv", export, methods=["GET"], name="animation_health_export"),
]
