"""The impact log: tagging a thread on its page, listing the stories."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from esn.animation.impact import forms
from esn.animation.impact import service as impact
from esn.core.errors import InvalidInput
from esn.web.auth import require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import is_htmx, render


def _post_anchor(request: Request, post_id: int) -> str:
    return url_path(request, "posts:post", post_id=post_id) + f"#post-{post_id}-impact"


def _impact_part(request: Request, view: impact.PostImpact, status_code: int = 200) -> Response:
    """htmx gets the impact part of the post page again; a browser a small page."""
    context = {"panel": {"impact": view}}
    name = "animation/impact/_post.html" if is_htmx(request) else "animation/impact/post.html"
    return render(request, name, context, status_code=status_code)


async def tag(request: Request) -> Response:
    """Tag the thread with an outcome and a note."""
    user = require_user(request)
    post_id = request.path_params["post_id"]
    form = await read_form(request)
    values = form_values(form)
    data, errors = validate(forms.ImpactForm, values)
    async with db_session(request) as db:
        if data is not None:
            try:
                await impact.tag_impact(db, user, post_id, data.outcome, data.note)
            except InvalidInput as exc:
                errors = exc.errors
            else:
                if not is_htmx(request):
                    return RedirectResponse(_post_anchor(request, post_id), status_code=303)
                view = await impact.impact_form(db, user, post_id)
                view.done = "tagged"
                return _impact_part(request, view)
        view = await impact.impact_form(db, user, post_id)
    view.values, view.errors = values, errors
    return _impact_part(request, view, status_code=422)


async def remove(request: Request) -> Response:
    """Take one tag off the thread."""
    user = require_user(request)
    post_id = request.path_params["post_id"]
    await read_form(request)
    async with db_session(request) as db:
        await impact.remove_impact(db, user, post_id, request.path_params["story_id"])
        if not is_htmx(request):
            return RedirectResponse(_post_anchor(request, post_id), status_code=303)
        view = await impact.impact_form(db, user, post_id)
    view.done = "removed"
    return _impact_part(request, view)


async def stories(request: Request) -> Response:
    """The impact log: what conversations led to, newest first."""
    user = require_user(request)
    query, _errors = validate(forms.StoriesQuery, dict(request.query_params))
    before = query.before if query is not None else None
    async with db_session(request) as db:
        page = await impact.list_stories(db, user, before)
    return render(request, "animation/impact/index.html", {"page": page}, block="stories")


# Full paths (the animation routes are listed before the /groups and /posts mounts).
routes: list[BaseRoute] = [
    Route("/animation/impact", stories, name="animation_impact_home"),
    Route("/posts/{post_id:int}/impact", tag, methods=["POST"], name="animation_impact_tag"),
    Route(
        "/posts/{post_id:int}/impact/{story_id:int}/delete",
        remove,
        methods=["POST"],
        name="animation_impact_remove",
    ),
]
