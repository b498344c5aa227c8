"""Credentials on a request: a bearer token for API clients, cookies for browsers.

A browser may hold several cookies (a host testing their own event as a participant), so a request
can carry several principals; an action is allowed when any of them may do it.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import HTTPConnection

from workshop.access import Principal, Role, Tokens
from workshop.web.errors import ApiError
from workshop.web.throttle import admit_staff

COOKIES = {
    Role.HOST: "ow_host",
    Role.FACILITATOR: "ow_facilitator",
    Role.VIEWER: "ow_viewer",
    Role.PARTICIPANT: "ow_participant",
}


def presented_tokens(conn: HTTPConnection) -> list[str]:
    header = conn.headers.get("authorization")
    if header is not None:
        # An explicit credential speaks alone, even a malformed one: cookies are never its fallback,
        # since a request with an Authorization header skips the CSRF check (workshop/web/csrf.py).
        scheme, _, token = header.partition(" ")
        return [token.strip()] if scheme.lower() == "bearer" and token.strip() else []
    return [conn.cookies[name] for name in COOKIES.values() if conn.cookies.get(name)]


async def principals(conn: HTTPConnection) -> list[Principal]:
    tokens: Tokens = conn.app.state.tokens
    found = [await tokens.resolve(token) for token in presented_tokens(conn)]
    return [principal for principal in found if principal is not None]


async def require(conn: HTTPConnection, allowed: Callable[[Principal], bool], action: str) -> Principal:
    """The first principal allowed to do `action`: 401 without valid credentials, 403 when none may;
    429 when it is a host or facilitator writing past their rate limit (throttle.admit_staff)."""
    found = await principals(conn)
    if not found:
        raise ApiError(401, "unauthorized", f"A valid token is needed to {action}.")
    for principal in found:
        if allowed(principal):
            admit_staff(conn, principal)
            return principal
    raise ApiError(403, "forbidden", f"Your token does not allow you to {action}.")
