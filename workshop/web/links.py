"""The URLs handed to people: one place that knows the shape of every link."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import HTTPConnection


def base_url(conn: HTTPConnection) -> str:
    """The public address of this server: the configured one, else the one this request came to."""
    configured: str = conn.app.state.settings.public_url
    return configured or str(conn.base_url).rstrip("/")


def host_url(base: str, event_id: str, host_token: str) -> str:
    return f"{base}/host/{event_id}?token={quote(host_token)}"


def facilitator_url(base: str, site_id: str, facilitator_token: str) -> str:
    return f"{base}/sites/{site_id}/console?token={quote(facilitator_token)}"


def event_board_url(base: str, event_id: str, viewer_token: str) -> str:
    return f"{base}/events/{event_id}/board?token={quote(viewer_token)}"


def site_board_url(base: str, site_id: str, viewer_token: str) -> str:
    return f"{base}/sites/{site_id}/board?token={quote(viewer_token)}"


def join_url(base: str, join_code: str) -> str:
    return f"{base}/join/{join_code}"


def qr_url(base: str, site_id: str) -> str:
    return f"{base}/api/v1/sites/{site_id}/qr.svg"
