"""Moderation through the JSON API: hide and restore, edit, merge, lock, remove, post for a table; and
who may do each (a site's facilitator or the host, never a participant, never another site's facilitator)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.api_helpers import API, Phone, World, bearer, board, check_error, join, log, make_event, post_note

Action = Callable[[TestClient, World, dict[str, str]], httpx.Response]


def facilitator(site: dict[str, Any]) -> dict[str, str]:
    return bearer(site["facilitator_token"])


def note_of(client: TestClient, phone: Phone, text: str) -> dict[str, Any]:
    response = post_note(client, phone, text)
    assert response.status_code == 201, response.text
    return dict(response.json())


def visible_texts(client: TestClient, world: World) -> list[str]:
    return [note["text"] for note in board(client, world)["notes"]]


def last_entry(client: TestClient, world: World) -> dict[str, Any]:
    return dict(log(client, world)["entries"][-1])


# -- hiding, restoring, editing -----------------------------------------------------------------


def test_a_facilitator_hides_a_note_and_the_host_restores_it(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    first, rude, last = (note_of(client, phone, text) for text in ("First", "Rude", "Last"))

    hidden = client.patch(f"{API}/notes/{rude['id']}", json={"visible": False}, headers=facilitator(world.sites[0]))
    assert hidden.status_code == 200, hidden.text
    assert (hidden.json()["visible"], hidden.json()["hidden_by"]) == (False, "moderator")
    assert visible_texts(client, world) == ["First", "Last"]
    entry = last_entry(client, world)
    assert entry["type"] == "note.updated" and entry["data"]["changed"] == ["hidden_by", "visible"]

    restored = client.patch(f"{API}/notes/{rude['id']}", json={"visible": True}, headers=world.host)
    assert restored.status_code == 200 and restored.json()["hidden_by"] is None
    assert visible_texts(client, world) == ["First", "Rude", "Last"]  # back in its place
    assert [n["id"] for n in board(client, world)["notes"]] == [first["id"], rude["id"], last["id"]]
    assert last_entry(client, world)["data"]["build_ons"] == []  # a restore carries the note's thread (none here)


def test_participants_cannot_hide_or_restore_even_their_own_notes(client: TestClient) -> None:
    world = make_event(client, sites=1)
    author, neighbour = join(client, world.sites[0]), join(client, world.sites[0])
    note = note_of(client, author, "Mine")
    url = f"{API}/notes/{note['id']}"
    for phone in (author, neighbour):
        check_error(client.patch(url, json={"visible": False}, headers=phone.auth), 403, "forbidden")
        check_error(client.patch(url, json={"visible": False, "text": "Mine, edited"}, headers=phone.auth), 403, "forbidden")
    assert visible_texts(client, world) == ["Mine"]
    # The author still edits as before.
    assert client.patch(url, json={"text": "Mine, edited"}, headers=author.auth).json()["text"] == "Mine, edited"


def test_a_moderator_corrects_a_note_and_the_original_stays_in_the_log(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    note = note_of(client, phone, "Call 555-0100 for details")
    edited = client.patch(f"{API}/notes/{note['id']}", json={"text": "Call the town hall for details"}, headers=facilitator(world.sites[0]))
    assert edited.status_code == 200 and edited.json()["text"] == "Call the town hall for details"
    entry = last_entry(client, world)
    assert entry["type"] == "note.updated" and entry["data"]["previous_text"] == "Call 555-0100 for details"
    check_error(client.patch(f"{API}/notes/{note['id']}", json={"text": " "}, headers=world.host), 422, "empty")
    check_error(client.patch(f"{API}/notes/{note['id']}", json={"visible": "no"}, headers=world.host), 422)


# -- merging ------------------------------------------------------------------------------------


def test_merging_hides_the_duplicate_and_logs_it(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    kept, duplicate = note_of(client, phone, "More trees"), note_of(client, phone, "more trees please")
    url = f"{API}/notes/{duplicate['id']}/merge"

    merged = client.post(url, json={"into": kept["id"]}, headers=facilitator(world.sites[0]))
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["note"]["visible"], body["note"]["merged_into"], body["into"]["id"]) == (False, kept["id"], kept["id"])
    assert visible_texts(client, world) == ["More trees"]
    entry = last_entry(client, world)
    assert entry["type"] == "note.merged"
    assert {k: entry["data"][k] for k in ("note_id", "into", "site_id")} == {"note_id": duplicate["id"], "into": kept["id"], "site_id": phone.site_id}

    check_error(client.post(url, json={"into": kept["id"]}, headers=world.host), 409, "already_merged")
    check_error(client.post(f"{API}/notes/{kept['id']}/merge", json={"into": kept["id"]}, headers=world.host), 422, "invalid_merge")
    check_error(client.post(f"{API}/notes/{kept['id']}/merge", json={"into": "no-such-note"}, headers=world.host), 404, "not_found")
    check_error(client.post(f"{API}/notes/{kept['id']}/merge", json={}, headers=world.host), 422)
    # Restoring a merged duplicate makes it a note of its own again.
    restored = client.patch(f"{API}/notes/{duplicate['id']}", json={"visible": True}, headers=world.host).json()
    assert restored["visible"] and restored["merged_into"] is None


def start_voting(client: TestClient, world: World) -> None:
    phases = client.put(f"{API}/events/{world.id}/agenda", json={"phases": [{"name": "Vote", "minutes": 5, "allows": ["vote"]}]}, headers=world.host)
    client.post(f"{API}/events/{world.id}/clock", json={"action": "start", "phase_id": phases.json()["phases"][0]["id"]}, headers=world.host)


def test_merging_carries_votes_and_build_ons_to_the_kept_note(client: TestClient) -> None:
    world = make_event(client, sites=2)
    here, neighbour, there = join(client, world.sites[0]), join(client, world.sites[0]), join(client, world.sites[1])
    kept, duplicate = note_of(client, neighbour, "Car-free Sundays"), note_of(client, here, "Sundays without cars")
    built = client.post(f"{API}/notes/{duplicate['id']}/build-ons", json={"text": "And free buses"}, headers=there.auth)
    assert built.status_code == 201, built.text
    start_voting(client, world)
    for phone in (here, there):
        assert client.post(f"{API}/notes/{duplicate['id']}/votes", headers=phone.auth).status_code == 201

    assert client.post(f"{API}/notes/{duplicate['id']}/merge", json={"into": kept["id"]}, headers=world.host).status_code == 200
    state = board(client, world)
    assert state["votes"] == {kept["id"]: 2}
    assert [(b["note_id"], b["text"]) for b in state["build_ons"]] == [(kept["id"], "And free buses")]
    data = last_entry(client, world)["data"]
    assert (data["carried"], data["into_votes"]) == ({"votes": 2, "build_ons": 1, "votes_dropped": 0}, 2)


def test_a_note_is_never_merged_into_another_sites_note(client: TestClient) -> None:
    """The console only offers its own site's notes; the API refuses the rest, and the votes stay where they were cast."""
    world = make_event(client, sites=2)
    here, there = join(client, world.sites[0]), join(client, world.sites[1])
    ours, theirs = note_of(client, here, "Dup"), note_of(client, there, "Bikes")
    start_voting(client, world)
    assert client.post(f"{API}/notes/{ours['id']}/votes", headers=here.auth).status_code == 201
    before = log(client, world)["last_seq"]

    for who in (facilitator(world.sites[0]), world.host):
        refused = check_error(client.post(f"{API}/notes/{ours['id']}/merge", json={"into": theirs["id"]}, headers=who), 422, "invalid_merge")
        assert "same site" in refused["message"]
    assert log(client, world)["last_seq"] == before  # nothing logged
    assert visible_texts(client, world) == ["Dup", "Bikes"]
    results = client.get(f"{API}/events/{world.id}/results", headers=world.host).json()
    assert [(s["name"], [(n["text"], n["votes"]) for n in s["notes"]]) for s in results["sites"]] == [("City 0", [("Dup", 1)]), ("City 1", [])]


