"""The animators' console at /animation, and a group's own work queue."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from esn.animation.queue import forms
from esn.animation.queue import service as queue
from esn.core.errors import NotFound
from esn.web.auth import require_user, safe_next
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import is_htmx, render


def _back(request: Request, target: str) -> str:
    """Return to the console or a group's queue after marking, never elsewhere."""
    console = url_path(request, "animation_home")
    groups = url_path(request, "group_directory") + "/"
    target = safe_next(target)
    if target == console or (target.startswith(groups) and target.endswith("/queue")):
        return target
    return console


async def console(request: Request) -> Response:
    """The console: the company's work queue and the way to every animation page."""
    user = require_user(request)
    async with db_session(request) as db:
        work = await queue.company_queue(db, user)
    back = url_path(request, "animation_home")
    return render(request, "animation/index.html", {"queue": work, "back": back})


async def group_queue(request: Request) -> Response:
    """One group's queue, for the group's owners and animators."""
    user = require_user(request)
    slug = request.path_params["slug"]
    async with db_session(request) as db:
        work = await queue.group_queue(db, user, slug)
    back = url_path(request, "animation_queue_group", slug=slug)
    return render(request, "animation/queue/group.html", {"queue": work, "back": back})


async def mark_handled(request: Request) -> Response:
    """Take an item off the queue: htmx removes its row, a browser comes back."""
    user = require_user(request)
    form = await read_form(request)
    data, _errors = validate(forms.HandledForm, form_values(form))
    if data is None:
        # The form only ever carries ids the page gave it: anything else is no item.
        raise NotFound
    async with db_session(request) as db:
        await queue.mark_handled(db, user, data.kind.value, data.object_id)
    if is_htmx(request):
        return Response(status_code=200)
    return RedirectResponse(_back(request, data.back), status_code=303)


# Full paths (the animation routes are listed before the /groups and /posts mounts).
routes: list[BaseRoute] = [
    Route("/animation", console, name="animation_home"),
    Route(
        "/animation/queue/handled", mark_handled, methods=["POST"], name="animation_queue_handled"
    ),
    Route("/groups/{slug}/queue", group_queue, name="animation_queue_group"),
]
