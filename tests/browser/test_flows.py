"""End to end, as people use it: a host sets up, phones post, boards follow live."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime

import httpx
import pytest
from playwright.async_api import Route, WebSocketRoute, expect

from tests.browser.conftest import Contexts, Event
from tests.browser.helpers import LIVE_TIMEOUT, axe, describe, join_by_code, live_page, note, post_note, shows_once, still_same_document, wait_live
from tests.servers import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def test_host_creates_an_event_with_two_sites(contexts: Contexts) -> None:
    host = await (await contexts.screen()).new_page()
    await host.goto("/")
    await host.get_by_role("link", name="Create a workshop").click()
    await host.get_by_label("Title", exact=True).fill("Green city")
    await host.get_by_label("Shared theme", exact=True).fill("Streets for people")
    await host.get_by_role("button", name="Create the workshop").click()

    await expect(host).to_have_url(re.compile(r"/host/[^/?#]+"))
    await expect(host.get_by_role("heading", name="Keep your host link")).to_be_visible()
    await expect(host.locator("#host-link")).to_contain_text("?token=")
    violations = await axe(host)  # the one-time notice with the host link is only on this first view
    assert not violations, describe({"dashboard, first view": violations})

    for name, angle in (("Aalborg", "Harbour front"), ("Odense", "")):
        await host.get_by_label("Site name (usually the city)").fill(name)
        if angle:
            await host.get_by_label("The site's angle or question (optional)").fill(angle)
        await host.get_by_role("button", name="Add the site").click()
        await expect(host.get_by_role("heading", name=re.compile(name))).to_be_visible()

    cards = host.locator(".site-card")
    await expect(cards).to_have_count(2)
    links = {}
    for index in range(2):
        card = cards.nth(index)
        name = (await card.locator("h3").inner_text()).split()[0]
        links[name] = {
            kind: (await card.locator(f"code[id^='{kind}-']").inner_text()).strip()
            for kind in ("join", "facilitator", "board")
        }
    assert set(links) == {"Aalborg", "Odense"}
    for site in links.values():
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/join/\w+", site["join"]), site
        assert re.search(r"/sites/[^/]+/console\?token=", site["facilitator"]), site
        assert re.search(r"/sites/[^/]+/board\?token=", site["board"]), site
    await expect(host.get_by_text("Harbour front")).to_be_visible()

    # The links work on other devices: the board link opens the board, the join link the join form.
    board = await (await contexts.screen()).new_page()
    await board.goto(links["Aalborg"]["board"])
    await expect(board.get_by_role("heading", level=1)).to_contain_text("Aalborg")
    await expect(board).not_to_have_url(re.compile("token="))  # the token moved into a cookie
    phone = await (await contexts.phone()).new_page()
    await phone.goto(links["Odense"]["join"])
    await expect(phone.get_by_role("heading", name="Join Odense")).to_be_visible()


async def test_a_note_from_a_phone_reaches_both_boards_and_the_other_site(contexts: Contexts, event: Event) -> None:
    aalborg, odense = event.sites
    site_board = await live_page(await contexts.screen(), aalborg.board_url)
    shared = await live_page(await contexts.screen(), event.board_url)
    phone_b = await join_by_code(await contexts.phone(), odense.join_code)
    phone_a = await join_by_code(await contexts.phone(), aalborg.join_code.lower(), name="Ana")
    await expect(shared.locator(f"#site-{aalborg.id}-count")).to_have_text("0")

    await post_note(phone_a, "Car-free Sundays on the harbour")

    await expect(phone_a.locator("#post-status")).to_have_text("Posted.", timeout=LIVE_TIMEOUT)
    await expect(phone_a.get_by_label("Your note")).to_have_value("")
    await shows_once(phone_a, "Car-free Sundays", "#notes")
    await expect(note(phone_a, "Car-free Sundays").get_by_role("link", name=re.compile("Edit or delete"))).to_be_visible()
    await shows_once(site_board, "Car-free Sundays", "#notes")
    await shows_once(shared, "Car-free Sundays", f"#site-{aalborg.id}-notes")
    await expect(shared.locator(f"#site-{aalborg.id}-count")).to_have_text("1")
    await expect(note(shared, "Car-free Sundays", f"#site-{odense.id}-notes")).to_have_count(0)
    await shows_once(phone_b, "Car-free Sundays", "#feed")
    await expect(note(phone_b, "Car-free Sundays", "#notes")).to_have_count(0)
    for page in (site_board, shared, phone_a, phone_b):
        await still_same_document(page)
    # Screen readers hear about it on the board.
    await expect(site_board.locator("#announcer")).to_contain_text("Car-free Sundays")


async def test_a_phone_offline_posts_once_it_is_back(contexts: Contexts, event: Event) -> None:
    aalborg = event.sites[0]
    site_board = await live_page(await contexts.screen(), aalborg.board_url)
    phone_context = await contexts.phone()
    phone = await join_by_code(phone_context, aalborg.join_code)

    await phone_context.set_offline(True)
    await post_note(phone, "Benches in the shade")
    await expect(phone.locator("#post-status")).to_contain_text("No connection", timeout=LIVE_TIMEOUT)
    await expect(phone.get_by_label("Your note")).to_have_value("")  # kept in the outbox, not in the box
    await phone_context.set_offline(False)

    await shows_once(site_board, "Benches in the shade", "#notes")
    await shows_once(phone, "Benches in the shade", "#notes")
    await expect(phone.locator("#post-status")).to_have_text("Posted.")

    # The connection now drops after the server stored the note but before the answer arrives:
    # the phone retries with the same client_id, and the note still arrives once.
    lost = []

    async def lose_first_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            lost.append(await route.fetch())  # the server stores it...
            await route.abort("connectionreset")  # ...and the phone never hears back
        else:
            await route.continue_()

    await phone.route("**/api/v1/sites/*/notes", lose_first_answer)
    await post_note(phone, "Water fountains")
    await shows_once(site_board, "Water fountains", "#notes")
    assert lost and lost[0].status == 201
    await expect(phone.locator("#post-status")).to_have_text("Posted.", timeout=LIVE_TIMEOUT * 2)  # the retry went through
    await expect(note(site_board, "Water fountains")).to_have_count(1)
    await site_board.reload()
    await expect(site_board.locator("#notes .note")).to_have_count(2)
    assert await phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('workshop-outbox:')).map(k => JSON.parse(localStorage.getItem(k)).length)") == [0]


async def test_a_board_reconnects_and_catches_up(contexts: Contexts, event: Event, server: LiveServer) -> None:
    aalborg = event.sites[0]
    api = httpx.Client(base_url=server.url, timeout=10)
    token = api.post("/api/v1/join", json={"code": aalborg.join_code}).json()["participant_token"]

    def post(text: str) -> None:
        response = api.post(f"/api/v1/sites/{aalborg.id}/notes", json={"text": text}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.text

    # The test stands between the board and the server: it can drop the socket, and hold the
    # reconnection back until notes have been posted meanwhile.
    sockets: list[WebSocketRoute] = []
    let_through = asyncio.Event()
    let_through.set()

    async def between(socket: WebSocketRoute) -> None:
        sockets.append(socket)
        await let_through.wait()
        socket.connect_to_server()

    context = await contexts.screen()
    await context.route_web_socket(re.compile(r"/live\?"), between)
    board = await live_page(context, aalborg.board_url)
    shared = await live_page(await contexts.screen(), event.board_url)
    post("Before the drop")
    await shows_once(board, "Before the drop")

    let_through.clear()
    await sockets[0].close(code=1012, reason="test drops the socket")
    post("While away 1")
    post("While away 2")
    await board.wait_for_function("window.__ws.closes >= 1")
    await expect(note(board, "While away")).to_have_count(0)
    let_through.set()
    await wait_live(board, opens=2)
    for text in ("Before the drop", "While away 1", "While away 2"):
        await shows_once(board, text, "#notes")
    await expect(board.locator("#notes .note")).to_have_count(3)

    # The server restarts under both boards: they come back by themselves.
    await asyncio.to_thread(server.restart)
    await wait_live(board, opens=3)
    await wait_live(shared, opens=2)
    post("After the restart")
    for page in (board, shared):
        await shows_once(page, "After the restart")
        await still_same_document(page)
        await expect(page.locator(".note")).to_have_count(4)
    await expect(shared.locator(f"#site-{aalborg.id}-count")).to_have_text("4")
    api.close()


async def test_edit_and_delete_my_note_from_the_phone(contexts: Contexts, event: Event) -> None:
    aalborg = event.sites[0]
    site_board = await live_page(await contexts.screen(), aalborg.board_url)
    shared = await live_page(await contexts.screen(), event.board_url)
    phone = await join_by_code(await contexts.phone(), aalborg.join_code)
    await post_note(phone, "More trees")
    await shows_once(site_board, "More trees")

    await note(phone, "More trees").get_by_role("link", name=re.compile("Edit or delete")).click()
    await expect(phone.get_by_role("heading", name="Edit your note")).to_be_visible()
    await phone.get_by_label("Your note").fill("More trees on every street")
    await phone.get_by_role("button", name="Save").click()
    await expect(phone).to_have_url(re.compile(r"/phone"))
    await shows_once(phone, "More trees on every street")
    await shows_once(site_board, "More trees on every street")
    await shows_once(shared, "More trees on every street")

    await wait_live(phone)
    await note(phone, "More trees on every street").get_by_role("link", name=re.compile("Edit or delete")).click()
    await phone.get_by_role("button", name="Delete this note").click()
    await expect(phone).to_have_url(re.compile(r"/phone"))
    await expect(note(site_board, "More trees")).to_have_count(0, timeout=LIVE_TIMEOUT)
    await expect(note(shared, "More trees")).to_have_count(0, timeout=LIVE_TIMEOUT)
    await expect(shared.locator(f"#site-{aalborg.id}-count")).to_have_text("0")
    await expect(note(phone, "More trees")).to_have_count(0)
    await still_same_document(site_board)
    await still_same_document(shared)


async def test_posting_without_javascript(contexts: Contexts, event: Event) -> None:
    aalborg = event.sites[0]
    site_board = await live_page(await contexts.screen(), aalborg.board_url)
    phone = await (await contexts.phone(java_script_enabled=False)).new_page()
    await phone.goto("/join")
    await phone.get_by_label("Workshop code").fill(aalborg.join_code)
    await phone.get_by_role("button", name="Continue").click()
    await phone.get_by_role("button", name="Join", exact=True).click()
    await expect(phone).to_have_url(re.compile(r"/sites/[^/]+/phone"))

    posted = []
    phone.on("request", lambda request: posted.append(request) if request.method == "POST" else None)
    await post_note(phone, "A bike lane to the station")
    await expect(phone).to_have_url(re.compile(r"/sites/[^/]+/phone#notes$"))
    assert [request.url.split("/", 3)[-1] for request in posted] == [f"sites/{aalborg.id}/notes"]
    assert (await posted[0].response()).status == 303  # type: ignore[union-attr]
    await expect(note(phone, "A bike lane", "#notes")).to_have_count(1)
    await shows_once(site_board, "A bike lane to the station")

    # An empty note is refused with a readable message, also without JavaScript.
    await phone.get_by_label("Your note").fill("   ")
    await phone.get_by_role("button", name="Post", exact=True).click()
    await expect(phone.get_by_role("alert")).to_contain_text("Write something first")


# A projector laptop whose clock runs 90 seconds fast: its countdown must still match everyone's.
FAST_CLOCK = "(() => { const real = Date.now; Date.now = function () { return real.call(Date) + 90000; }; })();"


def seconds_shown(text: str) -> int:
    """ "11:58 left" -> 718; "+0:03 over" -> -3."""
    found = re.search(r"(\+?)(\d+):(\d\d)", text)
    assert found, text
    value = int(found.group(2)) * 60 + int(found.group(3))
    return -value if found.group(1) else value


async def test_the_hosts_next_phase_switches_every_board_together_on_server_time(contexts: Contexts, event: Event, server: LiveServer) -> None:
    aalborg, odense = event.sites
    host_token = event.host_url.split("token=", 1)[1]
    phases = [
        {"name": "Welcome", "minutes": 5},
        {"name": "Idea round", "minutes": 12, "allows": ["post"], "instructions": "Write one idea per note."},
    ]
    with httpx.Client(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {host_token}"}) as api:
        assert api.put(f"/api/v1/events/{event.id}/agenda", json={"phases": phases}).status_code == 200
        assert api.post(f"/api/v1/events/{event.id}/clock", json={"action": "next"}).status_code == 200

    board_a = await live_page(await contexts.screen(), aalborg.board_url)
    skewed = await contexts.screen()
    await skewed.add_init_script(FAST_CLOCK)
    board_b = await live_page(skewed, odense.board_url)
    for board, site in ((board_a, aalborg), (board_b, odense)):
        await expect(board.locator(f"#phase-{site.id} .phase__name")).to_have_text("Welcome")
        await expect(board.locator(f"#phase-{site.id} .phase__step")).to_have_text("Phase 1 of 2")

    host = await live_page(await contexts.screen(), event.host_url)
    await expect(host.locator(f"#clock-status-{aalborg.id}")).to_contain_text("Aalborg: phase 1, Welcome")
    clicked = time.monotonic()
    await host.get_by_role("button", name="Next phase at every site").click()

    async def switched(board: object, site_id: str) -> float:
        await board.wait_for_function(  # type: ignore[attr-defined]
            "id => { const n = document.querySelector('#phase-' + id + ' .phase__name'); return n && n.textContent === 'Idea round'; }",
            arg=site_id, polling="raf", timeout=LIVE_TIMEOUT,
        )
        return time.monotonic()

    seen = await asyncio.gather(switched(board_a, aalborg.id), switched(board_b, odense.id))
    assert abs(seen[0] - seen[1]) < 1.0, seen  # both boards switch together...
    assert max(seen) - clicked < LIVE_TIMEOUT / 1000
    for board, site in ((board_a, aalborg), (board_b, odense)):
        banner = board.locator(f"#phase-{site.id}")
        await expect(banner.locator(".phase__step")).to_have_text("Phase 2 of 2")
        await expect(banner.locator(".phase__instructions")).to_have_text("Write one idea per note.")
        await expect(banner.locator(".phase__can")).to_have_text("You can post notes now.")
        await expect(board.locator("#announcer")).to_have_text("Phase 2 of 2 has started: Idea round.")
        await still_same_document(board)

    # ...and count down the same time, from the server's clock: the fast laptop is not 90 s behind.
    timers = [board_a.locator(f"#phase-{aalborg.id} .phase__timer"), board_b.locator(f"#phase-{odense.id} .phase__timer")]
    first = [seconds_shown(text) for text in await asyncio.gather(*(timer.inner_text() for timer in timers))]
    assert abs(first[0] - first[1]) <= 1, first
    assert 12 * 60 - 5 <= min(first) <= max(first) <= 12 * 60, first
    precise = await asyncio.gather(*(timer.evaluate("t => (t.workshopClock.endsAt - (Date.now() + t.workshopClock.offset)) / 1000") for timer in timers))
    assert abs(precise[0] - precise[1]) < 1.0, precise
    with httpx.Client(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {host_token}"}) as api:
        truth = api.get(f"/api/v1/events/{event.id}/agenda").json()
    ends = datetime.fromisoformat(truth["sites"][1]["ends_at"].replace("Z", "+00:00"))
    assert abs((ends - datetime.now(UTC)).total_seconds() - precise[1]) < 1.0, (truth, precise)
    await board_a.wait_for_timeout(2100)  # it ticks
    later = [seconds_shown(text) for text in await asyncio.gather(*(timer.inner_text() for timer in timers))]
    assert all(1 <= before - after <= 3 for before, after in zip(first, later, strict=True)), (first, later)
    assert abs(later[0] - later[1]) <= 1, later

    # The dashboard follows live too: a facilitator pausing Odense shows there without a reload.
    await wait_live(host)
    await expect(host.locator(f"#clock-status-{odense.id}")).to_contain_text("Odense: phase 2, Idea round")
    facilitator_token = odense.facilitator_url.split("token=", 1)[1]
    with httpx.Client(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {facilitator_token}"}) as api:
        assert api.post(f"/api/v1/events/{event.id}/clock", json={"action": "pause"}).status_code == 200
    await expect(host.locator(f"#clock-status-{odense.id}")).to_contain_text("paused with", timeout=LIVE_TIMEOUT)
    await expect(board_b.locator(f"#phase-{odense.id} .phase__paused")).to_have_text("Paused", timeout=LIVE_TIMEOUT)
    await expect(board_a.locator(f"#phase-{aalborg.id} .phase__paused")).to_have_count(0)
    await still_same_document(host)

    # Odense's console follows too, and a live update does not take the keyboard away from its buttons.
    console = await live_page(await contexts.screen(), odense.facilitator_url)
    toggle = console.locator("#console-pause-resume")
    await expect(toggle).to_have_text("Resume the clock")
    await toggle.focus()
    with httpx.Client(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {host_token}"}) as api:
        assert api.post(f"/api/v1/events/{event.id}/clock", json={"action": "resume"}).status_code == 200
    await expect(toggle).to_have_text("Pause the clock", timeout=LIVE_TIMEOUT)
    assert await console.evaluate("document.activeElement && document.activeElement.id") == "console-pause-resume"
    await still_same_document(console)

    # When a phase runs out, the board says so once in words (not every second), and shows it.
    await board_a.evaluate("""() => {
        window.__said = [];
        new MutationObserver(() => { const t = document.getElementById("announcer").textContent; if (t) window.__said.push(t); })
            .observe(document.getElementById("announcer"), {childList: true, characterData: true, subtree: true});
        const timer = document.querySelector(".phase__timer");
        timer.workshopClock.endsAt = Date.now() + timer.workshopClock.offset + 1200;  // as if the phase ends in 1.2 s
    }""")
    timer = board_a.locator(f"#phase-{aalborg.id} .phase__timer")
    await expect(timer).to_have_text(re.compile(r"^\+0:0\d over$"), timeout=LIVE_TIMEOUT)
    await expect(timer).to_have_class(re.compile("phase__timer--over"))
    await expect(board_a.locator(f"#phase-{aalborg.id}")).to_have_class(re.compile("phase--over"))
    await board_a.wait_for_timeout(2500)
    assert await board_a.evaluate("window.__said") == ["Time is up: Idea round."]
    assert seconds_shown(await timer.inner_text()) <= -2  # still counting, over

    # Without JavaScript, a phone shows the server's time.
    phone = await (await contexts.phone(java_script_enabled=False)).new_page()
    await phone.goto(f"/join/{aalborg.join_code}")
    await phone.get_by_role("button", name="Join", exact=True).click()
    banner = phone.locator(f"#phase-{aalborg.id}")
    await expect(banner.locator(".phase__name")).to_have_text("Idea round")
    assert 12 * 60 - 30 <= seconds_shown(await banner.locator(".phase__timer").inner_text()) <= 12 * 60


async def test_a_phone_whose_csrf_token_went_stale_still_delivers_its_note(contexts: Contexts, event: Event) -> None:
    """The token cookie is gone (the browser dropped it; the page is old): the server refuses the post
    (403 csrf_failed), the phone keeps the note, fetches a fresh token and sends it, once."""
    aalborg = event.sites[0]
    site_board = await live_page(await contexts.screen(), aalborg.board_url)
    phone_context = await contexts.phone()
    phone = await join_by_code(phone_context, aalborg.join_code)
    kept = [cookie for cookie in await phone_context.cookies() if cookie["name"] != "csrftoken"]
    await phone_context.clear_cookies()
    await phone_context.add_cookies(kept)  # still a participant, but without the token the page was given
    refused = []
    phone.on("response", lambda response: refused.append(response.status) if response.request.method == "POST" else None)

    await post_note(phone, "Drinking water on the square")
    await shows_once(site_board, "Drinking water on the square", "#notes")
    await expect(phone.locator("#post-status")).to_have_text("Posted.", timeout=LIVE_TIMEOUT * 2)
    assert refused[0] == 403 and refused[-1] == 201  # refused once for the token, then delivered
    await site_board.reload()
    await expect(note(site_board, "Drinking water on the square")).to_have_count(1)
