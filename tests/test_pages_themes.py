"""Themes in the browser pages without JavaScript: the console's forms, the boards' themes, the suggestions."""

from __future__ import annotations

import pytest

import html
import re

from starlette.testclient import TestClient

from tests.test_pages import add_site, app_settings, browser, create_event, facilitator_browser, form_fields, join, other_browser, text_of  # noqa: F401
from tests.test_pages_moderation import note_id

pytestmark = pytest.mark.usefixtures("suggestion_engine_loaded")  # suggestions answer at once


def setup(host: TestClient) -> tuple[str, str, str, TestClient, TestClient]:
    """An event with Aalborg and Copenhagen, notes at both, and each site's facilitator."""
    event_id = create_event(host)
    aalborg, aalborg_code = add_site(host, event_id, "Aalborg")
    copenhagen, copenhagen_code = add_site(host, event_id, "Copenhagen")
    for code, texts in ((aalborg_code, ("More bike lanes on the harbour", "Bike parking at the station", "Cheaper buses at night")),
                        (copenhagen_code, ("Safe bike routes to school",))):
        phone = other_browser(host)
        join(phone, code)
        site = aalborg if code == aalborg_code else copenhagen
        for text in texts:
            assert phone.post(f"/sites/{site}/notes", data={"text": text}).status_code == 303
    return event_id, aalborg, copenhagen, facilitator_browser(host, event_id, aalborg), facilitator_browser(host, event_id, copenhagen)


def theme_id(page: str, name: str) -> str:
    found = re.search(r'<h3 class="theme__name" id="theme-([\w-]+)-name">' + re.escape(name) + "<", page)
    assert found, name
    return found.group(1)


def create_theme(facilitator: TestClient, site_id: str, name: str) -> str:
    made = facilitator.post(f"/sites/{site_id}/themes", data={"name": name})
    assert made.status_code == 303, made.text
    found = re.fullmatch(rf"/sites/{site_id}/console#theme-([\w-]+)", made.headers["location"])
    assert found, made.headers["location"]
    return found.group(1)


def place(facilitator: TestClient, note: str, theme: str, site_id: str) -> None:
    placed = facilitator.post(f"/notes/{note}/theme", data={"theme_id": theme, "site_id": site_id})
    assert placed.status_code == 303, placed.text
    assert placed.headers["location"] == f"/sites/{site_id}/console#note-{note}"


def test_a_facilitator_creates_a_theme_and_places_a_note_with_the_select(browser: TestClient) -> None:
    event_id, aalborg, _, facilitator, _ = setup(browser)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert "No themes yet." in text_of(console, "theme-list")
    assert 'class="note__place"' not in console  # nothing to choose from yet
    bikes = create_theme(facilitator, aalborg, "  Bikes ")

    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert text_of(console, f"theme-{bikes}").startswith("Bikes Aalborg 0 Copenhagen 0")
    lanes = note_id(console, "More bike lanes on the harbour")
    # Under each note: a labelled select with "No theme" and every theme, and its own Save button.
    card = card_of(console, lanes)
    assert form_fields(card, f"/notes/{lanes}/theme") == {"site_id": [aalborg]}
    assert f'<label class="note__place-label" for="place-{lanes}">Theme</label>' in card
    assert options(card) == [("", ""), (bikes, "")]
    assert f'id="place-{lanes}-save">Save<span class="visually-hidden">: theme of More bike lanes on the harbour</span>' in card

    place(facilitator, lanes, bikes, aalborg)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert options(card_of(console, lanes)) == [("", ""), (bikes, " selected")]
    assert text_of(console, f"theme-{bikes}").startswith("Bikes Aalborg 1 Copenhagen 0")
    shared = browser.get(f"/events/{event_id}/board").text
    assert text_of(shared, f"theme-{bikes}").startswith("Bikes Aalborg 1 Copenhagen 0 More bike lanes on the harbour Aalborg")

    # Back to no theme with the same select.
    place(facilitator, lanes, "", aalborg)
    assert text_of(facilitator.get(f"/sites/{aalborg}/console").text, f"theme-{bikes}").startswith("Bikes Aalborg 0 Copenhagen 0")


def options(card: str) -> list[tuple[str, str]]:
    """The theme select's options under a note: (value, " selected" or "")."""
    form = re.search(r'<form class="note__place".*?</form>', card, re.S)
    assert form
    return re.findall(r'<option value="([\w-]*)"( selected)?>', form.group(0))


