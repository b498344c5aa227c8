"""The store interface: the one way anything is read from or written to durable storage.

Every write is one transaction that also appends an entry to its event's log, with the next
sequence number of that event, and returns that entry. Callers announce an entry only after the
method that wrote it has returned, so nothing is announced before it is committed.

The rules that depend on the event's state (`rules.can_post`, `can_join`, `can_add_site`,
`can_change_notes`, `status_change`; `agenda.can_do` for the phase a site is in) are checked by
the store inside the write's transaction, against the state that transaction reads: a close or a
phase change that commits first wins. They raise `RuleError` like any other rule.

Implementations: `workshop.store.sqlite.SQLiteStore` (the default) and
`workshop.store.postgres.PostgresStore`, both `workshop.store.sql.SqlStore` (every query and rule,
once) with what their database needs; callers never see which one they hold.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from workshop.domain.agenda import ClockAction, PhaseDraft
from workshop.domain.models import Board, BuildOn, Event, LogEntry, Note, Participant, Phase, Send, Site, SiteClock, Theme
from workshop.domain.record import Record
from workshop.domain.rules import NoteDraft
from workshop.domain.votes import Ballot, VotingSettings


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


@dataclass(frozen=True, slots=True)
class VoteWritten(Written):
    """A vote cast or taken back: the note's new total, and the voter's ballot after it."""

    note_id: str
    site_id: str  # the note's site
    votes: int  # the note's total now
    shown: bool  # whether the note's site shows its totals (not hidden, or revealed)
    ballot: Ballot


@dataclass(frozen=True, slots=True)
class BuildOnWritten(Written):
    build_on: BuildOn
    created: bool  # False when a retry (same client_id) returned the build-on it made before


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
        self, *, title: str, theme: str, description: str, language: str, timezone: str, host_secret_hash: str,
        kit: tuple[str, list[PhaseDraft]] | None = None,
    ) -> tuple[Event, list[LogEntry]]:
        """Create an event in draft; with `kit` (its id and its phases), its agenda in the same transaction.

        The entries are `event.created` and, with a kit, `agenda.updated`."""

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

    @abc.abstractmethod
    async def delete_event(self, event_id: str) -> LogEntry:
        """Delete the event and every row of it (sites, participants, notes, votes, build-ons, sends,
        themes, phases, the log), in one transaction; raise NotFound when there is no such event.

        The entry returned (`event.deleted`, `{event_id}`, the next seq) is stored nowhere, since
        nothing of the event is left to hold it: it only tells live screens that the event is gone."""

    @abc.abstractmethod
    async def closed_events_before(self, cutoff: str) -> list[str]:
        """The ids of events closed before `cutoff` (an ISO UTC timestamp), longest closed first: when
        each was closed is its first logged `event.updated` with the status closed."""

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
        """Change text, kind, colour or visible (and, hiding or restoring, hidden_by and merged_into);
        the log entry keeps the text it replaced."""

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

    # -- moderation -----------------------------------------------------------------------------
    # Checked inside each write's transaction: `moderation.can_moderate` (the event is not closed),
    # and for participants' contributions `moderation.can_participate` (their site is not locked).
    @abc.abstractmethod
    async def merge_note(self, note_id: str, into_id: str) -> tuple[Note, LogEntry]:
        """Fold a duplicate into a kept note of the same event: hide it, mark it merged, and move its
        votes and build-ons to the kept note. Returns the duplicate as it now is; logs `note.merged`."""

    @abc.abstractmethod
    async def update_site(self, site_id: str, *, locked: bool) -> tuple[Site, LogEntry | None]:
        """Lock or unlock a site's board; the entry is None when it already was so."""

    @abc.abstractmethod
    async def remove_participant(self, participant_id: str, *, hide_notes: bool) -> tuple[Participant, list[Note], LogEntry | None]:
        """Remove a participant (their tokens stop working) and, if asked, hide their visible notes and
        delete their build-ons (listed in the entry's `deleted_build_ons`, text and all).
        Returns the participant, the notes hidden now, and the entry (None when nothing changed)."""

    @abc.abstractmethod
    async def create_proxy_note(self, site_id: str, on_behalf_of: str, draft: NoteDraft) -> NoteWritten:
        """Post a note for a table or paper notes: find or make the site's proxy participant of that
        name and store the note as theirs, in one transaction. A locked board and the phase do not
        apply: this is the facilitator's own action."""

    @abc.abstractmethod
    async def list_participants(self, site_id: str) -> list[Participant]:
        """The site's participants who have not been removed, in the order they joined (no proxies)."""

    # -- dot voting -------------------------------------------------------------------------------
    # Checked inside each write's transaction: `votes.can_change_votes` (the event is not closed)
    # and, for a vote, `votes.can_vote` against the phase the voter's site is in (`_phase_at`) and
    # what the voter has spent in that phase, so concurrent votes never pass the budget.
    @abc.abstractmethod
    async def cast_vote(self, participant: Participant, note_id: str) -> VoteWritten:
        """One vote from a participant on a visible note of their event (any site's); logs `vote.cast`."""

    @abc.abstractmethod
    async def withdraw_vote(self, participant: Participant, note_id: str) -> VoteWritten:
        """Take back one of the participant's votes on the note in their site's current voting phase;
        logs `vote.withdrawn`."""

    @abc.abstractmethod
    async def set_voting(self, event_id: str, rules: VotingSettings) -> tuple[Event, LogEntry | None]:
        """Change the event's voting settings; the entry (`voting.updated`) is None when nothing changed."""

    @abc.abstractmethod
    async def reveal_votes(self, site_id: str, *, revealed: bool) -> tuple[Site, LogEntry | None]:
        """Reveal (or hide again) a site's totals; the entry (`votes.revealed`) is None when it already was so."""

    @abc.abstractmethod
    async def vote_tallies(self, event_id: str) -> dict[str, int]:
        """Note id -> votes received, for every note of the event with at least one (hidden ones too)."""

    @abc.abstractmethod
    async def ballot(self, participant: Participant) -> Ballot:
        """The participant's votes in their site's current phase: spent, left, and on which notes."""

    # -- ideas travelling: build-ons, sends, spotlights ----------------------------------------------
    # Checked inside each write's transaction: the event is not closed (`rules.can_post` for a
    # build-on, `rules.can_change_notes` for the rest), the author's site's phase allows building
    # (`_phase_at` + `exchange.can_build_on`), the sites a send may go to (`exchange.send`), and
    # what a site may spotlight (`exchange.can_spotlight`: its own notes, or ones sent to it).
    @abc.abstractmethod
    async def create_build_on(self, participant: Participant, note_id: str, text: str, *, client_id: str | None) -> BuildOnWritten:
        """A build-on under a visible note of the participant's event (any site's); a client_id this
        participant used before returns that build-on. Logs `build_on.created`."""

    @abc.abstractmethod
    async def get_build_on(self, build_on_id: str) -> BuildOn: ...

    @abc.abstractmethod
    async def delete_build_on(self, build_on_id: str) -> LogEntry:
        """Logs `build_on.deleted`."""

    @abc.abstractmethod
    async def list_build_ons(self, note_id: str) -> list[BuildOn]:
        """A note's build-ons, oldest first."""

    @abc.abstractmethod
    async def create_send(
        self, from_site_id: str, *, note_id: str | None, question: str | None, to_site_id: str | None
    ) -> tuple[Send, Note | None, LogEntry]:
        """Send one of the site's visible notes, or a question, to another site or (None) to all of
        them; returns the send and the note sent. Logs `send.created`."""

    @abc.abstractmethod
    async def list_sends(self, event_id: str) -> list[Send]:
        """The event's sends, oldest first (those of hidden notes too)."""

    @abc.abstractmethod
    async def set_spotlight(self, site_id: str, note_id: str | None) -> tuple[Note | None, LogEntry | None]:
        """Put a note in the site's spotlight, or clear it (None); the entry (`site.spotlight`) is None
        when the spotlight already was so."""

    # -- themes -----------------------------------------------------------------------------------
    # Checked inside each write's transaction: the event is not closed (`themes.can_change_themes`),
    # a name is not another theme's of the event (`themes.can_name`), and who acts: `by_site` is the
    # facilitator's site, None the host (`themes.can_place`, `themes.can_remove`).
    @abc.abstractmethod
    async def create_theme(self, event_id: str, name: str) -> tuple[Theme, LogEntry]:
        """Logs `theme.created`."""

    @abc.abstractmethod
    async def rename_theme(self, theme_id: str, name: str) -> tuple[Theme, LogEntry | None]:
        """Logs `theme.updated`; the entry is None when the name is already this one."""

    @abc.abstractmethod
    async def merge_themes(self, theme_id: str, into_id: str, *, by_site: str | None) -> tuple[Theme, LogEntry]:
        """Move every note of one theme into another of the same event and delete the first;
        returns the kept theme. Logs `theme.merged` with the notes moved (`notes`: id and site_id)."""

    @abc.abstractmethod
    async def delete_theme(self, theme_id: str, *, by_site: str | None) -> LogEntry:
        """Delete a theme; its notes become unplaced. Logs `theme.deleted` with them (`notes`)."""

    @abc.abstractmethod
    async def place_note(self, note_id: str, theme_id: str | None, *, by_site: str | None) -> tuple[Note, LogEntry | None]:
        """Put a visible note in a theme of its event, or (None) take it out of its theme.

        Logs `note.placed` (the note, and `from_theme_id`); the entry is None when it already was so."""

    @abc.abstractmethod
    async def get_theme(self, theme_id: str) -> Theme: ...

    @abc.abstractmethod
    async def list_themes(self, event_id: str) -> list[Theme]:
        """The event's themes, in the order they were created."""

    # -- reading the whole ----------------------------------------------------------------------
    @abc.abstractmethod
    async def board(self, event_id: str, *, moderation: bool = False) -> Board:
        """The event's whole current state, consistent with log entry `Board.seq`; with `moderation`,
        also its hidden notes and its participants (for moderators' screens)."""

    @abc.abstractmethod
    async def log_since(self, event_id: str, since: int, limit: int = 1000) -> list[LogEntry]:
        """Log entries with seq greater than `since`, in order, at most `limit` of them."""

    @abc.abstractmethod
    async def last_seq(self, event_id: str) -> int: ...

    # -- the record: export and import (workshop.export) ----------------------------------------
    @abc.abstractmethod
    async def export_event(self, event_id: str) -> Record:
        """Everything stored about an event, in one consistent read: every participant, note and
        vote (hidden, merged and removed ones too) and the whole log. No secrets."""

    @abc.abstractmethod
    async def import_event(self, record: Record, *, host_secret_hash: str) -> None:
        """Store a record made by `export_event` (of this store or another) as it was, in one
        transaction, with a new host secret and new facilitator nonces; the log is copied verbatim
        and no entry is added. Refused (RuleError `event_exists`) when the event's id is already
        here. A join code taken by an open event here is replaced by a fresh one."""
