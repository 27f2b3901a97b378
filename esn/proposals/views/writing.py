"""Writing a proposal: the new form (maybe from a post) and changing one, saved or submitted."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from esn.accounts.models import User
from esn.core.errors import InvalidInput
from esn.proposals import forms
from esn.proposals import service as proposals
from esn.proposals.views.common import path_proposal_id, proposal_location, refusal_status
from esn.proposals.views.proposal import render_proposal
from esn.web.auth import require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.templating import render


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
            return RedirectResponse(proposal_location(request, created.id, done), status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    async with db_session(request) as db:
        prefill = await proposals.new_proposal(db, user, _origin_id(values))
    context = _form_context(values, errors, prefill, editing=None)
    return render(request, "proposals/new.html", context, status_code=422)


async def edit(request: Request) -> Response:
    """The proposer changes a draft, or a proposal they were asked to change."""
    user = require_user(request)
    proposal_id = path_proposal_id(request)
    if request.method == "GET":
        try:
            async with db_session(request) as db:
                proposal, prefill = await proposals.editable_proposal(db, user, proposal_id)
        except InvalidInput as exc:
            return await render_proposal(
                request, user, proposal_id, 409, problem=exc.errors["__all__"]
            )
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
            return RedirectResponse(proposal_location(request, saved.id, done), status_code=303)
        except InvalidInput as exc:
            errors, status = exc.errors, refusal_status(exc)
    try:
        async with db_session(request) as db:
            proposal, prefill = await proposals.editable_proposal(db, user, proposal_id)
    except InvalidInput as exc:
        # It moved on meanwhile (submitted from another tab): say so on its page.
        problem = errors.get("__all__") or exc.errors["__all__"]
        return await render_proposal(request, user, proposal_id, 409, problem=problem)
    context = _form_context(values, errors, prefill, editing=proposal)
    return render(request, "proposals/new.html", context, status_code=status)