def card_of(page: str, note: str) -> str:
    found = re.search(rf'<article id="note-{note}".*?</article>', page, re.S)
    assert found, note
    return found.group(0)


def test_a_facilitator_cannot_place_another_sites_note(browser: TestClient) -> None:
    event_id, aalborg, copenhagen, aalborg_facilitator, copenhagen_facilitator = setup(browser)
    bikes = create_theme(aalborg_facilitator, aalborg, "Bikes")
    school = note_id(copenhagen_facilitator.get(f"/sites/{copenhagen}/console").text, "Safe bike routes to school")

    refused = aalborg_facilitator.post(f"/notes/{school}/theme", data={"theme_id": bikes, "site_id": aalborg})
    assert refused.status_code == 422
    assert 'role="alert">You can put only your own site&#39;s notes in themes. The host can place any site&#39;s notes.<' in refused.text
    assert "Facilitator console: Aalborg" in refused.text  # said in the console it came from
    # The note stayed where it was, on every screen.
    assert text_of(browser.get(f"/events/{event_id}/board").text, f"theme-{bikes}").startswith("Bikes Aalborg 0 Copenhagen 0")
    # The host places any site's note.
    assert browser.post(f"/notes/{school}/theme", data={"theme_id": bikes}).headers["location"] == f"/events/{event_id}/board#note-{school}"
    assert text_of(browser.get(f"/events/{event_id}/board").text, f"theme-{bikes}").startswith("Bikes Aalborg 0 Copenhagen 1")
    # Someone without a facilitator's or host's link places nothing.
    phone = other_browser(browser)
    assert phone.post(f"/notes/{school}/theme", data={"theme_id": ""}).status_code == 401


