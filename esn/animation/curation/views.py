"""Curation pages: feature or pin a post, dismiss a featured post, curate a group."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from esn.accounts.models import User
from esn.animation.curation import forms
from esn.animation.curation import service as curation
from esn.core.errors import InvalidInput
from esn.groups import service as groups
from esn.web.auth import require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import is_htmx, render

View = Callable[[Request], Awaitable[Response]]


def follow_merges(view: View) -> View:
    """Answer a merged group's curation address with a permanent redirect to the
    same page of the group it was merged into (301 for GET and HEAD, else 308,
    which keeps the method and body; the query string is kept).

    The group pages do the same (esn.groups.views.follow_merges); another
    domain's views are not animation's to import, so the rule is restated
    here on what groups publish, esn.groups.service.GroupMerged.
    """

    @functools.wraps(view)
    async def wrapper(request: Request) -> Response:
        try:
            return await view(request)
        except groups.GroupMerged as moved:
            prefix = url_path(request, "groups:group", slug=str(request.path_params["slug"]))
            path = request.url.path
            tail = path[len(prefix) :] if path.startswith(prefix) else ""
            url = url_path(request, "groups:group", slug=moved.slug) + tail
            if request.url.query:
                url += f"?{request.url.query}"
            status = 301 if request.method in {"GET", "HEAD"} else 308
            return RedirectResponse(url, status_code=status)

    return wrapper


def _group_url(request: Request, slug: str, done: str) -> str:
    """The group's page with the notice of what just happened."""
    return url_path(request, "groups:group", slug=slug) + f"?done={done}"


def _local(target: str, fallback: str) -> str:
    """A redirect target from a form: a path on this site, or ``fallback``."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


# --- posts ------------------------------------------------------------------------


async def _feature(request: Request, *, in_group: bool) -> Response:
    user = require_user(request)
    post_id: int = request.path_params["post_id"]
    values = form_values(await read_form(request))
    data, errors = validate(forms.UntilForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                await curation.feature_post(db, user, post_id, data.until, in_group=in_group)
            done = "pinned" if in_group else "featured"
            post = url_path(request, "posts:post", post_id=post_id)
            return RedirectResponse(f"{post}?curation={done}", status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    async with db_session(request) as db:
        featuring = await curation.featuring_form(db, user, post_id, in_group=in_group)
    featuring.form = "pin" if in_group else "feature"
    featuring.values = values
    featuring.errors = errors
    return render(
        request, "animation/curation/feature.html", {"featuring": featuring}, status_code=422
    )


async def feature_post(request: Request) -> Response:
    """Feature a post on everyone's home until a day (company animators)."""
    return await _feature(request, in_group=False)


async def pin_post(request: Request) -> Response:
    """Pin a post at the top of its group until a day (the group's animators)."""
    return await _feature(request, in_group=True)


async def end_featuring(request: Request) -> Response:
    """Take a feature or pin down before it expires."""
    user = require_user(request)
    values = form_values(await read_form(request))
    async with db_session(request) as db:
        featured = await curation.end_featuring(db, user, request.path_params["featured_id"])
    fallback = url_path(request, "posts:post", post_id=featured.post_id)
    return RedirectResponse(_local(values.get("next", ""), fallback), status_code=303)


async def dismiss_featured(request: Request) -> Response:
    """ "Got it": the featured post leaves this person's home (htmx removes the card)."""
    user = require_user(request)
    await read_form(request)
    async with db_session(request) as db:
        await curation.mark_featured_seen(db, user, request.path_params["featured_id"])
    if is_htmx(request):
        return Response("", status_code=200)
    return RedirectResponse(url_path(request, "home"), status_code=303)


async def open_featured(request: Request) -> Response:
    """Follow a featured post's link: it counts as seen, then the post opens."""
    user = require_user(request)
    async with db_session(request) as db:
        post_id = await curation.mark_featured_seen(db, user, request.path_params["featured_id"])
    return RedirectResponse(url_path(request, "posts:post", post_id=post_id), status_code=303)


# --- curating a group -------------------------------------------------------------


async def _curate_page(
    request: Request, user: User, slug: str, status_code: int = 200, **extra: Any
) -> Response:
    """The curation page; ``extra`` carries one form's typed values and errors."""
    async with db_session(request) as db:
        page = await curation.curation_page(db, user, slug)
    group = page.group
    context: dict[str, Any] = {
        "page": page,
        "header": page.header,
        "details_values": {
            "name": group.name,
            "description": group.description,
            "tags": ", ".join(page.header.tags),
        },
        "details_errors": {},
        "archive_errors": {},
        "feature_values": {"until": page.default_until.isoformat()},
        "feature_errors": {},
        "merge_values": {},
        "merge_errors": {},
        "problem": None,
    }
    context.update(extra)
    return render(request, "animation/curation/curate.html", context, status_code=status_code)


