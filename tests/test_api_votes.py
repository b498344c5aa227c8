"""Dot voting through the JSON API: only in a voting phase, within the budget, one vote per note unless
the host allows more, taking a vote back, hidden totals until a facilitator reveals them, who may do
what, and results ranked per site and across sites."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.api_helpers import API, Phone, World, board, check_error, join, log, make_event, post_note
from tests.test_api_agenda import clock, facilitator, put_agenda

PHASES = [
    {"name": "Ideas", "minutes": 20, "allows": ["post"]},
    {"name": "Voting", "minutes": 10, "allows": ["vote"]},
    {"name": "Wrap-up", "minutes": 5, "allows": []},
]


def with_notes(client: TestClient, sites: int = 2, per_site: int = 3) -> tuple[World, list[list[str]]]:
    """An event in its idea phase with `per_site` notes at each site; returns the note ids per site."""
    world = make_event(client, sites=sites)
    put_agenda(client, world, phases=PHASES)
    clock(client, world, action="next")
    notes = []
    for number, site in enumerate(world.sites):
        author = join(client, site)
        notes.append([post_note(client, author, f"Idea {number}.{index}").json()["id"] for index in range(per_site)])
    return world, notes


def vote(client: TestClient, phone: Phone, note_id: str) -> httpx.Response:
    return client.post(f"{API}/notes/{note_id}/votes", headers=phone.auth)


def take_back(client: TestClient, phone: Phone, note_id: str) -> httpx.Response:
    return client.delete(f"{API}/notes/{note_id}/votes", headers=phone.auth)


def set_voting(client: TestClient, world: World, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
    settings = {"budget": 3, "several_per_note": False, "hidden": False, **body}
    return client.put(f"{API}/events/{world.id}/voting", json=settings, headers=headers or world.host)


def reveal(client: TestClient, site: dict[str, Any], headers: dict[str, str], revealed: bool = True) -> httpx.Response:
    return client.post(f"{API}/sites/{site['id']}/reveal", json={"revealed": revealed}, headers=headers)


def counted(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def test_votes_count_only_in_a_voting_phase(client: TestClient) -> None:
    world, notes = with_notes(client)
    phone = join(client, world.sites[0])
    check_error(vote(client, phone, notes[0][0]), 409, "not_in_this_phase")  # the idea phase
    clock(client, world, action="next")  # Voting, at every site
    before = log(client, world)["last_seq"]
    first = counted(vote(client, phone, notes[0][0]))
    assert first == {"note_id": notes[0][0], "votes": 1, "votes_left": 2, "yours": 1}
    # The log says which note, whose site and its new total, never who voted.
    entry = log(client, world, f"?since={before}")["entries"][0]
    assert entry["type"] == "vote.cast"
    assert entry["data"] == {"note_id": notes[0][0], "site_id": world.sites[0]["id"], "votes": 1, "phase_id": entry["data"]["phase_id"]}
    assert phone.participant_id not in str(entry)
    assert board(client, world)["votes"] == {notes[0][0]: 1}
    clock(client, world, action="next")  # Wrap-up: read only
    check_error(vote(client, phone, notes[0][1]), 409, "not_in_this_phase")
    assert board(client, world)["votes"] == {notes[0][0]: 1}


def test_before_the_agenda_starts_nobody_votes(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    note = post_note(client, phone, "Early bird").json()
    check_error(vote(client, phone, note["id"]), 409, "not_in_this_phase", "voting phase")


def test_the_voters_own_site_decides_and_any_sites_note_may_get_the_vote(client: TestClient) -> None:
    world, notes = with_notes(client)
    aalborg, odense = world.sites
    clock(client, world, facilitator(aalborg), action="next")  # only Aalborg moves on to voting
    from_aalborg, from_odense = join(client, aalborg), join(client, odense)
    assert counted(vote(client, from_aalborg, notes[1][0]))["votes"] == 1  # Odense's note, Aalborg's phase
    check_error(vote(client, from_odense, notes[0][0]), 409, "not_in_this_phase")
    assert board(client, world)["votes"] == {notes[1][0]: 1}


def test_a_budget_is_spent_once_per_phase(client: TestClient) -> None:
    world, notes = with_notes(client, per_site=4)
    clock(client, world, action="next")
    phone = join(client, world.sites[0])
    left = [counted(vote(client, phone, note_id))["votes_left"] for note_id in notes[0][:3]]
    assert left == [2, 1, 0]
    before = log(client, world)["last_seq"]
    check_error(vote(client, phone, notes[0][3]), 409, "over_budget", "3")
    assert log(client, world)["last_seq"] == before  # a refused vote leaves no trace
    mine = client.get(f"{API}/events/{world.id}/my-votes", headers=phone.auth).json()
    assert (mine["open"], mine["budget"], mine["spent"], mine["votes_left"]) == (True, 3, 3, 0)
    assert mine["notes"] == {note_id: 1 for note_id in notes[0][:3]}


def test_one_vote_per_note_unless_the_host_allows_several(client: TestClient) -> None:
    world, notes = with_notes(client)
    clock(client, world, action="next")
    phone = join(client, world.sites[0])
    counted(vote(client, phone, notes[0][0]))
    check_error(vote(client, phone, notes[0][0]), 409, "already_voted")
    assert counted(set_voting(client, world, several_per_note=True), 200) == {"budget": 3, "several_per_note": True, "hidden": False}
    again = counted(vote(client, phone, notes[0][0]))
    assert (again["votes"], again["yours"], again["votes_left"]) == (2, 2, 1)
    assert client.get(f"{API}/events/{world.id}", headers=world.host).json()["votes_several_per_note"] is True


def test_a_vote_is_taken_back_in_its_own_phase_only(client: TestClient) -> None:
    world, notes = with_notes(client)
    clock(client, world, action="next")
    phone, other = join(client, world.sites[0]), join(client, world.sites[1])
    counted(vote(client, phone, notes[0][0]))
    counted(vote(client, other, notes[0][0]))
    check_error(take_back(client, phone, notes[0][1]), 409, "no_vote")  # never voted for that one
    back = counted(take_back(client, phone, notes[0][0]), 200)
    assert back == {"note_id": notes[0][0], "votes": 1, "votes_left": 3, "yours": 0}  # the other phone's vote stays
    assert log(client, world)["entries"][-1]["type"] == "vote.withdrawn"
    check_error(take_back(client, phone, notes[0][0]), 409, "no_vote")
    clock(client, world, action="next")  # the voting phase is over: what was cast stands
    check_error(take_back(client, other, notes[0][0]), 409, "not_in_this_phase")
    assert board(client, world)["votes"] == {notes[0][0]: 1}


def test_hidden_totals_stay_hidden_until_the_facilitator_reveals_them(client: TestClient) -> None:
    world, notes = with_notes(client)
    aalborg, odense = world.sites
    assert counted(set_voting(client, world, hidden=True, budget=5), 200)["hidden"] is True
    clock(client, world, action="next")
    phone = join(client, aalborg)
    hidden = counted(vote(client, phone, notes[0][0]))
    assert hidden["votes"] is None and hidden["votes_left"] == 4
    counted(vote(client, phone, notes[1][0]))
    assert board(client, world)["votes"] == {}
    # Aalborg's facilitator reveals Aalborg's totals; Odense's stay hidden.
    assert counted(reveal(client, aalborg, facilitator(aalborg)), 200) == {"site_id": aalborg["id"], "revealed": True}
    assert board(client, world)["votes"] == {notes[0][0]: 1}
    assert counted(vote(client, phone, notes[0][1]))["votes"] == 1
    assert counted(vote(client, phone, notes[1][1]))["votes"] is None
    assert log(client, world)["entries"][-3]["type"] == "votes.revealed"
    # Hidden again: gone from the board until the next reveal.
    assert counted(reveal(client, aalborg, facilitator(aalborg), revealed=False), 200)["revealed"] is False
    assert board(client, world)["votes"] == {}
    # The facilitators and the host still see every result.
    results = counted(client.get(f"{API}/events/{world.id}/results", headers=facilitator(odense)), 200)
    assert [len(site["notes"]) for site in results["sites"]] == [2, 2]



def test_hidden_totals_stay_out_of_a_participants_log_until_revealed(client: TestClient) -> None:
    world, notes = with_notes(client, sites=1)
    site = world.sites[0]
    counted(set_voting(client, world, hidden=True), 200)
    clock(client, world, action="next")
    phone = join(client, site)
    counted(vote(client, phone, notes[0][0]))

    def totals(headers: dict[str, str]) -> list[Any]:
        entries = client.get(f"{API}/events/{world.id}/log", headers=headers).json()["entries"]
        return [e["data"]["votes"] for e in entries if e["type"] == "vote.cast"]

    assert totals(phone.auth) == [None]  # the API is no back door to what the boards hide
    assert totals(world.host) == [1] and totals(facilitator(site)) == [1]
    counted(reveal(client, site, facilitator(site)), 200)
    assert totals(phone.auth) == [1]
    assert log(client, world)["entries"][-1]["data"]["totals"] == {notes[0][0]: 1}  # the reveal tells the totals at once


def test_who_may_set_reveal_and_read_results(client: TestClient) -> None:
    world, notes = with_notes(client)
    aalborg, odense = world.sites
    phone = join(client, aalborg)
    for headers in (phone.auth, facilitator(aalborg)):
        check_error(set_voting(client, world, headers, budget=5), 403, "forbidden")
    check_error(reveal(client, aalborg, phone.auth), 403, "forbidden")  # a participant cannot reveal
    check_error(reveal(client, odense, facilitator(aalborg)), 403, "forbidden")  # nor Aalborg's facilitator Odense's totals
    check_error(reveal(client, aalborg, {}), 401, "unauthorized")
    assert counted(reveal(client, odense, world.host), 200)["revealed"] is True  # the host may, for any site
    check_error(client.get(f"{API}/events/{world.id}/results", headers=phone.auth), 403, "forbidden")
    clock(client, world, action="next")
    as_facilitator = client.post(f"{API}/notes/{notes[0][0]}/votes", headers=facilitator(aalborg))
    check_error(as_facilitator, 403, "forbidden")  # facilitators do not vote
    stranger = join(client, make_event(client, sites=1).sites[0])
    check_error(vote(client, stranger, notes[0][0]), 403, "forbidden")  # a participant of another event
    check_error(client.get(f"{API}/events/{world.id}/my-votes", headers=stranger.auth), 403, "forbidden")


def test_bad_voting_input_is_refused_clearly(client: TestClient) -> None:
    world, notes = with_notes(client)
    url = f"{API}/events/{world.id}/voting"
    check_error(set_voting(client, world, budget=0), 422, "invalid_budget")
    check_error(set_voting(client, world, budget=21), 422, "invalid_budget")
    check_error(set_voting(client, world, budget="3"), 422, "invalid_field")
    check_error(set_voting(client, world, hidden="yes"), 422, "invalid_field")
    check_error(client.put(url, json={"budget": 3, "several_per_note": False}, headers=world.host), 422, "missing_field")
    check_error(set_voting(client, world, colour="red"), 422, "unknown_field")
    check_error(client.post(f"{API}/sites/{world.sites[0]['id']}/reveal", json={"revealed": 1}, headers=world.host), 422, "invalid_field")
    clock(client, world, action="next")
    phone = join(client, world.sites[0])
    check_error(client.post(f"{API}/notes/{notes[0][0]}/votes", json={"votes": 2}, headers=phone.auth), 422, "unknown_field")
    assert client.post(f"{API}/notes/{notes[0][0]}/votes", json={}, headers=phone.auth).status_code == 201
    check_error(vote(client, phone, "no-such-note"), 404, "not_found")
    assert client.get(f"{API}/events/{world.id}", headers=world.host).json()["vote_budget"] == 3  # nothing changed


def test_a_closed_events_votes_are_final(client: TestClient) -> None:
    world, notes = with_notes(client)
    clock(client, world, action="next")
    phone = join(client, world.sites[0])
    counted(vote(client, phone, notes[0][0]))
    client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=world.host)
    check_error(vote(client, phone, notes[0][1]), 409, "event_closed")
    check_error(take_back(client, phone, notes[0][0]), 409, "event_closed")
    check_error(set_voting(client, world, budget=5), 409, "event_closed")
    check_error(reveal(client, world.sites[0], world.host), 409, "event_closed")
    assert board(client, world)["votes"] == {notes[0][0]: 1}


def test_a_note_with_votes_stays_when_its_author_tries_to_delete_it(client: TestClient) -> None:
    world = make_event(client, sites=1)
    author, voter = join(client, world.sites[0]), join(client, world.sites[0])
    note = post_note(client, author, "Popular").json()
    put_agenda(client, world, phases=[{"name": "Vote and write", "minutes": 10, "allows": ["post", "vote"]}])
    clock(client, world, action="next")
    counted(vote(client, voter, note["id"]))
    check_error(client.delete(f"{API}/notes/{note['id']}", headers=author.auth), 409, "note_in_use")
    assert board(client, world)["votes"] == {note["id"]: 1}  # the voter's vote is not taken from them
    assert client.get(f"{API}/events/{world.id}/my-votes", headers=voter.auth).json()["votes_left"] == 2


def test_results_rank_each_site_and_keep_a_big_site_from_drowning_a_small_one(client: TestClient) -> None:
    world, notes = with_notes(client, per_site=3)
    big, small = notes
    counted(set_voting(client, world, budget=20, several_per_note=True), 200)
    clock(client, world, action="next")
    crowd, few = join(client, world.sites[0]), join(client, world.sites[1])
    for note_id, times in ((big[0], 8), (big[1], 6), (big[2], 6)):
        for _ in range(times):
            counted(vote(client, crowd, note_id))
    for note_id, times in ((small[0], 3), (small[1], 1)):
        for _ in range(times):
            counted(vote(client, few, note_id))

    results = counted(client.get(f"{API}/events/{world.id}/results", headers=world.host), 200)
    big_rows, small_rows = (site["notes"] for site in results["sites"])
    assert sorted((row["text"], row["votes"], row["rank"], row["share"]) for row in big_rows) == [
        ("Idea 0.0", 8, 1, 0.4), ("Idea 0.1", 6, 2, 0.3), ("Idea 0.2", 6, 2, 0.3),  # a tie shares its rank
    ]
    assert big_rows[0]["text"] == "Idea 0.0"
    assert [(row["votes"], row["share"]) for row in small_rows] == [(3, 0.75), (1, 0.25)]  # the unvoted note is not ranked
    # Across sites, the small site's favourite (3 votes, 75 % of its site) leads the big site's (8, 40 %).
    assert [row["text"] for row in results["across_sites"]][:2] == ["Idea 1.0", "Idea 0.0"]
    assert results["sites"][0]["name"] == "City 0"
    facilitators_view = counted(client.get(f"{API}/events/{world.id}/results", headers=facilitator(world.sites[1])), 200)
    assert facilitators_view == results


def test_a_locked_board_takes_no_votes_until_it_is_unlocked(client: TestClient) -> None:
    world, notes = with_notes(client)
    clock(client, world, action="next")
    aalborg = world.sites[0]
    phone = join(client, aalborg)
    lock = client.patch(f"{API}/sites/{aalborg['id']}", json={"locked": True}, headers=facilitator(aalborg))
    assert lock.status_code == 200, lock.text
    check_error(vote(client, phone, notes[1][0]), 409, "site_locked")  # the voter's own board is paused
    client.patch(f"{API}/sites/{aalborg['id']}", json={"locked": False}, headers=facilitator(aalborg))
    assert counted(vote(client, phone, notes[1][0]))["votes"] == 1
