"""Group pages: the directory, creation, a group's stream, members and about, membership."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from esn.accounts.models import User
from esn.animation import service as animation
from esn.core.errors import InvalidInput
from esn.groups import forms
from esn.groups import service as groups
from esn.groups.models import Visibility
from esn.proposals import service as proposals
from esn.stream.models import group_source
from esn.web.auth import require_user
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import is_htmx, render

View = Callable[[Request], Awaitable[Response]]
# The group's pages a redirect may land on: routes "groups:group", "groups:about"...
GroupTab = Literal["group", "about", "members"]


def follow_merges(view: View) -> View:
    """Answer a merged group's address with a permanent redirect to its new home.

    GET and HEAD get 301; other methods 308, which keeps the method and body.
    The rest of the path (the tab) and the query string are kept.
    """

    @functools.wraps(view)
    async def wrapper(request: Request) -> Response:
        try:
            return await view(request)
        except groups.GroupMerged as moved:
            prefix = url_path(request, "groups:group", slug=_slug(request))
            path = request.url.path
            tail = path[len(prefix) :] if path.startswith(prefix) else ""
            url = url_path(request, "groups:group", slug=moved.slug) + tail
            if request.url.query:
                url += f"?{request.url.query}"
            status = 301 if request.method in {"GET", "HEAD"} else 308
            return RedirectResponse(url, status_code=status)

    return wrapper


def _slug(request: Request) -> str:
    return str(request.path_params["slug"])


def _url(request: Request, slug: str, tab: GroupTab = "group", done: str = "") -> str:
    """A group's page (or its ``about`` or ``members`` tab), with the notice of what
    just happened."""
    url = url_path(request, f"groups:{tab}", slug=slug)
    return f"{url}?done={done}" if done else url


def _after(request: Request) -> str | None:
    data, _errors = validate(forms.PageForm, dict(request.query_params))
    return (data.after or None) if data else None


async def directory(request: Request) -> Response:
    """Search groups by name and tag; htmx gets only the results block."""
    user = require_user(request)
    values = dict(request.query_params)
    data, errors = validate(forms.DirectoryForm, values)
    async with db_session(request) as db:
        page = await groups.search_groups(db, user, data.query() if data else None)
    context = {"page": page, "values": values, "errors": errors}
    status = 422 if errors else 200
    return render(request, "groups/directory.html", context, block="results", status_code=status)


async def new_group(request: Request) -> Response:
    """GET shows the creation form; POST creates the group, all or nothing."""
    user = require_user(request)
    values: dict[str, str] = {"visibility": Visibility.OPEN.value}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = form_values(await read_form(request))
        data, errors = validate(forms.GroupForm, values)
        if data is not None:
            try:
                async with db_session(request) as db:
                    group = await groups.create_group(db, user, data.new_group())
                return RedirectResponse(_url(request, group.slug, done="created"), status_code=303)
            except InvalidInput as exc:
                errors = exc.errors
    context = {"values": values, "errors": errors, "visibilities": forms.visibility_choices()}
    return render(request, "groups/new.html", context, status_code=422 if errors else 200)


async def _tab(
    request: Request, user: User, slug: str, tab: str, status_code: int = 200, **extra: Any
) -> Response:
    """A group page on one of its tabs; ``extra`` carries a form's errors or a problem."""
    context: dict[str, Any] = {
        "tab": tab,
        "problem": None,
        "invite_values": {},
        "invite_errors": {},
        "roles": forms.role_choices(),
    }
    context.update(extra)
    async with db_session(request) as db:
        if tab == "members":
            context["members"] = await groups.members_page(db, user, slug, _after(request))
            context["header"] = context["members"].header
        elif tab == "about":
            context["header"] = await groups.group_about(db, user, slug)
        else:
            page = await groups.group_page(db, user, slug, _after(request))
            context.update(header=page.header, stream=page.stream)
            # htmx's "More" renders only the stream block: the top of the page stays.
            more = is_htmx(request) and _after(request) is not None
            if page.stream is not None and page.header.group.id is not None and not more:
                # A project group shows the proposal it runs at its top.
                context["pinned_proposals"] = await proposals.pinned_for_group(
                    db, user, page.header.group.id
                )
                context["panel"] = await animation.group_panel(
                    db, user, page.header.group, page.header.role
                )
    _stream_context(request, context)
    # htmx asks the stream tab for the next page ("More"): only the stream block.
    block = "stream" if tab == "stream" else None
    return render(request, "groups/group.html", context, block=block, status_code=status_code)


