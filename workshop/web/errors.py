"""Errors as the API answers them: JSON `{"error": code, "message": text}` with a 4xx status.

Rule violations from the domain, missing records from the store and malformed requests all end up
here, so no handler formats an error of its own and no bad input becomes a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from workshop.domain.errors import RuleError
from workshop.store import NotFound, StoreUnavailable
from workshop.web.headers import SECURITY_HEADERS

log = logging.getLogger("workshop")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}  # e.g. Retry-After on a 429 (workshop/web/throttle.py)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


# Rules broken by the event's state at that moment, not by the input: the same request may succeed later.
CONFLICTS = frozenset(
    {"event_closed", "invalid_status_change", "not_in_this_phase", "phase_in_use", "agenda_finished", "not_started", "no_agenda"}
    | {"site_locked", "already_merged"}  # moderation: a locked board; a note merged away meanwhile
    | {"hidden_by_moderator", "note_in_use"}  # an author's own note, hidden by a moderator or built on by others
    | {"no_other_site"}  # ideas travelling: nowhere to send yet, until the host adds another site
    | {"over_budget", "already_voted", "no_vote"}  # dot voting: this phase's votes spent, or none to take back
    | {"theme_exists", "theme_shared", "too_many_themes"}  # themes: the name taken, another site's notes in it, a full wall
    | {"too_many_sites"}  # an event with as many sites as it may have
)


def rule_status(error: RuleError) -> int:
    """The HTTP status for a broken rule: a conflict with the event's state, a missing record, or bad input."""
    if error.code in CONFLICTS:
        return 409
    if error.code == "unknown_code":  # no open site has that join code: a missing record, as docs/api.md says
        return 404
    return 422


async def rule_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RuleError)
    return error_response(rule_status(exc), exc.code, exc.message)


async def not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, "not_found", "No such record, or it was deleted.")


# Seconds a client is asked to wait before trying again after a 503 `unavailable` (a phone's outbox
# retries every 3 s anyway): a database away, a full disk or a read-only file needs someone to act.
RETRY_UNAVAILABLE_AFTER = 5
UNAVAILABLE_HEADERS = {"Retry-After": str(RETRY_UNAVAILABLE_AFTER)}


async def store_unavailable(request: Request, exc: Exception) -> Response:
    # The cause (full, read-only, lost) goes to the log for the operator; people get no path or SQL.
    log.error("store unavailable: %s", exc)
    # Usually nothing was saved; a connection lost during the commit leaves it unknown, hence "may not".
    return error_response(
        503, "unavailable", "The server cannot save right now, so this may not have been saved. Please send it again shortly.",
        UNAVAILABLE_HEADERS,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail))


JSON_HANDLERS = {
    ApiError: api_error,
    RuleError: rule_error,
    NotFound: not_found,
    StoreUnavailable: store_unavailable,
    HTTPException: http_error,
}

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def handlers(page_error: Handler) -> dict[type[Exception], Handler]:
    """The app's exception handlers: JSON for the API, the HTML error page for everything else."""

    def either(json_handler: Handler) -> Handler:
        async def handle(request: Request, exc: Exception) -> Response:
            return await (json_handler if is_api(request) else page_error)(request, exc)

        return handle

    table: dict[type[Exception], Handler] = {kind: either(handler) for kind, handler in JSON_HANDLERS.items()}
    table[Exception] = with_security_headers(either(internal_error))
    return table


def with_security_headers(handler: Handler) -> Handler:
    """A 500 is answered by Starlette's outermost middleware, outside SecurityHeaders: add them here."""

    async def handle(request: Request, exc: Exception) -> Response:
        response = await handler(request, exc)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return handle


async def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "Something went wrong on the server; it has been logged.")
