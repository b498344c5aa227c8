"""Ideas travelling through the JSON API: building on another site's note, sending notes and questions
across, spotlights, and who may do which."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.api_helpers import API, Phone, World, bearer, board, check_error, join, log, make_event, post_note

PHASES = [
    {"name": "Ideas", "minutes": 20, "allows": ["post"]},
    {"name": "Build on each other", "minutes": 10, "allows": ["build"]},
]


def build_on(client: TestClient, phone: Phone, note_id: str, text: str, **fields: Any) -> httpx.Response:
    return client.post(f"{API}/notes/{note_id}/build-ons", json={"text": text, **fields}, headers=phone.auth)


def send(client: TestClient, site: dict[str, Any], headers: dict[str, str], **body: Any) -> httpx.Response:
    return client.post(f"{API}/sites/{site['id']}/sends", json=body, headers=headers)


def spotlight(client: TestClient, site: dict[str, Any], headers: dict[str, str], note_id: str | None) -> httpx.Response:
    return client.put(f"{API}/sites/{site['id']}/spotlight", json={"note_id": note_id}, headers=headers)


def facilitator(site: dict[str, Any]) -> dict[str, str]:
    return bearer(site["facilitator_token"])


def aalborg_and_odense(client: TestClient, sites: int = 2) -> tuple[World, Phone, Phone, dict[str, Any]]:
    """An event with a phone at its first two sites and a note of the first's ("Aalborg")."""
    world = make_event(client, sites=sites)
    aalborg, odense = join(client, world.sites[0]), join(client, world.sites[1])
    note = post_note(client, aalborg, "Car-free Sundays on the harbour").json()
    return world, aalborg, odense, note


# -- build-ons ------------------------------------------------------------------------------------


def test_odense_builds_on_aalborgs_note_and_aalborg_can_see_who(client: TestClient) -> None:
    world, aalborg, odense, note = aalborg_and_odense(client)
    made = build_on(client, odense, note["id"], "  And free buses to get there  ")
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["text"], body["note_id"], body["site_id"], body["author_site_id"]) == (
        "And free buses to get there", note["id"], aalborg.site_id, odense.site_id,
    )
    entry = log(client, world)["entries"][-1]
    assert entry["type"] == "build_on.created" and entry["seq"] == body["seq"] and entry["data"]["build_on"] == body
    assert board(client, world)["build_ons"] == [body]
    # Its author deletes it; another participant may not (moderators may: tests/test_api_moderation.py).
    check_error(client.delete(f"{API}/build-ons/{body['id']}", headers=aalborg.auth), 403, "forbidden")
    assert client.delete(f"{API}/build-ons/{body['id']}", headers=odense.auth).status_code == 204
    assert log(client, world)["entries"][-1]["type"] == "build_on.deleted"
    assert board(client, world)["build_ons"] == []
    check_error(client.delete(f"{API}/build-ons/{body['id']}", headers=odense.auth), 404, "not_found")


def test_a_retried_build_on_returns_the_first(client: TestClient) -> None:
    world, _, odense, note = aalborg_and_odense(client)
    first = build_on(client, odense, note["id"], "Buses", client_id="phone-7")
    before = log(client, world)["last_seq"]
    again = build_on(client, odense, note["id"], "Buses", client_id="phone-7")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert log(client, world)["last_seq"] == before
    assert len(board(client, world)["build_ons"]) == 1


def test_building_on_notes_is_refused_outside_a_building_phase(client: TestClient) -> None:
    world, aalborg, odense, note = aalborg_and_odense(client)
    client.put(f"{API}/events/{world.id}/agenda", json={"phases": PHASES}, headers=world.host)
    client.post(f"{API}/events/{world.id}/clock", json={"action": "next"}, headers=world.host)  # Ideas, everywhere
    check_error(build_on(client, odense, note["id"], "Too early"), 409, "not_in_this_phase", "Ideas")
    # The phase of the author's site decides: Odense moves on to building, Aalborg stays with ideas.
    client.post(f"{API}/events/{world.id}/clock", json={"action": "next", "site_id": odense.site_id}, headers=world.host)
    assert build_on(client, odense, note["id"], "Now it is time").status_code == 201
    check_error(build_on(client, aalborg, note["id"], "Not yet here"), 409, "not_in_this_phase")


