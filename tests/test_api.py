"""The JSON API under /api/v1, as a client sees it: the app started through its lifespan.

Each test talks to `create_app(...)` through Starlette's TestClient (which runs the lifespan, so
the store is opened and migrated exactly as `workshop serve` does). The TestClient re-raises any
exception that reaches the server's error middleware, so a 500 anywhere fails the test at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient

from tests.api_helpers import API, bearer, board, check_error, join, log, make_event, post_note, query_token, running
from workshop.domain.codes import ALPHABET

JOIN_CODE = re.compile(f"^[{ALPHABET}]{{6}}$")


# -- events ---------------------------------------------------------------------------------------


def test_create_event_shows_the_host_token_once_and_it_reads_the_event(client: TestClient) -> None:
    response = client.post(f"{API}/events", json={"title": "  Green   streets ", "theme": "Trees", "language": "da"})
    assert response.status_code == 201
    created = response.json()
    assert set(created) >= {"id", "host_token", "host_url", "board_url", "event"}
    assert created["host_token"].startswith("h_")
    assert query_token(created["host_url"]) == created["host_token"]
    assert created["id"] in created["host_url"] and created["id"] in created["board_url"]
    event = created["event"]
    assert event["id"] == created["id"]
    assert (event["title"], event["theme"], event["language"], event["status"]) == ("Green streets", "Trees", "da", "draft")
    assert event["timezone"] == "Europe/Copenhagen"

    host = bearer(created["host_token"])
    read = client.get(f"{API}/events/{created['id']}", headers=host)
    assert read.status_code == 200
    assert read.json() == event

    # Never shown again: not in the event, the site list, the board or the log, nor its hash.
    client.post(f"{API}/events/{created['id']}/sites", json={"name": "Aarhus"}, headers=host)
    secret_hash = hashlib.sha256(created["host_token"].encode()).hexdigest()
    for path in ("", "/sites", "/board", "/log"):
        text = client.get(f"{API}/events/{created['id']}{path}", headers=host).text
        assert created["host_token"] not in text and secret_hash not in text, path


def test_board_url_carries_a_read_only_viewer_token(client: TestClient) -> None:
    world = make_event(client, sites=1)
    viewer = bearer(query_token(world.created["board_url"]))
    assert query_token(world.created["board_url"]).startswith("v_")
    assert client.get(f"{API}/events/{world.id}/board", headers=viewer).status_code == 200
    assert client.get(f"{API}/events/{world.id}", headers=viewer).status_code == 200
    check_error(client.patch(f"{API}/events/{world.id}", json={"title": "Mine"}, headers=viewer), 403, "forbidden")
    check_error(client.post(f"{API}/events/{world.id}/sites", json={"name": "X"}, headers=viewer), 403, "forbidden")
    site_viewer = bearer(query_token(world.sites[0]["board_url"]))
    assert client.get(f"{API}/events/{world.id}/board", headers=site_viewer).status_code == 200
    check_error(client.post(f"{API}/sites/{world.sites[0]['id']}/notes", json={"text": "hi"}, headers=site_viewer), 403, "forbidden")


def test_patch_event_changes_fields_and_moves_status_forward_only(client: TestClient) -> None:
    world = make_event(client, sites=0)
    url = f"{API}/events/{world.id}"

    changed = client.patch(url, json={"title": "Blue streets", "description": "Line one\nLine two"}, headers=world.host)
    assert changed.status_code == 200
    assert changed.json()["title"] == "Blue streets"
    assert changed.json()["description"] == "Line one\nLine two"
    assert client.get(url, headers=world.host).json()["title"] == "Blue streets"

    before = log(client, world)["last_seq"]
    unchanged = client.patch(url, json={}, headers=world.host)
    assert unchanged.status_code == 200 and unchanged.json()["title"] == "Blue streets"
    assert log(client, world)["last_seq"] == before  # nothing changed, nothing logged

    assert client.patch(url, json={"status": "live"}, headers=world.host).json()["status"] == "live"
    check_error(client.patch(url, json={"status": "draft"}, headers=world.host), 409, "invalid_status_change", "live")
    assert client.patch(url, json={"status": "closed"}, headers=world.host).json()["status"] == "closed"
    for back in ("live", "draft"):
        check_error(client.patch(url, json={"status": back}, headers=world.host), 409, "invalid_status_change", "closed")
    assert client.get(url, headers=world.host).json()["status"] == "closed"

    updates = [e for e in log(client, world)["entries"] if e["type"] == "event.updated"]
    assert [e["data"]["event"]["status"] for e in updates] == ["draft", "live", "closed"]
    assert "status" in updates[-1]["data"]["changed"]


def test_patch_event_refuses_bad_values(client: TestClient) -> None:
    world = make_event(client, sites=0)
    url = f"{API}/events/{world.id}"
    check_error(client.patch(url, json={"status": "open"}, headers=world.host), 422, "invalid_field", "status")
    check_error(client.patch(url, json={"title": "   "}, headers=world.host), 422, "empty", "title")
    check_error(client.patch(url, json={"language": "xx"}, headers=world.host), 422, "unknown_language", "language")
    check_error(client.patch(url, json={"timezone": "Mars/Olympus"}, headers=world.host), 422, "unknown_timezone", "timezone")
    check_error(client.patch(url, json={"owner": "me"}, headers=world.host), 422, "unknown_field", "owner")
    assert client.get(url, headers=world.host).json()["title"] == "Green streets"


@pytest.mark.parametrize(
    ("body", "code", "mentions"),
    [
        ({"theme": "t"}, "missing_field", "title"),
        ({"title": "t"}, "missing_field", "theme"),
        ({"title": 5, "theme": "t"}, "invalid_field", "title"),
        ({"title": " \t ", "theme": "t"}, "empty", "title"),
        ({"title": "x" * 201, "theme": "t"}, "too_long", "title"),
        ({"title": "t", "theme": "t", "language": "klingon"}, "unknown_language", "language"),
        ({"title": "t", "theme": "t", "timezone": "Nowhere/Town"}, "unknown_timezone", "timezone"),
        ({"title": "t", "theme": "t", "host": "me"}, "unknown_field", "host"),
    ],
)
def test_create_event_refuses_invalid_fields(client: TestClient, body: dict[str, Any], code: str, mentions: str) -> None:
    check_error(client.post(f"{API}/events", json=body), 422, code, mentions)


# -- sites ----------------------------------------------------------------------------------------


def test_create_and_list_sites_with_join_codes_and_links(client: TestClient) -> None:
    world = make_event(client, sites=0)
    made = client.post(f"{API}/events/{world.id}/sites", json={"name": " Aarhus ", "angle": "Harbour front"}, headers=world.host)
    assert made.status_code == 201
    site = made.json()
    assert set(site) >= {"id", "name", "angle", "join_code", "join_url", "qr_url", "facilitator_token", "facilitator_url", "board_url"}
    assert (site["name"], site["angle"]) == ("Aarhus", "Harbour front")
    assert JOIN_CODE.match(site["join_code"]), site["join_code"]
    assert site["join_url"].endswith(f"/join/{site['join_code']}")
    assert site["qr_url"].endswith(f"{API}/sites/{site['id']}/qr.svg")
    assert site["facilitator_token"].startswith("f_")
    assert query_token(site["facilitator_url"]) == site["facilitator_token"]
    assert query_token(site["board_url"]).startswith("v_")

    second = client.post(f"{API}/events/{world.id}/sites", json={"name": "Odense"}, headers=world.host).json()
    assert second["angle"] == "" and second["join_code"] != site["join_code"]

    listed = client.get(f"{API}/events/{world.id}/sites", headers=world.host)
    assert listed.status_code == 200
    assert listed.json()["sites"] == [site, second]  # in order, with the same links and tokens again

    on_board = board(client, world)["sites"]
    assert [(s["id"], s["join_code"], s["position"]) for s in on_board] == [(site["id"], site["join_code"], 0), (second["id"], second["join_code"], 1)]


@pytest.mark.parametrize(
    ("body", "code", "mentions"),
    [
        ({}, "missing_field", "name"),
        ({"name": ""}, "empty", "name"),
        ({"name": "x" * 101}, "too_long", "name"),
        ({"name": ["Aarhus"]}, "invalid_field", "name"),
        ({"name": "Aarhus", "code": "BCDFGH"}, "unknown_field", "code"),
    ],
)
def test_create_site_refuses_invalid_fields(client: TestClient, body: dict[str, Any], code: str, mentions: str) -> None:
    world = make_event(client, sites=0)
    check_error(client.post(f"{API}/events/{world.id}/sites", json=body, headers=world.host), 422, code, mentions)
    assert client.get(f"{API}/events/{world.id}/sites", headers=world.host).json()["sites"] == []


def test_qr_svg_is_a_public_svg_image(client: TestClient) -> None:
    world = make_event(client, sites=0)
    site = client.post(f"{API}/events/{world.id}/sites", json={"name": "Århus <north> & \"south\""}, headers=world.host).json()
    response = client.get(site["qr_url"])  # no token: the code is on the wall anyway
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.text)  # well-formed XML even with markup characters in the name
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert any(el.tag.endswith("path") for el in root.iter())
    titles = [el.text for el in root.iter() if el.tag.endswith("title")]
    assert titles == ["Århus <north> & \"south\""]

    other = client.post(f"{API}/events/{world.id}/sites", json={"name": "Odense"}, headers=world.host).json()
    assert client.get(other["qr_url"]).text != response.text  # each site's own join link
    check_error(client.get(f"{API}/sites/no-such-site/qr.svg"), 404, "not_found")


# -- joining --------------------------------------------------------------------------------------


def test_join_by_code_in_any_case_with_spaces_or_dash(client: TestClient) -> None:
    world = make_event(client, sites=2)
    site = world.sites[1]
    code = site["join_code"]
    typed_forms = [code, code.lower(), f"{code[:3]} {code[3:]}".lower(), f"{code[:3]}-{code[3:]}", f"  {code[:3].lower()} - {code[3:]}  "]
    ids = set()
    for typed in typed_forms:
        response = client.post(f"{API}/join", json={"code": typed})
        assert response.status_code == 201, (typed, response.text)
        body = response.json()
        assert set(body) >= {"participant_token", "participant_id", "event_id", "site_id"}
        assert (body["event_id"], body["site_id"]) == (world.id, site["id"])
        assert body["participant_token"].startswith("p_")
        ids.add(body["participant_id"])
    assert len(ids) == len(typed_forms)  # each join is a new participant

    named = client.post(f"{API}/join", json={"code": code, "name": "  Ida ", "role": "politician"})
    assert named.status_code == 201
    joined = [e["data"]["participant"] for e in log(client, world)["entries"] if e["type"] == "participant.joined"]
    assert joined[-1]["name"] == "Ida" and joined[-1]["role"] == "politician"
    assert joined[-1]["id"] == named.json()["participant_id"]


@pytest.mark.parametrize("typed", ["ZZZZZZ", "BCDFG", "BCDFGHJ", "B0DF1H", "", "      "])
def test_join_with_an_unknown_or_impossible_code_is_not_found(client: TestClient, typed: str) -> None:
    make_event(client, sites=1)
    check_error(client.post(f"{API}/join", json={"code": typed}), 404, "unknown_code", "code")


@pytest.mark.parametrize(
    ("extra", "code", "mentions"),
    [
        ({"role": "mayor"}, "invalid_field", "role"),
        ({"name": "x" * 61}, "too_long", "name"),
        ({"name": 7}, "invalid_field", "name"),
        ({"site": "x"}, "unknown_field", "site"),
    ],
)
def test_join_refuses_invalid_fields(client: TestClient, extra: dict[str, Any], code: str, mentions: str) -> None:
    world = make_event(client, sites=1)
    response = client.post(f"{API}/join", json={"code": world.sites[0]["join_code"], **extra})
    check_error(response, 422, code, mentions)
    assert not [e for e in log(client, world)["entries"] if e["type"] == "participant.joined"]


def test_join_without_a_code_is_refused(client: TestClient) -> None:
    check_error(client.post(f"{API}/join", json={}), 422, "missing_field", "code")


# -- notes ----------------------------------------------------------------------------------------


def test_post_note_returns_it_with_its_seq_and_it_is_on_the_board(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    response = post_note(client, phone, "  More benches\r\nin the park  ", kind="question")
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers
    note = response.json()
    assert note["text"] == "More benches\nin the park"
    assert (note["site_id"], note["event_id"], note["participant_id"]) == (phone.site_id, world.id, phone.participant_id)
    assert (note["kind"], note["colour"], note["visible"]) == ("question", "blue", True)  # colour follows kind
    state = board(client, world)
    assert state["notes"] == [note]
    assert state["seq"] == note["seq"]  # the latest change
    created = [e for e in log(client, world)["entries"] if e["type"] == "note.created"]
    assert [(e["seq"], e["data"]["note"]["id"]) for e in created] == [(note["seq"], note["id"])]

    coloured = post_note(client, phone, "Shade", colour="green").json()
    assert (coloured["kind"], coloured["colour"]) == ("idea", "green")
    assert coloured["seq"] > note["seq"]


def test_post_note_twice_with_one_client_id_creates_one_note(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    first = post_note(client, phone, "Bike lanes", client_id="phone-1-note-1")
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    last_seq = log(client, world)["last_seq"]

    again = post_note(client, phone, "Bike lanes", client_id="phone-1-note-1")
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    # Even a retry whose text changed in between answers with the first note.
    changed = post_note(client, phone, "Bike lanes!!", client_id="phone-1-note-1")
    assert changed.status_code == 201 and changed.json()["id"] == first.json()["id"]

    assert [n["id"] for n in board(client, world)["notes"]] == [first.json()["id"]]
    assert log(client, world)["last_seq"] == last_seq  # the retries wrote nothing

    # The same client_id from another phone is that phone's own note.
    other = join(client, world.sites[0])
    theirs = post_note(client, other, "Bike lanes", client_id="phone-1-note-1")
    assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != first.json()["id"]
    assert len(board(client, world)["notes"]) == 2


@pytest.mark.parametrize(
    ("body", "code", "mentions"),
    [
        ({"text": ""}, "empty", "text"),
        ({"text": "   \n\t  "}, "empty", "text"),
        ({"text": "x" * 501}, "too_long", "text"),
        ({"text": "x" * 2001}, "invalid_field", "text"),
        ({"text": "hi", "kind": "rant"}, "invalid_field", "kind"),
        ({"text": "hi", "colour": "black"}, "invalid_field", "colour"),
        ({"text": "hi", "color": "blue"}, "unknown_field", "color"),
        ({"text": 42}, "invalid_field", "text"),
        ({"text": None}, "invalid_field", "text"),
        ({"kind": "idea"}, "missing_field", "text"),
        ({"text": "hi", "client_id": "x" * 101}, "invalid_field", "client_id"),
    ],
)
def test_post_note_refuses_invalid_fields(client: TestClient, body: dict[str, Any], code: str, mentions: str) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    response = client.post(f"{API}/sites/{phone.site_id}/notes", json=body, headers=phone.auth)
    check_error(response, 422, code, mentions)
    assert board(client, world)["notes"] == []


def test_note_text_limit_counts_characters_after_trimming(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    longest = "å" * 500
    response = post_note(client, phone, f"   {longest}   ")
    assert response.status_code == 201 and response.json()["text"] == longest
    decomposed = "a\u030a" * 500  # 1000 code points, 500 characters once NFC-normalised
    assert post_note(client, phone, decomposed).json()["text"] == longest


def test_edit_and_delete_own_note(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    note = post_note(client, phone, "Trees").json()

    edited = client.patch(f"{API}/notes/{note['id']}", json={"text": "More trees", "kind": "concern"}, headers=phone.auth)
    assert edited.status_code == 200
    assert (edited.json()["id"], edited.json()["text"], edited.json()["kind"]) == (note["id"], "More trees", "concern")
    assert board(client, world)["notes"] == [edited.json()]
    update = log(client, world)["entries"][-1]
    assert update["type"] == "note.updated" and update["data"]["previous_text"] == "Trees"

    check_error(client.patch(f"{API}/notes/{note['id']}", json={"text": " "}, headers=phone.auth), 422, "empty", "text")
    check_error(client.patch(f"{API}/notes/{note['id']}", json={"pinned": True}, headers=phone.auth), 422, "unknown_field", "pinned")

    deleted = client.delete(f"{API}/notes/{note['id']}", headers=phone.auth)
    assert deleted.status_code == 204 and deleted.content == b""
    assert board(client, world)["notes"] == []
    entry = log(client, world)["entries"][-1]
    assert (entry["type"], entry["data"]) == ("note.deleted", {"note_id": note["id"], "site_id": phone.site_id})

    check_error(client.delete(f"{API}/notes/{note['id']}", headers=phone.auth), 404, "not_found")
    check_error(client.patch(f"{API}/notes/{note['id']}", json={"text": "back"}, headers=phone.auth), 404, "not_found")


def test_someone_elses_note_cannot_be_edited_or_deleted(client: TestClient) -> None:
    world = make_event(client, sites=2)
    author = join(client, world.sites[0])
    neighbour = join(client, world.sites[0])
    elsewhere = join(client, world.sites[1])
    facilitator = bearer(world.sites[0]["facilitator_token"])
    note = post_note(client, author, "Mine").json()
    url = f"{API}/notes/{note['id']}"
    other_facilitator = bearer(world.sites[1]["facilitator_token"])
    for headers in (neighbour.auth, elsewhere.auth, other_facilitator):
        check_error(client.patch(url, json={"text": "Yours now"}, headers=headers), 403, "forbidden")
        check_error(client.delete(url, headers=headers), 403, "forbidden")
    for headers in (world.host, facilitator):  # moderators edit and hide (tests/test_api_moderation.py), never delete
        check_error(client.delete(url, headers=headers), 403, "forbidden")
    check_error(client.patch(url, json={"text": "Yours now"}), 401, "unauthorized")
    check_error(client.delete(url), 401, "unauthorized")
    assert board(client, world)["notes"] == [note]


# -- reading the log ------------------------------------------------------------------------------


def test_log_has_every_change_in_gap_free_order_and_since_returns_the_rest(client: TestClient) -> None:
    world = make_event(client, sites=2)
    phone = join(client, world.sites[0])
    first = post_note(client, phone, "One").json()
    post_note(client, phone, "Two")
    client.patch(f"{API}/notes/{first['id']}", json={"text": "One!"}, headers=phone.auth)
    client.delete(f"{API}/notes/{first['id']}", headers=phone.auth)

    whole = log(client, world)
    seqs = [e["seq"] for e in whole["entries"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert whole["last_seq"] == seqs[-1] == board(client, world)["seq"]
    assert [e["type"] for e in whole["entries"]] == [
        "event.created", "site.created", "site.created", "participant.joined",
        "note.created", "note.created", "note.updated", "note.deleted",
    ]
    assert all(isinstance(e["created_at"], str) and e["created_at"] for e in whole["entries"])

    after = log(client, world, "?since=5")
    assert [e["seq"] for e in after["entries"]] == seqs[5:]
    assert after["entries"] == whole["entries"][5:]
    assert after["last_seq"] == whole["last_seq"]
    assert log(client, world, f"?since={whole['last_seq']}")["entries"] == []
    page = log(client, world, "?since=2&limit=3")
    assert [e["seq"] for e in page["entries"]] == [3, 4, 5]
    assert page["last_seq"] == whole["last_seq"]  # the client sees there is more


@pytest.mark.parametrize("query", ["?since=-1", "?since=abc", "?since=1.5", "?limit=0", "?limit=1001", "?limit=x"])
def test_log_refuses_bad_parameters(client: TestClient, query: str) -> None:
    world = make_event(client, sites=0)
    name = query[1:].split("=")[0]
    check_error(client.get(f"{API}/events/{world.id}/log{query}", headers=world.host), 422, "invalid_parameter", name)


def test_every_token_of_the_event_reads_board_event_and_log(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    tokens = [
        world.host_token,
        world.sites[0]["facilitator_token"],
        query_token(world.created["board_url"]),
        query_token(world.sites[0]["board_url"]),
        phone.token,
    ]
    for token in tokens:
        for path in ("", "/board", "/log"):
            response = client.get(f"{API}/events/{world.id}{path}", headers=bearer(token))
            assert response.status_code == 200, (token[:2], path, response.text)


# -- bad requests ---------------------------------------------------------------------------------


def test_malformed_json_is_400(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    json_type = {"Content-Type": "application/json"}
    nested = b'{"text": ' * 5000 + b'"hi"' + b"}" * 5000  # valid JSON, too deep for the parser's recursion
    for raw in (b"{not json", b'{"text": "hi"', b"\xff\xfe{}", b"{'text': 'hi'}", nested):
        check_error(client.post(f"{API}/events", content=raw, headers=json_type), 400, "malformed_json")
        check_error(client.post(f"{API}/sites/{phone.site_id}/notes", content=raw, headers={**json_type, **phone.auth}), 400, "malformed_json")
        check_error(client.patch(f"{API}/events/{world.id}", content=raw, headers={**json_type, **world.host}), 400, "malformed_json")
    assert board(client, world)["notes"] == []


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"42", b"null", b""])
def test_a_body_that_is_not_an_object_is_refused(client: TestClient, raw: bytes) -> None:
    check_error(client.post(f"{API}/join", content=raw, headers={"Content-Type": "application/json"}), 422, "invalid_body")


def test_cookie_authenticated_call_without_json_content_type_is_415(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    url = f"{API}/sites/{phone.site_id}/notes"
    body = json.dumps({"text": "From a form"})
    client.cookies.set("ow_participant", phone.token)
    try:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            check_error(client.post(url, content=body, headers={"Content-Type": content_type}), 415, "unsupported_media_type")
        assert board(client, world)["notes"] == []
        # The same cookie with a JSON body is the browser's own call, and works.
        posted = client.post(url, content=body, headers={"Content-Type": "application/json"})
        assert posted.status_code == 201 and posted.json()["text"] == "From a form"
    finally:
        client.cookies.clear()


def test_body_over_the_limit_is_413_and_nothing_is_saved(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    huge = json.dumps({"text": "x" * (64 * 1024)}).encode()
    url = f"{API}/sites/{phone.site_id}/notes"
    check_error(client.post(url, content=huge, headers={"Content-Type": "application/json", **phone.auth}), 413, "body_too_large")
    check_error(client.post(f"{API}/events", content=huge, headers={"Content-Type": "application/json"}), 413, "body_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused once the limit is reached
        yield b'{"text": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    check_error(client.post(url, content=chunks(), headers={"Content-Type": "application/json", **phone.auth}), 413, "body_too_large")
    assert board(client, world)["notes"] == []

    just_under = '{"title": "t",' + " " * (60 * 1024) + '"theme": "t"}'  # whitespace is still JSON
    assert client.post(f"{API}/events", content=just_under, headers={"Content-Type": "application/json"}).status_code == 201


def test_a_smaller_configured_limit_applies(tmp_path: Path) -> None:
    with running(tmp_path / "api.db", max_body_bytes=100) as small:
        check_error(small.post(f"{API}/events", json={"title": "t" * 60, "theme": "t" * 60}), 413, "body_too_large", "100")
        assert small.post(f"{API}/events", json={"title": "t", "theme": "t"}).status_code == 201


def test_unknown_api_paths_and_methods_answer_json(client: TestClient) -> None:
    check_error(client.get(f"{API}/nothing/here"), 404, "not_found")
    check_error(client.put(f"{API}/events", json={}), 405, "method_not_allowed")


# -- access ---------------------------------------------------------------------------------------


def test_missing_or_forged_tokens_are_401(client: TestClient) -> None:
    world = make_event(client, sites=1)
    site = world.sites[0]
    phone = join(client, site)
    note = post_note(client, phone, "Mine").json()
    calls = [
        ("GET", f"{API}/events/{world.id}", None),
        ("PATCH", f"{API}/events/{world.id}", {"title": "x"}),
        ("POST", f"{API}/events/{world.id}/sites", {"name": "x"}),
        ("GET", f"{API}/events/{world.id}/sites", None),
        ("GET", f"{API}/events/{world.id}/board", None),
        ("GET", f"{API}/events/{world.id}/log", None),
        ("POST", f"{API}/sites/{site['id']}/notes", {"text": "x"}),
        ("PATCH", f"{API}/notes/{note['id']}", {"text": "x"}),
        ("DELETE", f"{API}/notes/{note['id']}", None),
    ]
    forged = [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {world.host_token}"},
        bearer("h_" + "A" * 32),
        bearer(phone.token[:-2] + ("AA" if not phone.token.endswith("AA") else "BB")),
        bearer(site["facilitator_token"] + "x"),
        bearer("p_" + "x" * 600),
        bearer("nonsense"),
    ]
    for method, url, body in calls:
        for headers in forged:
            response = client.request(method, url, json=body, headers=headers)
            check_error(response, 401, "unauthorized")
    assert board(client, world)["notes"] == [note]
    assert board(client, world)["event"]["title"] == "Green streets"


def test_roles_below_host_cannot_use_host_calls(client: TestClient) -> None:
    world = make_event(client, sites=2)
    phone = join(client, world.sites[0])
    facilitator = bearer(world.sites[0]["facilitator_token"])
    for headers in (phone.auth, facilitator, bearer(query_token(world.created["board_url"]))):
        check_error(client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=headers), 403, "forbidden")
        check_error(client.post(f"{API}/events/{world.id}/sites", json={"name": "Mine"}, headers=headers), 403, "forbidden")
        check_error(client.get(f"{API}/events/{world.id}/sites", headers=headers), 403, "forbidden")
    state = board(client, world)
    assert state["event"]["status"] == "draft" and len(state["sites"]) == 2


def test_notes_only_from_participants_of_that_site(client: TestClient) -> None:
    world = make_event(client, sites=2)
    here, there = world.sites
    phone_there = join(client, there)
    for headers in (
        phone_there.auth,  # a participant of the other site
        bearer(here["facilitator_token"]),  # this site's facilitator
        bearer(there["facilitator_token"]),  # another site's facilitator
        world.host,
        bearer(query_token(here["board_url"])),
    ):
        check_error(client.post(f"{API}/sites/{here['id']}/notes", json={"text": "Hello"}, headers=headers), 403, "forbidden")
    assert board(client, world)["notes"] == []


def test_a_token_of_another_event_reaches_nothing(client: TestClient) -> None:
    mine = make_event(client, sites=1)
    theirs = make_event(client, sites=1)
    their_phone = join(client, theirs.sites[0])
    their_note = post_note(client, their_phone, "Theirs").json()
    my_phone = join(client, mine.sites[0])
    for token in (mine.host_token, mine.sites[0]["facilitator_token"], query_token(mine.created["board_url"]), my_phone.token):
        headers = bearer(token)
        for path in ("", "/board", "/log", "/sites"):
            check_error(client.get(f"{API}/events/{theirs.id}{path}", headers=headers), 403, "forbidden")
        check_error(client.patch(f"{API}/events/{theirs.id}", json={"status": "closed"}, headers=headers), 403, "forbidden")
        check_error(client.post(f"{API}/events/{theirs.id}/sites", json={"name": "Mine"}, headers=headers), 403, "forbidden")
        check_error(client.post(f"{API}/sites/{theirs.sites[0]['id']}/notes", json={"text": "x"}, headers=headers), 403, "forbidden")
        check_error(client.patch(f"{API}/notes/{their_note['id']}", json={"text": "x"}, headers=headers), 403, "forbidden")
        check_error(client.delete(f"{API}/notes/{their_note['id']}", headers=headers), 403, "forbidden")
    state = board(client, theirs)
    assert state["notes"] == [their_note] and state["event"]["status"] == "draft" and len(state["sites"]) == 1


def test_unknown_ids(client: TestClient) -> None:
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    check_error(client.patch(f"{API}/notes/no-such-note", json={"text": "x"}, headers=phone.auth), 404, "not_found")
    check_error(client.delete(f"{API}/notes/no-such-note", headers=phone.auth), 404, "not_found")
    check_error(client.get(f"{API}/sites/no-such-site/qr.svg"), 404, "not_found")
    # An event the token is not of: refused without telling whether it exists.
    check_error(client.get(f"{API}/events/no-such-event", headers=world.host), 403, "forbidden")
    check_error(client.post(f"{API}/sites/no-such-site/notes", json={"text": "x"}, headers=phone.auth), 403, "forbidden")


def test_closed_event_takes_no_notes_edits_or_participants(client: TestClient) -> None:
    world = make_event(client, sites=1)
    site = world.sites[0]
    phone = join(client, site)
    note = post_note(client, phone, "Before closing", client_id="c1").json()
    assert client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=world.host).status_code == 200
    last_seq = log(client, world)["last_seq"]

    check_error(post_note(client, phone, "After closing"), 409, "event_closed", "closed")
    # A phone retrying a post that was stored before the close is told it was stored, not refused.
    retried = post_note(client, phone, "Before closing", client_id="c1")
    assert retried.status_code == 201 and retried.json() == note and retried.headers["Idempotent-Replayed"] == "true"
    check_error(client.patch(f"{API}/notes/{note['id']}", json={"text": "Changed"}, headers=phone.auth), 409, "event_closed")
    check_error(client.delete(f"{API}/notes/{note['id']}", headers=phone.auth), 409, "event_closed")
    check_error(client.post(f"{API}/events/{world.id}/sites", json={"name": "Late"}, headers=world.host), 409, "event_closed")
    again = client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=world.host)
    assert again.status_code == 200 and again.json()["status"] == "closed"  # already closed: nothing to do
    # Closing releases the join code: it opens nothing any more.
    check_error(client.post(f"{API}/join", json={"code": site["join_code"]}), 404, "unknown_code")

    assert log(client, world)["last_seq"] == last_seq
    state = board(client, world)  # still readable by everyone who took part
    assert state["notes"] == [note] and state["event"]["status"] == "closed"
    assert client.get(f"{API}/events/{world.id}/board", headers=phone.auth).status_code == 200


# -- OpenAPI --------------------------------------------------------------------------------------


def api_routes(client: TestClient) -> set[tuple[str, str]]:
    """(path, method) for every route the app serves under /api/v1; a websocket counts as GET."""
    found: set[tuple[str, str]] = set()
    app = client.app
    for route in app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount) and route.path == API:
            for inner in route.routes:
                if isinstance(inner, Route):
                    assert inner.methods
                    found |= {(API + inner.path, method.lower()) for method in inner.methods if method != "HEAD"}
                elif isinstance(inner, WebSocketRoute):
                    found.add((API + inner.path, "get"))
                else:
                    raise AssertionError(f"unexpected route {inner!r}")
    assert found
    return found


def test_openapi_document_is_valid_and_lists_every_api_route(client: TestClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "http://testserver"}]

    methods = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
    documented = {(path, method) for path, item in document["paths"].items() if path.startswith(API) for method in item if method in methods}
    assert documented == api_routes(client)
    assert "get" in document["paths"]["/healthz"]


def test_openapi_operations_declare_their_bodies_and_the_errors_they_give(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    schemas = document["components"]["schemas"]
    paths = document["paths"]
    bodies = {
        ("/api/v1/events", "post"): "EventCreate",
        ("/api/v1/events/{event_id}", "patch"): "EventUpdate",
        ("/api/v1/events/{event_id}/sites", "post"): "SiteCreate",
        ("/api/v1/join", "post"): "Join",
        ("/api/v1/sites/{site_id}/notes", "post"): "NoteCreate",
        ("/api/v1/notes/{note_id}", "patch"): "NoteUpdate",
    }
    for (path, method), name in bodies.items():
        schema = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{name}"}
        assert schemas[name].get("additionalProperties") is False  # unknown fields are refused, and say so
    assert set(schemas["NoteOut"]["required"]) >= {"id", "seq", "text", "site_id"}
    assert set(schemas["EventCreated"]["required"]) >= {"id", "host_token", "host_url", "board_url"}

    # Every error the calls below give is one their operation documents.
    world = make_event(client, sites=1)
    phone = join(client, world.sites[0])
    note = post_note(client, phone, "x").json()
    leaving = join(client, world.sites[0])  # removed by the host's call below, so it is not `phone`
    ids = {"event_id": world.id, "site_id": world.sites[0]["id"], "note_id": note["id"], "participant_id": leaving.participant_id}
    ids["build_on_id"], ids["theme_id"] = "no-such-build-on", "no-such-theme"
    for path, item in paths.items():
        if not path.startswith(API) or path.endswith("/live"):
            continue
        url = path.format(**ids)
        for method, operation in item.items():
            if method == "parameters":
                continue
            for headers, body in (({}, {}), (phone.auth, {"nope": 1}), (world.host, {"nope": 1})):
                response = client.request(method.upper(), url, json=body if method in {"post", "patch"} else None, headers=headers)
                assert str(response.status_code) in operation["responses"], (method, path, response.status_code)


# -- restart --------------------------------------------------------------------------------------


def test_a_restart_keeps_events_notes_tokens_and_the_log_sequence(tmp_path: Path) -> None:
    with running(tmp_path / "api.db") as first:
        world = make_event(first, sites=2)
        phone = join(first, world.sites[0])
        note = post_note(first, phone, "Before the restart", client_id="n1").json()
        before_board = board(first, world)
        before_log = log(first, world)
        viewer = query_token(world.created["board_url"])

    with running(tmp_path / "api.db") as second:
        assert board(second, world) == before_board
        assert log(second, world) == before_log
        # Every token handed out before still works, without logging in again.
        assert second.get(f"{API}/events/{world.id}", headers=bearer(viewer)).status_code == 200
        facilitator = bearer(world.sites[1]["facilitator_token"])
        assert second.get(f"{API}/events/{world.id}/board", headers=facilitator).status_code == 200
        assert second.get(f"{API}/events/{world.id}/sites", headers=world.host).json()["sites"] == world.sites
        # A retry of the post made before the restart still finds the first note.
        replay = post_note(second, phone, "Before the restart", client_id="n1")
        assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == note
        # Joining and posting go on; the log's seq continues after the last one, never reusing one.
        newcomer = join(second, world.sites[1])
        after = post_note(second, newcomer, "After the restart").json()
        assert after["seq"] == before_log["last_seq"] + 2
        whole = log(second, world)
        assert [e["seq"] for e in whole["entries"]] == list(range(1, before_log["last_seq"] + 3))
        assert whole["entries"][: len(before_log["entries"])] == before_log["entries"]
        assert [n["text"] for n in board(second, world)["notes"]] == ["Before the restart", "After the restart"]

    with running(tmp_path / "api.db") as third:  # and once more, with the new entries kept too
        assert log(third, world)["last_seq"] == before_log["last_seq"] + 2
        assert third.patch(f"{API}/events/{world.id}", json={"status": "live"}, headers=world.host).json()["status"] == "live"
        assert log(third, world)["last_seq"] == before_log["last_seq"] + 3


def test_healthz_once_started(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
