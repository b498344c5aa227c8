"""Plain regression tests for what the fuzzing found (tests/test_fuzz_api.py, tests/test_properties*.py).

Each test is the smallest request or input that went wrong, and what it must give now.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from starlette.testclient import TestClient

from tests.api_helpers import API, check_error, join, make_event, post_note, running
from tests.stores import Backend
from workshop.config import Settings
from workshop.domain import rules
from workshop.web.app import create_app
from workshop.web.openapi import document


def documented(path: str, method: str) -> set[str]:
    return set(document("http://testserver")["paths"][path][method]["responses"])


def test_a_control_character_between_a_letter_and_its_accent_still_gives_one_clean_form() -> None:
    # Cleaning once left "e" + combining acute (NFC ran before the control was dropped); a second
    # cleaning, as an edit or an import does, gave "é": the same text stored two ways.
    assert rules.note_text("Caf e\x01\u0301") == "Caf \u00e9"
    assert rules.clean_text("a\r\u030a") == "\u00e5"
    cleaned = rules.note_text("e\x01\u0301")
    assert unicodedata.is_normalized("NFC", cleaned) and rules.note_text(cleaned) == cleaned


def test_an_author_deleting_a_note_others_voted_for_gets_the_documented_409(client: TestClient) -> None:
    world = make_event(client, sites=1)
    author, voter = join(client, world.sites[0]), join(client, world.sites[0])
    note = post_note(client, author, "Keep the library open").json()
    phases = client.put(f"{API}/events/{world.id}/agenda", json={"phases": [{"name": "Vote", "minutes": 5, "allows": ["post", "vote"]}]}, headers=world.host)
    client.post(f"{API}/events/{world.id}/clock", json={"action": "start", "phase_id": phases.json()["phases"][0]["id"]}, headers=world.host)
    assert client.post(f"{API}/notes/{note['id']}/votes", headers=voter.auth).status_code == 201

    check_error(client.delete(f"{API}/notes/{note['id']}", headers=author.auth), 409, "note_in_use")
    assert "409" in documented("/api/v1/notes/{note_id}", "delete")


def test_ids_with_a_nul_character_are_no_such_record_on_every_database(backend: Backend) -> None:
    # PostgreSQL's text cannot hold NUL: asyncpg refused the parameter and the API answered 500.
    with running(backend.url) as client:  # type: ignore[arg-type]
        world = make_event(client, sites=1)
        phone = join(client, world.sites[0])
        note = post_note(client, phone, "Shade on the square").json()
        site_id = world.sites[0]["id"]
        check_error(client.patch(f"{API}/notes/%00", json={"text": "x"}, headers=world.host), 404, "not_found")
        check_error(client.delete(f"{API}/themes/a%00b", headers=world.host), 404, "not_found")
        check_error(client.get(f"{API}/sites/%00/qr.svg"), 404, "not_found")
        check_error(client.get(f"{API}/events/{world.id}/suggestions?site=%00", headers=world.host), 404)
        check_error(client.post(f"{API}/notes/{note['id']}/merge", json={"into": "\x00"}, headers=world.host), 404, "not_found")
        check_error(client.put(f"{API}/notes/{note['id']}/theme", json={"theme_id": "x\x00"}, headers=world.host), 404, "not_found")
        check_error(client.put(f"{API}/sites/{site_id}/spotlight", json={"note_id": "\x00"}, headers=world.host), 404, "not_found")
        check_error(client.post(f"{API}/events/{world.id}/clock", json={"action": "pause", "site_id": "\x00"}, headers=world.host), 404)
        # and the event is as it was
        assert client.get(f"{API}/events/{world.id}/board", headers=world.host).json()["notes"][0]["text"] == "Shade on the square"


def test_the_json_export_is_documented_as_the_object_it_is(client: TestClient) -> None:
    world = make_event(client, sites=1)
    response = client.get(f"{API}/events/{world.id}/export?format=json", headers=world.host)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json(), dict)
    content = document("http://testserver")["paths"]["/api/v1/events/{event_id}/export"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["type"] == "object"


def test_a_browsers_call_that_is_not_json_gets_the_documented_415(tmp_path: Path) -> None:
    with running(tmp_path / "api.db") as client:  # CSRF-ready: it carries the cookie and the header
        world = make_event(client, sites=1)
        phone = join(client, world.sites[0])
        client.cookies.set("ow_participant", phone.token)
        sent = client.post(f"{API}/sites/{phone.site_id}/notes", content=b'{"text": "hi"}', headers={"Content-Type": "text/plain"})
        check_error(sent, 415, "unsupported_media_type")
        for path, method in (("/api/v1/sites/{site_id}/notes", "post"), ("/api/v1/join", "post"), ("/api/v1/events", "post")):
            assert "415" in documented(path, method), path


def test_a_cookie_call_to_join_without_the_csrf_header_is_refused_as_documented(tmp_path: Path) -> None:
    with running(tmp_path / "api.db") as client:
        world = make_event(client, sites=1)
        client.headers.pop("x-csrftoken", None)
        client.cookies.set("ow_participant", "p_whatever")  # beside the csrftoken cookie it already holds
        check_error(client.post(f"{API}/join", json={"code": world.sites[0]["join_code"]}), 403, "csrf_failed")
        client.cookies.clear()  # an API client: no cookies, nothing to forge
        assert client.post(f"{API}/join", json={"code": world.sites[0]["join_code"]}).status_code == 201
    for path in ("/api/v1/join", "/api/v1/events"):
        responses = document("http://testserver")["paths"][path]["post"]["responses"]
        assert "403" in responses and "x-csrftoken" in responses["403"]["description"], path


def test_healthz_before_the_store_is_open_is_the_documented_503(tmp_path: Path) -> None:
    app = create_app(Settings(database=str(tmp_path / "api.db")))
    not_started = TestClient(app)  # no `with`: the lifespan has not run, so the store is not open
    # It was an HTML error page (the CSRF middleware answers before the app, and took /healthz for a page).
    check_error(not_started.get("/healthz"), 503, "unavailable")
    assert "503" in documented("/healthz", "get")
