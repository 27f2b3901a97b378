"""Paths of named routes, found quickly: for templates' ``url()``, views' redirects
and the route map ``esn.core.urls`` answers services from.

Starlette's ``Router.url_path_for`` walks the whole URL map, each route that
does not answer raising NoMatchFound (0.2 to 0.3 ms on esn's map): a page of
fifty notification links would spend over 10 ms on them. Here each router
remembers, by name, the few routes that may answer it (under 12 µs a link).
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import Any

from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, Mount, NoMatchFound, Router

from esn.core.urls import path_params

# A route that may answer a name: asked ``name``, its path put after ``prefix``.
# For a named Mount without parameters (all of routes.py's), its children are
# asked directly, as Mount.url_path_for would.
_Candidate = tuple[BaseRoute, str, str]

# For each router, by name, the routes that may answer it, in the router's
# order: a link does not walk the whole URL map (one NoMatchFound per route).
_candidates: dict[int, tuple[weakref.ref[Router], dict[str, tuple[_Candidate, ...]]]] = {}


def _may_answer(routes: list[BaseRoute], name: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    for route in routes:
        if not isinstance(route, Mount):
            if getattr(route, "name", None) == name:
                found.append((route, name, ""))
        elif route.name is not None and name.startswith(route.name + ":"):
            child = name[len(route.name) + 1 :]
            if "{" in route.path or not route.routes:
                found.append((route, name, ""))
            else:
                prefix = route.path.rstrip("/")
                found += [(r, n, prefix + p) for r, n, p in _may_answer(route.routes, child)]
        elif route.name is None or name == route.name:
            found.append((route, name, ""))
    return found


def _candidates_for(router: Router, name: str) -> tuple[_Candidate, ...]:
    entry = _candidates.get(id(router))
    if entry is None or entry[0]() is not router:
        key = id(router)
        entry = (weakref.ref(router, lambda _ref: _candidates.pop(key, None)), {})
        _candidates[key] = entry
    by_name = entry[1]
    found = by_name.get(name)
    if found is None:
        found = by_name[name] = tuple(_may_answer(router.routes, name))
    return found


def route_path(router: Router, name: str, /, **params: Any) -> str:
    """The path of the route named ``name`` in ``router``, ``params`` written as given
    (no encoding, no root path), as ``router.url_path_for`` would answer."""
    for route, asked, prefix in _candidates_for(router, name):
        try:
            path = route.url_path_for(asked, **params)
        except NoMatchFound:
            continue
        return prefix + str(path)
    raise NoMatchFound(name, params)


def url_path(connection: HTTPConnection, name: str, /, **params: Any) -> str:
    """The path of the named route under the application's root path, text
    parameters percent-encoded (``esn.core.urls.path_params``).

    What a view redirects to or links with; ``request.url_for(...).path`` with
    the encoding templates use, and without walking the whole URL map.
    """
    scope = connection.scope
    router: Router = scope.get("router") or connection.app.router
    root: str = scope.get("app_root_path", scope.get("root_path", ""))
    try:
        key: Hashable = (root, name, *sorted(params.items()))
        known = _paths_for(router).get(key)
    except TypeError:  # a parameter that cannot be a key: compute it every time
        key, known = None, None
    if known is not None:
        return known
    path = root.rstrip("/") + route_path(router, name, **path_params(params))
    if key is not None:
        remember = _paths_for(router)
        if len(remember) >= MAX_REMEMBERED_PATHS:
            remember.clear()
        remember[key] = path
    return path


# A page links the same routes with the same ids again and again (every card of
# a stream links its author, its post, its reactions): finding and writing a
# path costs ~45 µs, a page of 500 links 20 ms, so each router remembers the
# paths it wrote, a bounded number at a time.
MAX_REMEMBERED_PATHS = 20_000
_paths: dict[int, tuple[weakref.ref[Router], dict[Hashable, str]]] = {}


def _paths_for(router: Router) -> dict[Hashable, str]:
    entry = _paths.get(id(router))
    if entry is None or entry[0]() is not router:
        key = id(router)
        entry = (weakref.ref(router, lambda _ref: _paths.pop(key, None)), {})
        _paths[key] = entry
    return entry[1]


class RoutePaths:
    """``router`` as the route map ``esn.core.urls.path_for`` answers from."""

    def __init__(self, router: Router) -> None:
        self.router = router

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        """The path of ``name``, parameters already encoded by ``path_for``."""
        return route_path(self.router, name, **path_params)