def _stream_context(request: Request, context: dict[str, Any]) -> None:
    """The variables the shared stream partial expects."""
    header: groups.GroupHeader = context["header"]
    assert header.group.id is not None
    source = group_source(header.group.id)
    stream = context.get("stream")
    context["stream_dom_id"] = f"stream-group-{header.group.id}"
    # base.html opens the live-update socket on these streams (re-checked there).
    context["live_sources"] = [source] if stream is not None else []
    context["composer_source"] = source if header.can_post else None
    # The partial appends ?after=<cursor> itself.
    context["more_url"] = _url(request, header.group.slug) if stream is not None else None


async def group_page(request: Request) -> Response:
    """The group's stream for readers; only its about section for everyone else."""
    user = require_user(request)
    return await _tab(request, user, _slug(request), "stream")


async def about(request: Request) -> Response:
    """The about tab: description, tags, the departments its members come from."""
    user = require_user(request)
    return await _tab(request, user, _slug(request), "about")


async def members(request: Request) -> Response:
    """The members tab; managers also see pending requests and the invite form."""
    user = require_user(request)
    return await _tab(request, user, _slug(request), "members")


async def join(request: Request) -> Response:
    """Join an open group, ask to join a private one, or take up an invitation."""
    user = require_user(request)
    await read_form(request)
    slug = _slug(request)
    try:
        async with db_session(request) as db:
            outcome = await groups.join_group(db, user, slug)
    except InvalidInput as exc:
        return await _tab(request, user, slug, "about", 409, problem=exc.errors["__all__"])
    return RedirectResponse(_url(request, slug, done=outcome), status_code=303)


async def leave(request: Request) -> Response:
    """Leave the group (the last owner is told why they cannot)."""
    user = require_user(request)
    await read_form(request)
    slug = _slug(request)
    try:
        async with db_session(request) as db:
            await groups.leave_group(db, user, slug)
    except InvalidInput as exc:
        return await _tab(request, user, slug, "about", 409, problem=exc.errors["__all__"])
    directory = url_path(request, "group_directory")
    return RedirectResponse(f"{directory}?done=left", status_code=303)


