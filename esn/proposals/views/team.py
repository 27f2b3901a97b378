"""The team's moves on a proposal's page: answering a co-proposal, backing, volunteering,
checking in. htmx gets the block it targets again."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from esn.core.errors import InvalidInput
from esn.proposals import forms
from esn.proposals import service as proposals
from esn.proposals.views.common import path_proposal_id, proposal_location, refusal_status
from esn.proposals.views.proposal import render_proposal
from esn.web.auth import require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.templating import is_htmx


async def _answer(request: Request, accept: bool) -> Response:
    user = require_user(request)
    await read_form(request)
    proposal_id = path_proposal_id(request)
    try:
        async with db_session(request) as db:
            await proposals.answer_coproposal(db, user, proposal_id, accept=accept)
    except InvalidInput as exc:
        return await render_proposal(request, user, proposal_id, 409, problem=exc.errors["__all__"])
    done = "coproposal_accepted" if accept else "coproposal_declined"
    return RedirectResponse(proposal_location(request, proposal_id, done), status_code=303)


async def accept_coproposal(request: Request) -> Response:
    """Someone asked to co-propose joins the team."""
    return await _answer(request, accept=True)


async def decline_coproposal(request: Request) -> Response:
    """Someone asked to co-propose says no."""
    return await _answer(request, accept=False)


async def _support(request: Request, what: str) -> Response:
    """Back, unback, volunteer, unvolunteer: htmx gets the support block again."""
    user = require_user(request)
    proposal_id = path_proposal_id(request)
    values = form_values(await read_form(request))
    errors: dict[str, str] = {}
    status = 200
    try:
        async with db_session(request) as db:
            if what == "back":
                back, errors = validate(forms.BackForm, values)
                if back is not None:
                    await proposals.back_proposal(db, user, proposal_id, back.word)
            elif what == "volunteer":
                offer, errors = validate(forms.VolunteerForm, values)
                if offer is not None:
                    await proposals.volunteer(db, user, proposal_id, offer.skills)
            elif what == "unback":
                await proposals.unback_proposal(db, user, proposal_id)
            else:
                await proposals.unvolunteer(db, user, proposal_id)
    except proposals.NotYours as exc:
        errors, status = {"__all__": exc.message}, 403
    except InvalidInput as exc:
        errors, status = exc.errors, refusal_status(exc)
    if errors:
        status = status if status != 200 else 422
        return await render_proposal(
            request, user, proposal_id, status, block="support", support_errors=errors
        )
    if is_htmx(request):
        return await render_proposal(request, user, proposal_id, block="support")
    return RedirectResponse(proposal_location(request, proposal_id, what), status_code=303)


async def back(request: Request) -> Response:
    """Back the proposal, with an optional word."""
    return await _support(request, "back")


async def unback(request: Request) -> Response:
    """Take one's backing back."""
    return await _support(request, "unback")


async def volunteer(request: Request) -> Response:
    """Offer to join, with one's skills."""
    return await _support(request, "volunteer")


async def unvolunteer(request: Request) -> Response:
    """Take one's offer back."""
    return await _support(request, "unvolunteer")


async def check_in(request: Request) -> Response:
    """A team member's weekly check-in; htmx gets the check-ins block again."""
    user = require_user(request)
    proposal_id = path_proposal_id(request)
    values = form_values(await read_form(request))
    data, errors = validate(forms.CheckInForm, values)
    status = 422
    if data is not None:
        try:
            async with db_session(request) as db:
                await proposals.check_in(db, user, proposal_id, data.done, data.minutes)
            if is_htmx(request):
                return await render_proposal(request, user, proposal_id, block="checkins")
            location = proposal_location(request, proposal_id, "checked_in")
            return RedirectResponse(location, status_code=303)
        except proposals.NotYours as exc:
            errors, status = {"__all__": exc.message}, 403
        except InvalidInput as exc:
            errors, status = exc.errors, refusal_status(exc)
    extra = {"checkin_values": values, "checkin_errors": errors}
    return await render_proposal(request, user, proposal_id, status, block="checkins", **extra)
