"""The approver's queue, and the slack-time allowances administrators set."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from esn.accounts.models import User
from esn.core.errors import InvalidInput
from esn.proposals import forms
from esn.proposals import service as proposals
from esn.web.auth import require_admin, require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import render


async def approvals(request: Request) -> Response:
    """Proposals waiting for me and my team's slack time over the coming weeks."""
    user = require_user(request)
    async with db_session(request) as db:
        queue = await proposals.approvals_page(db, user)
    return render(request, "proposals/approvals.html", {"approvals": queue})


def _saved(request: Request) -> RedirectResponse:
    path = url_path(request, "proposals:allowances")
    return RedirectResponse(f"{path}?done=saved", status_code=303)


async def _allowances(
    request: Request, user: User, status_code: int = 200, **extra: Any
) -> Response:
    context: dict[str, Any] = {
        "department_values": {},
        "department_errors": {},
        "person_values": {},
        "person_errors": {},
    }
    context.update(extra)
    async with db_session(request) as db:
        context["allowances"] = await proposals.allowances_page(db, user)
    return render(request, "proposals/allowances.html", context, status_code=status_code)


async def allowances(request: Request) -> Response:
    """Slack-time allowances per department and per person."""
    user = require_admin(request)
    return await _allowances(request, user)


async def department_allowance(request: Request) -> Response:
    """Set or remove a department's allowance."""
    user = require_admin(request)
    values = form_values(await read_form(request))
    data, errors = validate(forms.DepartmentAllowanceForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                await proposals.set_department_allowance(db, user, data.department, data.percent)
            return _saved(request)
        except InvalidInput as exc:
            errors = exc.errors
    extra = {"department_values": values, "department_errors": errors}
    return await _allowances(request, user, 422, **extra)


async def person_allowance(request: Request) -> Response:
    """Set or remove one person's own allowance."""
    user = require_admin(request)
    values = form_values(await read_form(request))
    data, errors = validate(forms.PersonAllowanceForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                await proposals.set_person_allowance(db, user, data.person, data.percent)
            return _saved(request)
        except InvalidInput as exc:
            errors = exc.errors
    return await _allowances(request, user, 422, person_values=values, person_errors=errors)
