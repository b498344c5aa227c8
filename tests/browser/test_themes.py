"""Themes in the browser: Aalborg's facilitator drags a note into a theme on their board, and places
another with the keyboard in the console; the shared board, open on another screen, counts along live."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import Contexts, Event, make_event
from tests.browser.helpers import LIVE_TIMEOUT, like_app_js, live_page, still_same_document
from tests.servers import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

NOTES = ("Bike parking at the station", "More bike lanes on the harbour", "Cheaper buses at night")


@pytest.fixture
def event(server: LiveServer) -> Iterator[Event]:
    yield make_event(server, ("Copenhagen", "Aalborg"))


def setup(server: LiveServer, event: Event) -> tuple[dict[str, str], str]:
    """Aalborg's notes (text -> id), and a theme "Bikes" its facilitator started in the console."""
    aalborg = event.sites[1]
    with httpx.Client(base_url=server.url, timeout=10) as client:
        token = client.post("/api/v1/join", json={"code": aalborg.join_code}).json()["participant_token"]
        notes = {}
        for text in NOTES:
            posted = client.post(f"/api/v1/sites/{aalborg.id}/notes", json={"text": text}, headers={"Authorization": f"Bearer {token}"})
            assert posted.status_code == 201, posted.text
            notes[text] = posted.json()["id"]
        assert client.get(aalborg.facilitator_url.removeprefix(server.url)).status_code == 303  # the facilitator's cookie
        like_app_js(client, f"/sites/{aalborg.id}/console")
        made = client.post(f"/sites/{aalborg.id}/themes", data={"name": "Bikes"})
        assert made.status_code == 303, made.text
        found = re.search(r"#theme-([\w-]+)$", made.headers["location"])
        assert found
    return notes, found.group(1)


async def test_a_dragged_note_and_a_keyboard_placed_one_count_on_the_shared_board_live(
    contexts: Contexts, event: Event, server: LiveServer
) -> None:
    copenhagen, aalborg = event.sites
    notes, bikes = setup(server, event)
    shared = await live_page(await contexts.screen(), event.board_url)
    count = shared.locator(f"#theme-{bikes}-count-{aalborg.id}")
    await expect(count).to_have_text("0")
    await expect(shared.locator(f"#theme-{bikes}-count-{copenhagen.id}")).to_have_text("0")

    # The facilitator opens their console (its link holds their rights), then their board from it.
    facilitator = await contexts.screen()
    console = await live_page(facilitator, aalborg.facilitator_url)
    board = await live_page(facilitator, f"/sites/{aalborg.id}/board")
    box = board.locator(f"#theme-{bikes}")
    parking = board.locator(f"#note-{notes['Bike parking at the station']}")
    await expect(parking).to_have_attribute("draggable", "true")

    # Drag and drop: the note leaves the notes without a theme for the theme's box, on every screen.
    await parking.drag_to(box)
    await expect(count).to_have_text("1", timeout=LIVE_TIMEOUT)
    await expect(shared.locator(f"#theme-{bikes} .theme-item")).to_have_text(["Bike parking at the station Aalborg"])
    await expect(box.locator(".note")).to_have_count(1, timeout=LIVE_TIMEOUT)
    await expect(board.locator("#notes .note", has_text="Bike parking")).to_have_count(0)
    await expect(shared.locator(f"#note-{notes['Bike parking at the station']} .note__theme")).to_have_text("Theme: Bikes")
    await expect(console.locator(f"#place-{notes['Bike parking at the station']}")).to_have_value(bikes, timeout=LIVE_TIMEOUT)

    # The keyboard: focus the note's "Theme" choice in the console, pick the theme, Tab to Save, Enter.
    lanes = notes["More bike lanes on the harbour"]
    choice = console.get_by_label("Theme").and_(console.locator(f"#place-{lanes}"))
    await choice.focus()
    await console.keyboard.press("ArrowDown")
    await expect(choice).to_have_value(bikes)
    await console.keyboard.press("Tab")
    await expect(console.locator(f"#place-{lanes}-save")).to_be_focused()
    await console.keyboard.press("Enter")
    await expect(count).to_have_text("2", timeout=LIVE_TIMEOUT)
    await expect(console).to_have_url(re.compile(rf"/sites/{aalborg.id}/console#note-{lanes}$"))
    await expect(box.locator(".note")).to_have_count(2, timeout=LIVE_TIMEOUT)
    await expect(shared.locator(f"#theme-{bikes}-count-{copenhagen.id}")).to_have_text("0")

    # And back out of the theme, dragged onto the notes without one.
    await box.locator(".note", has_text="Bike parking").drag_to(board.locator("#notes"))
    await expect(count).to_have_text("1", timeout=LIVE_TIMEOUT)
    await expect(board.locator("#notes .note", has_text="Bike parking")).to_have_count(1)
    await expect(shared.locator(f"#note-{notes['Bike parking at the station']} .note__theme")).to_have_count(0)
    await still_same_document(shared)  # every change arrived live, without a reload
    await still_same_document(board)


async def test_a_board_opened_with_the_viewers_link_shows_the_themes_but_offers_no_dragging(contexts: Contexts, event: Event, server: LiveServer) -> None:
    aalborg = event.sites[1]
    notes, bikes = setup(server, event)
    projector = await live_page(await contexts.screen(), aalborg.board_url)  # the viewer's link: read only
    await expect(projector.locator(f"#theme-{bikes}")).to_be_visible()
    assert await projector.locator("[data-arrange]").count() == 0
    await expect(projector.locator(f"#note-{notes['Cheaper buses at night']}")).not_to_have_attribute("draggable", "true")
