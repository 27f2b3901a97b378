"""Template helpers: links through named routes, dates in the reader's zone and language."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import Environment
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, NoMatchFound, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Message
from starlette.websockets import WebSocket

from esn.core.i18n import set_locale
from esn.settings import PROJECT_ROOT
from esn.web.templating import DEFAULT_TIMEZONE, create_templates, serving

# 01:22:33 in Paris, 19:22:33 the day before in New York.
MOMENT = datetime(2026, 12, 2, 0, 22, 33, tzinfo=UTC)


async def _page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("")


async def _socket(websocket: WebSocket) -> None:
    await websocket.close()


def _app() -> Starlette:
    """A small URL map shaped like esn/routes.py: plain routes, named Mounts, static files."""
    return Starlette(
        routes=[
            Route("/", _page, name="home"),
            Route("/people", _page, name="directory"),
            Mount("/people", routes=[Route("/{handle}", _page, name="profile")], name="people"),
            Mount(
                "/posts",
                routes=[
                    Route("/{post_id:int}", _page, name="post"),
                    Route(
                        "/{post_id:int}/attachments/{attachment_id:int}", _page, name="attachment"
                    ),
                ],
                name="posts",
            ),
            Route("/topics/{tag}", _page, name="topic"),
            WebSocketRoute("/ws", _socket, name="ws"),
            Mount("/static", app=StaticFiles(directory=PROJECT_ROOT / "static"), name="static"),
        ]
    )


def _scope(app: Starlette, kind: str = "http", root_path: str = "") -> dict[str, Any]:
    return {
        "type": kind,
        "app": app,
        "router": app.router,
        "root_path": root_path,
        "path": root_path + "/",
        "method": "GET",
        "headers": [(b"host", b"esn.example")],
        "query_string": b"",
        "scheme": "http" if kind == "http" else "ws",
        "server": ("esn.example", 80),
    }


@pytest.fixture
def env() -> Environment:
    """The application's template environment (its globals and filters)."""
    return create_templates().env


def _render(env: Environment, source: str, **context: Any) -> str:
    return env.from_string(source).render(**context)


def test_url_gives_the_path_of_a_named_route(env: Environment) -> None:
    request = Request(_scope(_app()))
    rendered = _render(
        env,
        "{{ url('home') }} {{ url('directory') }} {{ url('posts:post', post_id=7) }} "
        "{{ url('posts:attachment', post_id=7, attachment_id=3) }} {{ url('ws') }}",
        request=request,
    )
    assert rendered.split() == ["/", "/people", "/posts/7", "/posts/7/attachments/3", "/ws"]


def test_url_encodes_text_parameters_and_serves_static_files(env: Environment) -> None:
    request = Request(_scope(_app()))
    rendered = _render(
        env,
        "{{ url('people:profile', handle=handle) }} {{ url('topic', tag='énergie') }} "
        "{{ url('static', path='/vendor/htmx.min.js') }}",
        request=request,
        handle="anne marie",
    )
    assert rendered.split() == [
        "/people/anne%20marie",
        "/topics/%C3%A9nergie",
        "/static/vendor/htmx.min.js",
    ]


def test_url_is_a_path_under_the_root_path_never_an_absolute_url(env: Environment) -> None:
    request = Request(_scope(_app(), root_path="/esn"))
    rendered = _render(env, "{{ url('home') }} {{ url('posts:post', post_id=1) }}", request=request)
    assert rendered.split() == ["/esn/", "/esn/posts/1"]
    assert "esn.example" not in rendered


def test_url_works_when_the_request_is_a_live_socket(env: Environment) -> None:
    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        return None

    websocket = WebSocket(_scope(_app(), kind="websocket"), receive, send)
    assert _render(env, "{{ url('posts:post', post_id=5) }}", request=websocket) == "/posts/5"


def test_url_without_a_request_uses_the_connection_being_served(env: Environment) -> None:
    # A macro imported without context sees no ``request``.
    with serving(HTTPConnection(_scope(_app(), root_path="/esn"))):
        assert _render(env, "{{ url('people:profile', handle='bob') }}") == "/esn/people/bob"
    with pytest.raises(RuntimeError):
        _render(env, "{{ url('home') }}")


def test_url_refuses_an_unknown_name_or_missing_parameters(env: Environment) -> None:
    request = Request(_scope(_app()))
    with pytest.raises(NoMatchFound):
        _render(env, "{{ url('nowhere') }}", request=request)
    with pytest.raises(NoMatchFound):
        _render(env, "{{ url('posts:post') }}", request=request)


@dataclass
class Reader:
    """What the date filter reads of the signed-in person."""

    timezone: str


def _in_locale(locale: str, env: Environment, source: str, **context: Any) -> str:
    def run() -> str:
        set_locale(locale)
        return _render(env, source, **context)

    # A copy of the context: the locale set here does not leak into other tests.
    return contextvars.copy_context().run(run)


def test_dates_in_english_in_the_readers_zone_without_seconds(env: Environment) -> None:
    paris, new_york = Reader("Europe/Paris"), Reader("America/New_York")
    source = "{{ when|datetime }}|{{ when|datetime('short') }}|{{ when|datetime('date') }}"
    assert _in_locale("en", env, source, when=MOMENT, current_user=paris).split("|") == [
        "Dec 2, 2026, 1:22\u202fAM",
        "12/2/26, 1:22\u202fAM",
        "Dec 2, 2026",
    ]
    assert _in_locale("en", env, source, when=MOMENT, current_user=new_york).split("|") == [
        "Dec 1, 2026, 7:22\u202fPM",
        "12/1/26, 7:22\u202fPM",
        "Dec 1, 2026",
    ]


def test_dates_in_french_in_the_readers_zone_without_seconds(env: Environment) -> None:
    source = "{{ when|datetime }}|{{ when|datetime('short') }}|{{ when|datetime('date') }}"
    rendered = _in_locale("fr", env, source, when=MOMENT, current_user=Reader("Europe/Paris"))
    assert rendered.split("|") == ["2 déc. 2026, 01:22", "02/12/2026 01:22", "2 déc. 2026"]
    assert ":33" not in rendered


def test_dates_of_anonymous_readers_and_unknown_zones_use_the_company_zone(
    env: Environment,
) -> None:
    assert DEFAULT_TIMEZONE == "Europe/Paris"
    expected = "2 déc. 2026, 01:22"
    assert _in_locale("fr", env, "{{ when|datetime }}", when=MOMENT, current_user=None) == expected
    unknown = Reader("Mars/Olympus_Mons")
    assert _in_locale("fr", env, "{{ when|datetime }}", when=MOMENT, current_user=unknown) == (
        expected
    )
    # Naive datetimes read back from SQLite are UTC.
    naive = MOMENT.replace(tzinfo=None)
    assert _in_locale("fr", env, "{{ when|datetime }}", when=naive, current_user=None) == expected


def test_dates_without_a_template_reader_use_the_served_persons_zone(env: Environment) -> None:
    # A macro imported without context sees no ``current_user``.
    scope = _scope(_app())
    scope["state"] = {"user": Reader("America/New_York")}
    with serving(HTTPConnection(scope)):
        assert _in_locale("en", env, "{{ when|datetime('date') }}", when=MOMENT) == "Dec 1, 2026"


def test_an_unknown_date_style_is_refused(env: Environment) -> None:
    with pytest.raises(ValueError, match="unknown date style"):
        _in_locale("en", env, "{{ when|datetime('d MMM y') }}", when=MOMENT, current_user=None)
