"""Ideas travelling in the pages without JavaScript: building on another site's note from a phone, and a
console sending notes and questions, and spotlighting; refusals as readable pages."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.test_pages import (  # noqa: F401  (fixtures)
    add_site, app_settings, browser, create_event, facilitator_browser, join, other_browser, text_of,
)


def posted_note(phone: TestClient, site_id: str, text: str) -> str:
    """Post from a phone's form; returns the new note's id as its page shows it."""
    assert phone.post(f"/sites/{site_id}/notes", data={"text": text}).status_code == 303
    page = phone.get(f"/sites/{site_id}/phone").text
    found = re.search(r'<article id="note-([\w-]+)"[^>]*>\s*<p class="note__text">' + re.escape(text) + "<", page)
    assert found, page
    return found.group(1)


def two_sites(host: TestClient) -> tuple[str, str, str, TestClient, TestClient]:
    """Aalborg and Odense with a phone each; returns (event, Aalborg, Odense, Aalborg's phone, Odense's phone)."""
    event_id = create_event(host)
    (aalborg, aalborg_code), (odense, odense_code) = add_site(host, event_id, "Aalborg"), add_site(host, event_id, "Odense")
    ana, ole = other_browser(host), other_browser(host)
    join(ana, aalborg_code)
    join(ole, odense_code)
    return event_id, aalborg, odense, ana, ole


def test_odense_builds_on_aalborgs_note_from_a_phone_without_javascript(browser: TestClient) -> None:
    event_id, aalborg, odense, ana, ole = two_sites(browser)
    note_id = posted_note(ana, aalborg, "Car-free Sundays")

    phone = ole.get(f"/sites/{odense}/phone").text
    form = re.search(rf'action="/notes/{note_id}/build-ons".*?name="client_id" value="([\w-]+)"', phone, re.S)
    assert form, "Odense's phone offers to build on Aalborg's note"
    built = ole.post(f"/notes/{note_id}/build-ons", data={"text": "And free <b>buses</b>", "client_id": form.group(1)})
    assert built.status_code == 303 and built.headers["location"] == f"/sites/{odense}/phone#note-{note_id}"
    # The form sent again (a reload after a lost answer) adds nothing twice.
    assert ole.post(f"/notes/{note_id}/build-ons", data={"text": "And free <b>buses</b>", "client_id": form.group(1)}).status_code == 303

    board = browser.get(f"/sites/{aalborg}/board").text  # Aalborg's projector sees it at a glance
    thread = text_of(board, f"note-{note_id}-thread")
    assert thread.startswith("Odense built on this And free <b>buses</b> Odense")
    assert board.count('<p class="thread__text">And free &lt;b&gt;buses&lt;/b&gt;</p>') == 1  # once, and as text
    assert "Odense built on this" in text_of(browser.get(f"/events/{event_id}/board").text, f"note-{note_id}-thread")
    # Aalborg's own phone builds on its own note: the thread grows, and no "Aalborg built on this".
    assert ana.post(f"/notes/{note_id}/build-ons", data={"text": "Start in June"}).status_code == 303
    thread = text_of(ana.get(f"/sites/{aalborg}/phone").text, f"note-{note_id}-thread")
    assert thread.index("And free") < thread.index("Start in June") and "Aalborg built on this" not in thread


def test_a_build_on_refused_by_the_phase_is_readable_and_keeps_the_text(browser: TestClient) -> None:
    event_id, aalborg, odense, ana, ole = two_sites(browser)
    note_id = posted_note(ana, aalborg, "Car-free Sundays")
    browser.post(f"/host/{event_id}/agenda/kit", data={"kit": "open-workshop"})
    browser.post(f"/host/{event_id}/clock", data={"action": "next"})  # Welcome: read only

    refused = ole.post(f"/notes/{note_id}/build-ons", data={"text": "Free buses"})
    assert refused.status_code == 409
    alert = text_of(refused.text, "build-error")
    assert alert.startswith("Building on notes is closed in this phase.") and "Free buses" in alert
    empty = ole.post(f"/notes/{note_id}/build-ons", data={"text": "  "})
    assert empty.status_code == 422 and "Write something first." in text_of(empty.text, "build-error")
    assert ole.post("/notes/no-such-note/build-ons", data={"text": "x"}).status_code == 404
    assert "Free buses" not in browser.get(f"/sites/{aalborg}/board").text
    # A console cannot build on notes: building is the participants' own.
    facilitator = facilitator_browser(browser, event_id, aalborg)
    assert facilitator.post(f"/notes/{note_id}/build-ons", data={"text": "x"}).status_code == 403


def test_a_console_sends_a_note_and_a_question_and_spotlights_without_javascript(browser: TestClient) -> None:
    event_id, aalborg, odense, ana, ole = two_sites(browser)
    note_id = posted_note(ana, aalborg, "Car-free Sundays")
    facilitator = facilitator_browser(browser, event_id, aalborg)

    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert f'<option value="{odense}">Odense</option>' in console and f'<option value="{aalborg}">' not in console
    sent = facilitator.post(f"/sites/{aalborg}/sends", data={"note_id": note_id, "to_site_id": odense})
    assert sent.status_code == 303 and sent.headers["location"] == f"/sites/{aalborg}/console?sent=1#question-heading"
    assert "Sent. It now shows in the incoming lane where you sent it." in facilitator.get(sent.headers["location"]).text
    asked = facilitator.post(f"/sites/{aalborg}/sends", data={"question": "How do you reach young people?", "to_site_id": ""})
    assert asked.status_code == 303

    lane = text_of(browser.get(f"/sites/{odense}/board").text, "exchange-side")
    assert lane.startswith("Incoming from other sites")
    assert lane.index("A question from Aalborg How do you reach young people?") < lane.index("A note from Aalborg Car-free Sundays")
    assert "A note from Aalborg Car-free Sundays" in text_of(ole.get(f"/sites/{odense}/phone").text, "exchange-side")
    assert 'id="exchange-side" hidden' in browser.get(f"/sites/{aalborg}/board").text  # nothing came to Aalborg
    travels = text_of(browser.get(f"/events/{event_id}/board").text, "travels")
    assert "From Aalborg to every other site" in travels and "From Aalborg to Odense" in travels

    # Odense's facilitator spotlights the note Aalborg sent; Aalborg spotlights its own.
    odense_console = facilitator_browser(browser, event_id, odense)
    assert odense_console.post(f"/sites/{odense}/spotlight", data={"note_id": note_id}).status_code == 303
    assert "Car-free Sundays" in text_of(browser.get(f"/sites/{odense}/board").text, "spotlight-note")
    assert facilitator.post(f"/sites/{aalborg}/spotlight", data={"note_id": note_id}).status_code == 303
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert "Car-free Sundays" in text_of(console, "spotlight-note") and 'id="spotlight-clear"' in console
    assert facilitator.post(f"/sites/{aalborg}/spotlight", data={"note_id": ""}).status_code == 303
    assert 'id="spotlight-note"' not in browser.get(f"/sites/{aalborg}/board").text


def test_consoles_refuse_what_is_not_theirs_readably(browser: TestClient) -> None:
    event_id, aalborg, odense, ana, ole = two_sites(browser)
    note_id = posted_note(ana, aalborg, "Car-free Sundays")
    theirs = posted_note(ole, odense, "Harbour buses from Odense")
    facilitator = facilitator_browser(browser, event_id, aalborg)

    to_itself = facilitator.post(f"/sites/{aalborg}/sends", data={"note_id": note_id, "to_site_id": aalborg})
    assert to_itself.status_code == 422 and "A site cannot send to itself." in to_itself.text
    not_ours = facilitator.post(f"/sites/{aalborg}/sends", data={"note_id": theirs})
    assert not_ours.status_code == 422 and "You can send only your own site&#39;s notes." in not_ours.text
    blank = facilitator.post(f"/sites/{aalborg}/sends", data={"question": "   "})
    assert blank.status_code == 422 and "Write something first." in blank.text
    unseen = facilitator.post(f"/sites/{aalborg}/spotlight", data={"note_id": theirs})
    assert unseen.status_code == 422 and "You can spotlight only the notes shown at your site" in unseen.text
    # Aalborg's facilitator acting on Odense, and a participant acting as a facilitator: refused.
    for person in (facilitator, ana):
        for path, form in ((f"/sites/{odense}/sends", {"question": "Hello?"}), (f"/sites/{odense}/spotlight", {"note_id": theirs})):
            refused = person.post(path, data=form)
            assert refused.status_code == 403 and "Your link does not give access to this page." in refused.text
    assert ana.post(f"/sites/{aalborg}/sends", data={"note_id": note_id}).status_code == 403
    assert "Incoming" not in text_of(browser.get(f"/sites/{odense}/board").text, "exchange-side")
