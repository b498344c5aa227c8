"""The browser pages without JavaScript: plain forms, POST and redirect, as a cheap phone sees them.

The app runs through its lifespan (Starlette's TestClient), on a SQLite file, as users run it. What a
page shows is read from its HTML; what it refuses is checked by status and by the readable message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.api_helpers import csrf_ready
from workshop.config import Settings
from workshop.web.app import create_app


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(database=str(tmp_path / "pages.db"))


@pytest.fixture
def browser(app_settings: Settings) -> Iterator[TestClient]:
    """One person's browser: cookies are kept between requests, redirects are not followed."""
    with TestClient(create_app(app_settings), follow_redirects=False) as client:
        yield csrf_ready(client)


def other_browser(client: TestClient) -> TestClient:
    """A second person on the same running app, with a cookie jar of their own."""
    return csrf_ready(TestClient(client.app, follow_redirects=False))


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
    heading = re.search(r'id="site-([\w-]+)-heading"><bdi>' + re.escape(html.escape(name)) + r'</bdi> <span class="board__code">([^<]+)</span>', page)
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
    refused = phone.post(f"/sites/{site_id}/notes", data={"text": "  "})  # the phone page again, its sentence in Danish too
    assert refused.status_code == 422
    assert '<html lang="da">' in refused.text and "Skriv noget først." in refused.text

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
    assert refused.status_code == 409 and "This workshop has closed." in refused.text  # a conflict with the event, as the API says
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


