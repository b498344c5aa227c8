"""The store interface: the one way anything is read from or written to durable storage.

Every write is one transaction that also appends an entry to its event's log, with the next
sequence number of that event, and returns that entry. Callers announce an entry only after the
method that wrote it has returned, so nothing is announced before it is committed.

The rules that depend on the event's state (`rules.can_post`, `can_join`, `can_add_site`,
`can_change_notes`, `status_change`; `agenda.can_do` for the phase a site is in) are checked by
the store inside the write's transaction, against the state that transaction reads: a close or a
phase change that commits first wins. They raise `RuleError` like any other rule.

Implementations: `workshop.store.sqlite.SQLiteStore` (the default). A PostgreSQL implementation
implements the same methods with the same meaning; callers never see which one they hold.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from workshop.domain.agenda import ClockAction, PhaseDraft
from workshop.domain.models import Board, Event, LogEntry, Note, Participant, Phase, Site, SiteClock
from workshop.domain.rules import NoteDraft


class NotFound(LookupError):
    """The record asked for does not exist (or no longer does)."""


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or written to right now (disk full, read-only, connection lost)."""


@dataclass(frozen=True, slots=True)
class Written:
    """What a write returns: the record as stored and the log entry that announces it."""

    entry: LogEntry


@dataclass(frozen=True, slots=True)
class NoteWritten(Written):
    note: Note
    created: bool  # False when a retried post (same client_id) returned the note it made before


class Store(abc.ABC):
    """Durable storage of events and their logs."""

    # -- life cycle -----------------------------------------------------------------------------
    @abc.abstractmethod
    async def open(self, *, migrate: bool = True) -> None:
        """Connect and (unless told not to) apply pending migrations."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def migrate(self) -> list[int]:
        """Apply the migrations not yet applied; return their version numbers (empty when none)."""

    @abc.abstractmethod
    async def applied_migrations(self) -> list[int]: ...

    @abc.abstractmethod
    async def setting(self, key: str, default: str) -> str:
        """Return a stored setting, storing `default` first if there is none (first caller wins)."""

    # -- events ---------------------------------------------------------------------------------
    @abc.abstractmethod
    async def create_event(
        self, *, title: str, theme: str, description: str, language: str, timezone: str, host_secret_hash: str
    ) -> tuple[Event, LogEntry]: ...

    @abc.abstractmethod
    async def get_event(self, event_id: str) -> Event:
        """Raise NotFound when there is no such event."""

    @abc.abstractmethod
    async def event_id_for_host_secret(self, host_secret_hash: str) -> str | None: ...

    @abc.abstractmethod
    async def update_event(self, event_id: str, **changes: object) -> tuple[Event, LogEntry | None]:
        """Change title, theme, description, language, timezone or status.

        The entry is None when nothing changed: the status asked for is the one the event already
        has (a concurrent request got there first) and no other field was given.

        Closing an event releases its sites' join codes for reuse by other events.
        """

    # -- sites ----------------------------------------------------------------------------------
    @abc.abstractmethod
    async def create_site(self, event_id: str, *, name: str, angle: str) -> tuple[Site, LogEntry]:
        """Create a site with a fresh join code, unique among the codes of events not closed."""

    @abc.abstractmethod
    async def get_site(self, site_id: str) -> Site: ...

    @abc.abstractmethod
    async def site_for_join_code(self, code: str) -> Site | None:
        """The site of an open (not closed) event with this canonical join code."""

    @abc.abstractmethod
    async def list_sites(self, event_id: str) -> list[Site]: ...

    @abc.abstractmethod
    async def facilitator_nonce(self, site_id: str) -> str:
        """The per-site value folded into facilitator tokens; changing it revokes them."""

    # -- participants ---------------------------------------------------------------------------
    @abc.abstractmethod
    async def create_participant(self, site: Site, *, name: str | None, role: str | None) -> tuple[Participant, LogEntry]: ...

    @abc.abstractmethod
    async def get_participant(self, participant_id: str) -> Participant: ...

    # -- notes ----------------------------------------------------------------------------------
    @abc.abstractmethod
    async def create_note(self, participant: Participant, draft: NoteDraft) -> NoteWritten:
        """Store a note; a draft whose client_id this participant used before returns that note."""

    @abc.abstractmethod
    async def get_note(self, note_id: str) -> Note: ...

    @abc.abstractmethod
    async def update_note(self, note_id: str, **changes: object) -> NoteWritten:
        """Change text, kind, colour or visible; the log entry keeps the text it replaced."""

    @abc.abstractmethod
    async def delete_note(self, note_id: str) -> LogEntry: ...

    @abc.abstractmethod
    async def list_notes(self, event_id: str, *, include_hidden: bool = False) -> list[Note]: ...

    # -- the agenda and its clocks ---------------------------------------------------------------
    @abc.abstractmethod
    async def list_phases(self, event_id: str) -> list[Phase]: ...

    @abc.abstractmethod
    async def list_clocks(self, event_id: str) -> list[SiteClock]:
        """One clock per site of the event, in the sites' order."""

    @abc.abstractmethod
    async def set_agenda(self, event_id: str, drafts: list[PhaseDraft], *, kit: str | None) -> tuple[list[Phase], LogEntry]:
        """Make the agenda exactly these phases, in this order: a draft with an id updates that phase,
        one without is new, and phases left out are deleted (refused while a site is in one)."""

    @abc.abstractmethod
    async def move_clocks(
        self, event_id: str, action: ClockAction, *, site_id: str | None = None, phase_id: str | None = None, seconds: int = 0
    ) -> tuple[list[SiteClock], LogEntry]:
        """Apply a clock action to one site, or to every site of the event (`agenda.move_many`),
        inside the transaction; return the clocks that changed."""

    # -- reading the whole ----------------------------------------------------------------------
    @abc.abstractmethod
    async def board(self, event_id: str) -> Board:
        """The event's whole current state, consistent with log entry `Board.seq`."""

    @abc.abstractmethod
    async def log_since(self, event_id: str, since: int, limit: int = 1000) -> list[LogEntry]:
        """Log entries with seq greater than `since`, in order, at most `limit` of them."""

    @abc.abstractmethod
    async def last_seq(self, event_id: str) -> int: ...
