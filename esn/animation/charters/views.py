"""Charter pages: the company's (/charter, written at /animation/charter) and each
group's (/groups/{slug}/charter), their versions, accepting and reviewing them."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from esn.accounts.models import User
from esn.animation.charters import forms
from esn.animation.charters import service as charters
from esn.core.errors import InvalidInput
from esn.web.auth import require_user, safe_next
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import is_htmx, render


def _slug(request: Request) -> str | None:
    """The group's slug, or None on the company charter's pages."""
    slug = request.path_params.get("slug")
    return str(slug) if slug is not None else None


def _default_next(request: Request, slug: str | None) -> str:
    """Where "Continue" leads: home for the company's charter, else the group."""
    if slug is None:
        return url_path(request, "home")
    return url_path(request, "groups:group", slug=slug)


def _edit_url(request: Request, slug: str | None) -> str:
    if slug is None:
        return url_path(request, "animation_charters_company_edit")
    return url_path(request, "animation_charters_group_edit", slug=slug)


async def read(request: Request) -> Response:
    """A charter's latest version (or an older one), with "I accept" for those
    who have not accepted it; ?next= is where the company charter's reader goes on."""
    user = require_user(request)
    slug = _slug(request)
    version = request.path_params.get("version")
    async with db_session(request) as db:
        page = await charters.charter_page(db, user, slug, version)
    next_url = request.query_params.get("next")
    context = {
        "page": page,
        "next_url": safe_next(next_url) if next_url else _default_next(request, slug),
    }
    return render(request, "animation/charters/charter.html", context)


async def summary(request: Request) -> Response:
    """The charter on a group's about tab (loaded by htmx, so no group code changes)."""
    user = require_user(request)
    async with db_session(request) as db:
        page = await charters.charter_page(db, user, _slug(request))
    return render(request, "animation/charters/_summary.html", {"page": page})


async def accept(request: Request) -> Response:
    """Record that the reader accepts the version they read.

    From the group banner (htmx) the answer replaces the banner; otherwise
    the reader goes on to ``next`` (the page they were heading to at login).
    """
    user = require_user(request)
    slug = _slug(request)
    data, _errors = validate(forms.AcceptForm, form_values(await read_form(request)))
    if data is None:
        raise HTTPException(400)
    async with db_session(request) as db:
        charter = await charters.accept_charter(db, user, slug, data.charter_id)
    if is_htmx(request):
        return render(request, "animation/charters/_accepted.html", {"charter": charter})
    target = safe_next(data.next) if data.next else _default_next(request, slug)
    return RedirectResponse(target, status_code=303)


async def _editor(
    request: Request,
    user: User,
    slug: str | None,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    stale_form: bool = False,
    status_code: int = 200,
) -> Response:
    """The editing page: the current text in the form, its rendering, the history.

    ``stale_form`` keeps the version the writer started from (a form error);
    otherwise the form is based on the latest version, which they now see.
    """
    async with db_session(request) as db:
        history = await charters.charter_history(db, user, slug, editing=True)
    latest = history.latest
    shown = dict(values or {})
    shown.setdefault("body", latest.body if latest is not None else "")
    if not stale_form or "base_version" not in shown:
        shown["base_version"] = str(history.latest_version)
    context: dict[str, Any] = {
        "history": history,
        "scope": history.scope,
        "latest_html": charters.render_body(latest.body) if latest is not None else "",
        "values": shown,
        "errors": errors or {},
        "problem": problem,
    }
    return render(request, "animation/charters/edit.html", context, status_code=status_code)


async def edit(request: Request) -> Response:
    """GET shows the editor to the charter's animators; POST saves a new version."""
    user = require_user(request)
    slug = _slug(request)
    if request.method == "GET":
        return await _editor(request, user, slug)
    values = form_values(await read_form(request))
    data, errors = validate(forms.CharterForm, values)
    if data is None:
        return await _editor(
            request, user, slug, values=values, errors=errors, stale_form=True, status_code=422
        )
    try:
        async with db_session(request) as db:
            await charters.save_charter(db, user, slug, data.body, base_version=data.base_version)
    except InvalidInput as exc:
        return await _editor(request, user, slug, values=values, errors=exc.errors, status_code=422)
    return RedirectResponse(_edit_url(request, slug) + "?done=saved", status_code=303)


async def reviewed(request: Request) -> Response:
    """ "Reviewed, no change": the work queue will not ask again for a year."""
    user = require_user(request)
    slug = _slug(request)
    data, _errors = validate(forms.ReviewForm, form_values(await read_form(request)))
    try:
        async with db_session(request) as db:
            await charters.mark_charter_reviewed(
                db, user, slug, version=data.version if data is not None else None
            )
    except InvalidInput as exc:
        return await _editor(request, user, slug, problem=exc.errors["__all__"], status_code=409)
    return RedirectResponse(_edit_url(request, slug) + "?done=reviewed", status_code=303)


# Full paths (the animation routes are listed before the /groups and /posts mounts).
routes: list[BaseRoute] = [
    Route("/charter", read, name="animation_charters_company"),
    Route("/charter/versions/{version:int}", read, name="animation_charters_company_version"),
    Route("/charter/accept", accept, methods=["POST"], name="animation_charters_company_accept"),
    Route(
        "/animation/charter",
        edit,
        methods=["GET", "POST"],
        name="animation_charters_company_edit",
    ),
    Route(
        "/animation/charter/reviewed",
        reviewed,
        methods=["POST"],
        name="animation_charters_company_reviewed",
    ),
    Route("/groups/{slug}/charter", read, name="animation_charters_group"),
    Route("/groups/{slug}/charter/summary", summary, name="animation_charters_group_summary"),
    Route(
        "/groups/{slug}/charter/versions/{version:int}",
        read,
        name="animation_charters_group_version",
    ),
    Route(
        "/groups/{slug}/charter/accept",
        accept,
        methods=["POST"],
        name="animation_charters_group_accept",
    ),
    Route(
        "/groups/{slug}/charter/edit",
        edit,
        methods=["GET", "POST"],
        name="animation_charters_group_edit",
    ),
    Route(
        "/groups/{slug}/charter/reviewed",
        reviewed,
        methods=["POST"],
        name="animation_charters_group_reviewed",
    ),
]
