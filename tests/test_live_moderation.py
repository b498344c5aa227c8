"""Moderation live: the room's counts kept right from the entries, the JSON stream's new messages, and
the pages' fragments over real websockets (a hidden note leaves every screen, a restored one comes back
in its place, a lock is said on the boards and phones, the console's lists follow)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.servers import LiveServer
from tests.test_live import api, auth, live_url, messages, new_event, post, server  # noqa: F401  (fixtures)
from tests.test_store import draft, new_event as store_event, new_participant, new_site
from workshop.live.state import RoomState
from workshop.store import Store

API = "/api/v1"
HTML = "?format=html&lang=en&view="


# -- the room's state ---------------------------------------------------------------------------


async def test_the_rooms_counts_follow_hides_merges_removals_and_restores(store: Store) -> None:
    event = await store_event(store)
    aalborg, odense = await new_site(store, event.id, "Aalborg"), await new_site(store, event.id, "Odense")
    person, other = await new_participant(store, aalborg), await new_participant(store, odense)
    first, middle, last = [(await store.create_note(person, draft(text))).note for text in ("first", "middle", "last")]
    theirs = (await store.create_note(other, draft("theirs"))).note
    state = RoomState()
    state.load(await store.board(event.id))
    assert (state.counts[aalborg.id], state.counts[odense.id]) == (3, 1)

    state.apply((await store.update_note(middle.id, visible=False, hidden_by="moderator")).entry)
    assert state.counts[aalborg.id] == 2
    state.apply((await store.update_note(middle.id, visible=True, hidden_by=None)).entry)
    assert state.counts[aalborg.id] == 3
    # Where a restored note goes back among newest-first notes: right after the one just newer.
    assert state.newer_neighbour(middle.id, site_id=aalborg.id) == last.id
    assert state.newer_neighbour(last.id, site_id=aalborg.id) is None  # the newest: first in the list
    assert state.newer_neighbour(first.id, except_site=odense.id) == middle.id
    assert state.newer_neighbour(last.id) == theirs.id  # across every site

    state.apply((await store.merge_note(last.id, first.id))[1])
    assert state.counts[aalborg.id] == 2 and state.newer_neighbour(middle.id, site_id=aalborg.id) is None
    locked = (await store.update_site(aalborg.id, locked=True))[1]
    assert locked is not None
    state.apply(locked)
    assert state.sites[aalborg.id]["locked"] is True
    entry = (await store.remove_participant(person.id, hide_notes=True))[2]
    assert entry is not None
    state.apply(entry)
    assert (state.counts[aalborg.id], state.counts[odense.id]) == (0, 1)


# -- the JSON stream ----------------------------------------------------------------------------


async def test_the_json_stream_carries_every_moderation_entry(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api, sites=1)
    site, host = event["sites"][0], auth(event["host_token"])
    kept, duplicate = await post(api, site, "More trees"), await post(api, site, "more trees")
    person = (await api.post(f"{API}/join", json={"code": site["join_code"]})).json()
    async with connect(live_url(server, event), additional_headers=host) as board:
        (snapshot,) = await messages(board, 1)
        assert snapshot["sites"][0]["locked"] is False
        await api.post(f"{API}/notes/{duplicate['id']}/merge", json={"into": kept["id"]}, headers=host)
        await api.patch(f"{API}/sites/{site['id']}", json={"locked": True}, headers=host)
        await api.delete(f"{API}/participants/{person['participant_id']}?hide_notes=true", headers=host)
        await api.patch(f"{API}/notes/{kept['id']}", json={"visible": False}, headers=host)
        merged, locked, removed, hidden = await messages(board, 4)
    assert (merged["type"], merged["note_id"], merged["into"], merged["site_id"]) == ("note.merged", duplicate["id"], kept["id"], site["id"])
    assert (merged["note"]["merged_into"], merged["note"]["visible"], merged["carried"]) == (kept["id"], False, {"votes": 0, "build_ons": 0, "votes_dropped": 0})
    assert (locked["type"], locked["site"]["locked"], locked["changed"]) == ("site.updated", True, ["locked"])
    assert (removed["type"], removed["participant"]["id"], removed["hidden_notes"]) == ("participant.removed", person["participant_id"], [])
    assert (hidden["type"], hidden["note"]["visible"], hidden["note"]["hidden_by"]) == ("note.updated", False, "moderator")
    assert [m["seq"] for m in (merged, locked, removed, hidden)] == list(range(merged["seq"], merged["seq"] + 4))


# -- the pages' fragments -----------------------------------------------------------------------


SUGGESTIONS = re.compile(r'<section class="card suggestions" id="suggestions".*?</section>', re.S)


async def recv(socket: ClientConnection) -> str:
    """The next frame about an entry: a console's suggestions, refreshed a moment after notes change, are left out."""
    while True:
        frame = SUGGESTIONS.sub("", str(await asyncio.wait_for(socket.recv(), 5)))
        if frame.strip():
            return frame


