"""Hostile text over the live websocket (`/api/v1/events/{id}/live`), against a real server: the JSON
stream carries every text exactly as stored, and the htmx fragments of every page (phone, a site's
board, the shared board, the console) hold it as text, never as markup, both in the first state a
socket gets and in the entries pushed as they happen (a note, a theme, a renamed event).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests import hostile
from tests.servers import LiveServer
from tests.test_live import api, server  # noqa: F401  (fixtures: a real server on loopback, a client of it)
from workshop.domain import rules

HTML = "?format=html&lang=en&view="


@pytest.fixture
def event(server: LiveServer) -> hostile.HostileEvent:
    with httpx.Client(base_url=server.url, timeout=30) as api:
        return hostile.hostile_event(api)


def socket(server: LiveServer, event: hostile.HostileEvent, token: str, query: str = "") -> Any:
    return connect(f"{server.ws_url}/api/v1/events/{event.id}/live{query}", additional_headers={"Authorization": f"Bearer {token}"},
                   max_size=None)


async def frame_showing(live: ClientConnection, *texts: str) -> hostile.Parsed:
    """Read HTML frames until one shows every text; each frame read on the way must be free of markup."""
    async with asyncio.timeout(10):
        while True:
            frame = hostile.Parsed(str(await live.recv()))
            assert frame.injected() == []
            if all(frame.shows(text) for text in texts):
                return frame


async def json_messages(live: ClientConnection, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while len(found) < count:
            frame = json.loads(await live.recv())
            found.extend(frame if isinstance(frame, list) else [frame])
    return found


async def test_the_json_stream_carries_hostile_text_exactly(server: LiveServer, event: hostile.HostileEvent, api: httpx.AsyncClient) -> None:
    aalborg = event.sites[0]
    async with socket(server, event, event.host_token) as board:
        (snapshot,) = await json_messages(board, 1)
        assert {note["text"] for note in snapshot["notes"]} >= {rules.note_text(text) for text in hostile.NOTES}
        assert {site["name"] for site in snapshot["sites"]} == {site.name for site in event.sites}
        for text in hostile.NOTES[:6]:
            posted = await api.post(f"/api/v1/sites/{aalborg.id}/notes", json={"text": f"again {text}"},
                                    headers={"Authorization": f"Bearer {aalborg.phones[0]}"})
            assert posted.status_code == 201, posted.text
        live = await json_messages(board, 6)
    assert [message["note"]["text"] for message in live] == [f"again {rules.note_text(text)}" for text in hostile.NOTES[:6]]


async def test_every_pages_fragments_hold_hostile_text_as_text(server: LiveServer, event: hostile.HostileEvent, api: httpx.AsyncClient) -> None:
    aalborg = event.sites[0]
    aalborg_notes = [rules.note_text(text) for text, note_id in event.notes.items() if note_id in event.by_site[aalborg.id]]
    views = {
        "phone": (f"{HTML}phone&site={aalborg.id}", aalborg.phones[0]),
        "site-board": (f"{HTML}site-board&site={aalborg.id}", aalborg.facilitator_token),
        "shared-board": (f"{HTML}shared-board", event.host_token),
        "console": (f"{HTML}console&site={aalborg.id}", aalborg.facilitator_token),
    }
    sockets = {name: socket(server, event, token, query) for name, (query, token) in views.items()}
    async with sockets["phone"] as phone, sockets["site-board"] as board, sockets["shared-board"] as shared, sockets["console"] as console:
        pages = {"phone": phone, "site-board": board, "shared-board": shared, "console": console}
        for live in pages.values():  # the first state: every note of the site, as text
            await frame_showing(live, *aalborg_notes)

        typed = f"{hostile.SCRIPT} {hostile.IMG} {hostile.STYLE} {hostile.JINJA} {hostile.BIDI_OVERRIDE}"
        host = {"Authorization": f"Bearer {event.host_token}"}
        note = await api.post(f"/api/v1/sites/{aalborg.id}/notes", json={"text": typed}, headers={"Authorization": f"Bearer {aalborg.phones[1]}"})
        assert note.status_code == 201, note.text
        for live in pages.values():
            await frame_showing(live, typed)

        theme = await api.post(f"/api/v1/events/{event.id}/themes", json={"name": hostile.ATTRIBUTE_BREAK + " live"}, headers=host)
        assert theme.status_code == 201, theme.text
        placed = await api.put(f"/api/v1/notes/{note.json()['id']}/theme", json={"theme_id": theme.json()["id"]}, headers=host)
        assert placed.status_code == 200, placed.text
        for live in (board, shared, console):
            await frame_showing(live, hostile.ATTRIBUTE_BREAK + " live")

        title = f"{hostile.SVG} {hostile.ENTITY}"
        renamed = await api.patch(f"/api/v1/events/{event.id}", json={"title": title}, headers=host)
        assert renamed.status_code == 200, renamed.text
        for live in pages.values():
            await frame_showing(live, title)