# -- the agenda and its clocks ------------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page as a browser would submit them: each form's action and its fields."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append((found.get("action", ""), []))
        elif tag == "input" and self.forms and "name" in found:
            if found.get("type") in ("checkbox", "radio") and "checked" not in found:
                return
            if found.get("type") != "submit":
                self.forms[-1][1].append((found["name"], found.get("value", "")))
        elif tag == "textarea" and "name" in found:
            self._textarea = (found["name"], [])
        elif tag == "option" and "selected" in found and self.forms:
            self.forms[-1][1].append(("__selected__", found.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self.forms:
            name, parts = self._textarea
            self.forms[-1][1].append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None


def form_fields(page: str, action: str) -> dict[str, list[str]]:
    """The fields the form posting to `action` sends as the page shows it (checkboxes as ticked),
    besides its CSRF token (tests/test_security.py checks that every form has one)."""
    parser = _Forms()
    parser.feed(page)
    for found, pairs in parser.forms:
        if found == action:
            fields: dict[str, list[str]] = {}
            for name, value in pairs:
                if name not in ("__selected__", "csrftoken"):
                    fields.setdefault(name, []).append(value)
            return fields
    raise AssertionError(f"no form posts to {action}")


def replace_field(fields: dict[str, list[str]], name: str, *values: str) -> dict[str, list[str]]:
    """The fields with `name` set to `values` (none: unticked, as a browser leaves it out)."""
    return {**fields, name: list(values)}


def text_of(page: str, element_id: str) -> str:
    """The text of the element with this id (tags dropped, spaces collapsed)."""
    start = page.index(f'id="{element_id}"')
    start = page.rindex("<", 0, start)
    tag = re.match(r"<(\w+)", page[start:])
    assert tag
    depth, position = 0, start
    for match in re.finditer(rf"<(/?){tag.group(1)}\b[^>]*>", page[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            position = start + match.end()
            break
    inline = re.sub(r"</?bdi>", "", page[start:position])  # user text's bidi island: part of its sentence, no space
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def facilitator_browser(host: TestClient, event_id: str, site_id: str) -> TestClient:
    """Someone who opened the facilitator link the host copied for this site."""
    link = re.search(r'id="facilitator-' + site_id + r'">http://testserver([^<]+)<', host.get(f"/host/{event_id}").text)
    assert link
    facilitator = other_browser(host)
    assert facilitator.get(html.unescape(link.group(1))).status_code == 303
    return facilitator


def test_the_host_takes_a_kit_edits_a_phase_and_runs_the_clock_without_javascript(browser: TestClient) -> None:
    event_id = create_event(browser)
    aalborg, _ = add_site(browser, event_id, "Aalborg")
    odense, _ = add_site(browser, event_id, "Odense")
    page = browser.get(f"/host/{event_id}").text
    assert "No phases yet." in page and "Use this kit (it replaces the whole agenda)" in page
    assert "Aalborg: not started" not in page  # no agenda: nothing to start yet
    assert browser.get(f"/sites/{aalborg}/board").text.count(f'id="phase-{aalborg}" hidden') == 1  # a quiet placeholder

    taken = browser.post(f"/host/{event_id}/agenda/kit", data={"kit": "1-2-4-all"})
    assert taken.status_code == 303 and taken.headers["location"] == f"/host/{event_id}#agenda"
    page = browser.get(f"/host/{event_id}").text
    assert "The agenda was taken from the kit “1-2-4-All”." in page
    assert "Phase 1: 1: On your own" in page and "Phase 4: All: Together" in page
    assert text_of(page, f"clock-status-{aalborg}").startswith("Aalborg: not started")
    assert "The workshop has not started yet." in browser.get(f"/sites/{aalborg}/board").text

    # Edit the first phase: a new name, 3 minutes, voting instead of posting; and add a fifth.
    fields = form_fields(page, f"/host/{event_id}/agenda")
    fields = replace_field(fields, "phase-0-name", "Think alone")
    fields = replace_field(fields, "phase-0-minutes", "3")
    fields = replace_field(fields, "phase-0-allows", "vote")
    fields = replace_field(fields, "new-name", "Coffee")
    fields = replace_field(fields, "new-minutes", "15")
    fields = replace_field(fields, "new-allows")
    fields = replace_field(fields, "new-instructions", "Get a coffee.")
    assert browser.post(f"/host/{event_id}/agenda", data=fields).status_code == 303
    page = browser.get(f"/host/{event_id}").text
    assert "Phase 1: Think alone" in page and "Phase 5: Coffee" in page
    assert 'name="phase-0-minutes" type="number" inputmode="numeric" min="1" max="480" step="1"\n             value="3"' in page

    # Start: every site is in phase 1; the boards, phones and consoles all say so.
    assert browser.post(f"/host/{event_id}/clock", data={"action": "next"}).status_code == 303
    page = browser.get(f"/host/{event_id}").text
    assert text_of(page, f"clock-status-{aalborg}").startswith("Aalborg: phase 1, Think alone, 3:00 left")
    board = browser.get(f"/sites/{odense}/board").text
    banner = text_of(board, f"phase-{odense}")
    assert banner.startswith("Phase 1 of 5 Think alone 3:00 left") and "You can vote for notes now." in banner
    assert re.search(r'data-ends-at="\d{4}-\d\d-\d\dT[\d:.]+Z"', board) and re.search(r'data-server-now="[\d\-T:.]+Z"', board)

    # Next for one site only, then for all: every site goes past the one furthest along.
    assert browser.post(f"/host/{event_id}/clock", data={"action": "next", "site_id": aalborg}).status_code == 303
    page = browser.get(f"/host/{event_id}").text
    assert text_of(page, f"clock-status-{aalborg}").startswith("Aalborg: phase 2, 2: In pairs,")
    assert text_of(page, f"clock-status-{odense}").startswith("Odense: phase 1, Think alone,")
    assert browser.post(f"/host/{event_id}/clock", data={"action": "next"}).status_code == 303
    page = browser.get(f"/host/{event_id}").text
    assert all(text_of(page, f"clock-status-{site}").split(": ", 1)[1].startswith("phase 3, 4: In fours,") for site in (aalborg, odense))
    assert browser.post(f"/host/{event_id}/clock", data={"action": "pause"}).status_code == 303
    assert "paused with" in text_of(browser.get(f"/host/{event_id}").text, f"clock-status-{odense}")
    assert browser.post(f"/host/{event_id}/clock", data={"action": "resume"}).status_code == 303
    assert browser.post(f"/host/{event_id}/clock", data={"action": "extend-300", "site_id": odense}).status_code == 303
    page = browser.get(f"/host/{event_id}").text
    assert re.search(r"Odense: phase 3, 4: In fours, (8:5\d|9:00) left", text_of(page, f"clock-status-{odense}"))

    # Going to a phase by name, and going past the last one (refused in words).
    phase_ids = re.findall(r'<option value="([\w-]+)">Phase \d+: ', page)
    assert len(phase_ids) == 5
    assert browser.post(f"/host/{event_id}/clock", data={"action": "start", "phase_id": phase_ids[-1]}).status_code == 303
    last = browser.post(f"/host/{event_id}/clock", data={"action": "next"})
    assert last.status_code == 409 and 'role="alert"' in last.text and "This is already the last phase of the agenda." in last.text


def test_the_agenda_editor_refuses_bad_input_readably_and_keeps_what_was_typed(browser: TestClient) -> None:
    event_id = create_event(browser)
    site, _ = add_site(browser, event_id, "Vejle")
    browser.post(f"/host/{event_id}/agenda/kit", data={"kit": "check-in-out"})
    fields = form_fields(browser.get(f"/host/{event_id}").text, f"/host/{event_id}/agenda")

    zero = browser.post(f"/host/{event_id}/agenda", data=replace_field(replace_field(fields, "phase-1-minutes", "0"), "phase-1-name", "Kept name"))
    assert zero.status_code == 422 and 'role="alert"' in zero.text
    assert "Please check phase 2: The minutes must be a whole number from 1 to 480." in zero.text
    assert 'value="Kept name"' in zero.text
    assert re.search(r'name="phase-1-minutes"[^>]*\n?[^>]*value="0" required aria-invalid="true"', zero.text)

    unnamed = browser.post(f"/host/{event_id}/agenda", data=replace_field(fields, "new-instructions", "No name given"))
    assert unnamed.status_code == 422 and "Please check phase 5: Write something first." in unnamed.text
    assert "No name given" in unnamed.text

    # A phase a site is in cannot go; removing another one can.
    browser.post(f"/host/{event_id}/clock", data={"action": "next"})
    in_use = browser.post(f"/host/{event_id}/agenda", data=replace_field(fields, "phase-0-remove", "1"))
    assert in_use.status_code == 409 and "A site is in a phase that this change would remove." in in_use.text
    kit_again = browser.post(f"/host/{event_id}/agenda/kit", data={"kit": "world-cafe"})
    assert kit_again.status_code == 409 and 'role="alert"' in kit_again.text
    assert browser.post(f"/host/{event_id}/agenda", data=replace_field(fields, "phase-3-remove", "1")).status_code == 303
    assert "Phase 1 of 3" in browser.get(f"/sites/{site}/board").text
    unknown_kit = browser.post(f"/host/{event_id}/agenda/kit", data={"kit": "no-such-kit"})
    assert unknown_kit.status_code == 422 and "There is no such format kit." in unknown_kit.text


def test_the_console_runs_its_own_site_only(browser: TestClient) -> None:
    event_id = create_event(browser)
    aalborg, _ = add_site(browser, event_id, "Aalborg")
    odense, _ = add_site(browser, event_id, "Odense")
    facilitator = facilitator_browser(browser, event_id, aalborg)

    empty = facilitator.get(f"/sites/{aalborg}/console").text
    assert "There is no agenda yet. The host chooses one on the dashboard." in empty
    assert f'action="/sites/{aalborg}/clock"' not in empty
    browser.post(f"/host/{event_id}/agenda/kit", data={"kit": "open-workshop"})

    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert "The workshop has not started yet." in console and "Next phase: Welcome" in console
    assert ">Start the first phase</button>" in console
    started = facilitator.post(f"/sites/{aalborg}/clock", data={"action": "next"})
    assert started.status_code == 303 and started.headers["location"] == f"/sites/{aalborg}/console#console-phase"
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert text_of(console, f"phase-{aalborg}").startswith("Phase 1 of 8 Welcome 10:00 left")
    script = text_of(console, "console-phase")
    assert "Your script for Welcome" in script and "Next phase: Each site's angle" in script
    assert console.count('<ol class="script">') == 1 and console.count("<li>") >= 3  # step by step
    assert "Pause the clock" in script and "Add 1 minute" in script and "Add 5 minutes" in script

    assert facilitator.post(f"/sites/{aalborg}/clock", data={"action": "pause"}).status_code == 303
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert "Paused" in text_of(console, f"phase-{aalborg}") and "Resume the clock" in console
    assert facilitator.post(f"/sites/{aalborg}/clock", data={"action": "resume"}).status_code == 303
    assert facilitator.post(f"/sites/{aalborg}/clock", data={"action": "extend-60"}).status_code == 303
    assert re.search(r"Welcome (10:5\d|11:00) left", text_of(facilitator.get(f"/sites/{aalborg}/console").text, f"phase-{aalborg}"))
    assert facilitator.post(f"/sites/{aalborg}/clock", data={"action": "next"}).status_code == 303

    # Only Aalborg moved; Odense's facilitator link is not this one.
    page = browser.get(f"/host/{event_id}").text
    assert text_of(page, f"clock-status-{aalborg}").startswith("Aalborg: phase 2, Each site's angle,")
    assert text_of(page, f"clock-status-{odense}").startswith("Odense: not started")
    refused = facilitator.post(f"/sites/{odense}/clock", data={"action": "next"})
    assert refused.status_code == 403 and "Your link does not give access to this page." in refused.text
    assert facilitator.get(f"/sites/{odense}/console").status_code == 403
    assert facilitator.post(f"/host/{event_id}/clock", data={"action": "next"}).status_code == 403
    assert facilitator.post(f"/host/{event_id}/agenda/kit", data={"kit": "world-cafe"}).status_code == 403
    assert "Odense: not started" in text_of(browser.get(f"/host/{event_id}").text, f"clock-status-{odense}")
    # A phone cannot run the clock either.
    phone = other_browser(browser)
    join(phone, re.search(r'id="site-' + aalborg + r'-heading"><bdi>Aalborg</bdi> <span class="board__code">([^<]+)<', page).group(1))  # type: ignore[union-attr]
    assert phone.post(f"/sites/{aalborg}/clock", data={"action": "next"}).status_code == 403

    # Extending before a phase runs is refused in words, not with a 500.
    odense_facilitator = facilitator_browser(browser, event_id, odense)
    early = odense_facilitator.post(f"/sites/{odense}/clock", data={"action": "extend-60"})
    assert early.status_code == 409 and 'role="alert"' in early.text and "No phase is running yet." in early.text


def test_the_phone_shows_the_phase_and_a_read_only_phase_refuses_a_note_readably(browser: TestClient) -> None:
    event_id = create_event(browser)
    site, code = add_site(browser, event_id, "Herning")
    phone = other_browser(browser)
    join(phone, code)
    browser.post(f"/host/{event_id}/agenda/kit", data={"kit": "open-workshop"})
    assert "The workshop has not started yet." in phone.get(f"/sites/{site}/phone").text
    assert phone.post(f"/sites/{site}/notes", data={"text": "Before the start"}).status_code == 303  # open until it starts

    browser.post(f"/host/{event_id}/clock", data={"action": "next"})  # Welcome: read only
    page = phone.get(f"/sites/{site}/phone").text
    banner = text_of(page, f"phase-{site}")
    assert "Phase 1 of 8 Welcome" in banner
    assert "Welcome! Join on your phone with the code on the screen" in banner
    assert "Read and listen in this phase: posting, voting and building on notes are closed for now." in banner
    assert 'id="post-form"' in page  # the form stays; the server says no

    refused = phone.post(f"/sites/{site}/notes", data={"text": "Too early for ideas"})
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert "Posting notes is closed in this phase. Your note is kept here, so you can post it when posting opens again." in refused.text
    assert ">Too early for ideas</textarea>" in refused.text and 'aria-invalid="true"' in refused.text

    browser.post(f"/host/{event_id}/clock", data={"action": "start", "phase_id": _phase_id(browser, event_id, "Idea round")})
    banner = text_of(phone.get(f"/sites/{site}/phone").text, f"phase-{site}")
    assert "Phase 3 of 8 Idea round 20:00 left" in banner and "You can post notes now." in banner
    assert "Write your ideas, questions and concerns on your phone" in banner
    assert phone.post(f"/sites/{site}/notes", data={"text": "Now it is time"}).status_code == 303


def _phase_id(host: TestClient, event_id: str, name: str) -> str:
    found = re.search(r'<option value="([\w-]+)">Phase \d+: ' + re.escape(html.escape(name)) + "<", host.get(f"/host/{event_id}").text)
    assert found
    return found.group(1)


def test_a_danish_event_runs_its_agenda_in_danish(browser: TestClient) -> None:
    event_id = create_event(browser, language="da")
    site, code = add_site(browser, event_id, "Aarhus")
    phone = other_browser(browser)
    join(phone, code)
    browser.post(f"/host/{event_id}/agenda/kit", data={"kit": "open-workshop"})
    assert "Workshoppen er ikke begyndt endnu." in phone.get(f"/sites/{site}/phone").text
    browser.post(f"/host/{event_id}/clock", data={"action": "next"})

    banner = text_of(phone.get(f"/sites/{site}/phone").text, f"phase-{site}")
    assert banner.startswith("Fase 1 af 8 Velkommen 10:00 tilbage")
    assert "Læs og lyt i denne fase" in banner
    refused = phone.post(f"/sites/{site}/notes", data={"text": "For tidligt"})
    assert refused.status_code == 409 and "Der er lukket for nye sedler i denne fase." in refused.text
    assert "Aarhus: fase 1, Velkommen, 10:00 tilbage" in text_of(browser.get(f"/host/{event_id}").text, f"clock-status-{site}")


def test_a_host_picks_a_kit_when_creating_the_workshop_or_none(browser: TestClient) -> None:
    form = browser.get("/host/new").text
    assert 'name="kit" value="open-workshop" aria-describedby="kit-open-workshop-summary" checked' in form
    with_kit = create_event(browser, kit="1-2-4-all")
    assert "1: On your own" in browser.get(f"/host/{with_kit}").text
    without = create_event(browser, kit="")
    assert "No phases yet." in browser.get(f"/host/{without}").text
    refused = browser.post("/host/new", data={"title": "T", "theme": "T", "kit": "tea-party"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
