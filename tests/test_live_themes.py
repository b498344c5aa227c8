"""Themes live over real websockets: theme entries and placements on the JSON stream in log order, and
suggestions refreshed a moment after notes change, for those who run sites and never for phones."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.servers import LiveServer
from tests.test_live import api, auth, live_url, messages, new_event, post, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("suggestion_engine_loaded")  # suggestions answer at once


async def call(api: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], body: Any = None) -> dict[str, Any]:
    response = await api.request(method, f"/api/v1{path}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def until(socket: ClientConnection, wanted: str, timeout: float = 30) -> list[dict[str, Any]]:
    """Every message up to and including the first of type `wanted`. A process's first suggestions
    load the engine's word lists and model, which may hold the server up for seconds."""
    found: list[dict[str, Any]] = []
    while not found or found[-1]["type"] != wanted:
        found += await messages(socket, 1, timeout)
    return found


async def test_theme_entries_and_placements_reach_a_facilitators_stream_in_order(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api)
    aalborg = event["sites"][0]
    host, facilitator = auth(event["host_token"]), auth(aalborg["facilitator_token"])
    note = await post(api, aalborg, "Night buses")
    async with connect(live_url(server, event), additional_headers=facilitator) as console:
        (snap,) = await messages(console, 1)
        assert snap["type"] == "snapshot" and snap["themes"] == [] and snap["notes"][0]["theme_id"] is None
        transport = await call(api, "POST", f"/events/{event['id']}/themes", host, {"name": "Transport"})
        cars = await call(api, "POST", f"/events/{event['id']}/themes", facilitator, {"name": "Cars"})
        await call(api, "PUT", f"/notes/{note['id']}/theme", facilitator, {"theme_id": cars["id"]})
        await call(api, "PATCH", f"/themes/{transport['id']}", facilitator, {"name": "Mobility"})
        await call(api, "POST", f"/themes/{cars['id']}/merge", facilitator, {"into": transport["id"]})
        await call(api, "DELETE", f"/themes/{transport['id']}", host)
        got = [m for m in await until(console, "theme.deleted") if m["type"] != "suggestions"]

    assert [m["type"] for m in got] == ["theme.created", "theme.created", "note.placed", "theme.updated", "theme.merged", "theme.deleted"]
    assert [m["seq"] for m in got] == list(range(snap["seq"] + 1, snap["seq"] + 7))
    created, _, placed, renamed, merged, deleted = got
    assert created["theme"] == transport and renamed["theme"]["name"] == "Mobility"
    assert (placed["note"]["theme_id"], placed["from_theme_id"]) == (cars["id"], None)
    assert merged["theme_id"] == cars["id"] and merged["into"]["id"] == transport["id"]
    assert merged["notes"] == deleted["notes"] == [{"id": note["id"], "site_id": aalborg["id"]}]


async def test_suggestions_follow_a_new_note_on_facilitators_streams_and_never_on_phones(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api)
    aalborg, odense = event["sites"]
    host = auth(event["host_token"])
    transport = await call(api, "POST", f"/events/{event['id']}/themes", host, {"name": "Transport"})
    privacy = await call(api, "POST", f"/events/{event['id']}/themes", host, {"name": "Data and privacy"})
    for site, text, theme in ((aalborg, "Cheaper bus tickets", transport), (odense, "Protect our personal data", privacy)):
        made = await post(api, site, text)
        await call(api, "PUT", f"/notes/{made['id']}/theme", host, {"theme_id": theme["id"]})

    asking = "?suggestions=true"  # a JSON stream carries suggestions only when it asks; a phone's asking changes nothing
    async with connect(live_url(server, event, asking), additional_headers=auth(aalborg["facilitator_token"])) as console, \
            connect(live_url(server, event, asking), additional_headers=auth(odense["facilitator_token"])) as other_console, \
            connect(live_url(server, event, asking), additional_headers=aalborg["phone"]) as phone, \
            connect(live_url(server, event), additional_headers=host) as host_log:
        for socket in (console, other_console, phone, host_log):
            assert (await messages(socket, 1))[0]["type"] == "snapshot"
        first = (await until(console, "suggestions"))[-1]  # what is on offer as the console opens
        assert first["notes"] == [] and first["groups"] == []  # both notes are placed
        note = await post(api, aalborg, "More buses at night")
        got = await until(console, "suggestions")
        assert got[0]["type"] == "note.created"
        offered = got[-1]
        assert "seq" not in offered and offered["after"] >= note["seq"]
        assert offered["site_id"] == aalborg["id"] and offered["groups"] == []
        (item,) = offered["notes"]  # Aalborg's one unplaced note
        assert item["note_id"] == note["id"] and item["themes"][0]["theme_id"] == transport["id"]

        # Odense's facilitator is offered Odense's notes (none unplaced), not Aalborg's.
        theirs = (await until(other_console, "suggestions"))[-1]
        assert theirs["site_id"] == odense["id"] and theirs["notes"] == []

        await call(api, "PUT", f"/notes/{note['id']}/theme", auth(aalborg["facilitator_token"]), {"theme_id": transport["id"]})
        placed = await until(console, "suggestions")
        assert placed[0]["type"] == "note.placed" and placed[-1]["notes"] == []  # placed: nothing left to suggest

        for stream in (phone, host_log):  # the host did not ask: its stream is the log alone
            heard = await messages(stream, 2)
            assert [m["type"] for m in heard] == ["note.created", "note.placed"]
            with pytest.raises(TimeoutError):
                await messages(stream, 1, timeout=0.8)  # well past the 0.3 s after which suggestions went out
