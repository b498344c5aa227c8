"""Hostile text on every page, without JavaScript: the catalogue of tests/hostile.py in notes, names,
site and theme names, the event's title and theme and a phase, read back from the HTML as a browser's
parser reads it. Every page must hold none of the payloads as markup (no injected element, no event
handler attribute) and show each text exactly as stored, in one run of text; forms must give it back
in their fields unchanged; names made only of invisible characters are refused in words.
"""

from __future__ import annotations


import pytest
from starlette.testclient import TestClient

from tests import hostile
from tests.hostile import event, hostile_app  # noqa: F401  (fixtures)
from tests.api_helpers import bearer, csrf_ready
from workshop.domain import rules



def page(client: TestClient, path: str, token: str | None = None) -> hostile.Parsed:
    response = client.get(path, headers=bearer(token) if token else {})
    assert response.status_code == 200, (path, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    parsed = hostile.Parsed(response.text)
    assert parsed.injected() == [], path
    return parsed


def notes_of(event: hostile.HostileEvent, *sites: hostile.HostileSite) -> list[str]:
    ids = {note_id for site in sites for note_id in event.by_site[site.id]}
    return [rules.note_text(text) for text, note_id in event.notes.items() if note_id in ids]


def missing(parsed: hostile.Parsed, texts: list[str]) -> list[str]:
    return [text for text in texts if not parsed.shows(text)]


def test_the_live_pages_show_every_hostile_text_as_text(hostile_app: TestClient, event: hostile.HostileEvent) -> None:
    aalborg, script_site, long_site = event.sites
    every_note = notes_of(event, *event.sites)
    site_names = [site.name for site in event.sites]
    themes = list(event.themes)
    aalborg_people = [name for number, name in enumerate(hostile.NAMES) if number % 2 == 0]

    phone = page(hostile_app, f"/sites/{aalborg.id}/phone", aalborg.phones[0])
    assert missing(phone, every_note + site_names + themes + [event.title, event.theme, hostile.PHASE_NAME]) == []

    board = page(hostile_app, f"/sites/{aalborg.id}/board", aalborg.facilitator_token)
    assert missing(board, notes_of(event, aalborg) + themes + [aalborg.name, event.title, event.theme]) == []

    shared = page(hostile_app, f"/events/{event.id}/board", event.host_token)
    assert missing(shared, every_note + site_names + themes + [event.title, event.theme, hostile.PHASE_NAME]) == []

    console = page(hostile_app, f"/sites/{aalborg.id}/console", aalborg.facilitator_token)
    assert missing(console, notes_of(event, aalborg) + aalborg_people + themes + [aalborg.name, event.title, hostile.PHASE_NAME]) == []
    assert missing(console, ["</textarea><style>*{display:none}</style>", hostile.JINJA]) == []  # the phase's script, as written

    dashboard = page(hostile_app, f"/host/{event.id}", event.host_token)
    assert missing(dashboard, site_names + [event.title, event.theme]) == []
    assert {event.title, event.theme, hostile.PHASE_NAME} <= set(dashboard.values("value"))  # the edit forms hold it as typed
    assert missing(dashboard, [rules.clean_text(hostile.DESCRIPTION), f"{hostile.SCRIPT}\n{hostile.MARKDOWN}"]) == []

    for site in (script_site, long_site):
        poster = page(hostile_app, f"/sites/{site.id}/poster", site.facilitator_token)
        assert missing(poster, [site.name, event.title]) == []
        joining = page(hostile_app, f"/join/{site.join_code}")
        assert missing(joining, [site.name, event.title, event.theme]) == []


def test_the_forms_give_hostile_text_back_unchanged(hostile_app: TestClient, event: hostile.HostileEvent) -> None:
    for typed in (hostile.STYLE, hostile.ATTRIBUTE_BREAK, hostile.MARKDOWN_LINES, hostile.ENTITY):
        note_id = event.notes[typed]
        edit = page(hostile_app, f"/notes/{note_id}/edit", event.authors[note_id])
        assert edit.shows(rules.note_text(typed)), typed  # in the textarea, whole: the form did not end early
        moderate = page(hostile_app, f"/notes/{note_id}/moderate", event.site_of(note_id).facilitator_token)
        assert moderate.shows(rules.note_text(typed)), typed
    aalborg = event.sites[0]
    merge = page(hostile_app, f"/notes/{event.notes[hostile.SCRIPT]}/merge", aalborg.facilitator_token)
    assert missing(merge, [text for text in notes_of(event, aalborg) if text != hostile.SCRIPT]) == []


def test_hostile_text_posted_through_the_forms_comes_back_as_typed(hostile_app: TestClient, event: hostile.HostileEvent) -> None:
    aalborg = event.sites[0]
    phone = csrf_ready(TestClient(hostile_app.app, follow_redirects=False))
    joined = phone.post("/join", data={"code": aalborg.join_code, "name": hostile.SVG})
    assert joined.status_code == 303, joined.text
    typed = f"{hostile.STYLE}\n{hostile.JINJA}\n{hostile.BIDI_OVERRIDE}"
    posted = phone.post(f"/sites/{aalborg.id}/notes", data={"text": typed})
    assert posted.status_code == 303, posted.text
    shown = hostile.Parsed(phone.get(f"/sites/{aalborg.id}/phone").text)
    assert shown.injected() == [] and shown.shows(rules.note_text(typed))

    board = hostile_app.get(f"/api/v1/events/{event.id}/board", headers=event.host).json()
    note_id = next(note["id"] for note in board["notes"] if note["text"] == rules.note_text(typed))
    edited = f"{hostile.ATTRIBUTE_BREAK} {hostile.IMG}"
    assert phone.post(f"/notes/{note_id}/edit", data={"text": edited, "kind": "idea"}).status_code == 303
    again = hostile.Parsed(phone.get(f"/sites/{aalborg.id}/phone").text)
    assert again.injected() == [] and again.shows(edited)


@pytest.mark.parametrize("invisible", hostile.INVISIBLE_NAMES)
def test_names_of_invisible_characters_only_are_refused_in_words(hostile_app: TestClient, event: hostile.HostileEvent, invisible: str) -> None:
    aalborg = event.sites[0]
    stranger = csrf_ready(TestClient(hostile_app.app, follow_redirects=False))
    refused = stranger.post("/join", data={"code": aalborg.join_code, "name": invisible})
    assert refused.status_code == 422
    assert "A name needs at least one visible character." in refused.text
    assert stranger.post("/join", data={"code": aalborg.join_code, "name": ""}).status_code == 303  # blank stays anonymous

    host = csrf_ready(TestClient(hostile_app.app, follow_redirects=False))
    assert host.get(f"/host/{event.id}?token={event.host_token}").status_code == 303
    site = host.post(f"/host/{event.id}/sites", data={"name": invisible})
    assert site.status_code == 422 and 'role="alert"' in site.text
    theme = host.post(f"/events/{event.id}/themes", data={"name": invisible})
    assert theme.status_code == 422 and "Give the theme a name" in theme.text
