"""The whole URL map: one named Mount per domain."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from esn.accounts import views as accounts
from esn.admin import views as admin
from esn.animation import views as animation
from esn.groups import views as groups
from esn.notifications import views as notifications
from esn.people import views as people
from esn.proposals import views as proposals
from esn.realtime import ws
from esn.settings import PROJECT_ROOT
from esn.stream import views as stream
from esn.web import health


def build_routes() -> list[BaseRoute]:
    """Every URL the application answers."""
    return [
        Route("/", stream.home, name="home"),
        Route("/healthz", health.healthz, name="healthz"),
        *accounts.routes,
        # Animation pages sit under /animation and on group and post pages: listed
        # before the /groups and /posts mounts so their full paths match first.
        *animation.routes,
        # The directory lives at /people itself, which a Mount only matches with a slash.
        Route("/people", people.directory, name="directory"),
        Mount("/people", routes=people.routes, name="people"),
        Route("/org", people.org_chart, name="org"),
        Route("/groups", groups.directory, name="group_directory"),
        Mount("/groups", routes=groups.routes, name="groups"),
        Route("/notifications", notifications.index, name="notifications_home"),
        Mount("/notifications", routes=notifications.routes, name="notifications"),
        Route(
            "/settings/notifications",
            notifications.settings_page,
            methods=["GET", "POST"],
            name="notification_settings",
        ),
        # The list lives at /proposals itself, which a Mount only matches with a slash.
        Route("/proposals", proposals.index, name="proposals_home"),
        Mount("/proposals", routes=proposals.routes, name="proposals"),
        Route("/approvals", proposals.approvals, name="approvals"),
        WebSocketRoute("/ws", ws.live_updates, name="ws"),
        Route("/admin", admin.index, name="admin_home"),
        Mount("/admin", routes=admin.routes, name="admin"),
        # New posts go to /posts itself, which a Mount only matches with a slash.
        Route("/posts", stream.create_post, methods=["POST"], name="create_post"),
        Mount("/posts", routes=stream.post_routes, name="posts"),
        Mount("/topics", routes=stream.topic_routes, name="topics"),
        Mount("/static", app=StaticFiles(directory=PROJECT_ROOT / "static"), name="static"),
    ]
