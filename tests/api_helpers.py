"""Helpers for the JSON API tests: a host, sites and phones set up through the API, and its errors checked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from workshop.config import Settings
from workshop.web.app import create_app

API = "/api/v1"


@contextmanager
def running(database: Path, **settings: Any) -> Iterator[TestClient]:
    """The app on `database`, started and stopped through its lifespan, as `workshop serve` runs it."""
    app = create_app(Settings(database=str(database), **settings))
    with TestClient(app) as client:
        yield csrf_ready(client)


def csrf_ready(client: TestClient) -> TestClient:
    """A client that sends its CSRF token with every request, as app.js does for its fetches, so tests
    about something else can post forms with cookies. tests/test_security.py checks the token itself,
    and the browser tests send it the way people do: in each form's hidden field."""
    assert client.get("/host/new").status_code == 200  # any page with a form sets the signed cookie
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    return client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def query_token(url: str) -> str:
    """The token a link carries in its `?token=` parameter."""
    return httpx.URL(url).params["token"]


def check_error(response: httpx.Response, status: int, code: str | None = None, mentions: str | None = None) -> dict[str, Any]:
    """An error as the API promises it: the status, JSON with exactly `error` and `message`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"}, body
    assert isinstance(body["message"], str) and body["message"].strip()
    if code is not None:
        assert body["error"] == code, body
    if mentions is not None:
        assert mentions in body["message"], body
    return dict(body)


@dataclass
class Phone:
    token: str
    participant_id: str
    site_id: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class World:
    """One event with its sites, as a host set it up through the API."""

    id: str
    host_token: str
    created: dict[str, Any]
    sites: list[dict[str, Any]] = field(default_factory=list)

    @property
    def host(self) -> dict[str, str]:
        return bearer(self.host_token)


def make_event(client: TestClient, sites: int = 2, **fields: Any) -> World:
    body = {"title": "Green streets", "theme": "Trees on every street", **fields}
    response = client.post(f"{API}/events", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    world = World(created["id"], created["host_token"], created)
    for number in range(sites):
        made = client.post(f"{API}/events/{world.id}/sites", json={"name": f"City {number}", "angle": f"Angle {number}"}, headers=world.host)
        assert made.status_code == 201, made.text
        world.sites.append(made.json())
    return world


def join(client: TestClient, site: dict[str, Any], **fields: Any) -> Phone:
    response = client.post(f"{API}/join", json={"code": site["join_code"], **fields})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["site_id"] == site["id"]
    return Phone(body["participant_token"], body["participant_id"], body["site_id"])


def post_note(client: TestClient, phone: Phone, text: str, **fields: Any) -> httpx.Response:
    return client.post(f"{API}/sites/{phone.site_id}/notes", json={"text": text, **fields}, headers=phone.auth)


def board(client: TestClient, world: World) -> dict[str, Any]:
    response = client.get(f"{API}/events/{world.id}/board", headers=world.host)
    assert response.status_code == 200, response.text
    return dict(response.json())


def log(client: TestClient, world: World, query: str = "") -> dict[str, Any]:
    response = client.get(f"{API}/events/{world.id}/log{query}", headers=world.host)
    assert response.status_code == 200, response.text
    return dict(response.json())