def test_a_theme_is_renamed_merged_and_deleted_with_the_rules_said_in_words(browser: TestClient) -> None:
    event_id, aalborg, copenhagen, aalborg_facilitator, copenhagen_facilitator = setup(browser)
    bikes = create_theme(aalborg_facilitator, aalborg, "Bikes")
    cycling = create_theme(aalborg_facilitator, aalborg, "Cycling")
    buses = create_theme(aalborg_facilitator, aalborg, "Buses")
    taken = aalborg_facilitator.post(f"/sites/{aalborg}/themes", data={"name": "bikes"})
    assert taken.status_code == 409 and "There is already a theme with that name." in taken.text
    empty = aalborg_facilitator.post(f"/themes/{bikes}/rename", data={"name": " ", "site_id": aalborg})
    assert empty.status_code == 422 and "Give the theme a name of at most 60 characters." in empty.text

    renamed = aalborg_facilitator.post(f"/themes/{bikes}/rename", data={"name": "Bikes and bike parking", "site_id": aalborg})
    assert renamed.status_code == 303 and renamed.headers["location"] == f"/sites/{aalborg}/console#theme-{bikes}"
    console = aalborg_facilitator.get(f"/sites/{aalborg}/console").text
    assert theme_id(console, "Bikes and bike parking") == bikes
    place(aalborg_facilitator, note_id(console, "More bike lanes on the harbour"), cycling, aalborg)

    # Cycling holds only Aalborg's note: Aalborg merges it.
    merged = aalborg_facilitator.post(f"/themes/{cycling}/merge", data={"into": bikes, "site_id": aalborg})
    assert merged.status_code == 303 and merged.headers["location"] == f"/sites/{aalborg}/console#theme-{bikes}"
    console = aalborg_facilitator.get(f"/sites/{aalborg}/console").text
    assert "Cycling" not in text_of(console, "theme-list")
    assert text_of(console, f"theme-{bikes}").startswith("Bikes and bike parking Aalborg 1 Copenhagen 0")
    itself = aalborg_facilitator.post(f"/themes/{bikes}/merge", data={"into": bikes, "site_id": aalborg})
    assert itself.status_code == 422 and "Choose another theme to merge this one into." in itself.text

    # Once Copenhagen has a note in it, only the host merges or deletes it: said in words.
    school = note_id(copenhagen_facilitator.get(f"/sites/{copenhagen}/console").text, "Safe bike routes to school")
    place(copenhagen_facilitator, school, bikes, copenhagen)
    shared = aalborg_facilitator.post(f"/themes/{bikes}/delete", data={"site_id": aalborg})
    assert shared.status_code == 409
    assert "That theme holds notes from other sites, so only the host can merge or delete it." in shared.text
    assert aalborg_facilitator.post(f"/themes/{bikes}/merge", data={"into": buses, "site_id": aalborg}).status_code == 409

    # An empty theme goes; the host deletes the shared one, and its notes go back to no theme.
    assert aalborg_facilitator.post(f"/themes/{buses}/delete", data={"site_id": aalborg}).headers["location"] == \
        f"/sites/{aalborg}/console#themes-heading"
    deleted = browser.post(f"/themes/{bikes}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == f"/events/{event_id}/board#themes-heading"
    assert "No themes yet." in text_of(aalborg_facilitator.get(f"/sites/{aalborg}/console").text, "theme-list")
    gone = aalborg_facilitator.post(f"/themes/{bikes}/rename", data={"name": "Again", "site_id": aalborg})
    assert gone.status_code == 404 and "This theme was deleted or merged into another." in gone.text


def test_the_boards_and_phones_show_the_themes_and_the_counts_per_site(browser: TestClient) -> None:
    event_id, aalborg, copenhagen, aalborg_facilitator, copenhagen_facilitator = setup(browser)
    empty = browser.get(f"/events/{event_id}/board").text
    assert re.search(r'<section class="themes themes--shared-board" id="themes" aria-labelledby="themes-heading" hidden>', empty)
    bikes = create_theme(aalborg_facilitator, aalborg, "Bikes")
    console = aalborg_facilitator.get(f"/sites/{aalborg}/console").text
    place(aalborg_facilitator, note_id(console, "More bike lanes on the harbour"), bikes, aalborg)
    place(aalborg_facilitator, note_id(console, "Bike parking at the station"), bikes, aalborg)

    shared = browser.get(f"/events/{event_id}/board").text
    box = text_of(shared, f"theme-{bikes}")
    assert box.startswith("Bikes Aalborg 2 Copenhagen 0")
    assert "2 sites" not in box  # raised at one site so far
    school = note_id(copenhagen_facilitator.get(f"/sites/{copenhagen}/console").text, "Safe bike routes to school")
    place(copenhagen_facilitator, school, bikes, copenhagen)
    shared = browser.get(f"/events/{event_id}/board").text
    assert text_of(shared, f"theme-{bikes}").startswith("Bikes 2 sites Raised at 2 sites Aalborg 2 Copenhagen 1 Safe bike routes to school Copenhagen")
    assert f'<span class="theme__number" id="theme-{bikes}-count-{aalborg}">2</span>' in shared
    assert "Theme: Bikes" in text_of(shared, f"note-{school}")  # the card in Copenhagen's column says so

    # Aalborg's board: the placed notes in the theme's box, the others among the notes without one.
    board = browser.get(f"/sites/{aalborg}/board").text
    assert text_of(board, "notes").startswith("Cheaper buses at night")
    assert "bike" not in text_of(board, "notes").lower()
    in_box = text_of(board, f"theme-{bikes}")
    assert in_box.startswith("Bikes 2 sites Raised at 2 sites Aalborg 2 Copenhagen 1 Bike parking at the station")
    assert "More bike lanes on the harbour" in in_box and "Safe bike routes" not in in_box
    assert "data-arrange" in board  # the host's
    viewer = other_browser(browser)
    link = re.search(r'id="board-link">http://testserver([^<]+)<', aalborg_facilitator.get(f"/sites/{aalborg}/console").text)
    assert link and viewer.get(html.unescape(link.group(1))).status_code == 303
    projected = viewer.get(f"/sites/{aalborg}/board").text
    assert text_of(projected, f"theme-{bikes}") == in_box
    assert "data-arrange" not in projected  # opened with the viewer's rights: nothing to drag
    facilitated = aalborg_facilitator.get(f"/sites/{aalborg}/board").text
    assert 'data-arrange="/notes/{note}/theme"' in facilitated and f'data-drop-theme="{bikes}"' in facilitated

    # A phone shows each note's theme, read only.
    phone = other_browser(browser)
    join(phone, re.search(r'<span class="board__code">([^<]+)</span>', board).group(1))
    page = phone.get(f"/sites/{aalborg}/phone").text
    assert "Theme: Bikes" in text_of(page, "feed") and "Theme: Bikes" in text_of(page, "notes")
    assert "/theme" not in page.split('id="notes"')[1]  # no placing from a phone


def test_the_consoles_first_render_suggests_a_theme_with_a_one_click_form(browser: TestClient) -> None:
    _, aalborg, _, facilitator, _ = setup(browser)
    bikes = create_theme(facilitator, aalborg, "Bikes")
    console = facilitator.get(f"/sites/{aalborg}/console").text
    lanes = note_id(console, "More bike lanes on the harbour")
    panel = text_of(console, "suggestions")
    assert panel.startswith("Suggestions Newest notes without a theme")
    suggestion = text_of(console, f"suggestion-{lanes}")
    assert suggestion.startswith("More bike lanes on the harbour Put in “Bikes”") and "Shared words: bike" in suggestion
    one_click = re.search(rf'<li class="suggestion" id="suggestion-{lanes}">.*?</li>', console, re.S)
    assert one_click and form_fields(one_click.group(0), f"/notes/{lanes}/theme") == {"site_id": [aalborg], "theme_id": [bikes]}

    # One click, and the note has its theme; it leaves the suggestions.
    place(facilitator, lanes, bikes, aalborg)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    assert f'id="suggestion-{lanes}"' not in console
    assert text_of(console, f"theme-{bikes}").startswith("Bikes Aalborg 1")


def test_a_group_becomes_a_theme_with_its_notes_in_one_post(browser: TestClient) -> None:
    event_id, aalborg, copenhagen, facilitator, _ = setup(browser)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    lanes, parking = note_id(console, "More bike lanes on the harbour"), note_id(console, "Bike parking at the station")
    school = note_id(browser.get(f"/sites/{copenhagen}/console").text, "Safe bike routes to school")
    # What the "Create theme" button of a group posts: its name and this site's notes of the group
    # (another site's note sent along is refused by the store and skipped, the rest still go in).
    made = facilitator.post(f"/sites/{aalborg}/themes", data={"name": "Bike", "note_ids": [lanes, parking, school]})
    assert made.status_code == 303
    bike = made.headers["location"].rsplit("#theme-", 1)[1]
    assert text_of(browser.get(f"/events/{event_id}/board").text, f"theme-{bike}").startswith("Bike Aalborg 2 Copenhagen 0")


def test_before_any_theme_the_console_offers_a_forming_group_and_flags_a_duplicate(browser: TestClient) -> None:
    event_id, aalborg, _, facilitator, _ = setup(browser)
    console = facilitator.get(f"/sites/{aalborg}/console").text
    join(phone := other_browser(browser), re.search(r'Join code: <strong class="board__code">([^<]+)<', console).group(1))
    assert phone.post(f"/sites/{aalborg}/notes", data={"text": "More bike lanes along the harbour"}).status_code == 303
    console = facilitator.get(f"/sites/{aalborg}/console").text
    lanes, again = note_id(console, "More bike lanes on the harbour"), note_id(console, "More bike lanes along the harbour")

    # The newest note likely repeats an older one of the same site: flagged, with the moderation merge.
    flagged = text_of(console, f"suggestion-{again}")
    assert flagged == "More bike lanes along the harbour Likely the same as: “More bike lanes on the harbour” Merge into it : More bike lanes along the harbour"
    one_click = re.search(rf'<li class="suggestion" id="suggestion-{again}">.*?</li>', console, re.S)
    assert one_click and form_fields(one_click.group(0), f"/notes/{again}/merge") == {"into": [lanes]}
    panel = re.search(r'<section class="card suggestions".*?</section>', console, re.S)
    assert panel and f'action="/notes/{lanes}/merge"' not in panel.group(0)  # said once, on the newer note

    # A group that forms: "Create theme" makes it and puts the site's notes of the group in it.
    assert "Groups that seem to form" in console, text_of(console, "suggestions")
    form = re.search(r'<form method="post" action="/sites/[\w-]+/themes">.*?</form>', console.split("Groups that seem to form")[1], re.S)
    assert form
    fields = form_fields(form.group(0), f"/sites/{aalborg}/themes")
    assert fields["name"][0] and lanes in fields["note_ids"] and again in fields["note_ids"]
    made = facilitator.post(f"/sites/{aalborg}/themes", data=fields)
    assert made.status_code == 303
    made_id = made.headers["location"].rsplit("#theme-", 1)[1]
    count = len(fields["note_ids"])
    assert text_of(browser.get(f"/events/{event_id}/board").text, f"theme-{made_id}").startswith(f"{fields['name'][0]} Aalborg {count} Copenhagen 0")
    assert "Groups that seem to form" not in facilitator.get(f"/sites/{aalborg}/console").text  # only before any theme exists
