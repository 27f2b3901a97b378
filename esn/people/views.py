"""Profiles, the directory, the org chart and follows."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from esn.web.auth import require_user
from esn.web.templating import render


async def org_chart(request: Request) -> Response:
    require_user(request)
    return render(request, "errors/error.html", {"status_code": 501, "message": "todo"})


routes: list[Route] = []
