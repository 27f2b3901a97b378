"""The application factory: lifespan-owned resources, middleware, routes. Wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware

from esn.core.urls import use_routes
from esn.database import create_engine, create_session_factory
from esn.delivery import event_router, send_mail_through
from esn.mail import Mailer, MailQueue
from esn.notifications import live as notifications_live
from esn.realtime.cards import SharedCards
from esn.realtime.hub import create_hub
from esn.realtime.live import LiveRenderers
from esn.realtime.ws import LiveSessions
from esn.routes import build_routes
from esn.settings import Settings
from esn.stream import live as stream_live
from esn.web.bench import instrument
from esn.web.bench.endpoints import bench_routes
from esn.web.context import RequestContextMiddleware
from esn.web.errors import EXCEPTION_HANDLERS
from esn.web.limits import BodySizeLimitMiddleware
from esn.web.links import RoutePaths
from esn.web.security import SecurityHeadersMiddleware
from esn.web.templating import create_templates


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI app for ``settings`` (read from the environment by default)."""
    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        if settings.bench:
            instrument.count_queries(engine)
        hub = create_hub(settings.broadcast_url)
        await hub.start()
        router = event_router(hub)
        session_factory = create_session_factory(engine, router)
        mail = MailQueue()
        send_mail_through(router, mail, app.state.mailer, settings, session_factory)
        mail.start()
        app.state.engine = engine
        app.state.hub = hub
        app.state.session_factory = session_factory
        app.state.live_cards = SharedCards(session_factory)
        app.state.live_sessions = LiveSessions(session_factory)
        session_checks = asyncio.create_task(app.state.live_sessions.run())
        try:
            yield
        finally:
            session_checks.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await session_checks
            await mail.stop()
            await hub.stop()
            await engine.dispose()

    # The benchmark's endpoints and SQL counting exist only on a server `esn bench` started.
    bench_only = [Middleware(instrument.QueryCountMiddleware)] if settings.bench else []
    app = Starlette(
        debug=settings.debug,
        routes=[*build_routes(), *(bench_routes() if settings.bench else [])],
        middleware=[
            *bench_only,
            Middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies),
            Middleware(BodySizeLimitMiddleware),
            Middleware(RequestContextMiddleware, settings=settings),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Services write links (notifications, mail, the animators' queue) with no request to ask.
    use_routes(RoutePaths(app.router))
    app.state.templates = create_templates(auto_reload=settings.debug)
    # Each domain renders its own live events; the websocket only routes them.
    app.state.live_renderers = LiveRenderers(
        stream_live.RENDERERS, notifications_live.RENDERERS, on_open=notifications_live.on_open
    )
    app.state.mailer = Mailer(settings.smtp_url, settings.mail_from)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    return app