def test_a_merge_never_gives_one_voter_two_votes_on_a_note_when_one_is_the_rule(client: TestClient) -> None:
    world = make_event(client, sites=1)
    author, voter, other = (join(client, world.sites[0]) for _ in range(3))
    kept, duplicate = note_of(client, author, "Bike lanes"), note_of(client, author, "Bike lanes!")
    start_voting(client, world)
    for phone, note in ((voter, kept), (voter, duplicate), (other, duplicate)):
        assert client.post(f"{API}/notes/{note['id']}/votes", headers=phone.auth).status_code == 201

    assert client.post(f"{API}/notes/{duplicate['id']}/merge", json={"into": kept["id"]}, headers=facilitator(world.sites[0])).status_code == 200
    mine = client.get(f"{API}/events/{world.id}/my-votes", headers=voter.auth).json()
    assert mine["notes"] == {kept["id"]: 1}  # one vote on the kept note, as the rule says; the other is theirs again
    assert board(client, world)["votes"] == {kept["id"]: 2}  # the voter's and the other participant's
    data = last_entry(client, world)["data"]
    assert (data["carried"], data["into_votes"]) == ({"votes": 1, "build_ons": 0, "votes_dropped": 1}, 2)
    check_error(client.post(f"{API}/notes/{kept['id']}/votes", headers=voter.auth), 409, "already_voted")


