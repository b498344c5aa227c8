"""Ideas travelling, live over real websockets: build-ons reach the note's site, sends reach the sites
they go to, spotlights reach their board; as JSON and as the pages' htmx fragments."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.servers import LiveServer
from workshop.domain.models import Board, BuildOn, Colour, Event, EventStatus, LogEntry, Note, NoteKind, Send, Site, as_json
from workshop.live.exchange import ExchangeState
from tests.test_live import api, auth, live_url, messages, new_event, post, server  # noqa: F401  (fixtures)


def viewer(site: dict[str, Any]) -> dict[str, str]:
    """The projector's token of a site's board, from its board link."""
    return auth(httpx.URL(site["board_url"]).params["token"])


async def build_on(api: httpx.AsyncClient, phone_site: dict[str, Any], note: dict[str, Any], text: str) -> dict[str, Any]:
    response = await api.post(f"/api/v1/notes/{note['id']}/build-ons", json={"text": text}, headers=phone_site["phone"])
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_build_on_from_odense_reaches_aalborgs_board_stream(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api)
    aalborg, odense = event["sites"]
    note = await post(api, aalborg, "Car-free Sundays")
    url = live_url(server, event, f"?site={aalborg['id']}")
    async with connect(url, additional_headers=viewer(aalborg)) as board:
        (snap,) = await messages(board, 1)
        assert snap["build_ons"] == [] and snap["sends"] == [] and snap["spotlights"] == {}
        made = await build_on(api, odense, note, "And free buses to get there")
        (got,) = await messages(board, 1)
    assert got["type"] == "build_on.created" and got["seq"] == made["seq"]
    assert got["build_on"]["note_id"] == note["id"]
    assert (got["build_on"]["site_id"], got["build_on"]["author_site_id"]) == (aalborg["id"], odense["id"])


async def test_the_snapshot_carries_what_travelled(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api)
    aalborg, odense = event["sites"]
    note = await post(api, aalborg, "Car-free Sundays")
    made = await build_on(api, odense, note, "More")
    sent = (await api.post(f"/api/v1/sites/{aalborg['id']}/sends", json={"note_id": note["id"]}, headers=auth(aalborg["facilitator_token"]))).json()
    async with connect(live_url(server, event), additional_headers=auth(event["host_token"])) as board:
        (snap,) = await messages(board, 1)
    assert (snap["build_ons"], snap["sends"], snap["spotlights"]) == ([made], [sent], {})


async def test_pages_see_threads_lanes_spotlights_and_travels_live(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api)
    aalborg, odense = event["sites"]
    note = await post(api, aalborg, "Car-free Sundays")
    html = "?format=html&lang=en&view="
    sockets = {
        "aalborg-board": connect(live_url(server, event, f"{html}site-board&site={aalborg['id']}"), additional_headers=viewer(aalborg)),
        "odense-board": connect(live_url(server, event, f"{html}site-board&site={odense['id']}"), additional_headers=viewer(odense)),
        "odense-phone": connect(live_url(server, event, f"{html}phone&site={odense['id']}"), additional_headers=auth(odense["participant_token"])),
        "shared": connect(live_url(server, event, f"{html}shared-board"), additional_headers=auth(event["host_token"])),
    }
    async with sockets["aalborg-board"] as a_board, sockets["odense-board"] as o_board, sockets["odense-phone"] as o_phone, \
            sockets["shared"] as shared:
        regions = {name: str(await asyncio.wait_for(s.recv(), 5)) for name, s in
                   (("a", a_board), ("o", o_board), ("phone", o_phone), ("shared", shared))}
        assert f'id="note-{note["id"]}-thread"' in regions["a"]  # a place for the thread, before any build-on
        assert 'id="exchange-side"' in regions["o"] and 'id="travels"' in regions["shared"]
        assert f'action="/notes/{note["id"]}/build-ons"' in regions["phone"]  # Odense's phones may build on Aalborg's note

        await build_on(api, odense, note, "And free buses")
        thread = str(await asyncio.wait_for(a_board.recv(), 5))
        assert f'id="note-{note["id"]}-thread" hx-swap-oob="true"' in thread
        assert "<bdi>Site 1</bdi> built on this" in thread and "And free buses" in thread
        assert "<bdi>Site 1</bdi> built on this" in str(await asyncio.wait_for(shared.recv(), 5))
        assert "And free buses" in str(await asyncio.wait_for(o_phone.recv(), 5))

        by_aalborg = auth(aalborg["facilitator_token"])
        await api.post(f"/api/v1/sites/{aalborg['id']}/sends", json={"note_id": note["id"], "to_site_id": odense["id"]}, headers=by_aalborg)
        lane = str(await asyncio.wait_for(o_board.recv(), 5))
        assert 'id="exchange-side" hx-swap-oob="true"' in lane and "A note from Site 0" in lane and "Car-free Sundays" in lane
        assert "Site 0 sent you a note: Car-free Sundays" in lane
        assert "A note from Site 0" in str(await asyncio.wait_for(o_phone.recv(), 5))
        travelled = str(await asyncio.wait_for(shared.recv(), 5))
        assert "From Site 0 to Site 1" in travelled and "Car-free Sundays" in travelled

        await api.put(f"/api/v1/sites/{odense['id']}/spotlight", json={"note_id": note["id"]}, headers=auth(odense["facilitator_token"]))
        spot = str(await asyncio.wait_for(o_board.recv(), 5))
        assert "In the spotlight" in spot and 'id="spotlight-note"' in spot

        # Aalborg edits its note: Odense's board, which shows it in its lane and spotlight, redraws.
        await api.patch(f"/api/v1/notes/{note['id']}", json={"text": "Car-free Sundays, all summer"}, headers=aalborg["phone"])
        redrawn = str(await asyncio.wait_for(o_board.recv(), 5))
        assert redrawn.count("Car-free Sundays, all summer") == 2  # the lane and the spotlight
        # Aalborg's own board heard nothing of the send or of Odense's spotlight: its next frame is the edit.
        edited = str(await asyncio.wait_for(a_board.recv(), 5))
        assert "Car-free Sundays, all summer" in edited and "exchange-side" not in edited
        assert "<bdi>Site 1</bdi> built on this" in edited  # the edited card keeps its thread


# -- the room's state alone -------------------------------------------------------------------------


def entry(seq: int, type_: str, **data: Any) -> LogEntry:
    return LogEntry("e", seq, type_, data, f"2026-05-01T10:00:{seq:02d}.000Z")


def state_with_a_sent_note() -> tuple[ExchangeState, dict[str, Any]]:
    """Aalborg's note, built on from Odense, sent to all and spotlighted at Odense."""
    event = Event("e", "Green city", "Streets", "", "en", "Europe/Copenhagen", EventStatus.LIVE, "t", "t")
    sites = [Site(site, "e", name, "", "CODE", position, "t") for position, (site, name) in enumerate([("a", "Aalborg"), ("o", "Odense"), ("r", "Aarhus")])]
    note = Note("n1", "e", "a", "p1", 1, "Car-free Sundays", NoteKind.IDEA, Colour.YELLOW, True, "t", "t")
    state = ExchangeState.from_board(Board(1, event, sites, [note]))
    state.apply(entry(2, "build_on.created", build_on=as_json(BuildOn("b1", "e", "n1", "a", "p2", "o", 2, "Free buses", "t"))))
    state.apply(entry(3, "send.created", send=as_json(Send("s1", "e", "a", None, "n1", None, 3, "t")), note=as_json(note)))
    state.apply(entry(4, "site.spotlight", site_id="o", note_id="n1", spotlight=as_json(note)))
    return state, as_json(note)


