"""Sign in and out, password reset, personal settings and the language switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from esn.accounts import forms
from esn.accounts import service as accounts
from esn.animation.charters import service as charters
from esn.core.errors import InvalidInput, NotFound, Throttled
from esn.core.i18n import gettext as _
from esn.web.auth import require_user, safe_next
from esn.web.context import LANGUAGE_COOKIE, SESSION_COOKIE, cookie_header, session_signer
from esn.web.csrf import CSRF_COOKIE, new_csrf_secret
from esn.web.db import db_session
from esn.web.forms import form_values, read_form, validate
from esn.web.links import url_path
from esn.web.templating import render


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_in_redirect(request: Request, token: str, target: str) -> Response:
    """Redirect after login or password change, with a new session and CSRF cookie."""
    settings = request.app.state.settings
    response = RedirectResponse(target, status_code=303)
    signed = session_signer(settings).sign(token).decode()
    max_age = settings.session_days * 86400
    response.headers.append(
        "set-cookie", cookie_header(settings, SESSION_COOKIE, signed, max_age=max_age)
    )
    response.headers.append("set-cookie", cookie_header(settings, CSRF_COOKIE, new_csrf_secret()))
    return response


def _login_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    return render(
        request,
        "accounts/login.html",
        {"values": values, "errors": errors},
        status_code=status_code,
    )


async def login(request: Request) -> Response:
    """GET shows the form; POST checks the credentials and opens a session."""
    if request.method == "GET":
        if request.state.user is not None:
            return RedirectResponse(safe_next(request.query_params.get("next")), 303)
        return _login_page(request, {"next": request.query_params.get("next", "")}, {})
    form = await read_form(request)
    values = form_values(form)
    values.pop("password", None)
    data, errors = validate(forms.LoginForm, form_values(form))
    if data is None:
        return _login_page(request, values, errors, 422)
    try:
        async with db_session(request) as db:
            result = await accounts.log_in(
                db,
                request.app.state.settings,
                data.email,
                data.password,
                address=_client_address(request),
                user_agent=request.headers.get("user-agent", ""),
            )
            charter = await charters.company_charter_status(db, result.user)
    except InvalidInput as exc:
        return _login_page(request, values, exc.errors, 400)
    except Throttled as exc:
        response = _login_page(
            request,
            values,
            {"password": _("Too many attempts. Wait a moment and try again.")},
            429,
        )
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    return _signed_in_redirect(
        request,
        result.session_token,
        _after_login(request, safe_next(data.next), charter.pending),
    )


def _after_login(request: Request, target: str, charter_pending: bool) -> str:
    """Where a login leads: ``target``, through the company charter first when
    its latest version is not accepted yet (asked at each login until it is).

    Checked at login only, so ordinary pages cost nothing more.
    """
    charter = url_path(request, "animation_charters_company")
    if not charter_pending or target == charter or target.startswith(f"{charter}?"):
        return target
    return f"{charter}?next=" + quote(target, safe="")


async def logout(request: Request) -> Response:
    """End this session on the server, then forget the cookie."""
    await read_form(request)
    token = request.state.session_token
    if token:
        async with db_session(request) as db:
            await accounts.log_out(db, token)
    response = RedirectResponse(url_path(request, "home"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def password_reset_request(request: Request) -> Response:
    """Ask for a reset link by email; the answer is the same whoever asks."""
    context: dict[str, Any] = {"values": {}, "errors": {}, "sent": False}
    if request.method == "POST":
        form = await read_form(request)
        values = form_values(form)
        data, errors = validate(forms.ResetRequestForm, values)
        if data is None:
            context.update(values=values, errors=errors)
            return render(request, "accounts/password_reset.html", context, status_code=422)
        async with db_session(request) as db:
            await accounts.request_password_reset(db, request.app.state.settings, data.email)
        context.update(values=values, sent=True)
    return render(request, "accounts/password_reset.html", context)


async def password_reset_confirm(request: Request) -> Response:
    """Choose a new password with the link from the email (usable once)."""
    token = request.path_params["token"]
    async with db_session(request) as db:
        if request.method == "GET":
            valid = await accounts.reset_token_is_valid(db, token)
            return render(
                request,
                "accounts/password_reset_confirm.html",
                {"valid": valid, "errors": {}},
                status_code=200 if valid else 404,
            )
        form = await read_form(request)
        data, errors = validate(forms.NewPasswordForm, form_values(form))
        if data is not None:
            try:
                await accounts.reset_password(db, token, data.password)
            except InvalidInput as exc:
                errors = exc.errors
            except NotFound:
                return render(
                    request,
                    "accounts/password_reset_confirm.html",
                    {"valid": False, "errors": {}},
                    status_code=404,
                )
    if errors:
        return render(
            request,
            "accounts/password_reset_confirm.html",
            {"valid": True, "errors": errors},
            status_code=422,
        )
    return RedirectResponse(url_path(request, "login") + "?reset=1", status_code=303)


async def settings_page(request: Request) -> Response:
    """Personal settings: language and password."""
    require_user(request)
    return render(request, "accounts/settings.html", {"errors": {}, "changed": False})


async def change_password(request: Request) -> Response:
    """Change the password; every other session of this person ends."""
    user = require_user(request)
    form = await read_form(request)
    data, errors = validate(forms.ChangePasswordForm, form_values(form))
    if data is not None:
        try:
            async with db_session(request) as db:
                token = await accounts.change_password(
                    db,
                    request.app.state.settings,
                    user,
                    data.current_password,
                    data.new_password,
                    user_agent=request.headers.get("user-agent", ""),
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            changed = url_path(request, "settings") + "?changed=1"
            return _signed_in_redirect(request, token, changed)
    return render(
        request, "accounts/settings.html", {"errors": errors, "changed": False}, status_code=422
    )


async def switch_language(request: Request) -> Response:
    """The language switch: saved on the account, or in a cookie for visitors."""
    form = await read_form(request)
    data, _errors = validate(forms.LanguageForm, form_values(form))
    target = safe_next(data.next if data else None)
    response = RedirectResponse(target, status_code=303)
    if data is None:
        return response
    user = request.state.user
    if user is not None:
        async with db_session(request) as db:
            await accounts.set_locale(db, user, data.locale)
    response.headers.append(
        "set-cookie",
        cookie_header(request.app.state.settings, LANGUAGE_COOKIE, data.locale, max_age=31536000),
    )
    return response


routes = [
    Route("/login", login, methods=["GET", "POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route(
        "/password-reset",
        password_reset_request,
        methods=["GET", "POST"],
        name="password_reset",
    ),
    Route(
        "/password-reset/{token}",
        password_reset_confirm,
        methods=["GET", "POST"],
        name="password_reset_confirm",
    ),
    Route("/settings", settings_page, name="settings"),
    Route("/settings/password", change_password, methods=["POST"], name="change_password"),
    Route("/language", switch_language, methods=["POST"], name="language"),
]