async def curate(request: Request) -> Response:
    """GET shows the curation page; POST saves the name, description and tags."""
    user = require_user(request)
    slug = str(request.path_params["slug"])
    if request.method != "POST":
        return await _curate_page(request, user, slug)
    values = form_values(await read_form(request))
    data, errors = validate(forms.GroupDetailsForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                await curation.update_group_details(db, user, slug, data.details())
            return RedirectResponse(_group_url(request, slug, done="curated"), status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    return await _curate_page(
        request, user, slug, 422, details_values=values, details_errors=errors
    )


async def archive(request: Request) -> Response:
    """Archive the group (read-only) once the box is ticked."""
    user = require_user(request)
    slug = str(request.path_params["slug"])
    values = form_values(await read_form(request))
    data, errors = validate(forms.ArchiveForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                await curation.archive_group(db, user, slug, confirmed=data.confirm)
            return RedirectResponse(_group_url(request, slug, done="archived"), status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    return await _curate_page(request, user, slug, 422, archive_errors=errors)


async def unarchive(request: Request) -> Response:
    """Open the group for posts and members again."""
    user = require_user(request)
    slug = str(request.path_params["slug"])
    await read_form(request)
    try:
        async with db_session(request) as db:
            await curation.unarchive_group(db, user, slug)
    except InvalidInput as exc:
        return await _curate_page(request, user, slug, 409, problem=exc.errors["__all__"])
    return RedirectResponse(_group_url(request, slug, done="unarchived"), status_code=303)


async def feature_group(request: Request) -> Response:
    """Put the group first in the directory until a day (company animators)."""
    user = require_user(request)
    slug = str(request.path_params["slug"])
    values = form_values(await read_form(request))
    data, errors = validate(forms.UntilForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                await curation.feature_group(db, user, slug, data.until)
            return RedirectResponse(_group_url(request, slug, done="featured"), status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    return await _curate_page(
        request, user, slug, 422, feature_values=values, feature_errors=errors
    )


async def unfeature_group(request: Request) -> Response:
    """Stop featuring the group in the directory."""
    user = require_user(request)
    slug = str(request.path_params["slug"])
    await read_form(request)
    async with db_session(request) as db:
        await curation.unfeature_group(db, user, slug)
    return RedirectResponse(_group_url(request, slug, done="unfeatured"), status_code=303)


async def merge(request: Request) -> Response:
    """Merge this group into another; the old address then leads there."""
    user = require_user(request)
    slug = str(request.path_params["slug"])
    values = form_values(await read_form(request))
    data, errors = validate(forms.MergeForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                outcome = await curation.merge_groups(
                    db,
                    user,
                    slug,
                    data.target,
                    understood=data.understood,
                )
            merged = _group_url(request, outcome.target.slug, done="merged")
            return RedirectResponse(merged, status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    return await _curate_page(request, user, slug, 422, merge_values=values, merge_errors=errors)


# Full paths (the animation routes are listed before the /groups and /posts mounts).
routes: list[BaseRoute] = [
    Route(
        "/posts/{post_id:int}/feature",
        feature_post,
        methods=["POST"],
        name="animation_curation_feature_post",
    ),
    Route(
        "/posts/{post_id:int}/pin", pin_post, methods=["POST"], name="animation_curation_pin_post"
    ),
    Route(
        "/animation/featured/{featured_id:int}/end",
        end_featuring,
        methods=["POST"],
        name="animation_curation_end",
    ),
    Route(
        "/animation/featured/{featured_id:int}/seen",
        dismiss_featured,
        methods=["POST"],
        name="animation_curation_dismiss",
    ),
    Route(
        "/animation/featured/{featured_id:int}/open",
        open_featured,
        name="animation_curation_open",
    ),
    Route(
        "/groups/{slug}/curate",
        follow_merges(curate),
        methods=["GET", "POST"],
        name="animation_curation_curate",
    ),
    Route(
        "/groups/{slug}/curate/archive",
        follow_merges(archive),
        methods=["POST"],
        name="animation_curation_archive",
    ),
    Route(
        "/groups/{slug}/curate/unarchive",
        follow_merges(unarchive),
        methods=["POST"],
        name="animation_curation_unarchive",
    ),
    Route(
        "/groups/{slug}/curate/feature",
        follow_merges(feature_group),
        methods=["POST"],
        name="animation_curation_feature_group",
    ),
    Route(
        "/groups/{slug}/curate/unfeature",
        follow_merges(unfeature_group),
        methods=["POST"],
        name="animation_curation_unfeature_group",
    ),
    Route(
        "/groups/{slug}/curate/merge",
        follow_merges(merge),
        methods=["POST"],
        name="animation_curation_merge",
    ),
]
