"""The browser pages without JavaScript: plain forms, POST and redirect, as a cheap phone sees them.

The app runs through its lifespan (Starlette's TestClient), on a SQLite file, as users run it. What a
page shows is read from its HTML; what it refuses is checked by status and by the readable message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from workshop.config import Settings
from workshop.web.app import create_app


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(database=str(tmp_path / "pages.db"))


@pytest.fixture
def browser(app_settings: Settings) -> Iterator[TestClient]:
    """One person's browser: cookies are kept between requests, redirects are not followed."""
    with TestClient(create_app(app_settings), follow_redirects=False) as client:
        yield client


def other_browser(client: TestClient) -> TestClient:
    """A second person on the same running app, with a cookie jar of their own."""
    return TestClient(client.app, follow_redirects=False)


def create_event(host: TestClient, **fields: str) -> str:
    form = {"title": "Climate week", "theme": "Cooler streets", "language": "en", "timezone": "Europe/Copenhagen"}
    created = host.post("/host/new", data={**form, **fields})
    assert created.status_code == 303, created.text
    match = re.fullmatch(r"/host/([\w-]+)\?created=1", created.headers["location"])
    assert match, created.headers["location"]
    return match.group(1)


def add_site(host: TestClient, event_id: str, name: str, angle: str = "") -> tuple[str, str]:
    """Add a site on the dashboard; returns (site_id, join code as shown)."""
    added = host.post(f"/host/{event_id}/sites", data={"name": name, "angle": angle})
    assert added.status_code == 303, added.text
    page = host.get(f"/host/{event_id}").text
    heading = re.search(r'id="site-([\w-]+)-heading">' + re.escape(html.escape(name)) + r' <span class="board__code">([^<]+)</span>', page)
    assert heading, page
    return heading.group(1), heading.group(2)


def join(phone: TestClient, code: str, **fields: str) -> str:
    joined = phone.post("/join", data={"code": code, **fields})
    assert joined.status_code == 303, joined.text
    return str(joined.headers["location"])


def test_host_creates_an_event_and_sees_the_host_link_once(browser: TestClient) -> None:
    event_id = create_event(browser)
    first = browser.get(f"/host/{event_id}?created=1")
    assert first.status_code == 200
    host_link = re.search(r'id="host-link">([^<]+)<', first.text)
    assert host_link and f"/host/{event_id}?token=h_" in host_link.group(1)

    again = browser.get(f"/host/{event_id}")
    assert "h_" not in again.text.split('id="sites"')[0]  # shown once only
    assert "Cooler streets" in again.text

    stranger = other_browser(browser)
    assert stranger.get(f"/host/{event_id}").status_code == 401
    via_link = stranger.get(host_link.group(1).replace("http://testserver", ""))
    assert via_link.status_code == 303 and via_link.headers["location"] == f"/host/{event_id}"
    assert stranger.get(f"/host/{event_id}").status_code == 200


def test_event_form_refuses_an_empty_title_and_keeps_what_was_typed(browser: TestClient) -> None:
    refused = browser.post("/host/new", data={"title": "  ", "theme": "Kept theme"})
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert "Kept theme" in refused.text


def test_a_phone_joins_by_code_posts_without_javascript_and_sees_its_note(browser: TestClient) -> None:
    event_id = create_event(browser)
    site_id, code = add_site(browser, event_id, "Aalborg", "Harbour front")
    phone = other_browser(browser)

    form = phone.get(f"/join/{code.replace(' ', '').lower()}")  # as typed on a phone, in lower case
    assert form.status_code == 200 and "Aalborg" in form.text
    assert join(phone, code.lower(), name="Mette", role="citizen") == f"/sites/{site_id}/phone"

    page = phone.get(f"/sites/{site_id}/phone")
    client_id = re.search(r'name="client_id" value="(\w+)"', page.text)
    assert client_id
    posted = phone.post(f"/sites/{site_id}/notes", data={"text": "Shade trees on every square", "kind": "idea", "client_id": client_id.group(1)})
    assert posted.status_code == 303 and posted.headers["location"] == f"/sites/{site_id}/phone#notes"
    # The form sent twice (a reload after a lost answer) makes one note, not two.
    again = phone.post(f"/sites/{site_id}/notes", data={"text": "Shade trees on every square", "kind": "idea", "client_id": client_id.group(1)})
    assert again.status_code == 303
    assert phone.get(f"/sites/{site_id}/phone").text.count('<p class="note__text">Shade trees on every square</p>') == 1