def test_bad_build_ons_are_refused(client: TestClient) -> None:
    world, aalborg, odense, note = aalborg_and_odense(client)
    check_error(build_on(client, odense, note["id"], "   "), 422, "empty")
    check_error(build_on(client, odense, note["id"], "x" * 281), 422, "too_long")
    check_error(client.post(f"{API}/notes/{note['id']}/build-ons", json={"text": 5}, headers=odense.auth), 422, "invalid_field")
    check_error(client.post(f"{API}/notes/{note['id']}/build-ons", json={"text": "x", "colour": "red"}, headers=odense.auth), 422, "unknown_field")
    check_error(build_on(client, odense, "no-such-note", "Nothing"), 404, "not_found")
    # Only participants of the event build on its notes: not its host, nor a phone of another event.
    check_error(client.post(f"{API}/notes/{note['id']}/build-ons", json={"text": "Hosts listen"}, headers=world.host), 403, "forbidden")
    stranger = join(client, make_event(client, sites=1).sites[0])
    check_error(build_on(client, stranger, note["id"], "Not my event"), 403, "forbidden")
    check_error(client.post(f"{API}/notes/{note['id']}/build-ons", json={"text": "Who?"}), 401, "unauthorized")
    # A hidden note is not there to build on.
    client.patch(f"{API}/notes/{note['id']}", json={"visible": False}, headers=world.host)
    check_error(build_on(client, odense, note["id"], "Hidden"), 404, "not_found")
    assert board(client, world)["build_ons"] == []


# -- sends ----------------------------------------------------------------------------------------


def test_a_facilitator_sends_a_note_to_one_site_and_a_question_to_all(client: TestClient) -> None:
    world, _, _, note = aalborg_and_odense(client, sites=3)
    aalborg, odense, aarhus = world.sites
    made = send(client, aalborg, facilitator(aalborg), note_id=note["id"], to_site_id=odense["id"])
    assert made.status_code == 201, made.text
    one = made.json()
    assert (one["from_site_id"], one["to_site_id"], one["note_id"], one["question"]) == (aalborg["id"], odense["id"], note["id"], None)
    entry = log(client, world)["entries"][-1]
    assert entry["type"] == "send.created" and entry["data"]["send"] == one and entry["data"]["note"]["text"] == note["text"]
    # The host may send from any site; a send without to_site_id goes to every other site.
    to_all = send(client, aarhus, world.host, question="How did you reach young people?").json()
    assert to_all["to_site_id"] is None and to_all["question"] == "How did you reach young people?"
    assert board(client, world)["sends"] == [one, to_all]


def test_only_the_sites_facilitator_or_the_host_sends_from_it(client: TestClient) -> None:
    world, aalborg_phone, _, note = aalborg_and_odense(client)
    aalborg, odense = world.sites
    check_error(send(client, aalborg, aalborg_phone.auth, note_id=note["id"]), 403, "forbidden")  # a participant
    check_error(send(client, aalborg, facilitator(odense), note_id=note["id"]), 403, "forbidden")  # Odense's facilitator, from Aalborg
    viewer = bearer(httpx.URL(world.created["board_url"]).params["token"])
    check_error(send(client, aalborg, viewer, question="Projectors only look"), 403, "forbidden")
    check_error(client.post(f"{API}/sites/{aalborg['id']}/sends", json={"question": "?"}), 401, "unauthorized")
    check_error(send(client, {"id": "no-such-site"}, world.host, question="?"), 404, "not_found")
    assert board(client, world)["sends"] == []


