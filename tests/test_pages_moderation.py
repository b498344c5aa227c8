"""Moderation in the console without JavaScript: plain forms, POST and redirect, readable refusals."""

from __future__ import annotations

import html
import re

from starlette.testclient import TestClient

from tests.test_pages import add_site, app_settings, browser, create_event, facilitator_browser, form_fields, join, other_browser, text_of  # noqa: F401


def setup(host: TestClient) -> tuple[str, str, str, TestClient, TestClient]:
    """An event with Aalborg and Odense; Aalborg's facilitator and a phone that posted two notes there."""
    event_id = create_event(host)
    aalborg, code = add_site(host, event_id, "Aalborg")
    odense, _ = add_site(host, event_id, "Odense")
    phone = other_browser(host)
    join(phone, code, name="Ana")
    for text in ("Benches by the water", "Rude remark"):
        assert phone.post(f"/sites/{aalborg}/notes", data={"text": text}).status_code == 303
    return event_id, aalborg, odense, facilitator_browser(host, event_id, aalborg), phone


def note_id(page: str, text: str) -> str:
    found = re.search(r'<article id="note-([\w-]+)"[^>]*>\s*<p class="note__text">' + re.escape(html.escape(text)) + "<", page)
    assert found, text
    return found.group(1)


def test_the_console_hides_and_restores_a_note_without_javascript(browser: TestClient) -> None:
    _, aalborg, _, facilitator, phone = setup(browser)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    rude = note_id(console, "Rude remark")
    assert "No notes are hidden." in console
    assert re.search(rf'<button class="button" type="submit" id="hide-{rude}">Hide<span class="visually-hidden">: Rude remark</span>', console)

    hidden = facilitator.post(f"/notes/{rude}/hide")
    assert hidden.status_code == 303 and hidden.headers["location"] == f"/sites/{aalborg}/console#console-notes-heading"
    for page in (phone.get(f"/sites/{aalborg}/phone").text, browser.get(f"/sites/{aalborg}/board").text):
        assert "Rude remark" not in page and "Benches by the water" in page
    console = facilitator.get(f"/sites/{aalborg}/console").text
    hidden_list = text_of(console, "hidden-notes")
    assert hidden_list.startswith("Rude remark Hidden by a moderator. Restore") and f'id="restore-{rude}"' in console
    assert f'id="note-{rude}"' not in console

    restored = facilitator.post(f"/notes/{rude}/restore")
    assert restored.status_code == 303 and restored.headers["location"].endswith("#hidden-notes-heading")
    board = browser.get(f"/sites/{aalborg}/board").text
    assert board.index("Rude remark") < board.index("Benches by the water")  # newest first, as before
    assert text_of(facilitator.get(f"/sites/{aalborg}/console").text, "hidden-notes") == ""


def test_the_console_locks_and_unlocks_the_board_and_phones_are_told(browser: TestClient) -> None:
    _, aalborg, _, facilitator, phone = setup(browser)
    assert "The board is open" in text_of(facilitator.get(f"/sites/{aalborg}/console").text, "lock-panel")
    locked = facilitator.post(f"/sites/{aalborg}/lock", data={"locked": "true"})
    assert locked.status_code == 303 and locked.headers["location"] == f"/sites/{aalborg}/console#lock-panel"
    assert "Unlock the board" in text_of(facilitator.get(f"/sites/{aalborg}/console").text, "lock-panel")
    paused = "The facilitator has paused this board. No new notes, votes or build-ons for now."
    assert text_of(phone.get(f"/sites/{aalborg}/phone").text, f"lock-{aalborg}") == paused
    assert text_of(browser.get(f"/sites/{aalborg}/board").text, f"lock-{aalborg}") == paused

    refused = phone.post(f"/sites/{aalborg}/notes", data={"text": "Can I still post?"})
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert "The facilitator has paused this board. Your note is kept here" in refused.text
    assert ">Can I still post?</textarea>" in refused.text

    assert facilitator.post(f"/sites/{aalborg}/lock", data={"locked": "false"}).status_code == 303
    assert f'id="lock-{aalborg}" hidden' in phone.get(f"/sites/{aalborg}/phone").text
    assert phone.post(f"/sites/{aalborg}/notes", data={"text": "Can I still post?"}).status_code == 303
    odd = facilitator.post(f"/sites/{aalborg}/lock", data={"locked": "maybe"})
    assert odd.status_code == 422 and "Please check what you typed." in odd.text