# -- locking ------------------------------------------------------------------------------------


def test_a_locked_board_refuses_notes_until_it_is_unlocked(client: TestClient) -> None:
    world = make_event(client, sites=2)
    aalborg, odense = world.sites
    phone, elsewhere = join(client, aalborg), join(client, odense)
    url = f"{API}/sites/{aalborg['id']}"
    stored = post_note(client, phone, "Sent before the lock", client_id="c-1").json()

    locked = client.patch(url, json={"locked": True}, headers=facilitator(aalborg))
    assert locked.status_code == 200 and locked.json()["locked"] is True
    assert last_entry(client, world)["type"] == "site.updated"
    check_error(post_note(client, phone, "Let me in"), 409, "site_locked")
    assert post_note(client, elsewhere, "Odense is open").status_code == 201  # only that site is locked
    # A phone retrying a note stored before the lock is told it was stored, not refused.
    retried = post_note(client, phone, "Sent before the lock", client_id="c-1")
    assert retried.status_code == 201 and retried.json() == stored
    assert [s["locked"] for s in board(client, world)["sites"]] == [True, False]

    assert client.patch(url, json={"locked": False}, headers=world.host).json()["locked"] is False
    assert post_note(client, phone, "Let me in").status_code == 201
    for body in ({"locked": "yes"}, {}, {"locked": True, "name": "x"}):
        check_error(client.patch(url, json=body, headers=world.host), 422)
    check_error(client.patch(f"{API}/sites/no-such-site", json={"locked": True}, headers=world.host), 404, "not_found")


def test_a_locked_board_refuses_votes_too(client: TestClient) -> None:
    world = make_event(client, sites=1)
    site = world.sites[0]
    phone = join(client, site)
    note = note_of(client, phone, "Vote for me")
    phases = client.put(f"{API}/events/{world.id}/agenda", json={"phases": [{"name": "Vote", "minutes": 5, "allows": ["vote"]}]}, headers=world.host)
    client.post(f"{API}/events/{world.id}/clock", json={"action": "start", "phase_id": phases.json()["phases"][0]["id"]}, headers=world.host)
    client.patch(f"{API}/sites/{site['id']}", json={"locked": True}, headers=facilitator(site))
    check_error(client.post(f"{API}/notes/{note['id']}/votes", headers=phone.auth), 409, "site_locked")
    client.patch(f"{API}/sites/{site['id']}", json={"locked": False}, headers=facilitator(site))
    assert client.post(f"{API}/notes/{note['id']}/votes", headers=phone.auth).status_code == 201


def test_a_locked_board_refuses_build_ons_from_its_phones_only(client: TestClient) -> None:
    world = make_event(client, sites=2)
    aalborg, odense = world.sites
    theirs, ours = join(client, aalborg), join(client, odense)
    note = note_of(client, theirs, "Build on me")
    client.patch(f"{API}/sites/{aalborg['id']}", json={"locked": True}, headers=facilitator(aalborg))
    url = f"{API}/notes/{note['id']}/build-ons"
    check_error(client.post(url, json={"text": "From Aalborg"}, headers=theirs.auth), 409, "site_locked")
    assert client.post(url, json={"text": "From Odense"}, headers=ours.auth).status_code == 201  # Odense's board is open