def test_a_state_shows_threads_lanes_and_spotlights_from_entries() -> None:
    state, note = state_with_a_sent_note()
    assert state.threaded(note)["built_by"] == ["Odense"] and [b["site_name"] for b in state.threaded(note)["build_ons"]] == ["Odense"]
    assert [item["from_name"] for item in state.incoming("o")] == ["Aalborg"] and state.incoming("a") == []
    assert state.spotlight("o") == note and state.spotlight("a") is None
    assert [(item["from_name"], item["to_name"]) for item in state.travels()] == [("Aalborg", None)]


def test_an_edit_reaches_the_sites_showing_the_note_and_a_deletion_takes_it_all_away() -> None:
    state, note = state_with_a_sent_note()
    state.apply(entry(5, "note.updated", note={**note, "text": "All summer"}, changed=["text"]))
    assert state.reached == {"o", "r"} and state.incoming("r")[0]["note"]["text"] == "All summer"
    state.apply(entry(6, "participant.joined", participant={"site_id": "a"}))
    assert state.reached == frozenset()  # only the entry that changed the note reaches
    state.apply(entry(7, "note.deleted", note_id="n1", site_id="a"))
    assert state.reached == {"o", "r"}
    assert (state.incoming("o"), state.spotlight("o"), state.travels(), state.threaded(note)["build_ons"]) == ([], None, [], [])


