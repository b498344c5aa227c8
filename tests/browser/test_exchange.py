"""Ideas travelling between sites, in the browser: Odense builds on Aalborg's note and Aalborg's board
says so; Aalborg's facilitator sends a note to Odense and it lands in Odense's incoming lane."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Contexts, Event
from tests.browser.helpers import LIVE_TIMEOUT, axe, describe, join_by_code, live_page, note, post_note, shows_once, still_same_document

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def test_odense_builds_on_aalborgs_note_and_aalborgs_board_shows_it(contexts: Contexts, event: Event) -> None:
    aalborg, odense = event.sites
    aalborg_board = await live_page(await contexts.screen(), aalborg.board_url)
    shared = await live_page(await contexts.screen(), event.board_url)
    phone_a = await join_by_code(await contexts.phone(), aalborg.join_code)
    phone_b = await join_by_code(await contexts.phone(), odense.join_code)
    await post_note(phone_a, "Car-free Sundays on the harbour")
    await shows_once(phone_b, "Car-free Sundays on the harbour", "#feed")

    card = note(phone_b, "Car-free Sundays on the harbour", "#feed")
    await card.locator(".note__build-toggle").click()
    await card.get_by_label("Your build-on").fill("And free buses to get there")
    await card.get_by_role("button", name="Add your build-on").click()
    await expect(card.get_by_role("status")).to_have_text("Added. It shows under the note.", timeout=LIVE_TIMEOUT)
    await expect(card.get_by_label("Your build-on")).to_have_value("")

    # Aalborg's projector shows it at a glance, live; so do the shared board and Odense's own phone.
    on_board = note(aalborg_board, "Car-free Sundays on the harbour", "#notes")
    await expect(on_board.locator(".note__built-by")).to_have_text("Odense built on this", timeout=LIVE_TIMEOUT)
    await expect(on_board.locator(".thread__item")).to_contain_text("And free buses to get there")
    await expect(note(shared, "Car-free Sundays on the harbour").locator(".note__built-by")).to_have_text("Odense built on this")
    await expect(card.locator(".thread__item")).to_contain_text("And free buses to get there")
    await expect(aalborg_board.locator("#announcer")).to_contain_text("Odense built on a note: And free buses to get there")
    # Only the author's phone offers to delete it.
    await expect(card.locator(".thread__delete")).to_be_visible()
    await expect(note(phone_a, "Car-free Sundays on the harbour").locator(".thread__delete")).to_be_hidden()
    for page in (aalborg_board, shared, phone_a, phone_b):
        await still_same_document(page)


async def test_aalborgs_facilitator_sends_a_note_to_odenses_incoming_lane(contexts: Contexts, event: Event) -> None:
    aalborg, odense = event.sites
    odense_board = await live_page(await contexts.screen(), odense.board_url)
    odense_phone = await join_by_code(await contexts.phone(), odense.join_code)
    await expect(odense_board.locator("#exchange-side")).to_be_hidden()  # nothing yet: the notes keep the screen
    phone_a = await join_by_code(await contexts.phone(), aalborg.join_code)
    await post_note(phone_a, "Shade trees on every square")

    console = await (await contexts.screen()).new_page()
    await console.goto(aalborg.facilitator_url)
    await expect(console).to_have_url(re.compile(r"/console$"))
    card = note(console, "Shade trees on every square", "#notes")
    await card.get_by_label("Send to").select_option(label="Odense")
    await card.get_by_role("button", name=re.compile(r"^Send\b")).click()
    await expect(console.get_by_role("status").filter(has_text="Sent.")).to_be_visible()

    lane = odense_board.locator("#exchange-side")
    await expect(lane).to_be_visible(timeout=LIVE_TIMEOUT)
    await expect(lane.locator(".incoming__item")).to_have_count(1)
    await expect(lane.locator(".incoming__item")).to_contain_text("A note from Aalborg")
    await expect(lane.locator(".incoming__item")).to_contain_text("Shade trees on every square")
    await expect(odense_phone.locator("#exchange-side .incoming__item")).to_contain_text("Shade trees on every square")
    await still_same_document(odense_board)

    # The lane sits beside the notes on a 16:9 projector: both in view, the notes not pushed off.
    await post_note(odense_phone, "Water fountains")
    await shows_once(odense_board, "Water fountains", "#notes")
    screen = odense_board.viewport_size
    assert screen is not None
    for part in (lane, note(odense_board, "Water fountains", "#notes")):
        box = await part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] + 40 < screen["height"] and box["x"] + box["width"] <= screen["width"]

    found = {"board with an incoming lane": await axe(odense_board), "console with send controls": await axe(console)}
    found = {where: violations for where, violations in found.items() if violations}
    assert not found, describe(found)