def test_an_author_changes_their_note_only_while_they_could_post_it(client: TestClient) -> None:
    world = make_event(client, sites=1)
    site = world.sites[0]
    phone = join(client, site)
    url = f"{API}/notes/{note_of(client, phone, 'Draft')['id']}"
    client.patch(f"{API}/sites/{site['id']}", json={"locked": True}, headers=facilitator(site))
    check_error(client.patch(url, json={"text": "Sneaky"}, headers=phone.auth), 409, "site_locked")
    check_error(client.delete(url, headers=phone.auth), 409, "site_locked")
    assert client.patch(url, json={"text": "Corrected by the facilitator"}, headers=facilitator(site)).status_code == 200
    client.patch(f"{API}/sites/{site['id']}", json={"locked": False}, headers=facilitator(site))

    phases = client.put(f"{API}/events/{world.id}/agenda", json={"phases": [{"name": "Listen", "minutes": 5}]}, headers=world.host)
    client.post(f"{API}/events/{world.id}/clock", json={"action": "start", "phase_id": phases.json()["phases"][0]["id"]}, headers=world.host)
    check_error(client.patch(url, json={"text": "During the talk"}, headers=phone.auth), 409, "not_in_this_phase")
    client.post(f"{API}/events/{world.id}/clock", json={"action": "stop"}, headers=world.host)

    client.patch(url, json={"visible": False}, headers=facilitator(site))
    check_error(client.patch(url, json={"text": "Let me back"}, headers=phone.auth), 409, "hidden_by_moderator")
    check_error(client.delete(url, headers=phone.auth), 409, "hidden_by_moderator")
    texts = [e["data"]["note"]["text"] for e in log(client, world)["entries"] if e["type"] == "note.updated"]
    assert texts == ["Corrected by the facilitator", "Corrected by the facilitator"]  # the edit, then the hide


def test_a_note_others_built_on_stays_when_its_author_deletes_it(client: TestClient) -> None:
    world = make_event(client, sites=2)
    author, other = join(client, world.sites[0]), join(client, world.sites[1])
    note = note_of(client, author, "Shared idea")
    assert client.post(f"{API}/notes/{note['id']}/build-ons", json={"text": "And more"}, headers=other.auth).status_code == 201
    check_error(client.delete(f"{API}/notes/{note['id']}", headers=author.auth), 409, "note_in_use")
    assert visible_texts(client, world) == ["Shared idea"]
    lonely = note_of(client, author, "Nobody cares")
    assert client.delete(f"{API}/notes/{lonely['id']}", headers=author.auth).status_code == 204


def test_a_facilitator_still_posts_for_a_table_on_a_locked_board(client: TestClient) -> None:
    world = make_event(client, sites=1)
    site = world.sites[0]
    client.patch(f"{API}/sites/{site['id']}", json={"locked": True}, headers=facilitator(site))
    posted = client.post(f"{API}/sites/{site['id']}/notes", json={"text": "From paper", "on_behalf_of": "Paper notes"}, headers=facilitator(site))
    assert posted.status_code == 201, posted.text


# -- removing participants ----------------------------------------------------------------------


def test_a_removed_participants_token_stops_working_at_once(client: TestClient) -> None:
    world = make_event(client, sites=1)
    troll, other = join(client, world.sites[0]), join(client, world.sites[0])
    note_of(client, troll, "Spam one")
    note_of(client, other, "Useful")

    removed = client.delete(f"{API}/participants/{troll.participant_id}", headers=facilitator(world.sites[0]))
    assert removed.status_code == 200, removed.text
    assert removed.json()["hidden_note_ids"] == [] and removed.json()["removed_at"]
    check_error(post_note(client, troll, "Still here?"), 401, "unauthorized")
    check_error(client.get(f"{API}/events/{world.id}/board", headers=troll.auth), 401, "unauthorized")
    assert visible_texts(client, world) == ["Spam one", "Useful"]  # their notes stay unless asked
    assert last_entry(client, world)["type"] == "participant.removed"


