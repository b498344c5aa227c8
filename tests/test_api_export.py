"""The export through the API: the host downloads every format; nobody else does."""

from __future__ import annotations

import csv
import io
import json

import pytest
from starlette.testclient import TestClient

from tests.api_helpers import API, bearer, check_error, join, make_event, post_note, query_token

TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def url(event_id: str, query: str) -> str:
    return f"{API}/events/{event_id}/export?{query}"


@pytest.mark.parametrize("fmt", list(TYPES))
def test_the_host_downloads_each_format_as_a_named_attachment(client: TestClient, fmt: str) -> None:
    world = make_event(client, title="Grønne gader: Ålborg")
    phone = join(client, world.sites[0], name="Ana")
    assert post_note(client, phone, "Shade on the school route").status_code == 201
    response = client.get(url(world.id, f"format={fmt}"), headers=world.host)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == TYPES[fmt]
    assert response.headers["content-disposition"] == f'attachment; filename="groenne-gader-aalborg-summary.{fmt}"'
    assert response.headers["cache-control"] == "no-store"
    if fmt == "pdf":
        assert response.content.startswith(b"%PDF-")
    else:
        assert "Shade on the school route" in response.content.decode("utf-8-sig")
        assert "Ana" not in response.content.decode("utf-8-sig").replace("Angle", "")  # no names unless asked


def test_names_and_hidden_notes_come_when_asked(client: TestClient) -> None:
    world = make_event(client)
    phone = join(client, world.sites[0], name="Ana Jensen")
    note = post_note(client, phone, "Hide me").json()
    assert client.patch(f"{API}/notes/{note['id']}", json={"visible": False}, headers=world.host).status_code == 200
    plain = client.get(url(world.id, "format=csv"), headers=world.host).content.decode("utf-8-sig")
    assert "Hide me" not in plain and "Ana Jensen" not in plain
    full = client.get(url(world.id, "format=csv&names=true&hidden=true"), headers=world.host).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(full), delimiter=";"))
    assert rows[1][2] == "Hide me" and rows[1][-1] == "Ana Jensen"
    complete = client.get(url(world.id, "format=json&names=true&hidden=true"), headers=world.host).json()
    assert complete["includes"]["complete"] is True and complete["log"]


def test_participants_and_facilitators_are_refused(client: TestClient) -> None:
    world = make_event(client)
    phone = join(client, world.sites[0])
    facilitator = bearer(world.sites[0]["facilitator_token"])
    viewer = bearer(query_token(world.created["board_url"]))
    for headers in (phone.auth, facilitator, viewer):
        check_error(client.get(url(world.id, "format=json&names=true&hidden=true"), headers=headers), 403, "forbidden")
    check_error(client.get(url(world.id, "format=md")), 401, "unauthorized")
    other = make_event(client)
    check_error(client.get(url(world.id, "format=md"), headers=other.host), 403, "forbidden")


def test_a_bad_format_or_flag_is_a_readable_error(client: TestClient) -> None:
    world = make_event(client)
    check_error(client.get(url(world.id, "format=docx"), headers=world.host), 400, "invalid_format", mentions="md, html, pdf, csv, json")
    check_error(client.get(url(world.id, ""), headers=world.host), 400, "invalid_format")
    check_error(client.get(url(world.id, "format=md&names=yes"), headers=world.host), 422, "invalid_parameter")


def test_the_export_works_while_the_event_runs_and_after_it_closes(client: TestClient) -> None:
    world = make_event(client)
    assert client.patch(f"{API}/events/{world.id}", json={"status": "live"}, headers=world.host).status_code == 200
    assert client.get(url(world.id, "format=md"), headers=world.host).status_code == 200
    assert client.patch(f"{API}/events/{world.id}", json={"status": "closed"}, headers=world.host).status_code == 200
    body = json.loads(client.get(url(world.id, "format=json"), headers=world.host).content)
    assert body["event"]["status"] == "closed"


def test_the_dashboard_offers_every_download_and_its_cookie_is_enough(client: TestClient) -> None:
    world = make_event(client)
    page = client.get(world.created["host_url"], follow_redirects=True)  # the host link leaves the host's cookie
    assert page.status_code == 200
    html = page.text
    assert f'action="/api/v1/events/{world.id}/export"' in html and 'method="get"' in html
    for fmt in TYPES:
        assert f'name="format" value="{fmt}"' in html
    assert 'name="names" value="true"' in html and 'name="hidden" value="true"' in html
    download = client.get(url(world.id, "format=md&names=true"))  # what the form sends, with the cookie only
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment;")