def test_an_empty_note_gets_a_readable_message(browser: TestClient) -> None:
    event_id = create_event(browser)
    site_id, code = add_site(browser, event_id, "Odense")
    phone = other_browser(browser)
    join(phone, code)

    refused = phone.post(f"/sites/{site_id}/notes", data={"text": "   \n "})
    assert refused.status_code == 422
    assert "Write something first." in refused.text
    assert 'aria-invalid="true"' in refused.text

    too_long = phone.post(f"/sites/{site_id}/notes", data={"text": "x" * 501})
    assert too_long.status_code == 422
    assert "That is too long" in too_long.text
    assert "x" * 501 in too_long.text  # what was typed is kept, not lost


def test_hostile_note_text_is_shown_as_text(browser: TestClient) -> None:
    event_id = create_event(browser)
    site_id, code = add_site(browser, event_id, "<b>Roskilde</b>")
    phone = other_browser(browser)
    join(phone, code)
    phone.post(f"/sites/{site_id}/notes", data={"text": "<script>alert('x')</script><img src=x onerror=alert(1)>"})

    for page in (phone.get(f"/sites/{site_id}/phone"), browser.get(f"/sites/{site_id}/board"), browser.get(f"/events/{event_id}/board")):
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(" in page.text
        assert "<b>Roskilde</b>" not in page.text


def test_pages_of_a_danish_event_speak_danish_unless_the_person_chose(browser: TestClient) -> None:
    event_id = create_event(browser, language="da")
    site_id, code = add_site(browser, event_id, "Aarhus")
    phone = other_browser(browser)

    join_page = phone.get(f"/join/{code}", headers={"accept-language": "en"})
    assert '<html lang="da">' in join_page.text and "Deltag i Aarhus" in join_page.text
    join(phone, code)
    assert "Skriv en seddel" in phone.get(f"/sites/{site_id}/phone").text

    chosen = phone.get(f"/sites/{site_id}/phone?lang=en")
    assert '<html lang="en">' in chosen.text and "Post a note" in chosen.text


def test_own_note_can_be_edited_and_deleted_but_not_someone_elses(browser: TestClient) -> None:
    event_id = create_event(browser)
    site_id, code = add_site(browser, event_id, "Vejle")
    author, neighbour = other_browser(browser), other_browser(browser)
    join(author, code)
    join(neighbour, code)
    author.post(f"/sites/{site_id}/notes", data={"text": "Bike lanes"})
    note_id = re.search(r'<article id="note-([\w-]+)"', author.get(f"/sites/{site_id}/phone").text)
    assert note_id
    note = note_id.group(1)

    assert neighbour.get(f"/notes/{note}/edit").status_code == 403
    assert neighbour.post(f"/notes/{note}/delete").status_code == 403

    assert author.get(f"/notes/{note}/edit").status_code == 200
    edited = author.post(f"/notes/{note}/edit", data={"text": "Protected bike lanes"})
    assert edited.status_code == 303
    assert "Protected bike lanes" in browser.get(f"/sites/{site_id}/board").text

    assert author.post(f"/notes/{note}/delete").status_code == 303
    assert "Protected bike lanes" not in browser.get(f"/sites/{site_id}/board").text
    gone = author.get(f"/notes/{note}/edit")
    assert gone.status_code == 404 and "This note was deleted." in gone.text


def test_links_carry_their_rights_and_no_more(browser: TestClient) -> None:
    event_id = create_event(browser)
    site_id, code = add_site(browser, event_id, "Esbjerg")
    dashboard = browser.get(f"/host/{event_id}").text
    board_link = re.search(r'id="board-' + site_id + r'">http://testserver([^<]+)<', dashboard)
    facilitator_link = re.search(r'id="facilitator-' + site_id + r'">http://testserver([^<]+)<', dashboard)
    assert board_link and facilitator_link

    projector = other_browser(browser)
    adopted = projector.get(board_link.group(1).replace("&amp;", "&"))
    assert adopted.status_code == 303 and "token" not in adopted.headers["location"]
    assert projector.get(f"/sites/{site_id}/board").status_code == 200
    assert projector.get(f"/sites/{site_id}/console").status_code == 403  # a board link cannot moderate

    facilitator = other_browser(browser)
    facilitator.get(facilitator_link.group(1).replace("&amp;", "&"))
    console = facilitator.get(f"/sites/{site_id}/console")
    assert console.status_code == 200 and code in console.text
    assert facilitator.get(f"/sites/{site_id}/poster").status_code == 200
    assert facilitator.get(f"/host/{event_id}").status_code == 403

    phone = other_browser(browser)
    join(phone, code)
    assert phone.get(f"/sites/{site_id}/console").status_code == 403
    assert phone.get(f"/host/{event_id}").status_code == 403


def test_refusals_are_readable_pages_with_the_right_status(browser: TestClient) -> None:
    event_id = create_event(browser)
    site_id, code = add_site(browser, event_id, "Kolding")
    stranger = other_browser(browser)

    assert stranger.get(f"/sites/{site_id}/phone").headers["location"] == f"/join/{code.replace(' ', '')}"
    no_link = stranger.get(f"/sites/{site_id}/board")
    assert no_link.status_code == 401 and "Open this page with the link you were given" in no_link.text
    forged = stranger.get(f"/sites/{site_id}/board?token=v_forged")
    assert forged.status_code == 401 and "This link is not valid any more" in forged.text
    unknown_code = stranger.get("/join/ZZZZZZZ")
    assert unknown_code.status_code == 404 and "No open workshop has that code" in unknown_code.text
    nowhere = stranger.get("/no/such/page")
    assert nowhere.status_code == 404 and "There is nothing at this address" in nowhere.text
    assert stranger.get("/sites/nosuchsite/board").status_code == 404


def test_a_closed_workshop_takes_no_new_people_or_notes(browser: TestClient) -> None:
    event_id = create_event(browser)
    site_id, code = add_site(browser, event_id, "Herning")
    phone = other_browser(browser)
    join(phone, code)
    browser.post(f"/host/{event_id}", data={"status": "live"})
    closed = browser.post(f"/host/{event_id}", data={"status": "closed"})
    assert closed.status_code == 303

    refused = phone.post(f"/sites/{site_id}/notes", data={"text": "Too late"})
    assert refused.status_code == 422 and "This workshop has closed." in refused.text
    late = other_browser(browser).post("/join", data={"code": code})
    assert late.status_code == 404  # a closed event's code is released: it joins nothing

    reopen = browser.post(f"/host/{event_id}", data={"status": "live"})
    assert reopen.status_code == 409 and 'role="alert"' in reopen.text


def test_the_dashboard_clears_a_description_refuses_a_blank_title_and_offers_only_allowed_moves(browser: TestClient) -> None:
    event_id = create_event(browser, description="Bring your own mug")
    fields = {"title": "Climate week", "theme": "Cooler streets", "language": "en", "timezone": "Europe/Copenhagen"}
    assert browser.post(f"/host/{event_id}", data={**fields, "description": "", "status": "live"}).status_code == 303
    page = browser.get(f"/host/{event_id}").text
    assert "Bring your own mug" not in page
    assert 'value="draft"' not in page and 'value="closed"' in page  # a live event cannot go back to draft

    blank = browser.post(f"/host/{event_id}", data={**fields, "title": " "})
    assert blank.status_code == 422 and 'role="alert"' in blank.text
    assert "Climate week" in browser.get(f"/host/{event_id}").text
