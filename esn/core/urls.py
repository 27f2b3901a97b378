"""Paths of named routes for code without a request.

Services and view models write links into what they return or keep (a
notification's link on the page and in mail, the animators' queue, a
proposal's posts): they have no request to ask for a URL. The application
registers its route map when it is built (``esn.app.create_app``; the ``esn``
command does the same for its own work) and ``path_for`` answers from it, so
every link follows the named routes of ``esn/routes.py``.

Views use ``esn.web.links.url_path`` (their request knows the root path) and
templates ``url(...)``; all three encode parameters with ``path_params``.
Nothing here imports HTTP code: the route map is anything with Starlette's
``url_path_for``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote


class RouteMap(Protocol):
    """What ``path_for`` asks of the registered routes (a Starlette ``Router`` answers)."""

    def url_path_for(self, name: str, /, **path_params: Any) -> str: ...


_routes: RouteMap | None = None


class RoutesNotRegistered(RuntimeError):
    """A path was asked for before the application registered its routes."""


def use_routes(routes: RouteMap) -> None:
    """Answer ``path_for`` from ``routes`` from now on (the application's route map)."""
    global _routes
    _routes = routes


def path_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` ready for a path: text percent-encoded (``/`` kept), numbers as given.

    Starlette writes text parameters into the path as they are; a slug, handle
    or #topic with an accent or a space is quoted here, as links always were
    ("/topics/%C3%A9nergie").
    """
    return {key: quote(v, safe="/") if isinstance(v, str) else v for key, v in params.items()}


def path_for(name: str, /, **params: Any) -> str:
    """The path of the route named ``name`` with ``params`` (no root path, no host).

    Raises ``RoutesNotRegistered`` before ``use_routes``, and Starlette's
    ``NoMatchFound`` for a name or parameters no route has.
    """
    if _routes is None:
        raise RoutesNotRegistered(
            f"No route map to find {name!r} in: the application registers it with"
            " esn.core.urls.use_routes when it is built (esn.app.create_app, esn.cli)."
        )
    return str(_routes.url_path_for(name, **path_params(params)))
