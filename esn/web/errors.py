"""Error pages: every failure answers with a page in the reader's language."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from esn.core.errors import Forbidden, NotFound, Throttled
from esn.core.i18n import gettext as _
from esn.web.auth import LoginRequired, login_url
from esn.web.templating import render

log = logging.getLogger("esn.web")


def _titles() -> dict[int, str]:
    return {
        400: _("This request could not be understood."),
        403: _("You may not do this."),
        404: _("This page does not exist, or you may not see it."),
        405: _("This action is not available here."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Wait a moment and try again."),
        500: _("Something went wrong on our side. Try again in a moment."),
    }


def error_page(request: Request, status_code: int, detail: str | None = None) -> Response:
    """The error page for ``status_code``, with an optional specific message."""
    message = detail or _titles().get(status_code, _titles()[400])
    try:
        return render(
            request,
            "errors/error.html",
            {"status_code": status_code, "message": message},
            status_code=status_code,
        )
    except Exception:  # the error page must never fail itself
        log.exception("error page failed")
        return PlainTextResponse(message, status_code=status_code)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if exc.detail and exc.detail != _default_phrase(exc.status_code) else None
    response = error_page(request, exc.status_code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _default_phrase(status_code: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status_code).phrase


async def not_found(request: Request, exc: Exception) -> Response:
    return error_page(request, 404)


async def forbidden(request: Request, exc: Exception) -> Response:
    return error_page(request, 403)


async def throttled(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Throttled)
    response = error_page(request, 429)
    response.headers["retry-after"] = str(exc.retry_after)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return error_page(request, 500)


async def login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = login_url(exc.next_url)
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"hx-redirect": target})
    return RedirectResponse(target, status_code=303)


EXCEPTION_HANDLERS = {
    HTTPException: http_exception,
    LoginRequired: login_required,
    NotFound: not_found,
    Forbidden: forbidden,
    Throttled: throttled,
    Exception: server_error,
}