def test_removing_with_hide_notes_hides_every_note_of_theirs(client: TestClient) -> None:
    world = make_event(client, sites=1)
    troll, other = join(client, world.sites[0]), join(client, world.sites[0])
    spam = [note_of(client, troll, f"Spam {n}") for n in range(3)]
    note_of(client, other, "Useful")
    url = f"{API}/participants/{troll.participant_id}"
    check_error(client.delete(f"{url}?hide_notes=yes", headers=world.host), 422, "invalid_parameter")
    removed = client.delete(f"{url}?hide_notes=true", headers=world.host)
    assert removed.status_code == 200 and removed.json()["hidden_note_ids"] == [n["id"] for n in spam]
    assert visible_texts(client, world) == ["Useful"]
    entry = last_entry(client, world)
    assert [n["id"] for n in entry["data"]["hidden_notes"]] == [n["id"] for n in spam]
    check_error(client.delete(f"{API}/participants/no-such-person", headers=world.host), 404, "not_found")


def test_removing_with_hide_notes_takes_their_build_ons_off_every_board(client: TestClient) -> None:
    world = make_event(client, sites=2)
    troll, author = join(client, world.sites[0]), join(client, world.sites[1])
    theirs = note_of(client, author, "Bikes")
    spam = [client.post(f"{API}/notes/{theirs['id']}/build-ons", json={"text": f"spam {n}"}, headers=troll.auth).json() for n in range(2)]
    kind = client.post(f"{API}/notes/{theirs['id']}/build-ons", json={"text": "And racks"}, headers=author.auth).json()

    removed = client.delete(f"{API}/participants/{troll.participant_id}?hide_notes=true", headers=facilitator(world.sites[0]))
    assert removed.status_code == 200, removed.text
    assert [b["text"] for b in board(client, world)["build_ons"]] == ["And racks"]
    entry = last_entry(client, world)
    assert entry["type"] == "participant.removed"
    assert [(b["id"], b["text"]) for b in entry["data"]["deleted_build_ons"]] == [(b["id"], b["text"]) for b in spam]  # the log keeps the text
    assert kind["id"] not in str(entry["data"])


def test_without_hide_notes_a_removed_participants_build_ons_stay(client: TestClient) -> None:
    world = make_event(client, sites=1)
    person, author = join(client, world.sites[0]), join(client, world.sites[0])
    note = note_of(client, author, "Bikes")
    client.post(f"{API}/notes/{note['id']}/build-ons", json={"text": "Fine words"}, headers=person.auth)
    assert client.delete(f"{API}/participants/{person.participant_id}", headers=world.host).status_code == 200
    assert [b["text"] for b in board(client, world)["build_ons"]] == ["Fine words"]
    assert last_entry(client, world)["data"]["deleted_build_ons"] == []


# -- moderating build-ons -----------------------------------------------------------------------


def _build_on_elsewhere(client: TestClient) -> tuple[World, Phone, dict[str, Any]]:
    """A participant of the second site builds on a note of the first site."""
    world = make_event(client, sites=2)
    note = note_of(client, join(client, world.sites[0]), "Bikes")
    troll = join(client, world.sites[1])
    built = client.post(f"{API}/notes/{note['id']}/build-ons", json={"text": "spam spam"}, headers=troll.auth)
    assert built.status_code == 201, built.text
    return world, troll, dict(built.json())


@pytest.mark.parametrize("who", ["facilitator of the note's site", "host", "author"])
def test_a_build_on_is_deleted_by_its_author_or_a_moderator_of_the_notes_site(client: TestClient, who: str) -> None:
    world, troll, built = _build_on_elsewhere(client)
    headers = {"facilitator of the note's site": facilitator(world.sites[0]), "host": world.host, "author": troll.auth}[who]
    deleted = client.delete(f"{API}/build-ons/{built['id']}", headers=headers)
    assert deleted.status_code == 204, deleted.text
    assert board(client, world)["build_ons"] == []
    assert last_entry(client, world)["type"] == "build_on.deleted"


def test_other_facilitators_and_participants_cannot_delete_a_build_on(client: TestClient) -> None:
    world, _, built = _build_on_elsewhere(client)
    before = log(client, world)["last_seq"]
    # The author's own site's facilitator moderates that site, not the note's.
    for who in (facilitator(world.sites[1]), join(client, world.sites[0]).auth):
        check_error(client.delete(f"{API}/build-ons/{built['id']}", headers=who), 403, "forbidden")
    assert log(client, world)["last_seq"] == before + 1  # only the join above
    assert [b["text"] for b in board(client, world)["build_ons"]] == ["spam spam"]


