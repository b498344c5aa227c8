"""Dot voting live, over real websockets against a real uvicorn: a vote reaches the JSON stream with
the note's new total and without the voter; a board whose totals are hidden shows them all at once
when its facilitator reveals them; a phone's vote panel opens with the voting phase."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.servers import LiveServer
from tests.test_live import api, auth, live_url, messages, new_event, post, server  # noqa: F401 - the fixtures too
from workshop.domain.models import LogEntry, Phase
from workshop.live.votes import VoteState

PHASES = [{"name": "Ideas", "minutes": 20, "allows": ["post"]}, {"name": "Voting", "minutes": 10, "allows": ["vote"]}]


async def run_agenda(api: httpx.AsyncClient, event: dict[str, Any]) -> dict[str, str]:
    host = auth(event["host_token"])
    assert (await api.put(f"/api/v1/events/{event['id']}/agenda", json={"phases": PHASES}, headers=host)).status_code == 200
    assert (await api.post(f"/api/v1/events/{event['id']}/clock", json={"action": "next"}, headers=host)).status_code == 200
    return host


async def next_phase(api: httpx.AsyncClient, event: dict[str, Any], host: dict[str, str]) -> None:
    assert (await api.post(f"/api/v1/events/{event['id']}/clock", json={"action": "next"}, headers=host)).status_code == 200


async def test_a_vote_reaches_a_boards_json_stream(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api)
    host = await run_agenda(api, event)
    note = await post(api, event["sites"][1], "Car-free Sundays")
    await next_phase(api, event, host)
    voter = event["sites"][0]  # another site's participant: votes go to any site's notes
    async with connect(live_url(server, event), additional_headers=host) as board:
        (snap,) = await messages(board, 1)
        assert snap["votes"] == {}
        counted = await api.post(f"/api/v1/notes/{note['id']}/votes", headers=voter["phone"])
        assert counted.status_code == 201, counted.text
        (live,) = await messages(board, 1)
    assert live["type"] == "vote.cast" and live["seq"] == snap["seq"] + 1
    assert (live["note_id"], live["site_id"], live["votes"]) == (note["id"], event["sites"][1]["id"], 1)
    assert voter["participant_token"] not in str(live) and "participant" not in str(live)


async def test_a_participants_json_stream_gets_no_hidden_totals(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api, sites=1)
    host = await run_agenda(api, event)
    site = event["sites"][0]
    note = await post(api, site, "Car-free Sundays")
    await next_phase(api, event, host)
    voting = {"budget": 3, "several_per_note": False, "hidden": True}
    assert (await api.put(f"/api/v1/events/{event['id']}/voting", json=voting, headers=host)).status_code == 200
    async with connect(live_url(server, event), additional_headers=host) as board, \
            connect(live_url(server, event), additional_headers=auth(site["participant_token"])) as phone:
        await messages(board, 1)
        await messages(phone, 1)
        assert (await api.post(f"/api/v1/notes/{note['id']}/votes", headers=site["phone"])).status_code == 201
        (hosts,) = await messages(board, 1)
        (phones,) = await messages(phone, 1)
    assert (hosts["type"], hosts["votes"]) == ("vote.cast", 1)
    assert (phones["type"], phones["votes"]) == ("vote.cast", None)


async def test_hidden_totals_appear_on_the_site_board_at_once_when_revealed(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    event = await new_event(api, sites=1)
    (site,) = event["sites"]
    host = await run_agenda(api, event)
    voting = {"budget": 3, "several_per_note": False, "hidden": True}
    assert (await api.put(f"/api/v1/events/{event['id']}/voting", json=voting, headers=host)).status_code == 200
    notes = [await post(api, site, text) for text in ("Shade trees", "More benches")]
    await next_phase(api, event, host)
    board_url = live_url(server, event, f"?format=html&lang=en&view=site-board&site={site['id']}")
    phone_url = live_url(server, event, f"?format=html&lang=en&view=phone&site={site['id']}")
    async with (
        connect(board_url, additional_headers=host) as board,
        connect(phone_url, additional_headers=auth(site["participant_token"])) as phone,
    ):
        first = str(await asyncio.wait_for(board.recv(), 5))
        assert f'id="note-{notes[0]["id"]}-votes" hidden' in first
        region = str(await asyncio.wait_for(phone.recv(), 5))
        assert 'id="vote-status"' in region and 'data-open="true"' in region and 'data-refresh="true"' in region
        for note in notes:
            assert (await api.post(f"/api/v1/notes/{note['id']}/votes", headers=site["phone"])).json()["votes"] is None
        quiet = [str(await asyncio.wait_for(board.recv(), 5)) for _ in notes]
        assert not any("1 vote" in frame for frame in quiet)  # the board knows, but shows nothing

        revealed = await api.post(f"/api/v1/sites/{site['id']}/reveal", json={"revealed": True}, headers=auth(site["facilitator_token"]))
        assert revealed.status_code == 200
        frame = str(await asyncio.wait_for(board.recv(), 5))
    # Every total in one frame, as dots and in words.
    for note in notes:
        assert f'<p class="note__votes" id="note-{note["id"]}-votes" hx-swap-oob="true">' in frame
    assert frame.count("1 vote</p>") == 2 and "●" in frame
    assert "The vote totals are showing now." in frame


def test_the_rooms_vote_state_follows_votes_merges_reveals_and_settings() -> None:
    """What the boards draw from, kept current from the entries alone."""
    state = VoteState()

    def apply(type_: str, **data: Any) -> None:
        state.apply(LogEntry("event", 1, type_, data))

    apply("vote.cast", note_id="kept", site_id="aalborg", votes=2, phase_id="vote")
    apply("vote.cast", note_id="duplicate", site_id="aalborg", votes=1, phase_id="vote")
    apply("note.merged", note_id="duplicate", into="kept", site_id="aalborg", into_site_id="aalborg", carried={"votes": 1, "build_ons": 0})
    assert state.totals == {"kept": 3} and state.voted("aalborg") == ["kept"] and state.voted("odense") == []
    apply("voting.updated", event={}, voting={"budget": 2, "several_per_note": False, "hidden": True})
    assert state.marks("site-board").total("kept", "aalborg") is None  # hidden on the boards...
    assert state.marks("console", "aalborg").total("kept", "aalborg") == 3  # ...not in its own console
    assert state.marks("console", "odense").total("kept", "aalborg") is None
    apply("votes.revealed", site_id="aalborg", revealed=True)
    assert state.marks("shared-board").total("kept", "aalborg") == 3
    voting = Phase("vote", "event", 0, "Voting", 10, ("vote",), "", "")
    assert state.marks("phone", "aalborg", voting).open and not state.marks("phone", "aalborg", None).open
    assert state.marks("phone", "aalborg", voting).left_texts() == ["0 of 2 votes left", "1 of 2 votes left", "2 of 2 votes left"]
    apply("vote.withdrawn", note_id="kept", site_id="aalborg", votes=0, phase_id="vote")
    assert state.totals == {} and state.voted() == []


async def test_a_note_restored_while_totals_are_hidden_shows_its_total_on_the_reveal(server: LiveServer, api: httpx.AsyncClient) -> None:  # noqa: F811
    """Hidden with its votes before the board opened, restored, then revealed: the live board shows
    its total as a fresh page would."""
    event = await new_event(api, sites=1)
    (site,) = event["sites"]
    host = await run_agenda(api, event)
    facilitator = auth(site["facilitator_token"])
    voting = {"budget": 3, "several_per_note": False, "hidden": True}
    assert (await api.put(f"/api/v1/events/{event['id']}/voting", json=voting, headers=host)).status_code == 200
    restored, visible = [await post(api, site, text) for text in ("Hidden then restored", "Always visible")]
    await next_phase(api, event, host)
    for note in (restored, visible):
        assert (await api.post(f"/api/v1/notes/{note['id']}/votes", headers=site["phone"])).status_code == 201
    assert (await api.patch(f"/api/v1/notes/{restored['id']}", json={"visible": False}, headers=facilitator)).status_code == 200
    board_url = live_url(server, event, f"?format=html&lang=en&view=site-board&site={site['id']}")
    async with connect(board_url, additional_headers=host) as board:
        first = str(await asyncio.wait_for(board.recv(), 5))
        assert f'id="note-{restored["id"]}"' not in first
        assert (await api.patch(f"/api/v1/notes/{restored['id']}", json={"visible": True}, headers=facilitator)).status_code == 200
        back = str(await asyncio.wait_for(board.recv(), 5))
        assert f'id="note-{restored["id"]}-votes" hidden' in back
        assert (await api.post(f"/api/v1/sites/{site['id']}/reveal", json={"revealed": True}, headers=facilitator)).status_code == 200
        frame = str(await asyncio.wait_for(board.recv(), 5))
    for note in (restored, visible):
        assert f'<p class="note__votes" id="note-{note["id"]}-votes" hx-swap-oob="true">' in frame, note["text"]
    assert frame.count("1 vote</p>") == 2


def test_the_vote_state_learns_the_site_of_a_restored_note_with_votes() -> None:
    """Made from a board that did not show the note (hidden), kept current from entries: a reveal redraws it."""
    state = VoteState()
    state.totals = {"restored": 1}  # as `load` finds it: the tallies count hidden notes' votes
    note = {"id": "restored", "site_id": "aalborg", "visible": True}
    assert state.voted("aalborg") == []
    state.apply(LogEntry("event", 2, "note.updated", {"note": note, "changed": ["hidden_by", "visible"]}))
    assert state.voted("aalborg") == ["restored"] and state.site_of("restored") == "aalborg"
    state.apply(LogEntry("event", 3, "note.updated", {"note": {**note, "id": "unvoted"}, "changed": ["text"]}))
    assert state.voted() == ["restored"]  # only notes with votes are tracked
