"""End-to-end fixtures: a real server (uvicorn in a thread) and Debian's chromium through Playwright.

Playwright's *async* API is used on purpose. Its sync API keeps an asyncio loop marked as running in
the main thread for as long as the browser is open, and pytest-asyncio (asyncio_mode=auto) then
fails every async test that runs meanwhile ("Cannot run the event loop while another loop is
running"). The async API shares pytest-asyncio's loop instead: one loop per test module here, so the
browser is launched once per module.

The browser is never downloaded: `/usr/bin/chromium` comes from Debian (`scripts/setup --browser`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.servers import LiveServer

try:
    from playwright.async_api import Browser, BrowserContext, ConsoleMessage, async_playwright
except ImportError:  # pragma: no cover - the test extra is not installed
    async_playwright = None  # type: ignore[assignment]

CHROMIUM = os.environ.get("WORKSHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
SCREEN = {"width": 1920, "height": 1080}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A developer without the browser may run the rest; CI must run these, so there they fail instead.
    if (async_playwright is None or not Path(CHROMIUM).exists()) and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason=f"Playwright or {CHROMIUM} is missing (run scripts/setup --browser)")
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(skip)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "browser.db").start()
    yield live
    live.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


class Contexts:
    """Opens browser contexts (one per person/device) and closes them all after the test."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.opened: list[BrowserContext] = []
        # What the browser refused under the Content-Security-Policy (an inline style or script, a
        # foreign connection): every browser test fails on one, so a page that needs one cannot land.
        self.csp_violations: list[str] = []

    async def phone(self, **options: Any) -> BrowserContext:
        return await self.new(viewport=PHONE, is_mobile=True, has_touch=True, **options)

    async def screen(self, **options: Any) -> BrowserContext:
        return await self.new(viewport=SCREEN, **options)

    async def new(self, **options: Any) -> BrowserContext:
        options.setdefault("locale", "en-GB")
        context = await self.browser.new_context(base_url=self.base_url, **options)
        context.set_default_timeout(10_000)
        context.on("console", self._watch_for_csp)
        self.opened.append(context)
        return context


    def _watch_for_csp(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{message.location.get('url', '')}: {message.text}")


@pytest_asyncio.fixture(loop_scope="module")
async def contexts(browser: Browser, server: LiveServer) -> AsyncIterator[Contexts]:
    opened = Contexts(browser, server.url)
    yield opened
    for context in opened.opened:
        await context.close()
    assert not opened.csp_violations, "\n".join(opened.csp_violations)


@dataclass
class Site:
    id: str
    name: str
    join_code: str
    board_url: str
    facilitator_url: str


@dataclass
class Event:
    id: str
    host_url: str
    board_url: str
    sites: list[Site] = field(default_factory=list)


def make_event(server: LiveServer, sites: tuple[str, ...] = ("Aalborg", "Odense")) -> Event:
    """An event with its sites, made through the JSON API (the host flow itself is tested in the browser)."""
    with httpx.Client(base_url=server.url, timeout=10) as api:
        created = api.post("/api/v1/events", json={"title": "Green city", "theme": "Streets for people"})
        assert created.status_code == 201, created.text
        body = created.json()
        event = Event(id=body["id"], host_url=body["host_url"], board_url=body["board_url"])
        host = {"Authorization": f"Bearer {body['host_token']}"}
        for name in sites:
            made = api.post(f"/api/v1/events/{event.id}/sites", json={"name": name, "angle": f"The view from {name}"}, headers=host)
            assert made.status_code == 201, made.text
            site = made.json()
            event.sites.append(Site(site["id"], site["name"], site["join_code"], site["board_url"], site["facilitator_url"]))
    return event


@pytest.fixture
def event(server: LiveServer) -> Event:
    return make_event(server)