# -- posting for a table ------------------------------------------------------------------------


def test_a_facilitator_or_the_host_posts_for_a_table(client: TestClient) -> None:
    world = make_event(client, sites=1)
    site = world.sites[0]
    url = f"{API}/sites/{site['id']}/notes"
    first = client.post(url, json={"text": "Benches", "on_behalf_of": " Table  3 "}, headers=facilitator(site))
    assert first.status_code == 201, first.text
    assert first.json()["on_behalf_of"] == "Table 3"
    second = client.post(url, json={"text": "Shade", "on_behalf_of": "Table 3", "kind": "concern"}, headers=world.host)
    assert second.status_code == 201 and second.json()["participant_id"] == first.json()["participant_id"]
    assert [(n["text"], n["on_behalf_of"]) for n in board(client, world)["notes"]] == [("Benches", "Table 3"), ("Shade", "Table 3")]
    for bad in ("", "   ", "x" * 61):
        check_error(client.post(url, json={"text": "x", "on_behalf_of": bad}, headers=world.host), 422, "too_long" if bad.strip() else "empty")
    check_error(client.post(f"{API}/sites/no-such-site/notes", json={"text": "x", "on_behalf_of": "T"}, headers=world.host), 404)


# -- who may moderate ---------------------------------------------------------------------------


def _setup(client: TestClient) -> tuple[World, Phone, dict[str, Any], dict[str, Any], Phone]:
    """Two sites; at the first (Aalborg) a phone with two notes and a second participant."""
    world = make_event(client, sites=2)
    phone = join(client, world.sites[0])
    first, second = note_of(client, phone, "First"), note_of(client, phone, "Second")
    return world, phone, first, second, join(client, world.sites[0])


ACTIONS: dict[str, Callable[[TestClient, World, dict[str, Any], dict[str, Any], Phone, dict[str, str]], httpx.Response]] = {
    "hide": lambda c, w, first, second, other, h: c.patch(f"{API}/notes/{first['id']}", json={"visible": False}, headers=h),
    "edit": lambda c, w, first, second, other, h: c.patch(f"{API}/notes/{first['id']}", json={"text": "Edited"}, headers=h),
    "merge": lambda c, w, first, second, other, h: c.post(f"{API}/notes/{second['id']}/merge", json={"into": first["id"]}, headers=h),
    "lock": lambda c, w, first, second, other, h: c.patch(f"{API}/sites/{w.sites[0]['id']}", json={"locked": True}, headers=h),
    "remove": lambda c, w, first, second, other, h: c.delete(f"{API}/participants/{other.participant_id}", headers=h),
    "post for a table": lambda c, w, first, second, other, h: c.post(
        f"{API}/sites/{w.sites[0]['id']}/notes", json={"text": "Paper", "on_behalf_of": "Table 1"}, headers=h
    ),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_participants_and_other_sites_facilitators_cannot_moderate(client: TestClient, action: str) -> None:
    world, author, first, second, other = _setup(client)
    elsewhere = join(client, world.sites[1])
    viewer = bearer(world.created["board_url"].split("token=")[1])
    refused = [other.auth, elsewhere.auth, facilitator(world.sites[1]), viewer]
    if action != "edit":  # the author edits their own note (tests/test_api.py); nothing else of this
        refused.append(author.auth)
    before = log(client, world)["last_seq"]
    for who in refused:
        check_error(ACTIONS[action](client, world, first, second, other, who), 403, "forbidden")
    check_error(ACTIONS[action](client, world, first, second, other, {}), 401, "unauthorized")
    assert log(client, world)["last_seq"] == before  # nothing happened
    assert visible_texts(client, world) == ["First", "Second"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["facilitator", "host"])
def test_the_sites_facilitator_and_the_host_may_moderate(client: TestClient, action: str, who: str) -> None:
    world, _, first, second, other = _setup(client)
    headers = facilitator(world.sites[0]) if who == "facilitator" else world.host
    response = ACTIONS[action](client, world, first, second, other, headers)
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("action", ACTIONS)
def test_a_closed_event_is_not_moderated(client: TestClient, action: str) -> None:
    world, _, first, second, other = _setup(client)
    client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=world.host)
    check_error(ACTIONS[action](client, world, first, second, other, world.host), 409, "event_closed")
