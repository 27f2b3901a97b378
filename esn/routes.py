"""The whole URL map: one named Mount per domain."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from esn.accounts import views as accounts
from esn.admin import views as admin
from esn.people import views as people
from esn.settings import PROJECT_ROOT
from esn.stream import views as stream
from esn.web import health


def build_routes() -> list[BaseRoute]:
    """Every URL the application answers."""
    return [
        Route("/", stream.home, name="home"),
        Route("/healthz", health.healthz, name="healthz"),
        *accounts.routes,
        # The directory lives at /people itself, which a Mount only matches with a slash.
        Route("/people", people.directory, name="directory"),
        Mount("/people", routes=people.routes, name="people"),
        Route("/org", people.org_chart, name="org"),
        Route("/admin", admin.index, name="admin_home"),
        Mount("/admin", routes=admin.routes, name="admin"),
        Mount("/static", app=StaticFiles(directory=PROJECT_ROOT / "static"), name="static"),
    ]
