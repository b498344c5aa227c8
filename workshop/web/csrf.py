"""Cross-site request forgery protection for every state-changing request made with cookies.

Built on asgi-csrf (Datasette's middleware): the double-submit cookie pattern. A page that shows a
POST form calls `csrf_field()` in its template, which sets a signed `csrftoken` cookie and puts the
same value in a hidden field; a POST, PUT, PATCH or DELETE that carries cookies must send that value
back, in the field or in the `x-csrftoken` header (`static/app.js` adds the header to its fetches,
and the field to forms that arrived over the live socket, which are rendered once for every screen).
Requests with a bearer token, or with no cookies at all, carry no ambient authority and pass.

This module adds what the library leaves to its user: a signing secret shared by every process
(the app's own secret key, known once the store is open), refusals in the person's language (a page,
or JSON under `/api/`), and a 400, not a 500, for a body the library cannot parse.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

import asgi_csrf
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workshop import i18n
from workshop.web.errors import ApiError, error_response, is_api

# The app's error page for a status and a translated message (None: the page's usual words for the status).
PageAnswer = Callable[[Request, int, "str | None"], Awaitable[Response]]

FIELD = "csrftoken"
HEADER = "x-csrftoken"
ALWAYS_PROTECTED = {"/join", "/host/new"}

# The token issuer of the request being handled (asgi-csrf's `scope["csrftoken"]`, which also marks
# the cookie to be set); None outside a request.
_request_token: ContextVar[Callable[[], str] | None] = ContextVar("csrf_request_token", default=None)


class CsrfProtection:
    """Pure ASGI middleware; the wrapped app is built on the first request, when the secret is known."""

    def __init__(self, app: ASGIApp, page_error: PageAnswer) -> None:
        self.app = app
        self.page_error = page_error
        self._protected: ASGIApp | None = None

    def _protect(self, secret: str) -> ASGIApp:
        return asgi_csrf.asgi_csrf(  # type: ignore[no-any-return]
            self._reached, signing_secret=secret, cookie_name=FIELD, http_header=HEADER, cookie_samesite="Lax",
            send_csrf_failed=self._refuse,
            # Checked even without cookies: another site must not join, or make an event, in a visitor's name
            # (they would then post into a workshop of the attacker's choosing).
            always_protect=ALWAYS_PROTECTED,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._protected is None:
            secret = getattr(scope["app"].state, "secret_key", None)
            if secret is None:  # the store is not open yet: nothing could be checked, or saved
                await self._answer(scope, receive, send, ApiError(503, "unavailable", "The server is starting; try again shortly."))
                return
            self._protected = self._protect(secret)
        if _is_multipart_with_cookies(scope):
            # asgi-csrf cannot read multipart with the python-multipart we use, and no page sends it.
            await self._answer(scope, receive, send, ApiError(415, "unsupported_media_type", "Send forms as application/x-www-form-urlencoded."))
            return
        scope.setdefault("state", {})["csrf_passed"] = False
        try:
            await self._protected(scope, receive, _secure_over_https(scope, send))
        except Exception as exc:
            if scope["state"]["csrf_passed"]:
                raise  # the app's own error, answered by its handlers as usual
            # The library could not read the body (not UTF-8, a multipart without a boundary, too large).
            error = exc if isinstance(exc, ApiError) else ApiError(400, "bad_request", "The request body could not be read.")
            await self._answer(scope, receive, send, error)

    async def _reached(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"]["csrf_passed"] = True
        # Templates are rendered in this task, and macros imported without context cannot see the request.
        reset = _request_token.set(scope[FIELD])
        try:
            await self.app(scope, receive, send)
        finally:
            _request_token.reset(reset)

    async def _refuse(self, scope: Scope, send: Send, reason: Any) -> None:
        await self._answer(scope, _no_body, send, ApiError(
            403, "csrf_failed",
            "A request made with cookies must send the x-csrftoken header (or use a bearer token instead).",
        ), page_message=i18n.gettext(
            "This form could not be sent: it is too old, or it came from another site. Go back, reload the page and send it again."
        ))

    async def _answer(self, scope: Scope, receive: Receive, send: Send, error: ApiError, page_message: str | None = None) -> None:
        """JSON for the API (and /healthz), else the error page in the person's language saying `page_message`."""
        request = Request(scope, receive)
        if is_api(request):
            response = error_response(error.status, error.code, error.message)
        else:
            response = await self.page_error(request, error.status, page_message)
        await response(scope, receive, send)


def _is_multipart_with_cookies(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    return (
        headers.get("content-type", "").lower().startswith("multipart/")
        and "cookie" in headers and "authorization" not in headers
    )


def _secure_over_https(scope: Scope, send: Send) -> Send:
    """Mark the CSRF cookie Secure when the request came over HTTPS, as the token cookies are (pages.py)."""
    if scope.get("scheme") != "https":
        return send

    async def send_secure(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                (name, value + b"; Secure" if name == b"set-cookie" and value.startswith(f"{FIELD}=".encode()) else value)
                for name, value in message.get("headers", [])
            ]
        await send(message)

    return send_secure


async def _no_body() -> dict[str, Any]:
    return {"type": "http.disconnect"}


def csrf_field() -> Markup:
    """`{{ csrf_field() }}` in a POST form: the hidden token, or nothing when rendered outside a request."""
    token = csrf_token()
    if not token:
        return Markup("")  # a live fragment: app.js adds the field when the form is sent
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">')


def csrf_token() -> str:
    """This request's token (for `<meta name="csrf-token">`, read by app.js); empty outside a request."""
    issue = _request_token.get()
    return issue() if issue is not None else ""


@contextlib.contextmanager
def outside_request() -> Iterator[None]:
    """Render something shared by many people (a live fragment) without this request's token in it."""
    reset = _request_token.set(None)
    try:
        yield
    finally:
        _request_token.reset(reset)
