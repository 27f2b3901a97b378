"""Jinja2 with jinja2-fragments: one template per page, one block for htmx."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2_fragments.starlette import Jinja2Blocks
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from esn.clock import as_utc
from esn.web import i18n
from esn.web.csrf import CSRF_FIELD

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


def _common_context(request: Request) -> dict[str, Any]:
    state = request.state
    return {
        "current_user": getattr(state, "user", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "csrf_field": CSRF_FIELD,
        "locale": i18n.get_locale(),
        "locales": i18n.LOCALE_NAMES,
    }


def _format_datetime(value: datetime, fmt: str = "medium", tz: str = "Europe/Paris") -> str:
    return format_datetime(as_utc(value), fmt, tzinfo=ZoneInfo(tz), locale=i18n.get_locale())


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
