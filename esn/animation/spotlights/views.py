"""Spotlight pages: the animators' list, drafting, and one spotlight with its answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from esn.accounts.models import User
from esn.animation.spotlights import forms
from esn.animation.spotlights import service as spotlights
from esn.core.errors import Forbidden, InvalidInput
from esn.web.auth import require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import render


def _id(request: Request) -> int:
    return int(request.path_params["spotlight_id"])


def _url(request: Request, spotlight_id: int | None, done: str) -> str:
    """The spotlight's page with the notice of what just happened."""
    page = url_path(request, "animation_spotlights_spotlight", spotlight_id=spotlight_id)
    return f"{page}?done={done}"


def _status(error: InvalidInput) -> int:
    """409 when the spotlight's state stands in the way, 422 for what was typed."""
    conflict = isinstance(error, spotlights.StaleSpotlight | spotlights.RefusedTransition)
    return 409 if conflict else 422


@asynccontextmanager
async def _forbidden_with_reason() -> AsyncIterator[None]:
    """A refusal that explains itself (403 with the service's message)."""
    try:
        yield
    except Forbidden as exc:
        raise HTTPException(403, str(exc) or None) from exc


async def index(request: Request) -> Response:
    """Pending, showing, coming and past spotlights, and whom to spotlight next."""
    user = require_user(request)
    async with db_session(request) as db:
        overview = await spotlights.spotlights_overview(db, user)
    return render(request, "animation/spotlights/index.html", {"overview": overview})


def _new_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "min_days": spotlights.MIN_DAYS,
        "max_days": spotlights.MAX_DAYS,
    }
    return render(request, "animation/spotlights/new.html", context, status_code=status_code)


async def _prefilled(request: Request, user: User, values: dict[str, str]) -> Response:
    """The form with the empty portrait parts taken from the person's profile."""
    try:
        async with db_session(request) as db:
            portrait = await spotlights.portrait_from_profile(db, user, values.get("person", ""))
    except InvalidInput as exc:
        return _new_page(request, values, exc.errors, 422)
    for name in spotlights.PORTRAIT_FIELDS:
        if not values.get(name, "").strip():
            values[name] = getattr(portrait, name)
    return _new_page(request, values, {})


async def new(request: Request) -> Response:
    """GET: the drafting form (``?person=`` fills it from that profile). POST: draft it."""
    user = require_user(request)
    spotlights.check_can_draft(user)
    if request.method == "GET":
        values = {"days": str(spotlights.DEFAULT_DAYS)}
        person = request.query_params.get("person", "")
        if person:
            return await _prefilled(request, user, {**values, "person": person[:254]})
        return _new_page(request, values, {})
    values = form_values(await read_form(request))
    if values.get("action") == "prefill":
        return await _prefilled(request, user, values)
    data, errors = validate(forms.SpotlightForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                spotlight = await spotlights.draft_spotlight(db, user, data.new_spotlight())
            return RedirectResponse(_url(request, spotlight.id, "drafted"), status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    return _new_page(request, values, errors, 422)


async def _page(
    request: Request,
    user: User,
    status_code: int = 200,
    *,
    problem: str | None = None,
    portrait_values: dict[str, str] | None = None,
    portrait_errors: dict[str, Any] | None = None,
) -> Response:
    async with db_session(request) as db:
        page = await spotlights.spotlight_page(db, user, _id(request))
    context = {
        "page": page,
        "view": page.view,
        "problem": problem,
        "values": portrait_values if portrait_values is not None else page.portrait_values,
        "errors": portrait_errors or {},
        "done": request.query_params.get("done", ""),
    }
    return render(request, "animation/spotlights/spotlight.html", context, status_code=status_code)


async def spotlight(request: Request) -> Response:
    """One spotlight: its member reads, edits and answers it; animators follow it up."""
    user = require_user(request)
    return await _page(request, user)


async def edit_portrait(request: Request) -> Response:
    """The member saves their portrait; a form older than the last change is refused."""
    user = require_user(request)
    values = form_values(await read_form(request))
    data, errors = validate(forms.PortraitForm, values)
    if data is not None:
        try:
            async with _forbidden_with_reason(), db_session(request) as db:
                await spotlights.edit_spotlight_portrait(
                    db, user, _id(request), data.portrait(), version=data.version
                )
            return RedirectResponse(_url(request, _id(request), "saved"), status_code=303)
        except InvalidInput as exc:
            if "__all__" in exc.errors:
                problem = exc.errors["__all__"]
                return await _page(
                    request, user, _status(exc), problem=problem, portrait_values=values
                )
            errors = exc.errors
    return await _page(request, user, 422, portrait_values=values, portrait_errors=errors)


async def _version(request: Request) -> int | None:
    data, _errors = validate(forms.VersionForm, form_values(await read_form(request)))
    return data.version if data else None


async def _answer(request: Request, *, accept: bool) -> Response:
    user = require_user(request)
    version = await _version(request)
    try:
        async with _forbidden_with_reason(), db_session(request) as db:
            await spotlights.answer_spotlight(
                db, user, _id(request), accept=accept, version=version
            )
    except InvalidInput as exc:
        return await _page(request, user, _status(exc), problem=exc.errors.get("__all__"))
    return RedirectResponse(_url(request, _id(request), "accepted" if accept else "declined"), 303)


async def accept(request: Request) -> Response:
    """The member agrees: it shows on everyone's home for its period."""
    return await _answer(request, accept=True)


async def decline(request: Request) -> Response:
    """The member says no: it never shows."""
    return await _answer(request, accept=False)


async def withdraw(request: Request) -> Response:
    """An animator takes it back, or ends it early."""
    user = require_user(request)
    version = await _version(request)
    try:
        async with _forbidden_with_reason(), db_session(request) as db:
            await spotlights.withdraw_spotlight(db, user, _id(request), version=version)
    except InvalidInput as exc:
        return await _page(request, user, _status(exc), problem=exc.errors.get("__all__"))
    return RedirectResponse(_url(request, _id(request), "withdrawn"), status_code=303)


# Full paths (the animation routes are listed before the /groups and /posts mounts).
routes: list[BaseRoute] = [
    Route("/animation/spotlights", index, name="animation_spotlights_index"),
    Route(
        "/animation/spotlights/new", new, methods=["GET", "POST"], name="animation_spotlights_new"
    ),
    Route(
        "/animation/spotlights/{spotlight_id:int}",
        spotlight,
        name="animation_spotlights_spotlight",
    ),
    Route(
        "/animation/spotlights/{spotlight_id:int}/portrait",
        edit_portrait,
        methods=["POST"],
        name="animation_spotlights_portrait",
    ),
    Route(
        "/animation/spotlights/{spotlight_id:int}/accept",
        accept,
        methods=["POST"],
        name="animation_spotlights_accept",
    ),
    Route(
        "/animation/spotlights/{spotlight_id:int}/decline",
        decline,
        methods=["POST"],
        name="animation_spotlights_decline",
    ),
    Route(
        "/animation/spotlights/{spotlight_id:int}/withdraw",
        withdraw,
        methods=["POST"],
        name="animation_spotlights_withdraw",
    ),
]
