"""The agenda through the JSON API: format kits, phases, one clock for every site, and who may move it."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.api_helpers import API, World, bearer, board, check_error, join, log, make_event, post_note

PHASES = [
    {"name": "Welcome", "minutes": 5, "allows": [], "instructions": "Listen in.", "script": "Say hello."},
    {"name": "Ideas", "minutes": 20, "allows": ["post", "build"], "instructions": "Write ideas."},
    {"name": "Voting", "minutes": 10, "allows": ["vote"]},
]


def put_agenda(client: TestClient, world: World, **body: Any) -> dict[str, Any]:
    response = client.put(f"{API}/events/{world.id}/agenda", json=body, headers=world.host)
    assert response.status_code == 200, response.text
    return dict(response.json())


def clock(client: TestClient, world: World, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return client.post(f"{API}/events/{world.id}/clock", json=body, headers=headers or world.host)


def facilitator(site: dict[str, Any]) -> dict[str, str]:
    return bearer(site["facilitator_token"])


def where(agenda: dict[str, Any]) -> dict[str, tuple[int, float]]:
    """Site id -> (phase number, remaining seconds)."""
    return {site["site_id"]: (site["phase_number"], site["remaining_seconds"]) for site in agenda["sites"]}


def test_kits_are_listed_in_the_language_asked_for(client: TestClient) -> None:
    english = client.get(f"{API}/kits").json()["kits"]
    assert [kit["id"] for kit in english] == ["open-workshop", "1-2-4-all", "world-cafe", "check-in-out"]
    one_two_four = english[1]
    assert [phase["minutes"] for phase in one_two_four["phases"]] == [1, 2, 4, 5]
    danish = client.get(f"{API}/kits?lang=da").json()["kits"]
    assert danish[0]["name"] != english[0]["name"] and danish[0]["phases"][0]["script"] != english[0]["phases"][0]["script"]


def test_a_host_takes_a_kit_in_the_events_language(client: TestClient) -> None:
    world = make_event(client, language="da")
    taken = put_agenda(client, world, kit="open-workshop")
    danish_kit = client.get(f"{API}/kits?lang=da").json()["kits"][0]
    assert taken["kit"] == "open-workshop"
    assert [p["name"] for p in taken["phases"]] == [p["name"] for p in danish_kit["phases"]]
    assert board(client, world)["event"]["kit"] == "open-workshop"
    # Anyone of the event may read the agenda; only the host may set it.
    phone = join(client, world.sites[0])
    assert client.get(f"{API}/events/{world.id}/agenda", headers=phone.auth).json()["phases"] == taken["phases"]
    for headers in (phone.auth, facilitator(world.sites[0])):
        check_error(client.put(f"{API}/events/{world.id}/agenda", json={"kit": "world-cafe"}, headers=headers), 403, "forbidden")


def test_a_host_edits_phases_keeping_their_ids(client: TestClient) -> None:
    world = make_event(client)
    first = put_agenda(client, world, phases=PHASES)
    assert [(p["name"], p["minutes"], p["allows"]) for p in first["phases"]] == [
        ("Welcome", 5, []), ("Ideas", 20, ["post", "build"]), ("Voting", 10, ["vote"]),
    ]
    welcome, ideas, voting = first["phases"]
    edited = [
        {"id": ideas["id"], "name": "Idea round", "minutes": 25, "allows": ["post"]},
        {"id": welcome["id"], "name": "Welcome", "minutes": 5},
    ]
    second = put_agenda(client, world, phases=edited)
    assert [(p["id"], p["name"], p["position"]) for p in second["phases"]] == [(ideas["id"], "Idea round", 0), (welcome["id"], "Welcome", 1)]
    assert second["kit"] is None
    assert [e["type"] for e in log(client, world)["entries"]][-2:] == ["agenda.updated", "agenda.updated"]


def test_bad_agendas_are_refused_and_change_nothing(client: TestClient) -> None:
    world = make_event(client, sites=1)
    put_agenda(client, world, phases=PHASES)
    before = log(client, world)["last_seq"]
    url = f"{API}/events/{world.id}/agenda"
    check_error(client.put(url, json={"kit": "open-workshop", "phases": PHASES}, headers=world.host), 422, "invalid_agenda")
    check_error(client.put(url, json={}, headers=world.host), 422, "invalid_agenda")
    check_error(client.put(url, json={"kit": "tea-party"}, headers=world.host), 422, "unknown_kit")
    check_error(client.put(url, json={"phases": [{"name": "x", "minutes": 0}]}, headers=world.host), 422, "invalid_minutes")
    check_error(client.put(url, json={"phases": [{"name": " ", "minutes": 5}]}, headers=world.host), 422, "empty")
    check_error(client.put(url, json={"phases": [{"name": "x", "minutes": 5, "allows": ["dance"]}]}, headers=world.host), 422)
    check_error(client.put(url, json={"phases": [{"id": "nope", "name": "x", "minutes": 5}]}, headers=world.host), 422, "unknown_phase")
    assert log(client, world)["last_seq"] == before
    # A phase a site is in cannot be dropped.
    assert clock(client, world, action="next").status_code == 200
    check_error(client.put(url, json={"phases": [{"name": "Other", "minutes": 5}]}, headers=world.host), 409, "phase_in_use")
    # Once the clock is stopped, the host may change the whole agenda, e.g. to another kit.
    assert clock(client, world, action="stop").json()["sites"][0]["phase_number"] == 0
    assert put_agenda(client, world, kit="1-2-4-all")["kit"] == "1-2-4-all"


def test_the_hosts_next_moves_every_site_together(client: TestClient) -> None:
    world = make_event(client, sites=3)
    put_agenda(client, world, phases=PHASES)
    started = clock(client, world, action="next").json()
    sites = where(started)
    assert {number for number, _ in sites.values()} == {1}
    assert all(5 * 60 - 2 < left <= 5 * 60 for _, left in sites.values())
    assert {s["ends_at"] for s in started["sites"]} == {started["sites"][0]["ends_at"]}  # one countdown everywhere
    moved = clock(client, world, action="next").json()
    assert {number for number, _ in where(moved).values()} == {2}
    entry = log(client, world)["entries"][-1]
    assert entry["type"] == "clock.changed" and len(entry["data"]["clocks"]) == 3
    assert [c["phase_id"] for c in board(client, world)["clocks"]] == [moved["phases"][1]["id"]] * 3


def test_pause_resume_extend_and_the_end_of_the_agenda(client: TestClient) -> None:
    world = make_event(client, sites=1)
    put_agenda(client, world, phases=PHASES)
    check_error(clock(client, world, action="pause"), 409, "not_started")
    clock(client, world, action="start", phase_id=put_agenda(client, world, phases=PHASES)["phases"][2]["id"])
    paused = clock(client, world, action="pause").json()["sites"][0]
    assert paused["paused"] and paused["ends_at"] is None
    resumed = clock(client, world, action="resume").json()["sites"][0]
    assert not resumed["paused"] and resumed["ends_at"] is not None
    extended = clock(client, world, action="extend", seconds=300).json()["sites"][0]
    assert extended["extra_seconds"] == 300 and extended["remaining_seconds"] > 10 * 60
    check_error(clock(client, world, action="next"), 409, "agenda_finished")
    check_error(clock(client, world, action="extend", seconds=0), 422, "invalid_seconds")
    check_error(clock(client, world, action="extend"), 422, "invalid_seconds")
    check_error(clock(client, world, action="rewind"), 422)
    check_error(clock(client, world, action="start", phase_id="nope"), 422, "unknown_phase")


def test_a_facilitator_moves_only_their_own_site(client: TestClient) -> None:
    world = make_event(client, sites=2)
    put_agenda(client, world, phases=PHASES)
    clock(client, world, action="next")
    aalborg, odense = world.sites
    extended = clock(client, world, facilitator(aalborg), action="extend", seconds=120).json()
    assert [s["extra_seconds"] for s in extended["sites"]] == [120, 0]
    ahead = clock(client, world, facilitator(aalborg), action="next").json()
    assert [s["phase_number"] for s in ahead["sites"]] == [2, 1]  # Odense stays where it is
    check_error(clock(client, world, facilitator(aalborg), action="next", site_id=odense["id"]), 403, "forbidden")
    phone = join(client, aalborg)
    check_error(clock(client, world, phone.auth, action="pause"), 403, "forbidden")
    check_error(client.post(f"{API}/events/{world.id}/clock", json={"action": "next"}), 401, "unauthorized")
    # The host may move one site, e.g. to let Odense catch up.
    caught_up = clock(client, world, action="next", site_id=odense["id"]).json()
    assert [s["phase_number"] for s in caught_up["sites"]] == [2, 2]


def test_a_phase_decides_whether_participants_may_post(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    assert post_note(client, phone, "Before the start").status_code == 201  # no agenda running: open
    put_agenda(client, world, phases=PHASES)
    clock(client, world, action="next")  # Welcome: read only
    check_error(post_note(client, phone, "Too early"), 409, "not_in_this_phase", "Welcome")
    clock(client, world, action="next")  # Ideas
    assert post_note(client, phone, "Now it counts").status_code == 201
    clock(client, world, action="next")  # Voting
    check_error(post_note(client, phone, "Too late"), 409, "not_in_this_phase")
    assert [n["text"] for n in board(client, world)["notes"]] == ["Before the start", "Now it counts"]


def test_a_closed_events_agenda_and_clock_are_final(client: TestClient) -> None:
    world = make_event(client, sites=1)
    put_agenda(client, world, phases=PHASES)
    client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=world.host)
    check_error(clock(client, world, action="next"), 409, "event_closed")
    check_error(client.put(f"{API}/events/{world.id}/agenda", json={"kit": "world-cafe"}, headers=world.host), 409, "event_closed")


def test_a_kit_picked_when_creating_the_event_is_its_agenda(client: TestClient) -> None:
    world = make_event(client, language="da", kit="world-cafe")
    assert world.created["event"]["kit"] == "world-cafe"
    agenda = client.get(f"{API}/events/{world.id}/agenda", headers=world.host).json()
    danish = client.get(f"{API}/kits?lang=da").json()["kits"][2]
    assert [p["name"] for p in agenda["phases"]] == [p["name"] for p in danish["phases"]]
    before = client.get(f"{API}/events/{world.id}/log", headers=world.host).json()["last_seq"]
    refused = client.post(f"{API}/events", json={"title": "T", "theme": "T", "kit": "tea-party"})
    check_error(refused, 422, "unknown_kit")
    assert client.get(f"{API}/events/{world.id}/log", headers=world.host).json()["last_seq"] == before
