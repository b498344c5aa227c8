"""Moderation as a facilitator does it in the browser: hide and restore, merge by keyboard, lock the board;
the site's board and the phones follow live, without reloading."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Contexts, Event
from tests.browser.helpers import LIVE_TIMEOUT, axe, describe, join_by_code, live_page, note, post_note, shows_once, still_same_document

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

NOTES = ("Benches by the water", "Rude remark", "Shade on the square")


async def texts(page: Page, container: str) -> list[str]:
    return [text.strip() for text in await page.locator(f"{container} .note .note__text").all_inner_texts()]


async def test_a_hidden_note_leaves_the_board_and_phones_live_and_comes_back_in_its_place(contexts: Contexts, event: Event) -> None:
    aalborg, odense = event.sites
    board = await live_page(await contexts.screen(), aalborg.board_url)
    phone = await join_by_code(await contexts.phone(), aalborg.join_code, name="Ana")
    elsewhere = await join_by_code(await contexts.phone(), odense.join_code)
    for text in NOTES:
        await post_note(phone, text)
        await shows_once(board, text)
    await shows_once(elsewhere, NOTES[-1], "#feed")
    console = await live_page(await contexts.screen(), aalborg.facilitator_url)

    await note(console, "Rude remark", "#notes").get_by_role("button", name="Hide").click()
    for page, where in ((board, "#notes"), (phone, "#notes"), (elsewhere, "#feed")):
        await expect(note(page, "Rude remark", where)).to_have_count(0, timeout=LIVE_TIMEOUT)
        assert await texts(page, where) == ["Shade on the square", "Benches by the water"]
        await still_same_document(page)  # it went live, not by a reload
    await expect(console.locator("#hidden-notes")).to_contain_text("Rude remark")
    await expect(note(console, "Rude remark", "#notes")).to_have_count(0)

    await console.locator("#hidden-notes li", has_text="Rude remark").get_by_role("button", name="Restore").click()
    for page, where in ((board, "#notes"), (phone, "#notes"), (elsewhere, "#feed")):
        await shows_once(page, "Rude remark", where)
        assert await texts(page, where) == list(reversed(NOTES))  # back between the two, newest first
        await still_same_document(page)
    await expect(console.locator("#hidden-notes .hidden-note")).to_have_count(0)
    await expect(console.get_by_text("No notes are hidden.")).to_be_visible()


async def test_a_duplicate_is_merged_by_keyboard_and_the_board_follows(contexts: Contexts, event: Event) -> None:
    aalborg = event.sites[0]
    board = await live_page(await contexts.screen(), aalborg.board_url)
    phone = await join_by_code(await contexts.phone(), aalborg.join_code)
    for text in ("More trees", "more trees please"):
        await post_note(phone, text)
        await shows_once(board, text)
    console = await live_page(await contexts.screen(), aalborg.facilitator_url)

    await note(console, "more trees please", "#notes").get_by_role("link", name="Merge into…").focus()
    await console.keyboard.press("Enter")
    await expect(console.get_by_role("heading", name="Merge a duplicate")).to_be_visible()
    violations = await axe(console)
    assert not violations, describe({"merge page": violations})
    await console.get_by_role("radio", name="More trees").focus()
    await console.keyboard.press("Space")
    await expect(console.get_by_role("radio", name="More trees")).to_be_checked()
    await console.get_by_role("button", name="Merge into the chosen note").focus()
    await console.keyboard.press("Enter")

    await expect(note(board, "more trees please")).to_have_count(0, timeout=LIVE_TIMEOUT)
    await shows_once(board, "More trees")
    await expect(console.locator("#hidden-notes")).to_contain_text("Merged into another note.")
    await still_same_document(board)


async def test_a_locked_board_is_said_on_the_board_and_the_phone_and_refuses_a_note(contexts: Contexts, event: Event) -> None:
    aalborg = event.sites[0]
    board = await live_page(await contexts.screen(), aalborg.board_url)
    phone = await join_by_code(await contexts.phone(), aalborg.join_code)
    console = await live_page(await contexts.screen(), aalborg.facilitator_url)
    paused = "The facilitator has paused this board. No new notes, votes or build-ons for now."

    await console.get_by_role("button", name="Lock the board").click()
    await expect(console.get_by_role("button", name="Unlock the board")).to_be_visible()
    for page in (board, phone):
        await expect(page.locator(f"#lock-{aalborg.id}")).to_have_text(paused, timeout=LIVE_TIMEOUT)
        await still_same_document(page)
    violations = await axe(console)
    assert not violations, describe({"console, locked, with people and hidden notes": violations})

    await post_note(phone, "Is anyone there?")
    await expect(phone.locator("#post-status")).to_contain_text("The facilitator has paused this board.", timeout=LIVE_TIMEOUT)
    await expect(phone.get_by_label("Your note")).to_have_value("Is anyone there?")  # kept for later

    await console.get_by_role("button", name="Unlock the board").click()
    await expect(phone.locator(f"#lock-{aalborg.id}")).to_be_hidden(timeout=LIVE_TIMEOUT)
    await phone.get_by_role("button", name="Post", exact=True).click()
    await shows_once(board, "Is anyone there?")
