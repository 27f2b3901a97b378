"""SQL statements per HTTP request, for the benchmark (ESN_BENCH=1 only).

An engine event counts every statement sent to the database into a counter
that a pure ASGI middleware opens for each request; the count goes back in
the ``X-Query-Count`` response header. SQLAlchemy runs the driver call in a
greenlet that shares the request task's context, so the context variable set
by the middleware is the one the event sees.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

QUERY_COUNT_HEADER = "x-query-count"


class _Counter:
    __slots__ = ("statements",)

    def __init__(self) -> None:
        self.statements = 0


_current: ContextVar[_Counter | None] = ContextVar("esn_bench_query_counter", default=None)


def _count_statement(*_args: Any, **_kwargs: Any) -> None:
    counter = _current.get()
    if counter is not None:
        counter.statements += 1


def count_queries(engine: AsyncEngine) -> None:
    """Count the statements ``engine`` executes inside a counted request."""
    event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)


class QueryCountMiddleware:
    """Adds ``X-Query-Count``: the statements run until the response started.

    Put it outermost so the session lookup of RequestContextMiddleware counts.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counter = _Counter()
        reset_token = _current.set(counter)

        async def send_with_count(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[QUERY_COUNT_HEADER] = str(counter.statements)
            await send(message)

        try:
            await self.app(scope, receive, send_with_count)
        finally:
            _current.reset(reset_token)
