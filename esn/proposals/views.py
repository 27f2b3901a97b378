"""Proposal pages: the list, writing, the proposal page and its actions, the approver's
queue, the CSV export and the administrators' allowances."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from esn.accounts.models import User
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.proposals import forms
from esn.proposals import service as proposals
from esn.web.auth import require_admin, require_user
from esn.web.csv_export import csv_response
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.templating import is_htmx, render


def _id(request: Request) -> int:
    return int(request.path_params["proposal_id"])


def _url(proposal_id: int | None, done: str = "") -> str:
    url = f"/proposals/{proposal_id}"
    return f"{url}?done={done}" if done else url


def _status(error: InvalidInput) -> int:
    """409 when the proposal's state stands in the way, 422 for what was typed."""
    stale = isinstance(error, proposals.StaleProposal | proposals.RefusedTransition)
    return 409 if stale else 422


# --- the list -----------------------------------------------------------------------------


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


# --- writing ----------------------------------------------------------------------------------


def _form_context(
    values: dict[str, str], errors: dict[str, str], prefill: proposals.Prefill, **extra: Any
) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "units": forms.unit_choices(),
        "groups": prefill.groups,
        "origin": prefill.origin,
        "allowance": prefill.allowance,
        **extra,
    }


def _origin_id(values: dict[str, str]) -> int | None:
    raw = values.get("origin_post_id", "") or values.get("from_post", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


async def _submit_after_saving(
    request: Request, user: User, proposal_id: int | None, version: int
) -> str:
    """Submit right after saving; if the proposal changed meanwhile, it stays saved."""
    assert proposal_id is not None
    try:
        async with db_session(request) as db:
            await proposals.submit_proposal(
                db,
                user,
                proposal_id,
                version=version,
                media_dir=request.app.state.settings.media_dir,
            )
    except InvalidInput:
        return "saved"
    return "submitted"


async def new(request: Request) -> Response:
    """GET: the form, filled from a post when it starts from one. POST: save, maybe submit."""
    user = require_user(request)
    if request.method == "GET":
        async with db_session(request) as db:
            prefill = await proposals.new_proposal(db, user, _origin_id(dict(request.query_params)))
        return render(
            request, "proposals/new.html", _form_context(prefill.values, {}, prefill, editing=None)
        )
    values = form_values(await read_form(request))
    data, errors = validate(forms.ProposalForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                created = await proposals.create_proposal(db, user, data.proposal_input())
            done = "saved"
            if data.action == "submit":
                done = await _submit_after_saving(request, user, created.id, created.version)
            return RedirectResponse(_url(created.id, done), status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    async with db_session(request) as db:
        prefill = await proposals.new_proposal(db, user, _origin_id(values))
    context = _form_context(values, errors, prefill, editing=None)
    return render(request, "proposals/new.html", context, status_code=422)


async def edit(request: Request) -> Response:
    """The proposer changes a draft, or a proposal they were asked to change."""
    user = require_user(request)
    proposal_id = _id(request)
    if request.method == "GET":
        try:
            async with db_session(request) as db:
                proposal, prefill = await proposals.editable_proposal(db, user, proposal_id)
        except InvalidInput as exc:
            return await _page(request, user, proposal_id, 409, problem=exc.errors["__all__"])
        context = _form_context(prefill.values, {}, prefill, editing=proposal)
        return render(request, "proposals/new.html", context)
    values = form_values(await read_form(request))
    data, errors = validate(forms.ProposalForm, values)
    status = 422
    if data is not None:
        try:
            async with db_session(request) as db:
                saved = await proposals.update_proposal(
                    db,
                    user,
                    proposal_id,
                    data.proposal_input(),
                    version=data.version,
                )
            done = "saved"
            if data.action == "submit":
                done = await _submit_after_saving(request, user, saved.id, saved.version)
            return RedirectResponse(_url(saved.id, done), status_code=303)
        except InvalidInput as exc:
            errors, status = exc.errors, _status(exc)
    try:
        async with db_session(request) as db:
            proposal, prefill = await proposals.editable_proposal(db, user, proposal_id)
    except InvalidInput as exc:
        # It moved on meanwhile (submitted from another tab): say so on its page.
        problem = errors.get("__all__") or exc.errors["__all__"]
        return await _page(request, user, proposal_id, 409, problem=problem)
    context = _form_context(values, errors, prefill, editing=proposal)
    return render(request, "proposals/new.html", context, status_code=status)


# --- the proposal page and its actions ---------------------------------------------------------


async def _page(
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
    return await _page(request, user, _id(request))


async def _act(request: Request, action: str) -> Response:
    """The proposer's moves without fields of their own: submit, withdraw."""
    user = require_user(request)
    proposal_id = _id(request)
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
        return await _page(request, user, proposal_id, 403, problem=exc.message)
    except InvalidInput as exc:
        problem = next(iter(exc.errors.values()))
        return await _page(request, user, proposal_id, _status(exc), problem=problem)
    done = "submitted" if action == "submit" else "withdrawn"
    return RedirectResponse(_url(proposal_id, done), status_code=303)


async def submit(request: Request) -> Response:
    """Submit a draft (or submit again after changes) to the approver."""
    return await _act(request, "submit")


async def withdraw(request: Request) -> Response:
    """Take back a draft or a proposal still waiting for a decision."""
    return await _act(request, "withdraw")


async def decide(request: Request) -> Response:
    """The approver approves, declines or asks for changes, with a reason."""
    user = require_user(request)
    proposal_id = _id(request)
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
            return RedirectResponse(_url(proposal_id, data.decision), status_code=303)
        except proposals.NotYours as exc:
            return await _page(request, user, proposal_id, 403, problem=exc.message)
        except InvalidInput as exc:
            errors, status = exc.errors, _status(exc)
    if status == 409:
        # The proposal moved on: the decision form may be gone, the problem is shown on top.
        return await _page(request, user, proposal_id, status, problem=errors["__all__"])
    return await _page(
        request, user, proposal_id, status, decide_values=values, decide_errors=errors
    )


async def _answer(request: Request, accept: bool) -> Response:
    user = require_user(request)
    await read_form(request)
    proposal_id = _id(request)
    try:
        async with db_session(request) as db:
            await proposals.answer_coproposal(db, user, proposal_id, accept=accept)
    except InvalidInput as exc:
        return await _page(request, user, proposal_id, 409, problem=exc.errors["__all__"])
    done = "coproposal_accepted" if accept else "coproposal_declined"
    return RedirectResponse(_url(proposal_id, done), status_code=303)


async def accept_coproposal(request: Request) -> Response:
    """Someone asked to co-propose joins the team."""
    return await _answer(request, accept=True)


async def decline_coproposal(request: Request) -> Response:
    """Someone asked to co-propose says no."""
    return await _answer(request, accept=False)


async def _support(request: Request, what: str) -> Response:
    """Back, unback, volunteer, unvolunteer: htmx gets the support block again."""
    user = require_user(request)
    proposal_id = _id(request)
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
        errors, status = exc.errors, _status(exc)
    if errors:
        status = status if status != 200 else 422
        return await _page(
            request, user, proposal_id, status, block="support", support_errors=errors
        )
    if is_htmx(request):
        return await _page(request, user, proposal_id, block="support")
    return RedirectResponse(_url(proposal_id, what), status_code=303)


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
    proposal_id = _id(request)
    values = form_values(await read_form(request))
    data, errors = validate(forms.CheckInForm, values)
    status = 422
    if data is not None:
        try:
            async with db_session(request) as db:
                await proposals.check_in(db, user, proposal_id, data.done, data.minutes)
            if is_htmx(request):
                return await _page(request, user, proposal_id, block="checkins")
            return RedirectResponse(_url(proposal_id, "checked_in"), status_code=303)
        except proposals.NotYours as exc:
            errors, status = {"__all__": exc.message}, 403
        except InvalidInput as exc:
            errors, status = exc.errors, _status(exc)
    extra = {"checkin_values": values, "checkin_errors": errors}
    return await _page(request, user, proposal_id, status, block="checkins", **extra)


async def close(request: Request) -> Response:
    """GET: the retrospective form. POST: close as completed or stopped."""
    user = require_user(request)
    proposal_id = _id(request)
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
                    return RedirectResponse(f"/proposals/{follow_up.id}/edit", status_code=303)
                return RedirectResponse(_url(closed.id, "closed"), status_code=303)
            except proposals.NotYours as exc:
                return await _page(request, user, proposal_id, 403, problem=exc.message)
            except InvalidInput as exc:
                errors, status = exc.errors, _status(exc)
    async with db_session(request) as db:
        view = await proposals.proposal_page(db, user, proposal_id)
    if not view.is_proposer:
        return await _page(
            request, user, proposal_id, 403, problem=_("Only the proposer may do this.")
        )
    if not view.can_close:
        problem = _("Only an active project, or one past its end date, is closed.")
        return await _page(request, user, proposal_id, 409, problem=problem)
    context = {
        "view": view,
        "values": values,
        "errors": errors,
        "outcomes": forms.outcome_choices(),
        "next_steps": forms.next_step_choices(),
    }
    return render(request, "proposals/close.html", context, status_code=status)


# --- the approver's queue --------------------------------------------------------------------


async def approvals(request: Request) -> Response:
    """Proposals waiting for me and my team's slack time over the coming weeks."""
    user = require_user(request)
    async with db_session(request) as db:
        queue = await proposals.approvals_page(db, user)
    return render(request, "proposals/approvals.html", {"approvals": queue})


# --- allowances (administrators) -----------------------------------------------------------------


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
            return RedirectResponse("/proposals/allowances?done=saved", status_code=303)
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
            return RedirectResponse("/proposals/allowances?done=saved", status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    return await _allowances(request, user, 422, person_values=values, person_errors=errors)


routes = [
    Route("/new", new, methods=["GET", "POST"], name="new"),
    Route("/export.csv", export, name="export"),
    Route("/allowances", allowances, name="allowances"),
    Route(
        "/allowances/department",
        department_allowance,
        methods=["POST"],
        name="department_allowance",
    ),
    Route("/allowances/person", person_allowance, methods=["POST"], name="person_allowance"),
    Route("/{proposal_id:int}", page, name="proposal"),
    Route("/{proposal_id:int}/edit", edit, methods=["GET", "POST"], name="edit"),
    Route("/{proposal_id:int}/submit", submit, methods=["POST"], name="submit"),
    Route("/{proposal_id:int}/withdraw", withdraw, methods=["POST"], name="withdraw"),
    Route("/{proposal_id:int}/decide", decide, methods=["POST"], name="decide"),
    Route(
        "/{proposal_id:int}/coproposal/accept",
        accept_coproposal,
        methods=["POST"],
        name="accept_coproposal",
    ),
    Route(
        "/{proposal_id:int}/coproposal/decline",
        decline_coproposal,
        methods=["POST"],
        name="decline_coproposal",
    ),
    Route("/{proposal_id:int}/back", back, methods=["POST"], name="back"),
    Route("/{proposal_id:int}/unback", unback, methods=["POST"], name="unback"),
    Route("/{proposal_id:int}/volunteer", volunteer, methods=["POST"], name="volunteer"),
    Route("/{proposal_id:int}/unvolunteer", unvolunteer, methods=["POST"], name="unvolunteer"),
    Route("/{proposal_id:int}/checkins", check_in, methods=["POST"], name="check_in"),
    Route("/{proposal_id:int}/close", close, methods=["GET", "POST"], name="close"),
]
