"""Profiles, the directory, the org chart and follows."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from esn.animation.spotlights import service as spotlights
from esn.core.errors import Forbidden, InvalidInput
from esn.people import forms
from esn.people import service as people
from esn.stream import service as stream
from esn.web.auth import require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, uploaded_file, validate
from esn.web.links import url_path
from esn.web.templating import is_htmx, render


async def directory(request: Request) -> Response:
    """Search people; htmx gets only the results block."""
    user = require_user(request)
    values = dict(request.query_params)
    data, errors = validate(forms.DirectoryForm, values)
    query = data.query() if data else None
    async with db_session(request) as db:
        page = await people.search_directory(db, user, query)
    context = {"page": page, "values": values, "errors": errors}
    status = 422 if errors else 200
    return render(request, "people/directory.html", context, block="results", status_code=status)


async def profile(request: Request) -> Response:
    """One person's profile."""
    user = require_user(request)
    async with db_session(request) as db:
        page = await people.profile_page(db, user, request.path_params["handle"])
        posts = await stream.profile_stream(
            db, user, page.profile.user_id, request.query_params.get("after") or None
        )
        # Only accepted spotlights that have started: never a draft.
        in_spotlight = await spotlights.profile_spotlights(db, user, page.profile.user_id)
    context = {
        "page": page,
        "person": page.profile,
        "follow": page.follow,
        "stream": posts,
        "spotlights": in_spotlight,
    }
    return render(request, "people/profile.html", context, block="stream")


def _edit_page(
    request: Request,
    editable: people.EditableProfile,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {"person": editable.profile, "values": values, "errors": errors}
    return render(request, "people/edit.html", context, status_code=status_code)


async def edit(request: Request) -> Response:
    """GET shows the profile editor; POST saves it, all fields or none."""
    user = require_user(request)
    handle = request.path_params["handle"]
    if request.method == "GET":
        async with db_session(request) as db:
            editable = await people.editable_profile(db, user, handle)
        return _edit_page(request, editable, editable.values, {})
    form = await read_form(request)
    values = form_values(form)
    data, errors = validate(forms.ProfileForm, values)
    photo = await _photo_bytes(request, form)
    async with db_session(request) as db:
        if data is not None:
            try:
                await people.update_profile(
                    db, user, handle, data.changes(), photo=photo, **_photo_settings(request)
                )
            except InvalidInput as exc:
                errors = exc.errors
            else:
                profile_url = url_path(request, "people:profile", handle=handle)
                return RedirectResponse(f"{profile_url}?saved=1", status_code=303)
        editable = await people.editable_profile(db, user, handle)
    return _edit_page(request, editable, values, errors, 422)


def _photo_settings(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    return {"media_dir": settings.media_dir, "max_photo_bytes": settings.max_photo_bytes}


async def _photo_bytes(request: Request, form: Any) -> bytes | None:
    """The uploaded photo, read only one byte past the limit so the service can refuse it."""
    upload = uploaded_file(form, "photo")
    if upload is None:
        return None
    data: bytes = await upload.read(request.app.state.settings.max_photo_bytes + 1)
    return data


async def photo(request: Request) -> Response:
    """A person's photo, for signed-in people only, never sniffed as another type."""
    user = require_user(request)
    async with db_session(request) as db:
        found = await people.photo_file(
            db, user, request.path_params["handle"], request.app.state.settings.media_dir
        )
    return FileResponse(
        found.path,
        media_type=found.content_type,
        headers={"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"},
    )


async def _follow_change(request: Request, *, start: bool) -> Response:
    user = require_user(request)
    await read_form(request)
    handle = request.path_params["handle"]
    try:
        async with db_session(request) as db:
            if start:
                state = await people.follow_person(db, user, handle)
            else:
                state = await people.unfollow_person(db, user, handle)
    except Forbidden as exc:
        raise HTTPException(403, str(exc) or None) from exc
    if not is_htmx(request):
        return RedirectResponse(url_path(request, "people:profile", handle=handle), 303)
    return render(request, "people/profile.html", {"follow": state}, block="follow")


async def follow(request: Request) -> Response:
    """Follow this person: their posts reach my home stream."""
    return await _follow_change(request, start=True)


async def unfollow(request: Request) -> Response:
    """Stop following this person."""
    return await _follow_change(request, start=False)


async def org_chart(request: Request) -> Response:
    """The org chart around a person (the reader by default), navigable both ways."""
    user = require_user(request)
    async with db_session(request) as db:
        chart = await people.org_chart(db, user, request.query_params.get("person") or None)
    return render(request, "people/org.html", {"chart": chart})


routes = [
    Route("/{handle}", profile, name="profile"),
    Route("/{handle}/edit", edit, methods=["GET", "POST"], name="edit"),
    Route("/{handle}/photo", photo, name="photo"),
    Route("/{handle}/follow", follow, methods=["POST"], name="follow"),
    Route("/{handle}/unfollow", unfollow, methods=["POST"], name="unfollow"),
]