def test_moderation_hides_what_travelled_and_a_merge_moves_the_thread() -> None:
    state, note = state_with_a_sent_note()
    kept = {**note, "id": "n2", "seq": 9}
    state.apply(entry(8, "note.merged", note_id="n1", into="n2", site_id="a", into_site_id="a",
                      note={**note, "visible": False, "merged_into": "n2"}, carried={"build_ons": 1, "votes": 0}))
    assert state.reached == {"o", "r"} and state.incoming("o") == [] and state.spotlight("o") is None
    assert [b["id"] for b in state.threaded(kept)["build_ons"]] == ["b1"] and state.threaded(note)["build_ons"] == []
    other, note = state_with_a_sent_note()
    other.apply(entry(5, "participant.removed", participant={"id": "p1"}, hidden_notes=[{**note, "visible": False}]))
    assert other.reached == {"o", "r"} and other.incoming("r") == []


def test_a_removed_participants_build_ons_leave_the_thread_and_reach_the_notes_site() -> None:
    state, note = state_with_a_sent_note()
    gone = as_json(BuildOn("b1", "e", "n1", "a", "p2", "o", 2, "Free buses", "t"))
    state.apply(entry(5, "participant.removed", participant={"id": "p2", "site_id": "o"}, hidden_notes=[], deleted_build_ons=[gone]))
    assert state.threaded(note)["build_ons"] == [] and state.threaded(note)["built_by"] == []
    assert state.pruned == [{"id": "n1", "site_id": "a"}] and "a" in state.reached  # Aalborg's board redraws the thread
    state.apply(entry(6, "participant.joined", participant={"site_id": "a"}))
    assert state.pruned == [] and state.reached == frozenset()


def test_a_restored_note_brings_its_thread_to_a_board_that_opened_while_it_was_hidden() -> None:
    event = Event("e", "Green city", "Streets", "", "en", "Europe/Copenhagen", EventStatus.LIVE, "t", "t")
    sites = [Site("a", "e", "Aalborg", "", "CODE", 0, "t"), Site("o", "e", "Odense", "", "CODE2", 1, "t")]
    state = ExchangeState.from_board(Board(1, event, sites, []))  # the note was hidden: no thread loaded
    note = as_json(Note("n1", "e", "a", "p1", 1, "Car-free Sundays", NoteKind.IDEA, Colour.YELLOW, True, "t", "t"))
    thread = [as_json(BuildOn("b1", "e", "n1", "a", "p2", "o", 2, "Free buses", "t"))]
    state.apply(entry(5, "note.updated", note=note, changed=["visible"], build_ons=thread))
    assert state.threaded(note)["built_by"] == ["Odense"]
