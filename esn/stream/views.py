"""The home page: the login form for visitors, the person's home for staff."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from esn.people import service as people
from esn.web.db import db_session
from esn.web.templating import render


async def home(request: Request) -> Response:
    """Anonymous visitors get the login page; signed-in people their home."""
    user = request.state.user
    if user is None:
        return render(request, "accounts/login.html", {"values": {}, "errors": {}})
    async with db_session(request) as db:
        home_data = await people.home_overview(db, user)
    return render(request, "stream/home.html", {"home": home_data})
