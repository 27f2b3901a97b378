"""Home and streams, posts and their conversation, topics, attachments."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from esn.animation import service as animation
from esn.core.errors import InvalidInput, NotFound
from esn.stream import forms
from esn.stream import service as stream
from esn.stream.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from esn.web.auth import require_user, safe_next
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import is_htmx, render


def _after(request: Request) -> str | None:
    return request.query_params.get("after") or None


async def home(request: Request) -> Response:
    """Anonymous visitors get the login page; signed-in people their home stream."""
    user = request.state.user
    if user is None:
        return render(request, "accounts/login.html", {"values": {}, "errors": {}})
    async with db_session(request) as db:
        page = await stream.home_page(db, user, _after(request))
        # Spotlights and featured posts sit above the stream: on the first page of a
        # whole page only (htmx asks for the stream block alone).
        shows_panel = not _after(request) and not is_htmx(request)
        panel = await animation.home_panel(db, user) if shows_panel else None
    return render(
        request,
        "stream/home.html",
        {"home": page, "stream": page.stream, "panel": panel},
        block="stream",
    )


# --- posts ---------------------------------------------------------------------


async def _uploads(request: Request, form: FormData) -> list[stream.Upload]:
    """The files sent, each read only one byte past the limit so the service can refuse it."""
    files = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    uploads = []
    for upload in files[: MAX_ATTACHMENTS + 1]:
        data = await upload.read(MAX_ATTACHMENT_BYTES + 1)
        uploads.append(stream.Upload(filename=upload.filename or "", data=data))
    return uploads


async def create_post(request: Request) -> Response:
    """Post to a stream; back to the page it came from, or the form with its errors."""
    user = require_user(request)
    form = await read_form(request)
    values = form_values(form)
    data, errors = validate(forms.PostForm, values)
    uploads = await _uploads(request, form)
    if data is not None:
        try:
            async with db_session(request) as db:
                await stream.create_post(
                    db,
                    user,
                    data.source,
                    data.body,
                    uploads=uploads,
                    media_dir=request.app.state.settings.media_dir,
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            return RedirectResponse(safe_next(data.next), status_code=303)
    return _composer_errors(request, values, errors)


def _composer_errors(request: Request, values: dict[str, str], errors: dict[str, str]) -> Response:
    """The composer again with its errors and the text typed (files cannot be kept)."""
    dom = forms.dom_id(values.get("stream", ""))
    context = {
        "composer": {"values": values, "errors": errors},
        "composer_source": values.get("source", ""),
        "composer_next": safe_next(values.get("next")),
        "stream_dom_id": dom,
    }
    response = render(request, "stream/compose.html", context, block="composer", status_code=422)
    # htmx swaps the whole stream on success; on error only the form changes.
    response.headers["hx-retarget"] = f"#{dom}-composer"
    response.headers["hx-reselect"] = f"#{dom}-composer"
    return response


async def post_page(request: Request) -> Response:
    """One post with its whole conversation."""
    user = require_user(request)
    async with db_session(request) as db:
        view = await stream.post_view(db, user, request.path_params["post_id"])
        if view is None:
            raise NotFound
        # A hidden post's view holds a copy without its text for most readers;
        # the panels' parts only show for moderators, who get the whole post.
        panel = await animation.post_panel(db, user, view.post, view.group_role)
    return render(request, "stream/post.html", {"post": view, "panel": panel})


async def edit_post(request: Request) -> Response:
    """GET shows the editor; POST saves the new text (the old one goes to the history)."""
    user = require_user(request)
    post_id = request.path_params["post_id"]
    if request.method == "GET":
        async with db_session(request) as db:
            post = await stream.editable_post(db, user, post_id)
        return render(request, "stream/edit.html", {"post": post, "values": {"body": post.body}})
    form = await read_form(request)
    values = form_values(form)
    data, errors = validate(forms.EditForm, values)
    async with db_session(request) as db:
        if data is not None:
            await stream.edit_post(db, user, post_id, data.body)
            post_url = url_path(request, "posts:post", post_id=post_id)
            return RedirectResponse(post_url, status_code=303)
        post = await stream.editable_post(db, user, post_id)
    context = {"post": post, "values": values, "errors": errors}
    return render(request, "stream/edit.html", context, status_code=422)


async def history(request: Request) -> Response:
    """The earlier texts of a post."""
    user = require_user(request)
    async with db_session(request) as db:
        page = await stream.post_history(db, user, request.path_params["post_id"])
    return render(request, "stream/history.html", {"history": page, "post": page.post})


async def delete_post(request: Request) -> Response:
    """Delete a post; htmx removes it from the page, a browser goes home."""
    user = require_user(request)
    await read_form(request)
    async with db_session(request) as db:
        await stream.delete_post(
            db,
            user,
            request.path_params["post_id"],
            media_dir=request.app.state.settings.media_dir,
        )
    if is_htmx(request):
        return Response(status_code=200)
    return RedirectResponse(url_path(request, "home"), status_code=303)


# --- conversation -------------------------------------------------------------------


async def comment(request: Request) -> Response:
    """Comment or reply; htmx gets the post again, a browser the post's page."""
    user = require_user(request)
    post_id = request.path_params["post_id"]
    form = await read_form(request)
    values = form_values(form)
    data, errors = validate(forms.CommentForm, values)
    async with db_session(request) as db:
        if data is not None:
            created = await stream.add_comment(db, user, post_id, data.body, data.parent_id)
            if not is_htmx(request):
                post_url = url_path(request, "posts:post", post_id=post_id)
                return RedirectResponse(f"{post_url}#comment-{created.id}", 303)
        full = values.get("view") == "full" or not is_htmx(request)
        view = await stream.post_view(db, user, post_id, full=full)
    return _conversation(request, view, values, errors)


