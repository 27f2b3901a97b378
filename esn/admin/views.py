"""The administration pages: accounts, roles, deactivation, imports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from esn.accounts.models import Role, User
from esn.admin import forms
from esn.admin import service as admin
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.web.auth import require_admin, safe_next
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, uploaded_file, validate
from esn.web.links import url_path
from esn.web.templating import render


def _home(request: Request) -> str:
    """The administration page (routes.py serves it at /admin itself; the rest is mounted)."""
    return url_path(request, "admin_home")


def _back(request: Request, form: FormData) -> str:
    """Where to return after a row action: the list as it was, never elsewhere."""
    home = _home(request)
    target = safe_next(str(form.get("back", "")))
    return target if target == home or target.startswith(f"{home}?") else home


def _list_url(request: Request, search: forms.AccountSearch) -> str:
    """The list as the administrator sees it now, to come back to after an action."""
    query = urlencode({k: v for k, v in (("q", search.q), ("after", search.after)) if v})
    home = _home(request)
    return f"{home}?{query}" if query else home


def _summary_from_query(raw: str) -> admin.ImportSummary | None:
    """The counts a successful import put in the redirect (?imported=created,updated,same)."""
    parts = raw.split(",")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    created, updated, unchanged = (int(part) for part in parts)
    return admin.ImportSummary(created=created, updated=updated, unchanged=unchanged)


async def _page(request: Request, actor: User, status_code: int = 200, **parts: Any) -> Response:
    """The administration page; ``parts`` carry the errors of the form just sent."""
    search, _errors = validate(forms.AccountSearch, dict(request.query_params))
    search = search or forms.AccountSearch()
    async with db_session(request) as db:
        page = await admin.list_accounts(db, actor, search.q, search.after)
    context: dict[str, Any] = {
        "page": page,
        "search": search,
        "roles": forms.role_choices(),
        "back": _list_url(request, search),
        "row_errors": {},
        "create_values": {"role": Role.EMPLOYEE.value},
        "create_errors": {},
        "import_problems": [],
        "import_summary": _summary_from_query(request.query_params.get("imported", "")),
        "account_created": request.query_params.get("account_created") == "1",
        "max_import_mb": admin.MAX_IMPORT_BYTES // (1024 * 1024),
    }
    context.update(parts)
    return render(request, "admin/index.html", context, status_code=status_code)


async def index(request: Request) -> Response:
    """The account list with search, and the create and import forms."""
    actor = require_admin(request)
    return await _page(request, actor)


async def change_role(request: Request) -> Response:
    """Give one account another role."""
    actor = require_admin(request)
    user_id: int = request.path_params["user_id"]
    form = await read_form(request)
    data, errors = validate(forms.RoleForm, form_values(form))
    if data is not None:
        try:
            async with db_session(request) as db:
                await admin.change_role(db, actor, user_id, data.role)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            return RedirectResponse(_back(request, form), status_code=303)
    return await _page(request, actor, 422, row_errors={user_id: next(iter(errors.values()))})


async def change_active(request: Request) -> Response:
    """Deactivate an account (its sessions end at once) or reactivate it."""
    actor = require_admin(request)
    user_id: int = request.path_params["user_id"]
    form = await read_form(request)
    data, errors = validate(forms.ActiveForm, form_values(form))
    if data is not None:
        try:
            async with db_session(request) as db:
                await admin.change_active(db, actor, user_id, data.is_active)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            return RedirectResponse(_back(request, form), status_code=303)
    return await _page(request, actor, 422, row_errors={user_id: next(iter(errors.values()))})


async def create_account(request: Request) -> Response:
    """Add one person by hand; the list then shows them."""
    actor = require_admin(request)
    form = await read_form(request)
    values = form_values(form)
    data, errors = validate(forms.CreateAccountForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                user = await admin.create_account(db, actor, admin.NewAccount(**data.model_dump()))
        except InvalidInput as exc:
            errors = exc.errors
        else:
            query = urlencode({"q": user.email, "account_created": "1"})
            return RedirectResponse(f"{_home(request)}?{query}", status_code=303)
    return await _page(request, actor, 422, create_values=values, create_errors=errors)


async def import_people(request: Request) -> Response:
    """Import people from a CSV file: every problem listed, or the counts."""
    actor = require_admin(request)
    form = await read_form(request)
    upload = uploaded_file(form, "file")
    if upload is None:
        problems = [admin.ImportProblem(None, _("Choose a CSV file to import."))]
        return await _page(request, actor, 422, import_problems=problems)
    # One byte more than allowed is enough for the service to say "too large".
    data = await upload.read(admin.MAX_IMPORT_BYTES + 1)
    try:
        async with db_session(request) as db:
            summary = await admin.import_people(db, actor, data)
    except admin.ImportRejected as exc:
        return await _page(request, actor, 422, import_problems=exc.problems)
    counts = f"{summary.created},{summary.updated},{summary.unchanged}"
    query = urlencode({"imported": counts})
    return RedirectResponse(f"{_home(request)}?{query}#import", status_code=303)


routes = [
    Route("/users", create_account, methods=["POST"], name="create_account"),
    Route("/users/{user_id:int}/role", change_role, methods=["POST"], name="change_role"),
    Route("/users/{user_id:int}/active", change_active, methods=["POST"], name="change_active"),
    Route("/import", import_people, methods=["POST"], name="import_people"),
]
