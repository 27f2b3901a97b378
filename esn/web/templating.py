"""Jinja2 with jinja2-fragments: one template per page, one block for htmx."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_datetime_format
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2_fragments.starlette import Jinja2Blocks
from markupsafe import Markup
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from esn import policy
from esn.accounts.models import User
from esn.core import i18n
from esn.core.clock import as_utc
from esn.web.csrf import CSRF_FIELD
from esn.web.links import url_path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


def is_htmx(request: Request) -> bool:
    """True when htmx wants a fragment rather than a whole page.

    htmx 4 also sets HX-Request when it restores history or swaps the whole
    body; those requests get the full page.
    """
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-request-type") != "full"
        and headers.get("hx-history-restore-request") != "true"
    )


def menu_for(user: User | None) -> dict[str, bool]:
    """Which of base.html's role-dependent links ``user`` sees, as policy.py decides.

    The template only reads these flags: it never compares role strings. The
    links every signed-in person sees need no flag (``current_user`` is set
    only for a signed-in, active person).
    """
    return {
        "animation": policy.can_animate_company(user),
        "admin": policy.can_administer(user),
    }


def _common_context(request: Request) -> dict[str, Any]:
    state = request.state
    user: User | None = getattr(state, "user", None)
    return {
        "current_user": user,
        "nav": menu_for(user),
        "csrf_token": getattr(state, "csrf_token", ""),
        "csrf_field": CSRF_FIELD,
        "locale": i18n.get_locale(),
        "locales": i18n.LOCALE_NAMES,
    }


# The connection being served, for templates that see no ``request``: a
# macro imported without context (``{% from "people/_macros.html" import
# avatar %}``, kept so to avoid evaluating the macro module per inclusion).
_serving: ContextVar[HTTPConnection | None] = ContextVar("esn_serving", default=None)


@contextmanager
def serving(connection: HTTPConnection) -> Iterator[None]:
    """Make ``connection`` the one links and dates are written for, in this context."""
    token = _serving.set(connection)
    try:
        yield
    finally:
        _serving.reset(token)


def _connection(context: Context) -> HTTPConnection:
    """The template's request (an HTTP request or a live socket), else the one being served."""
    connection: HTTPConnection | None = context.get("request")
    if connection is None:
        connection = _serving.get()
    if connection is None:
        raise RuntimeError("url() needs a request in the template context or a served connection")
    return connection


# --- links ---------------------------------------------------------------------


@pass_context
def _url(context: Context, name: str, /, **params: Any) -> str:
    """The path of the named route, under the application's root path.

    A path, not Starlette's absolute ``url_for``: links stay right behind a
    proxy, and a card rendered once serves every reader (realtime/cards.py).
    Text parameters are percent-encoded, as ``|urlencode`` did.
    """
    return url_path(_connection(context), name, **params)


# --- dates ---------------------------------------------------------------------

# Readers without an account (or whose zone is unknown here) read the
# company's time: the zone every account starts with.
DEFAULT_TIMEZONE: str = User.model_fields["timezone"].default
DATETIME_STYLES = ("medium", "short", "date")


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def _reader_zone(context: Context) -> ZoneInfo:
    if "current_user" in context:
        reader = context.get("current_user")
    else:
        served = _serving.get()
        reader = served.scope.get("state", {}).get("user") if served is not None else None
    return _zone(getattr(reader, "timezone", None) or DEFAULT_TIMEZONE)


def format_moment(value: datetime | date, style: str, zone: ZoneInfo, locale: str) -> str:
    """``value`` as a reader in ``zone`` speaking ``locale`` reads it, never with seconds.

    ``medium``: "Dec 2, 2026, 1:22 AM" / "2 déc. 2026, 01:22"; ``short``:
    "12/2/26, 1:22 AM" / "02/12/2026 01:22"; ``date``: "Dec 2, 2026" / "2 déc. 2026".
    """
    if style not in DATETIME_STYLES:
        raise ValueError(f"unknown date style {style!r}: one of {DATETIME_STYLES}")
    if not isinstance(value, datetime):
        return str(format_date(value, "medium", locale=locale))
    local = as_utc(value).astimezone(zone)
    if style == "date":
        return str(format_date(local, "medium", locale=locale))
    date_style: Literal["medium", "short"] = "short" if style == "short" else "medium"
    # Babel's own "medium" datetime has seconds: its date, the short time, in
    # the locale's pattern for joining them ("{1}, {0}").
    return (
        str(get_datetime_format(date_style, locale=locale))
        .replace("'", "")
        .replace("{0}", format_time(local, "short", locale=locale))
        .replace("{1}", format_date(local, date_style, locale=locale))
    )


@pass_context
def _format_datetime(context: Context, value: datetime | date, style: str = "medium") -> str:
    """The ``datetime`` filter: in the reader's time zone and language."""
    return format_moment(value, style, _reader_zone(context), i18n.get_locale())


@pass_context
def _csrf_input(context: Context) -> Markup:
    """The hidden CSRF field, for templates rendered once per item of a list.

    Pages import the ``csrf`` macro; a template included for every post or
    comment calls this global instead, as importing a macro "with context"
    evaluates its whole module again at each inclusion.
    """
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        context.get("csrf_field", CSRF_FIELD), context.get("csrf_token", "")
    )


def create_templates(*, auto_reload: bool = False) -> Jinja2Blocks:
    """The template environment, translations wired to the request's locale.

    Without ``auto_reload`` (production), a template is read once per process
    instead of being checked on disk at every inclusion.
    """
    templates = Jinja2Blocks(directory=str(TEMPLATE_DIR), context_processors=[_common_context])
    env = templates.env
    env.auto_reload = auto_reload
    env.globals["csrf_input"] = _csrf_input
    env.globals["url"] = _url
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.filters["datetime"] = _format_datetime
    return templates


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render a page, or only ``block`` of it when htmx asked.

    ``Vary: HX-Request`` keeps caches from serving a fragment as a page.
    """
    templates: Jinja2Blocks = request.app.state.templates
    kwargs: dict[str, Any] = {}
    if block and is_htmx(request):
        kwargs["block_name"] = block
    response: Response = templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, **kwargs
    )
    response.headers["vary"] = "HX-Request, Cookie"
    return response
