"""One proposal's page and the moves along its lifecycle: submit, withdraw, decide, close.

The team's moves (co-proposing, backing, volunteering, check-ins) are in ``team``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from esn.accounts.models import User
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.proposals import forms
from esn.proposals import service as proposals
from esn.proposals.views.common import path_proposal_id, proposal_location, refusal_status
from esn.web.auth import require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import render


async def render_proposal(
    request: Request,
    user: User,
    proposal_id: int,
    status_code: int = 200,
    block: str | None = None,
    **extra: Any,
) -> Response:
    """The proposal page; ``extra`` carries a form's values and errors, or a problem."""
    context: dict[str, Any] = {
        "problem": None,
        "decide_values": {},
        "decide_errors": {},
        "support_errors": {},
        "checkin_values": {},
        "checkin_errors": {},
    }
    context.update(extra)
    async with db_session(request) as db:
        view = await proposals.proposal_page(db, user, proposal_id)
    context["view"] = view
    if view.discussion is not None:
        # base.html keeps the conversation live; _post.html reads ``post``.
        context["post"] = view.discussion
    return render(request, "proposals/proposal.html", context, block=block, status_code=status_code)


async def page(request: Request) -> Response:
    """A proposal with its people, history, time and conversation."""
    user = require_user(request)
    return await render_proposal(request, user, path_proposal_id(request))


async def _act(request: Request, action: str) -> Response:
    """The proposer's moves without fields of their own: submit, withdraw."""
    user = require_user(request)
    proposal_id = path_proposal_id(request)
    data, _errors = validate(forms.VersionForm, form_values(await read_form(request)))
    version = data.version if data else None
    try:
        async with db_session(request) as db:
            if action == "submit":
                await proposals.submit_proposal(
                    db,
                    user,
                    proposal_id,
                    version=version,
                    media_dir=request.app.state.settings.media_dir,
                )
            else:
                await proposals.withdraw_proposal(db, user, proposal_id, version=version)
    except proposals.NotYours as exc:
        return await render_proposal(request, user, proposal_id, 403, problem=exc.message)
    except InvalidInput as exc:
        problem = next(iter(exc.errors.values()))
        return await render_proposal(
            request, user, proposal_id, refusal_status(exc), problem=problem
        )
    done = "submitted" if action == "submit" else "withdrawn"
    return RedirectResponse(proposal_location(request, proposal_id, done), status_code=303)


async def submit(request: Request) -> Response:
    """Submit a draft (or submit again after changes) to the approver."""
    return await _act(request, "submit")


async def withdraw(request: Request) -> Response:
    """Take back a draft or a proposal still waiting for a decision."""
    return await _act(request, "withdraw")


async def decide(request: Request) -> Response:
    """The approver approves, declines or asks for changes, with a reason."""
    user = require_user(request)
    proposal_id = path_proposal_id(request)
    values = form_values(await read_form(request))
    data, errors = validate(forms.DecisionForm, values)
    status = 422
    if data is not None:
        try:
            async with db_session(request) as db:
                await proposals.decide_proposal(
                    db,
                    user,
                    proposal_id,
                    data.decision,
                    data.reason,
                    version=data.version,
                )
            location = proposal_location(request, proposal_id, data.decision)
            return RedirectResponse(location, status_code=303)
        except proposals.NotYours as exc:
            return await render_proposal(request, user, proposal_id, 403, problem=exc.message)
        except InvalidInput as exc:
            errors, status = exc.errors, refusal_status(exc)
    if status == 409:
        # The proposal moved on: the decision form may be gone, the problem is shown on top.
        return await render_proposal(request, user, proposal_id, status, problem=errors["__all__"])
    return await render_proposal(
        request, user, proposal_id, status, decide_values=values, decide_errors=errors
    )


async def close(request: Request) -> Response:
    """GET: the retrospective form. POST: close as completed or stopped."""
    user = require_user(request)
    proposal_id = path_proposal_id(request)
    values: dict[str, str] = {"outcome": "complete", "next_step": "continue"}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = form_values(await read_form(request))
        data, errors = validate(forms.CloseForm, values)
        status = 422
        if data is not None:
            try:
                async with db_session(request) as db:
                    closed, follow_up = await proposals.close_proposal(
                        db,
                        user,
                        proposal_id,
                        data.retrospective(),
                        version=data.version,
                        media_dir=request.app.state.settings.media_dir,
                    )
                if follow_up is not None:
                    location = url_path(request, "proposals:edit", proposal_id=follow_up.id)
                    return RedirectResponse(location, status_code=303)
                location = proposal_location(request, closed.id, "closed")
                return RedirectResponse(location, status_code=303)
            except proposals.NotYours as exc:
                return await render_proposal(request, user, proposal_id, 403, problem=exc.message)
            except InvalidInput as exc:
                errors, status = exc.errors, refusal_status(exc)
    async with db_session(request) as db:
        view = await proposals.proposal_page(db, user, proposal_id)
    if not view.is_proposer:
        problem = _("Only the proposer may do this.")
        return await render_proposal(request, user, proposal_id, 403, problem=problem)
    if not view.can_close:
        problem = _("Only an active project, or one past its end date, is closed.")
        return await render_proposal(request, user, proposal_id, 409, problem=problem)
    context = {
        "view": view,
        "values": values,
        "errors": errors,
        "outcomes": forms.outcome_choices(),
        "next_steps": forms.next_step_choices(),
    }
    return render(request, "proposals/close.html", context, status_code=status)