async def test_pages_follow_hides_restores_and_locks_live(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api, sites=2)
    here, there = event["sites"]
    host = auth(event["host_token"])
    first, middle, last = [await post(api, here, text) for text in ("first", "middle", "last")]
    await api.patch(f"{API}/notes/{middle['id']}", json={"visible": False}, headers=host)
    sockets = {
        "console": connect(live_url(server, event, f"{HTML}console&site={here['id']}"), additional_headers=auth(here["facilitator_token"])),
        "board": connect(live_url(server, event, f"{HTML}site-board&site={here['id']}"), additional_headers=host),
        "shared": connect(live_url(server, event, f"{HTML}shared-board"), additional_headers=host),
        "phone": connect(live_url(server, event, f"{HTML}phone&site={there['id']}"), additional_headers=auth(there["participant_token"])),
    }
    async with sockets["console"] as console, sockets["board"] as board, sockets["shared"] as shared, sockets["phone"] as phone:
        region = {name: await recv(socket) for name, socket in (("console", console), ("board", board), ("shared", shared), ("phone", phone))}
        # The console starts with its hidden note to restore, the lock toggle and its participants.
        assert f'id="hidden-note-{middle["id"]}"' in region["console"] and f'action="/notes/{middle["id"]}/restore"' in region["console"]
        assert "Lock the board" in region["console"] and region["console"].count('class="participant"') == 1
        assert f'action="/notes/{first["id"]}/hide"' in region["console"] and f'id="note-{middle["id"]}"' not in region["console"]
        assert f'action="/notes/{first["id"]}/hide"' not in region["board"]  # the projector has no controls

        await api.patch(f"{API}/notes/{middle['id']}", json={"visible": True}, headers=host)
        restored = {name: await recv(socket) for name, socket in (("console", console), ("board", board), ("shared", shared), ("phone", phone))}
        # Back in its place: right after the note just newer than it, on every screen.
        for name in ("console", "board", "shared"):
            assert f'<div id="note-{last["id"]}" hx-swap-oob="afterend"><article id="note-{middle["id"]}"' in restored[name], name
        assert f'<div id="note-{last["id"]}" hx-swap-oob="afterend">' in restored["phone"]  # in the phone's feed of other sites
        assert f'<div id="hidden-note-{middle["id"]}" hx-swap-oob="delete">' in restored["console"]
        assert f'<span id="site-{here["id"]}-count" hx-swap-oob="true">3</span>' in restored["shared"]

        await api.patch(f"{API}/notes/{last['id']}", json={"visible": False}, headers=auth(here["facilitator_token"]))
        hidden = {name: await recv(socket) for name, socket in (("console", console), ("board", board), ("shared", shared), ("phone", phone))}
        for name in hidden:
            assert f'<div id="note-{last["id"]}" hx-swap-oob="delete"></div>' in hidden[name], name
        assert f'<div id="hidden-notes" hx-swap-oob="afterbegin"><li class="hidden-note" id="hidden-note-{last["id"]}">' in hidden["console"]
        assert f'<span id="site-{here["id"]}-count" hx-swap-oob="true">2</span>' in hidden["shared"]

        await api.patch(f"{API}/sites/{here['id']}", json={"locked": True}, headers=host)
        locked = {name: await recv(socket) for name, socket in (("console", console), ("board", board), ("shared", shared))}
        for name in locked:
            assert f'<p class="lock-notice" id="lock-{here["id"]}" hx-swap-oob="true">' in locked[name], name
        assert "The facilitator has paused this board. No new notes, votes or build-ons for now." in locked["board"]
        assert "Unlock the board" in locked["console"]
        assert "<bdi>Site 0</bdi>: the facilitator has paused this board." in locked["shared"]  # the announcement names the site

        await api.post(f"{API}/notes/{first['id']}/merge", json={"into": middle["id"]}, headers=host)
        merged = {name: await recv(socket) for name, socket in (("console", console), ("board", board), ("shared", shared), ("phone", phone))}
        for name in merged:
            assert f'<div id="note-{first["id"]}" hx-swap-oob="delete"></div>' in merged[name], name
        assert f'id="hidden-note-{first["id"]}">' in merged["console"] and "Merged into another note." in merged["console"]
        assert f'<span id="site-{here["id"]}-count" hx-swap-oob="true">1</span>' in merged["shared"]

        joined = (await api.post(f"{API}/join", json={"code": here["join_code"], "name": "Dana"})).json()
        row = await recv(console)
        assert '<div id="participants" hx-swap-oob="beforeend">' in row and "><bdi>Dana</bdi></span>" in row
        await api.delete(f"{API}/participants/{joined['participant_id']}", headers=host)
        assert f'<div id="participant-{joined["participant_id"]}" hx-swap-oob="delete"></div>' in await recv(console)