async def invite(request: Request) -> Response:
    """Invite a colleague by email or handle."""
    user = require_user(request)
    values = form_values(await read_form(request))
    slug = _slug(request)
    data, errors = validate(forms.InviteForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                outcome = await groups.invite_person(db, user, slug, data.invitee)
            return RedirectResponse(_url(request, slug, "members", outcome), status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    extra = {"invite_values": values, "invite_errors": errors}
    return await _tab(request, user, slug, "members", 422, **extra)


async def _decision(request: Request, accept: bool) -> Response:
    user = require_user(request)
    await read_form(request)
    slug = _slug(request)
    try:
        async with db_session(request) as db:
            await groups.decide_request(
                db,
                user,
                slug,
                request.path_params["request_id"],
                accept=accept,
            )
    except InvalidInput as exc:
        return await _tab(request, user, slug, "members", 409, problem=exc.errors["__all__"])
    done = "accepted" if accept else "declined"
    return RedirectResponse(_url(request, slug, "members", done), status_code=303)


async def accept_request(request: Request) -> Response:
    """An owner or group animator lets the person in."""
    return await _decision(request, accept=True)


async def decline_request(request: Request) -> Response:
    """An owner or group animator turns the request down."""
    return await _decision(request, accept=False)


async def cancel_request(request: Request) -> Response:
    """The requester takes their pending request back."""
    user = require_user(request)
    await read_form(request)
    slug = _slug(request)
    try:
        async with db_session(request) as db:
            await groups.cancel_request(db, user, slug, request.path_params["request_id"])
    except InvalidInput as exc:
        return await _tab(request, user, slug, "about", 409, problem=exc.errors["__all__"])
    return RedirectResponse(_url(request, slug, "about", "cancelled"), status_code=303)


async def _answer(request: Request, accept: bool) -> Response:
    user = require_user(request)
    await read_form(request)
    slug = _slug(request)
    try:
        async with db_session(request) as db:
            await groups.answer_invitation(
                db,
                user,
                slug,
                request.path_params["invitation_id"],
                accept=accept,
            )
    except InvalidInput as exc:
        return await _tab(request, user, slug, "about", 409, problem=exc.errors["__all__"])
    if accept:
        return RedirectResponse(_url(request, slug, done="joined"), status_code=303)
    directory = url_path(request, "group_directory")
    return RedirectResponse(f"{directory}?done=invitation_declined", status_code=303)


async def accept_invitation(request: Request) -> Response:
    """The invited person joins."""
    return await _answer(request, accept=True)


async def decline_invitation(request: Request) -> Response:
    """The invited person says no."""
    return await _answer(request, accept=False)


async def withdraw_invitation(request: Request) -> Response:
    """An owner or group animator takes an invitation back."""
    user = require_user(request)
    await read_form(request)
    slug = _slug(request)
    try:
        async with db_session(request) as db:
            await groups.withdraw_invitation(db, user, slug, request.path_params["invitation_id"])
    except InvalidInput as exc:
        return await _tab(request, user, slug, "members", 409, problem=exc.errors["__all__"])
    return RedirectResponse(_url(request, slug, "members", "withdrawn"), status_code=303)


async def remove_member(request: Request) -> Response:
    """An owner or group animator removes someone from the group."""
    user = require_user(request)
    await read_form(request)
    slug = _slug(request)
    try:
        async with db_session(request) as db:
            await groups.remove_member(db, user, slug, request.path_params["user_id"])
    except InvalidInput as exc:
        return await _tab(request, user, slug, "members", 409, problem=exc.errors["__all__"])
    return RedirectResponse(_url(request, slug, "members", "removed"), status_code=303)


async def change_role(request: Request) -> Response:
    """An owner gives a member another role."""
    user = require_user(request)
    values = form_values(await read_form(request))
    slug = _slug(request)
    data, errors = validate(forms.RoleForm, values)
    if data is not None:
        try:
            async with db_session(request) as db:
                await groups.change_member_role(
                    db,
                    user,
                    slug,
                    request.path_params["user_id"],
                    data.role.value,
                )
            return RedirectResponse(_url(request, slug, "members", "role"), status_code=303)
        except InvalidInput as exc:
            errors = exc.errors
    return await _tab(request, user, slug, "members", 422, problem=errors.get("role"))


routes = [
    Route("/new", new_group, methods=["GET", "POST"], name="new"),
    Route("/{slug}", follow_merges(group_page), name="group"),
    Route("/{slug}/about", follow_merges(about), name="about"),
    Route("/{slug}/members", follow_merges(members), name="members"),
    Route("/{slug}/join", follow_merges(join), methods=["POST"], name="join"),
    Route("/{slug}/leave", follow_merges(leave), methods=["POST"], name="leave"),
    Route("/{slug}/invite", follow_merges(invite), methods=["POST"], name="invite"),
    Route(
        "/{slug}/requests/{request_id:int}/accept",
        follow_merges(accept_request),
        methods=["POST"],
        name="accept_request",
    ),
    Route(
        "/{slug}/requests/{request_id:int}/decline",
        follow_merges(decline_request),
        methods=["POST"],
        name="decline_request",
    ),
    Route(
        "/{slug}/requests/{request_id:int}/cancel",
        follow_merges(cancel_request),
        methods=["POST"],
        name="cancel_request",
    ),
    Route(
        "/{slug}/invitations/{invitation_id:int}/accept",
        follow_merges(accept_invitation),
        methods=["POST"],
        name="accept_invitation",
    ),
    Route(
        "/{slug}/invitations/{invitation_id:int}/decline",
        follow_merges(decline_invitation),
        methods=["POST"],
        name="decline_invitation",
    ),
    Route(
        "/{slug}/invitations/{invitation_id:int}/withdraw",
        follow_merges(withdraw_invitation),
        methods=["POST"],
        name="withdraw_invitation",
    ),
    Route(
        "/{slug}/members/{user_id:int}/remove",
        follow_merges(remove_member),
        methods=["POST"],
        name="remove_member",
    ),
    Route(
        "/{slug}/members/{user_id:int}/role",
        follow_merges(change_role),
        methods=["POST"],
        name="change_role",
    ),
]