def test_bad_sends_are_refused(client: TestClient) -> None:
    world, _, odense_phone, note = aalborg_and_odense(client)
    aalborg, odense = world.sites
    by_aalborg = facilitator(aalborg)
    check_error(send(client, aalborg, by_aalborg, note_id=note["id"], to_site_id=aalborg["id"]), 422, "invalid_send")  # to itself
    check_error(send(client, aalborg, by_aalborg), 422, "invalid_send")  # nothing
    check_error(send(client, aalborg, by_aalborg, note_id=note["id"], question="Both?"), 422, "invalid_send")
    check_error(send(client, aalborg, by_aalborg, question="  "), 422, "empty")
    check_error(send(client, aalborg, by_aalborg, question="?" * 301), 422, "too_long")
    check_error(send(client, aalborg, by_aalborg, note_id=note["id"], to_site_id="elsewhere"), 422, "unknown_site")
    theirs = post_note(client, odense_phone, "Odense's own idea").json()
    check_error(send(client, aalborg, by_aalborg, note_id=theirs["id"]), 422, "not_your_note")
    check_error(send(client, aalborg, by_aalborg, note_id="no-such-note"), 404, "not_found")
    check_error(send(client, aalborg, by_aalborg, note_id=7), 422, "invalid_field")
    lonely = make_event(client, sites=1)
    check_error(send(client, lonely.sites[0], lonely.host, question="Anyone there?"), 409, "no_other_site")
    client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=world.host)
    check_error(send(client, aalborg, by_aalborg, question="Too late?"), 409, "event_closed")
    assert board(client, world)["sends"] == []


# -- spotlights -----------------------------------------------------------------------------------


def test_a_site_spotlights_its_own_notes_and_those_sent_to_it(client: TestClient) -> None:
    world, _, _, note = aalborg_and_odense(client)
    aalborg, odense = world.sites
    shown = spotlight(client, aalborg, facilitator(aalborg), note["id"])
    assert shown.status_code == 200 and shown.json() == {"site_id": aalborg["id"], "note": note}
    assert log(client, world)["entries"][-1]["type"] == "site.spotlight"
    # Odense may not spotlight Aalborg's note until Aalborg sends it there.
    check_error(spotlight(client, odense, facilitator(odense), note["id"]), 422, "not_shown_here")
    send(client, aalborg, facilitator(aalborg), note_id=note["id"])
    assert spotlight(client, odense, facilitator(odense), note["id"]).json()["note"]["id"] == note["id"]
    assert board(client, world)["spotlights"] == {aalborg["id"]: note["id"], odense["id"]: note["id"]}
    cleared = spotlight(client, aalborg, world.host, None)
    assert cleared.status_code == 200 and cleared.json() == {"site_id": aalborg["id"], "note": None}
    assert board(client, world)["spotlights"] == {odense["id"]: note["id"]}


def test_only_the_sites_facilitator_or_the_host_spotlights(client: TestClient) -> None:
    world, aalborg_phone, _, note = aalborg_and_odense(client)
    aalborg, odense = world.sites
    check_error(spotlight(client, aalborg, aalborg_phone.auth, note["id"]), 403, "forbidden")
    check_error(spotlight(client, aalborg, facilitator(odense), note["id"]), 403, "forbidden")
    check_error(client.put(f"{API}/sites/{aalborg['id']}/spotlight", json={}, headers=world.host), 422, "missing_field")
    check_error(spotlight(client, aalborg, world.host, "no-such-note"), 404, "not_found")
    other = make_event(client, sites=1)
    foreign = post_note(client, join(client, other.sites[0]), "Elsewhere").json()
    check_error(spotlight(client, aalborg, world.host, foreign["id"]), 404, "not_found")  # another event's note is not there
    assert board(client, world)["spotlights"] == {}


def test_the_board_carries_build_ons_sends_and_spotlights(client: TestClient) -> None:
    """The JSON board (and so the live snapshot) is complete for a first render."""
    world, _, odense, note = aalborg_and_odense(client)
    aalborg, odense_site = world.sites
    built = build_on(client, odense, note["id"], "More").json()
    sent = send(client, aalborg, facilitator(aalborg), note_id=note["id"], to_site_id=odense_site["id"]).json()
    spotlight(client, odense_site, facilitator(odense_site), note["id"])
    whole = board(client, world)
    assert (whole["build_ons"], whole["sends"], whole["spotlights"]) == ([built], [sent], {odense_site["id"]: note["id"]})
