"""Liveness and database check for load balancers and monitoring."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from esn.web.db import db_session


async def healthz(request: Request) -> JSONResponse:
    """``{"status": "ok", "database": "ok"}``, or 503 when the database is unreachable."""
    try:
        async with db_session(request) as db:
            await db.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