async def test_a_removed_participants_open_socket_can_post_no_more(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api, sites=1)
    site = event["sites"][0]
    async with connect(live_url(server, event), additional_headers=auth(site["participant_token"])) as phone:
        await messages(phone, 1)
        person = (await api.get(f"{API}/events/{event['id']}/log", headers=auth(event["host_token"]))).json()["entries"][-1]
        await api.delete(f"{API}/participants/{person['data']['participant']['id']}", headers=auth(event["host_token"]))
        await phone.send('{"type": "note.create", "text": "Still here"}')
        removed, refused = await messages(phone, 2)
    assert removed["type"] == "participant.removed"
    assert (refused["type"], refused["error"]) == ("error", "unauthorized")


async def test_a_removed_participants_build_ons_leave_every_board_live(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    """Someone at Odense spams a thread under Aalborg's note; removing them with their notes takes the
    build-ons off Aalborg's board and console (which heard nothing else of Odense), the shared board and phones."""
    event = await new_event(api, sites=2)
    here, there = event["sites"]
    host = auth(event["host_token"])
    note = await post(api, here, "Car-free Sundays")
    troll = (await api.post(f"{API}/join", json={"code": there["join_code"]})).json()

    async def build(headers: dict[str, str], text: str) -> dict[str, Any]:
        response = await api.post(f"{API}/notes/{note['id']}/build-ons", json={"text": text}, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    spam = await build(auth(troll["participant_token"]), "Buy cheap watches")
    kind = await build(here["phone"], "And free buses")
    sockets = {
        "console": connect(live_url(server, event, f"{HTML}console&site={here['id']}"), additional_headers=auth(here["facilitator_token"])),
        "board": connect(live_url(server, event, f"{HTML}site-board&site={here['id']}"), additional_headers=host),
        "shared": connect(live_url(server, event, f"{HTML}shared-board"), additional_headers=host),
        "phone": connect(live_url(server, event, f"{HTML}phone&site={here['id']}"), additional_headers=auth(here["participant_token"])),
    }
    async with sockets["console"] as console, sockets["board"] as board, sockets["shared"] as shared, sockets["phone"] as phone:
        screens = (("console", console), ("board", board), ("shared", shared), ("phone", phone))
        region = {name: await recv(socket) for name, socket in screens}
        # The console shows a delete button on every build-on under its notes; elsewhere it waits for app.js (its author's phone).
        assert f'action="/build-ons/{spam["id"]}/delete">' in region["console"]
        assert f'action="/build-ons/{spam["id"]}/delete" hidden>' in region["board"]
        assert "Delete<span class=\"visually-hidden\">: Buy cheap watches</span>" in region["console"]

        removed = await api.delete(f"{API}/participants/{troll['participant_id']}?hide_notes=true", headers=host)
        assert removed.status_code == 200, removed.text
        after = {name: await recv(socket) for name, socket in screens}
    for name, frame in after.items():
        assert f'id="note-{note["id"]}-thread" hx-swap-oob="true"' in frame, name
        assert "Buy cheap watches" not in frame and "<bdi>Site 1</bdi> built on this" not in frame, name
        assert "And free buses" in frame, name
    assert f'action="/build-ons/{kind["id"]}/delete">' in after["console"]  # the redrawn thread keeps the console's buttons
    assert f'action="/build-ons/{kind["id"]}/delete" hidden>' in after["board"]
