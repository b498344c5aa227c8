"""A cap on every request body, so no route can be made to buffer an unbounded upload."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workshop.web.errors import ApiError, error_response


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413: at once when Content-Length says so, else when reached."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> ApiError:
        return ApiError(413, "body_too_large", f"The request body must be at most {self.max_bytes} bytes.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            error = self._too_large()
            await error_response(error.status, error.code, error.message)(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise self._too_large()  # answered as JSON 413 by the app's error handlers
            return message

        await self.app(scope, limited_receive, send)
