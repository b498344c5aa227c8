"""Security headers on every HTTP response: a strict Content-Security-Policy and its companions.

The pages load only their own script and CSS files: no inline `<script>`, no `style=""` attribute,
no `eval` (htmx is configured for that in `templates/base.html`). So the policy allows `'self'`
and nothing inline; an injected `<script>` or `onerror=` would not run even if escaping failed.
A response that sets its own policy (the downloadable HTML summary) keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",  # QR codes are inline SVG elements, not images to fetch
    "connect-src 'self'",  # fetch and the live websocket, same origin only
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",  # no page may be framed: no clickjacking of a vote or a delete button
])

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",  # frame-ancestors for browsers that predate it
    # Links carry `?token=` until the page moves it into a cookie: never tell another site where we were.
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}

# Browsers remember this for a year: sent only when the request came over HTTPS (directly or via the proxy).
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def inline_styles_policy(html: str) -> str:
    """The policy for a self-contained HTML file (the downloadable summary): its own `<style>` blocks,
    named by their hashes, and nothing else: no script, no fetch, no other inline style."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
        for block in re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    )
    styles = hashes or "'none'"
    return f"default-src 'none'; style-src {styles}; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


class SecurityHeaders:
    """Pure ASGI middleware adding `SECURITY_HEADERS` (and HSTS over HTTPS) unless a response set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if over_https:
                    headers.setdefault("strict-transport-security", STRICT_TRANSPORT_SECURITY)
            await send(message)

        await self.app(scope, receive, send_with_headers)
