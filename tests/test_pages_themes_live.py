"""Themes on the pages, live over real websockets: every screen's counts right after every kind of entry
(a placement at another site, a rename, a hidden note, a deleted theme), a placed note's card redrawn
where it shows, and the console's suggestions refreshed a moment after a note arrives."""

from __future__ import annotations

import pytest

import re
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.servers import LiveServer
from tests.test_live import api, auth, live_url, new_event, post, server  # noqa: F401  (fixtures)
from tests.test_live_moderation import API, HTML, recv

pytestmark = pytest.mark.usefixtures("suggestion_engine_loaded")  # suggestions answer at once


async def start_theme(api: httpx.AsyncClient, site: dict[str, Any], name: str) -> str:  # noqa: F811
    made = await api.post(f"/sites/{site['id']}/themes", data={"name": name}, headers=auth(site["facilitator_token"]))
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).rsplit("#theme-", 1)[1]


async def frames(sockets: dict[str, ClientConnection]) -> dict[str, str]:
    return {name: await recv(socket) for name, socket in sockets.items()}


def count(theme: str, site: dict[str, Any], number: int) -> str:
    return f'<span class="theme__number" id="theme-{theme}-count-{site["id"]}">{number}</span>'


async def test_every_screen_counts_placements_renames_hides_and_deletes_live(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api, sites=2)
    here, there = event["sites"]
    host = auth(event["host_token"])
    ours, theirs = await post(api, here, "Bike lanes on the harbour"), await post(api, there, "Bike routes to school")
    bikes = await start_theme(api, here, "Bikes")
    urls = {
        "board there": (f"{HTML}site-board&site={there['id']}", host),
        "console here": (f"{HTML}console&site={here['id']}", auth(here["facilitator_token"])),
        "shared": (f"{HTML}shared-board", host),
        "phone there": (f"{HTML}phone&site={there['id']}", auth(there["participant_token"])),
    }
    opened = {name: connect(live_url(server, event, query), additional_headers=headers) for name, (query, headers) in urls.items()}
    async with opened["board there"] as board, opened["console here"] as console, opened["shared"] as shared, opened["phone there"] as phone:
        sockets = {"board there": board, "console here": console, "shared": shared, "phone there": phone}
        first = {name: str(await socket.recv()) for name, socket in sockets.items()}
        for name in ("board there", "shared"):
            assert count(bikes, here, 0) in first[name] and count(bikes, there, 0) in first[name], name
        # The console's first payload: its theme list; then, a moment later, its suggestions afresh (a one-click "Put in").
        assert count(bikes, here, 0) in first["console here"]
        offered = str(await console.recv())
        assert '<section class="card suggestions" id="suggestions" aria-labelledby="suggestions-heading" hx-swap-oob="true">' in offered
        assert f'<input type="hidden" name="theme_id" value="{bikes}">' in offered

        # Here places its note: there's board (which shows only its own notes) counts it too.
        placed = await api.post(f"/notes/{ours['id']}/theme", data={"theme_id": bikes}, headers=auth(here["facilitator_token"]))
        assert placed.status_code == 303
        seen = await frames(sockets)
        for name in ("board there", "console here", "shared"):
            assert count(bikes, here, 1) in seen[name], name
        assert f'<option value="{bikes}" selected>Bikes</option>' in seen["console here"]  # the note's own select, redrawn
        assert f'<article id="note-{ours["id"]}"' in seen["phone there"] and '<p class="note__theme" data-theme="' + bikes + '">Theme: Bikes</p>' in seen["phone there"]
        assert "A note from Site 0 is now in “Bikes”." in seen["shared"]

        # Renamed: every label at once, by selector; the boxes and the console's choices too.
        renamed = await api.post(f"/themes/{bikes}/rename", data={"name": "Cycling"}, headers=host)
        assert renamed.status_code == 303
        seen = await frames(sockets)
        assert f'''hx-swap-oob="outerHTML:.note__theme[data-theme=&#39;{bikes}&#39;]">Theme: Cycling</p>''' in seen["phone there"]
        assert f'id="theme-{bikes}-name">Cycling</h3>' in seen["board there"] and f'id="theme-{bikes}-name">Cycling</h3>' in seen["shared"]
        assert f'<option value="{bikes}" selected>Cycling</option>' in seen["console here"]

        # There places its note, then the host hides here's: the counts follow on every screen.
        await api.post(f"/notes/{theirs['id']}/theme", data={"theme_id": bikes}, headers=auth(there["facilitator_token"]))
        seen = await frames(sockets)
        assert count(bikes, there, 1) in seen["console here"] and count(bikes, there, 1) in seen["board there"]
        assert re.search(r'<span class="theme__raised"><span aria-hidden="true">2 sites</span>', seen["shared"])
        hidden = await api.patch(f"{API}/notes/{ours['id']}", json={"visible": False}, headers=host)
        assert hidden.status_code == 200
        seen = await frames(sockets)
        for name in ("board there", "console here", "shared"):
            assert count(bikes, here, 0) in seen[name] and count(bikes, there, 1) in seen[name], name

        # Deleted by the host: gone from every screen, and the notes' labels with it.
        assert (await api.post(f"/themes/{bikes}/delete", headers=host)).status_code == 303
        seen = await frames(sockets)
        assert f"""<p hx-swap-oob="delete:.note__theme[data-theme='{bikes}']"></p>""" in seen["phone there"]
        for name in ("board there", "shared"):
            assert re.search(r'<section class="themes themes--[\w-]+" id="themes" aria-labelledby="themes-heading" hidden hx-swap-oob="true">', seen[name])
        assert 'No themes yet.' in seen["console here"]
        assert "Theme deleted: Cycling" in seen["shared"]


async def test_a_sites_board_moves_a_placed_note_into_its_themes_box_and_back(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api, sites=1)
    (here,) = event["sites"]
    note = await post(api, here, "Shade on the square")
    trees = await start_theme(api, here, "Trees")
    async with connect(live_url(server, event, f"{HTML}site-board&site={here['id']}"), additional_headers=auth(event["host_token"])) as board:
        assert f'<div id="notes" hx-swap-oob="innerHTML"><article id="note-{note["id"]}"' in await recv(board)
        facilitator = auth(here["facilitator_token"])
        await api.post(f"/notes/{note['id']}/theme", data={"theme_id": trees}, headers=facilitator)
        moved = await recv(board)
        # Out of the notes without a theme first, then into the box (a delete after would take it out of the box).
        assert moved.index(f'<div id="note-{note["id"]}" hx-swap-oob="delete"></div>') < moved.index('<section class="themes')
        box = re.search(rf'<section class="theme" id="theme-{trees}".*?</section>', moved, re.S)
        assert box and f'<article id="note-{note["id"]}"' in box.group(0)  # into the box

        await api.post(f"/notes/{note['id']}/theme", data={"theme_id": ""}, headers=facilitator)
        back = await recv(board)
        box = re.search(rf'<section class="theme" id="theme-{trees}".*?</section>', back, re.S)
        assert box and "<article" not in box.group(0)
        assert f'<div id="notes" hx-swap-oob="innerHTML"><article id="note-{note["id"]}"' in back