def _conversation(
    request: Request,
    view: stream.PostView | None,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    """The post after a comment: a fragment for htmx, the post's page otherwise,
    with the comment form showing its error beside the text typed."""
    if view is None:
        raise NotFound
    context: dict[str, Any] = {"post": view}
    if errors:
        parent = values.get("parent_id", "")
        context["comment_form"] = {
            "post_id": view.post.id,
            "parent_id": int(parent) if parent.isdigit() else None,
            "values": values,
            "errors": errors,
        }
    template = "stream/_post.html" if is_htmx(request) else "stream/post.html"
    return render(request, template, context, status_code=422 if errors else 200)


async def react(request: Request) -> Response:
    """Toggle a reaction; htmx gets the counts again, a browser goes back."""
    user = require_user(request)
    post_id = request.path_params["post_id"]
    form = await read_form(request)
    data, errors = validate(forms.ReactionForm, form_values(form))
    if data is None:
        raise HTTPException(400, errors.get("kind"))
    async with db_session(request) as db:
        await stream.toggle_reaction(db, user, post_id, data.kind.value)
        if not is_htmx(request):
            post_url = url_path(request, "posts:post", post_id=post_id)
            return RedirectResponse(safe_next(data.next or post_url), status_code=303)
        view = await stream.post_view(db, user, post_id, full=False)
    return render(request, "stream/_counts.html", {"post": view})


# --- attachments ------------------------------------------------------------------


async def _send_attachment(request: Request, *, thumbnail: bool) -> Response:
    user = require_user(request)
    async with db_session(request) as db:
        found = await stream.attachment_file(
            db,
            user,
            request.path_params["post_id"],
            request.path_params["attachment_id"],
            media_dir=request.app.state.settings.media_dir,
            thumbnail=thumbnail,
        )
    headers = {"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"}
    if thumbnail:
        return FileResponse(found.path, media_type=found.content_type, headers=headers)
    return FileResponse(
        found.path,
        media_type=found.content_type,
        headers=headers,
        filename=found.filename,
        content_disposition_type="attachment",
    )


async def attachment(request: Request) -> Response:
    """Download an attachment (never shown inline), for readers of the post only."""
    return await _send_attachment(request, thumbnail=False)


async def thumbnail(request: Request) -> Response:
    """An image attachment's re-encoded thumbnail, shown inline."""
    return await _send_attachment(request, thumbnail=True)


# --- mentions and topics -----------------------------------------------------------


async def mention_candidates(request: Request) -> Response:
    """People to @mention in a text for ``source``; htmx gets only the list."""
    user = require_user(request)
    values = dict(request.query_params)
    data, _errors = validate(forms.MentionQuery, values)
    query = data or forms.MentionQuery()
    async with db_session(request) as db:
        people = await stream.mention_candidates(db, user, query.q, query.source)
    context = {"people": people, "values": values}
    return render(request, "stream/mentions.html", context, block="candidates")


async def topic(request: Request) -> Response:
    """A #topic's stream, with the follow button."""
    user = require_user(request)
    async with db_session(request) as db:
        page = await stream.topic_page(db, user, request.path_params["tag"], _after(request))
    return render(
        request, "stream/topic.html", {"topic": page, "stream": page.stream}, block="stream"
    )


async def _follow_topic(request: Request, *, follow: bool) -> Response:
    user = require_user(request)
    await read_form(request)
    async with db_session(request) as db:
        page = await stream.set_topic_follow(db, user, request.path_params["tag"], follow=follow)
    if not is_htmx(request):
        return RedirectResponse(url_path(request, "topics:topic", tag=page.tag), 303)
    return render(request, "stream/topic.html", {"topic": page}, block="follow")


async def follow_topic(request: Request) -> Response:
    """Follow a #topic: its posts reach my home stream."""
    return await _follow_topic(request, follow=True)


async def unfollow_topic(request: Request) -> Response:
    """Stop following a #topic."""
    return await _follow_topic(request, follow=False)


post_routes = [
    Route("/mention-candidates", mention_candidates, name="mention_candidates"),
    Route("/{post_id:int}", post_page, name="post"),
    Route("/{post_id:int}/edit", edit_post, methods=["GET", "POST"], name="edit"),
    Route("/{post_id:int}/history", history, name="history"),
    Route("/{post_id:int}/delete", delete_post, methods=["POST"], name="delete"),
    Route("/{post_id:int}/comments", comment, methods=["POST"], name="comment"),
    Route("/{post_id:int}/reactions", react, methods=["POST"], name="react"),
    Route("/{post_id:int}/attachments/{attachment_id:int}", attachment, name="attachment"),
    Route(
        "/{post_id:int}/attachments/{attachment_id:int}/thumbnail",
        thumbnail,
        name="thumbnail",
    ),
]

topic_routes = [
    Route("/{tag}", topic, name="topic"),
    Route("/{tag}/follow", follow_topic, methods=["POST"], name="follow"),
    Route("/{tag}/unfollow", unfollow_topic, methods=["POST"], name="unfollow"),
]