def test_the_console_edits_and_merges_notes_on_pages_of_their_own(browser: TestClient) -> None:
    _, aalborg, _, facilitator, _ = setup(browser)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    benches, rude = note_id(console, "Benches by the water"), note_id(console, "Rude remark")

    form = facilitator.get(f"/notes/{rude}/moderate").text
    assert '<label class="field__label" for="moderate-text">The note</label>' in form and ">Rude remark</textarea>" in form
    empty = facilitator.post(f"/notes/{rude}/moderate", data={"text": "  "})
    assert empty.status_code == 422 and "Write something first." in empty.text
    saved = facilitator.post(f"/notes/{rude}/moderate", data={"text": "Benches, please"})
    assert saved.status_code == 303 and saved.headers["location"] == f"/sites/{aalborg}/console#note-{rude}"

    choose = facilitator.get(f"/notes/{rude}/merge").text
    assert re.findall(r'<input type="radio" name="into" value="([\w-]+)" required>', choose) == [benches]  # the site's other notes
    assert '<legend class="field__label">Which note does it repeat? Keep that one.</legend>' in choose
    unchosen = facilitator.post(f"/notes/{rude}/merge", data={})
    assert unchosen.status_code == 422 and "Choose the note to keep." in unchosen.text
    itself = facilitator.post(f"/notes/{rude}/merge", data={"into": rude})
    assert itself.status_code == 422 and "Choose another note that is on the board" in itself.text
    merged = facilitator.post(f"/notes/{rude}/merge", data={"into": benches})
    assert merged.status_code == 303 and merged.headers["location"] == f"/sites/{aalborg}/console#note-{benches}"
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert "Benches, please Merged into another note." in text_of(console, "hidden-notes")
    again = facilitator.post(f"/notes/{rude}/merge", data={"into": benches})
    assert again.status_code == 409 and "already been merged" in again.text


def test_the_console_removes_a_participant_and_can_hide_their_notes(browser: TestClient) -> None:
    _, aalborg, _, facilitator, phone = setup(browser)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    people = text_of(console, "participants")
    assert people.startswith("Ana joined at ") and "Also hide their notes" in people
    person = re.search(r'action="/participants/([\w-]+)/remove"', console)
    assert person
    removed = facilitator.post(f"/participants/{person.group(1)}/remove", data={"hide_notes": "true"})
    assert removed.status_code == 303 and removed.headers["location"].endswith("#participants-heading")
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert text_of(console, "participants") == "" and "Nobody has joined yet." in console
    assert "Benches by the water" in text_of(console, "hidden-notes")
    # Their phone is out at once: its cookie opens nothing, and posting is refused.
    assert phone.get(f"/sites/{aalborg}/phone").status_code == 303
    assert phone.post(f"/sites/{aalborg}/notes", data={"text": "Back again"}).status_code == 401


