"""The proposal path the services write (posts, CSV) is the named route's path."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import BaseRoute, Match, Mount, Router

from esn.proposals import service as proposals
from esn.proposals.views.proposal import page as proposal_page
from esn.routes import build_routes


def _endpoint(routes: list[BaseRoute], scope: dict[str, Any]) -> Any:
    """The endpoint a GET of ``scope["path"]`` reaches, through the mounts."""
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.FULL:
            scope = {**scope, **child}
            if isinstance(route, Mount):
                return _endpoint(route.routes, scope)
            return child["endpoint"]
    return None


@pytest.mark.usefixtures("route_map")
def test_proposal_path_is_the_named_route() -> None:
    router = Router(routes=build_routes())
    named = router.url_path_for("proposals:proposal", proposal_id=4821)
    assert proposals.proposal_path(4821) == str(named)


@pytest.mark.usefixtures("route_map")
def test_a_written_proposal_path_opens_the_proposal_page() -> None:
    # Posts keep the path in their Markdown: it has to keep leading to the page.
    path = proposals.proposal_path(4821)
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    assert path == "/proposals/4821"
    assert _endpoint(build_routes(), scope) is proposal_page
