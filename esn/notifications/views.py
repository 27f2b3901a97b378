"""The bell's page, its count, marking read, and the notification settings."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from esn.notifications import forms
from esn.notifications import service as notifications
from esn.web.auth import current_user, require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import is_htmx, render


async def index(request: Request) -> Response:
    """The person's notifications, newest first; "More" continues by keyset."""
    user = require_user(request)
    before = request.query_params.get("before")
    async with db_session(request) as db:
        page = await notifications.list_notifications(db, user, before)
    # "More" asks for the next items only; marking read re-renders the list.
    block = "items" if before else "notifications"
    return render(
        request, "notifications/index.html", {"page": page, "before": before}, block=block
    )


async def count(request: Request) -> Response:
    """The bell's unread count, as the fragment that replaces #bell-count."""
    user = current_user(request)
    unread = 0
    if user is not None:
        async with db_session(request) as db:
            unread = await notifications.unread_count(db, user)
    response = render(request, "notifications/_bell.html", {"unread": unread})
    response.headers["cache-control"] = "no-store"
    return response


async def read_one(request: Request) -> Response:
    """Mark one notification read: htmx gets the updated item, a browser the list."""
    user = require_user(request)
    await read_form(request)
    async with db_session(request) as db:
        row = await notifications.mark_read(db, user, request.path_params["notification_id"])
    if is_htmx(request):
        return render(request, "notifications/_item.html", {"row": row})
    return RedirectResponse(url_path(request, "notifications_home"), status_code=303)


async def read_all(request: Request) -> Response:
    """Mark every notification read."""
    user = require_user(request)
    await read_form(request)
    async with db_session(request) as db:
        await notifications.mark_all_read(db, user)
    return RedirectResponse(url_path(request, "notifications_home"), status_code=303)


def _settings_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "kinds": forms.kind_labels(),
        "channels": forms.channel_choices(),
        "frequencies": forms.frequency_choices(),
        "saved": request.query_params.get("saved") == "1" and not errors,
    }
    return render(request, "notifications/settings.html", context, status_code=status_code)


async def settings_page(request: Request) -> Response:
    """GET shows the channel of each kind and the digest; POST saves them."""
    user = require_user(request)
    if request.method == "GET":
        async with db_session(request) as db:
            current = await notifications.notification_settings(db, user)
        return _settings_page(request, {**current.channels, "digest": current.frequency}, {})
    form = await read_form(request)
    values = form_values(form)
    data, errors = validate(forms.NotificationSettingsForm, values)
    if data is None:
        return _settings_page(request, values, errors, 422)
    async with db_session(request) as db:
        await notifications.save_notification_settings(db, user, data.channels(), data.digest.value)
    saved = url_path(request, "notification_settings") + "?saved=1"
    return RedirectResponse(saved, status_code=303)


routes = [
    Route("/count", count, name="count"),
    Route("/read-all", read_all, methods=["POST"], name="read_all"),
    Route("/{notification_id:int}/read", read_one, methods=["POST"], name="read"),
]
