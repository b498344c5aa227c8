"""The ASGI application: `create_app(settings)` wires the store, tokens, bus and routes together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from workshop.access import Tokens
from workshop.bus import open_bus
from workshop.config import Settings
from workshop.live.room import Rooms
from workshop.resources import static_dir
from workshop.retention import keep_for
from workshop.service import Workshop
from workshop.store import open_store
from workshop.store.ids import new_secret
from workshop.web import api, live, pages
from workshop.web.csrf import CsrfProtection
from workshop.web.errors import handlers
from workshop.web.headers import SecurityHeaders
from workshop.web.limits import BodyLimit
from workshop.web.throttle import Throttle
from workshop.web.templating import LocaleMiddleware, make_templates, render_fragment


async def healthz(request: Request) -> Response:
    if not getattr(request.app.state, "ready", False):
        return JSONResponse({"error": "unavailable", "message": "The store is not open yet."}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = open_store(settings.database)
        await store.open()
        bus = open_bus(settings.redis_url)
        await bus.connect()  # never fails for want of Redis: the bus retries in the background
        # A generated key is kept in the store, so tokens stay valid across restarts.
        secret_key = settings.secret_key or await store.setting("secret_key", new_secret(32))
        app.state.secret_key = secret_key  # also signs the CSRF cookie (workshop/web/csrf.py)
        app.state.workshop = Workshop(store, Tokens(secret_key, store), bus)
        app.state.tokens = app.state.workshop.tokens
        app.state.rooms = Rooms(store, bus)
        app.state.ready = True
        # Retention (docs/privacy.md): closed events deleted once they are old enough, checked periodically.
        retention = None
        if settings.retention_days:
            retention = asyncio.create_task(keep_for(app.state.workshop, settings.retention_days, settings.retention_interval))
        try:
            yield
        finally:
            app.state.ready = False
            if retention is not None:
                retention.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retention
            app.state.rooms.close()
            await bus.disconnect()
            await store.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Mount("/api/v1", routes=[*api.routes, WebSocketRoute("/events/{event_id}/live", live.live)]),
        Mount("/static", app=StaticFiles(directory=static_dir()), name="static"),
        *pages.routes,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={**handlers(pages.error_page), pages.PageError: pages.error_page},  # type: ignore[dict-item]
        middleware=[
            Middleware(SecurityHeaders),  # outermost, so every answer carries them, refusals included
            Middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts()),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
            Middleware(LocaleMiddleware),
            Middleware(CsrfProtection, page_error=pages.status_page),
        ],
    )
    app.state.settings = settings
    app.state.throttle = Throttle(settings.rate_limits)  # a bad WORKSHOP_RATE_* value is refused here, before serving
    app.state.templates = make_templates()
    app.state.render_fragment = lambda name, lang, **context: render_fragment(app.state.templates, name, lang, **context)
    app.state.ready = False
    return app
