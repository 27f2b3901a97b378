"""Paths of named routes for code without a request (esn.core.urls)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import NoMatchFound, Route, Router

from esn import cli
from esn.app import create_app
from esn.core import urls
from esn.core.urls import RoutesNotRegistered, path_for, use_routes
from esn.routes import build_routes
from esn.settings import Settings


async def _page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("")


@pytest.fixture
def unregistered(monkeypatch: pytest.MonkeyPatch) -> None:
    """No route map registered (as before the application is built); restored afterwards."""
    monkeypatch.setattr(urls, "_routes", None)


@pytest.mark.usefixtures("route_map")
def test_path_for_gives_the_path_of_a_named_route() -> None:
    assert path_for("home") == "/"
    assert path_for("notifications_home") == "/notifications"
    assert path_for("notification_settings") == "/settings/notifications"
    assert path_for("posts:post", post_id=7) == "/posts/7"
    assert path_for("groups:members", slug="lab") == "/groups/lab/members"
    assert path_for("animation_charters_group", slug="lab") == "/groups/lab/charter"
    assert path_for("proposals:proposal", proposal_id=4821) == "/proposals/4821"
    starlette = Router(routes=build_routes())
    assert path_for("posts:post", post_id=7) == starlette.url_path_for("posts:post", post_id=7)


@pytest.mark.usefixtures("route_map")
def test_path_for_encodes_text_as_links_always_were() -> None:
    # Starlette writes text parameters as they are; links quoted them (urllib's quote).
    assert path_for("people:profile", handle="anne marie") == "/people/anne%20marie"
    assert path_for("topics:topic", tag="énergie") == "/topics/" + quote("énergie", safe="")
    assert path_for("groups:group", slug="café") == "/groups/" + quote("café")
    assert path_for("groups:group", slug="a?b#c") == "/groups/a%3Fb%23c"


@pytest.mark.usefixtures("route_map")
def test_path_for_refuses_an_unknown_name_or_missing_parameters() -> None:
    with pytest.raises(NoMatchFound):
        path_for("no-such-page")
    with pytest.raises(NoMatchFound):
        path_for("posts:post")


@pytest.mark.usefixtures("unregistered")
def test_path_for_before_the_routes_are_registered_says_so() -> None:
    with pytest.raises(RoutesNotRegistered, match="use_routes"):
        path_for("posts:post", post_id=7)


@pytest.mark.usefixtures("unregistered")
def test_any_router_may_be_registered() -> None:
    use_routes(Router(routes=[Route("/things/{thing_id:int}", _page, name="thing")]))
    assert path_for("thing", thing_id=3) == "/things/3"


@pytest.mark.usefixtures("unregistered")
def test_the_application_registers_its_routes(settings: Settings) -> None:
    create_app(settings)
    assert path_for("posts:post", post_id=7) == "/posts/7"


@pytest.mark.usefixtures("unregistered")
def test_the_command_registers_the_routes_for_its_work() -> None:
    cli._use_routes()
    assert path_for("people:profile", handle="bob") == "/people/bob"
