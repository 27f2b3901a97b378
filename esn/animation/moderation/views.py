"""Pages of this part of the animators' work: reporting, the queue, moderation steps.

The queue lives at /animation/moderation for everyone who moderates something:
company animators and administrators see every report on content they may
read; a group's owners and animators see their groups' (``?group=<slug>``
narrows it to one group, which is where the group page's link goes). One page
for both keeps one set of controls and one action log.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from esn.accounts.models import User
from esn.animation.moderation import forms
from esn.animation.moderation import service as moderation
from esn.core.errors import InvalidInput
from esn.core.i18n import gettext as _
from esn.web.auth import require_user, safe_next
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import render

ACTIONS = ("hide", "restore", "dismiss")
DONE = {"hide": "hidden", "restore": "restored", "dismiss": "dismissed"}


def _item_ids(request: Request) -> tuple[int, int | None]:
    comment_id = request.path_params.get("comment_id")
    return int(request.path_params["post_id"]), int(comment_id) if comment_id else None


def _with_done(url: str, done: str) -> str:
    """``url`` with the notice of what just happened (anchors kept at the end)."""
    path, _sep, anchor = url.partition("#")
    path += ("&" if "?" in path else "?") + f"done={quote(done)}"
    return path + (f"#{anchor}" if anchor else "")


async def report(request: Request) -> Response:
    """GET: the report form; POST: send the report, then back to the post with thanks."""
    user = require_user(request)
    post_id, comment_id = _item_ids(request)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = form_values(await read_form(request))
        data, errors = validate(forms.ReportForm, values)
        if data is not None:
            try:
                async with db_session(request) as db:
                    await moderation.report_content(db, user, post_id, comment_id, data.reason)
            except InvalidInput as exc:
                errors = exc.errors
            else:
                post = url_path(request, "posts:post", post_id=post_id)
                return RedirectResponse(_with_done(post, "reported"), 303)
    async with db_session(request) as db:
        target = await moderation.report_target(db, user, post_id, comment_id)
    context = {"target": target, "values": values, "errors": errors}
    return render(
        request, "animation/moderation/report.html", context, status_code=422 if errors else 200
    )


async def queue(request: Request) -> Response:
    """The open reports the person may handle, and the latest moderation steps."""
    user = require_user(request)
    slug = request.query_params.get("group") or None
    async with db_session(request) as db:
        page = await moderation.moderation_queue(db, user, slug)
    return render(request, "animation/moderation/queue.html", {"queue": page})


async def act(request: Request) -> Response:
    """GET: the form of one step (hide, restore, dismiss) with its reason;
    POST: take it, then back where the moderator came from."""
    user = require_user(request)
    # The routes spell out each action, so the last segment is one of ACTIONS.
    action = request.url.path.rsplit("/", 1)[-1]
    post_id, comment_id = _item_ids(request)
    values: dict[str, str] = {"next": request.query_params.get("next", "")}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = form_values(await read_form(request))
        model: Any = forms.HideForm if action == "hide" else forms.NoteForm
        data, errors = validate(model, values)
        if data is not None:
            try:
                async with db_session(request) as db:
                    await _take(request, db, user, action, post_id, comment_id, data.reason)
            except InvalidInput as exc:
                errors = exc.errors
            except moderation.AlreadyHandled:
                errors = {"__all__": _stale_message()}
                status = 409
            else:
                anchor = f"#comment-{comment_id}" if comment_id else ""
                post = url_path(request, "posts:post", post_id=post_id)
                back = safe_next(data.next) if data.next else post + anchor
                return RedirectResponse(_with_done(back, DONE[action]), status_code=303)
    async with db_session(request) as db:
        target = await moderation.action_target(db, user, post_id, comment_id)
    if errors and status == 200:
        status = 422
    context = {"target": target, "action": action, "values": values, "errors": errors}
    return render(request, "animation/moderation/act.html", context, status_code=status)


def _stale_message() -> str:
    return _("This was already handled, perhaps by another moderator. Nothing was changed.")


async def _take(
    request: Request,
    db: AsyncSession,
    user: User,
    action: str,
    post_id: int,
    comment_id: int | None,
    reason: str,
) -> None:
    if action == "hide":
        await moderation.hide_content(db, user, post_id, comment_id, reason)
    elif action == "restore":
        await moderation.restore_content(db, user, post_id, comment_id, reason)
    else:
        await moderation.dismiss_reports(db, user, post_id, comment_id, reason)


# Full paths (the animation routes are listed before the /groups and /posts mounts).
routes: list[BaseRoute] = [
    Route(
        "/posts/{post_id:int}/report",
        report,
        methods=["GET", "POST"],
        name="animation_moderation_report_post",
    ),
    Route(
        "/posts/{post_id:int}/comments/{comment_id:int}/report",
        report,
        methods=["GET", "POST"],
        name="animation_moderation_report_comment",
    ),
    Route("/animation/moderation", queue, name="animation_moderation_queue"),
    *(
        Route(
            f"/animation/moderation/posts/{{post_id:int}}/{action}",
            act,
            methods=["GET", "POST"],
            name=f"animation_moderation_post_{action}",
        )
        for action in ACTIONS
    ),
    *(
        Route(
            f"/animation/moderation/posts/{{post_id:int}}/comments/{{comment_id:int}}/{action}",
            act,
            methods=["GET", "POST"],
            name=f"animation_moderation_comment_{action}",
        )
        for action in ACTIONS
    ),
]
