"""The list of proposals and its CSV export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from esn.proposals import forms
from esn.proposals import service as proposals
from esn.web.auth import require_user
from esn.web.csv_export import csv_response
from esn.web.db import db_session
from esn.web.forms import validate
from esn.web.templating import render


async def index(request: Request) -> Response:
    """Every proposal the reader may see, filtered and searched; htmx gets the results."""
    user = require_user(request)
    values = dict(request.query_params)
    data, errors = validate(forms.ListForm, values)
    async with db_session(request) as db:
        listing = await proposals.list_proposals(db, user, data.query() if data else None)
    context = {
        "listing": listing,
        "values": values,
        "errors": errors,
        "states": forms.state_choices(),
    }
    status = 422 if errors else 200
    return render(request, "proposals/index.html", context, block="results", status_code=status)


async def export(request: Request) -> Response:
    """The proposals of the reader's scope as CSV (managers and administrators)."""
    user = require_user(request)
    data, _errors = validate(forms.ListForm, dict(request.query_params))
    query = data.query() if data else proposals.ProposalQuery()
    async with db_session(request) as db:
        rows = await proposals.export_rows(db, user, query)
    return csv_response(rows, "proposals.csv")
