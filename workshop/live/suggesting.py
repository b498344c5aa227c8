"""Suggestions off the event loop: every room's suggestion engine runs on the process's one
suggestion thread.

The engine's work (lemmatising, the sentence model) takes milliseconds per note, and loading its
dictionaries takes seconds: on the event loop it would freeze every socket of the process. So a
room hands its entries to its `Suggester`, which applies them, in log order, to a `ThemeState` of
its own on that thread, and the room asks for suggestions with `await`. One thread for all events:
their work stays in one order, and suggestions never take more than one core from the live rooms.
Under a flood of notes suggestions lag behind; the notes themselves never wait for them.

The engine is built the first time someone asks (a console opens, the API is asked): reading every
note with the sentence model takes about 40 s per 1,000 notes, and an event nobody asks about
(a busy phone-only room) should not pay it. Until it is built, an offer says it is not `ready`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from workshop.domain.models import Board, LogEntry
from workshop.live.themes import SUGGESTION_ENTRIES, NoteSuggestions, Offer, ThemeState

log = logging.getLogger("workshop.live")

# Seconds a screen or a request waits for the engine to have read an event's notes before it is told
# "not ready yet" (and, on a live screen, sent the suggestions when they are).
READY_WAIT = 3.0
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="suggestions")
T = TypeVar("T")


class NotReady(Exception):
    """The engine is still reading the event's notes."""


class Suggester:
    """One event's suggestions: its own `ThemeState`, touched only on the suggestion thread."""

    def __init__(self) -> None:
        self._state = ThemeState()
        self._built: Future[None] | None = None  # done once the engine has read every note
        self._closed = False  # the room closed: work still queued for it is skipped

    def load(self, board: Board) -> None:
        """Start from a board (cheap: the engine reads the notes when first asked)."""
        self._run(self._state.load, board)

    def close(self) -> None:
        """The room closed: skip what is still queued for it, and let its engine go."""
        self._closed = True
        _THREAD.submit(self._forget)  # on the thread: the state is the thread's to drop

    def _forget(self) -> None:
        self._state = ThemeState()

    @property
    def ready(self) -> bool:
        return self._built is not None and self._built.done()

    def warm(self) -> None:
        """Have the engine read every note now, on the thread (once)."""
        if self._built is None:
            self._built = self._run(lambda: self._state.index)

    async def _warmed(self, wait: float) -> bool:
        """Start the engine if need be, and wait up to `wait` seconds for it to have read the notes."""
        self.warm()
        assert self._built is not None
        if not self._built.done() and wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._built)), wait)
        return self.ready

    def apply(self, entry: LogEntry) -> None:
        """Feed an entry (in log order, never waiting); those that change no suggestion are skipped."""
        if entry.type in SUGGESTION_ENTRIES or entry.type == "event.updated":
            self._run(self._state.apply, entry)

    async def offer(self, site_id: str | None, *, wait: float = READY_WAIT) -> Offer:
        """What a facilitator (one site) or the host (None) is offered now: notes' themes, and groups
        (nothing yet, and not `ready`, while the engine is still reading the notes after `wait` seconds)."""
        return (await self.offers({site_id}, wait=wait))[site_id]

    async def offers(self, site_ids: set[str | None], *, wait: float = READY_WAIT) -> dict[str | None, Offer]:
        """What each of several sites (None: every site) is offered, in one go: the emerging groups,
        the same for every site and the costliest part, are made once."""
        if not await self._warmed(wait):
            return {site_id: Offer(site_id, [], [], ready=False) for site_id in site_ids}

        def answer() -> dict[str | None, Offer]:
            groups = self._state.groups()
            return {site_id: Offer(site_id, self._state.offered(site_id), groups) for site_id in site_ids}

        return await self._ask(answer)

    async def for_note(self, note_id: str, *, wait: float = READY_WAIT) -> NoteSuggestions | None:
        """One visible note's suggestions (None: not a visible note); `NotReady` while the engine is
        still reading the notes after `wait` seconds."""
        if not await self._warmed(wait):
            raise NotReady("The suggestions are still being prepared for this event; ask again in a few seconds.")
        return await self._ask(lambda: self._state.suggestions_for(note_id))

    def _run(self, work: Callable[..., object], *args: object) -> Future[None]:
        def logged() -> None:
            if self._closed:
                return
            try:
                work(*args)
            except Exception:  # suggestions help; a failure must not stop the ones after it
                log.exception("the suggestion engine failed")

        return _THREAD.submit(logged)

    @staticmethod
    async def _ask(question: Callable[[], T]) -> T:
        return await asyncio.wrap_future(_THREAD.submit(question))