def test_the_console_posts_for_a_table_and_keeps_what_was_typed_on_a_refusal(browser: TestClient) -> None:
    _, aalborg, _, facilitator, phone = setup(browser)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert '<label class="field__label" for="proxy-name">For whom</label>' in console
    fields = form_fields(console, f"/sites/{aalborg}/console/notes")
    fields.update({"on_behalf_of": ["Table 3"], "text": ["Shade on the square"], "kind": ["concern"]})
    posted = facilitator.post(f"/sites/{aalborg}/console/notes", data=fields)
    assert posted.status_code == 303
    assert facilitator.post(f"/sites/{aalborg}/console/notes", data=fields).status_code == 303  # a double click: one note
    phone_page = phone.get(f"/sites/{aalborg}/phone").text
    assert phone_page.count('<p class="note__text">Shade on the square</p>') == 1 and "for Table 3" in text_of(phone_page, "note-" + note_id(phone_page, "Shade on the square"))

    nameless = facilitator.post(f"/sites/{aalborg}/console/notes", data={"on_behalf_of": " ", "text": "Kept text", "kind": "idea"})
    assert nameless.status_code == 422 and "Say whom the note is for" in nameless.text
    assert ">Kept text</textarea>" in nameless.text
    # A phone cannot post for a table.
    assert phone.post(f"/sites/{aalborg}/console/notes", data={"on_behalf_of": "Table 9", "text": "x"}).status_code == 403


def test_only_the_sites_facilitator_or_the_host_moderates(browser: TestClient) -> None:
    event_id, aalborg, odense, facilitator, phone = setup(browser)
    rude = note_id(facilitator.get(f"/sites/{aalborg}/console").text, "Rude remark")
    odense_facilitator = facilitator_browser(browser, event_id, odense)
    attempts = [
        ("post", f"/notes/{rude}/hide", {}), ("post", f"/notes/{rude}/restore", {}), ("get", f"/notes/{rude}/moderate", None),
        ("post", f"/notes/{rude}/moderate", {"text": "x"}), ("get", f"/notes/{rude}/merge", None),
        ("post", f"/notes/{rude}/merge", {"into": rude}), ("post", f"/sites/{aalborg}/lock", {"locked": "true"}),
        ("post", f"/sites/{aalborg}/console/notes", {"on_behalf_of": "T", "text": "x"}),
    ]
    for who in (phone, odense_facilitator):
        for method, url, data in attempts:
            response = who.get(url) if method == "get" else who.post(url, data=data)
            assert response.status_code == 403 and "Your link does not give access to this page." in response.text, (url, response.status_code)
    assert "Rude remark" in browser.get(f"/sites/{aalborg}/board").text
    # The host moderates every site from its console.
    assert browser.post(f"/notes/{rude}/hide").status_code == 303
    assert browser.post(f"/sites/{odense}/lock", data={"locked": "true"}).status_code == 303


def test_the_console_deletes_an_abusive_build_on_without_javascript(browser: TestClient) -> None:
    event_id, aalborg, odense, facilitator, phone = setup(browser)
    benches = note_id(facilitator.get(f"/sites/{aalborg}/console").text, "Benches by the water")
    troll = other_browser(browser)
    code = re.search(r'id="site-' + odense + r'-heading"><bdi>Odense</bdi> <span class="board__code">([^<]+)<', browser.get(f"/host/{event_id}").text)
    assert code
    join(troll, code.group(1))
    assert troll.post(f"/notes/{benches}/build-ons", data={"text": "Buy cheap watches"}).status_code == 303
    console = facilitator.get(f"/sites/{aalborg}/console").text
    spam = re.search(r'<form class="thread__delete" method="post" action="/build-ons/([\w-]+)/delete">\s*'
                     r'<input type="hidden" name="csrftoken" value="[^"]+">\s*<button class="button" type="submit">Delete<span class="visually-hidden">: Buy cheap watches</span>', console)
    assert spam, "the console shows the build-on's delete button, named by its text"
    # Odense's facilitator moderates Odense, not the thread under Aalborg's note.
    assert facilitator_browser(browser, event_id, odense).post(f"/build-ons/{spam.group(1)}/delete").status_code == 403
    deleted = facilitator.post(f"/build-ons/{spam.group(1)}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == f"/sites/{aalborg}/console#note-{benches}"
    for page in (facilitator.get(f"/sites/{aalborg}/console").text, browser.get(f"/sites/{aalborg}/board").text, phone.get(f"/sites/{aalborg}/phone").text):
        assert "Buy cheap watches" not in page
