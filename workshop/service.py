"""The workshop's operations, shared by the JSON API, the browser pages and the CLI.

Each operation checks its input against the domain rules, writes through the store (one
transaction, one log entry, and the rules that depend on the event's state checked inside it) and
only then announces the entry on the bus, so nothing is announced before it is committed. Who may call what is decided by the caller (the web layer checks the
principal); this layer assumes it was asked by someone allowed to.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from workshop import i18n
from workshop.access import Tokens, hash_host_secret, new_host_token
from workshop.bus import Bus
from workshop.domain import agenda, exchange, kits, moderation, rules, themes, votes
from workshop.domain.codes import normalise_join_code
from workshop.domain.errors import RuleError
from workshop.domain.models import Board, BuildOn, Event, LogEntry, Note, Participant, Phase, Send, Site, SiteClock, Theme
from workshop.domain.record import Record
from workshop.export import json as export_json
from workshop.store import NotFound, Store
from workshop.store.base import BuildOnWritten, NoteWritten, VoteWritten


@dataclass(frozen=True, slots=True)
class NewEvent:
    event: Event
    host_token: str


@dataclass(frozen=True, slots=True)
class NewParticipant:
    participant: Participant
    token: str


@dataclass(frozen=True, slots=True)
class Agenda:
    event: Event
    phases: list[Phase]
    clocks: list[SiteClock]


@dataclass(frozen=True, slots=True)
class Results:
    """The dot vote's results: per site, most votes first, and across sites by share of their own site's votes."""

    sites: list[Site]
    texts: dict[str, str]  # note id -> its text
    per_site: dict[str, list[votes.Ranked]]  # site id -> its voted notes, ranked
    across_sites: list[votes.Ranked]


class Workshop:
    def __init__(self, store: Store, tokens: Tokens, bus: Bus) -> None:
        self.store = store
        self.tokens = tokens
        self.bus = bus

    async def _announce(self, entry: LogEntry | None) -> None:
        """Publish a committed entry; None is a write that changed nothing, so there is nothing to tell."""
        if entry is not None:
            await self.bus.publish(entry)

    # -- events ---------------------------------------------------------------------------------
    async def create_event(
        self, *, title: str, theme: str, language: str | None = None, description: str | None = None, timezone: str | None = None,
        kit: str | None = None,
    ) -> NewEvent:
        """A new event in draft; with a kit, its agenda is that kit's phases in the event's language."""
        language_ = rules.language(language)
        with_kit = None if kit is None else (kit, _kit_drafts(kit, language_))  # an unknown kit is refused before anything is stored
        host_token = new_host_token()
        event, entries = await self.store.create_event(
            title=rules.event_title(title),
            theme=rules.event_theme(theme),
            description=rules.event_description(description),
            language=language_,
            timezone=rules.timezone(timezone),
            host_secret_hash=hash_host_secret(host_token),
            kit=with_kit,
        )
        for entry in entries:
            await self._announce(entry)
        return NewEvent(event, host_token)

    async def update_event(self, event_id: str, changes: dict[str, str | None]) -> Event:
        current = await self.store.get_event(event_id)
        checks = {
            "title": rules.event_title,
            "theme": rules.event_theme,
            "description": rules.event_description,
            "language": rules.language,
            "timezone": rules.timezone,
            "status": rules.event_status,
        }
        clean: dict[str, object] = {key: checks[key](value) for key, value in changes.items() if key in checks and value is not None}
        clean = {key: value for key, value in clean.items() if getattr(current, key) != value}
        if not clean:  # nothing changes: nothing to log or announce
            return current
        # The store checks the status move against the status it reads in its transaction.
        event, entry = await self.store.update_event(event_id, **clean)
        await self._announce(entry)
        return event

    async def delete_event(self, event_id: str) -> None:
        """Delete the event and all its data; its live screens are told (`event.deleted`) and closed."""
        await self._announce(await self.store.delete_event(event_id))

    async def event_exists(self, event_id: str) -> bool:
        try:
            await self.store.get_event(event_id)
        except NotFound:
            return False
        return True

    async def closed_events_before(self, cutoff: str) -> list[str]:
        return await self.store.closed_events_before(cutoff)

    # -- sites ----------------------------------------------------------------------------------
    async def add_site(self, event_id: str, *, name: str, angle: str | None = None) -> Site:
        site, entry = await self.store.create_site(event_id, name=rules.site_name(name), angle=rules.site_angle(angle))
        await self._announce(entry)
        return site

    # -- participants ---------------------------------------------------------------------------
    async def site_for_code(self, typed: str) -> Site:
        """The open site a typed join code belongs to; RuleError when there is none."""
        code = normalise_join_code(typed)
        site = await self.store.site_for_join_code(code) if code else None
        if site is None:
            raise RuleError("unknown_code", "No open workshop has that code. Check the code on the board and try again.", "code")
        return site

    async def join(self, typed_code: str, *, name: str | None = None, role: str | None = None) -> NewParticipant:
        site = await self.site_for_code(typed_code)
        clean_role = rules.role(role)
        participant, entry = await self.store.create_participant(
            site, name=rules.display_name(name), role=clean_role.value if clean_role else None
        )
        await self._announce(entry)
        return NewParticipant(participant, self.tokens.participant_token(participant.id))

    # -- notes ----------------------------------------------------------------------------------
    async def post_note(
        self, participant_id: str, text: str, *, kind: str | None = None, colour: str | None = None, client_id: str | None = None
    ) -> NoteWritten:
        participant = await self.store.get_participant(participant_id)
        written = await self.store.create_note(participant, rules.new_note(text, kind, colour, client_id))
        if written.created:
            await self._announce(written.entry)
        return written

    async def edit_note(
        self, note_id: str, *, text: str | None = None, kind: str | None = None, colour: str | None = None, visible: bool | None = None,
        by_author: bool = False,
    ) -> Note:
        """An edit; `visible` hides or restores the note, which only moderators may ask for.

        `by_author`: the author edits, so the store also holds them to what they may do now (not on
        a locked board, not in a phase closed to posting, not a note a moderator hid)."""
        note = await self.store.get_note(note_id)
        changes = rules.note_changes(note, text=text, kind=kind, colour=colour)
        if visible is not None:
            changes.update(moderation.visibility_changes(note, visible))
        if not changes:
            return note
        written = await self.store.update_note(note_id, by_author=by_author, **changes)
        await self._announce(written.entry)
        return written.note

    async def delete_note(self, note_id: str) -> None:
        entry = await self.store.delete_note(note_id)
        await self._announce(entry)

    # -- the agenda -----------------------------------------------------------------------------
    async def agenda(self, event_id: str) -> Agenda:
        event = await self.store.get_event(event_id)
        return Agenda(event, await self.store.list_phases(event_id), await self.store.list_clocks(event_id))

    async def set_agenda(self, event_id: str, *, phases: list[dict[str, Any]] | None = None, kit: str | None = None) -> list[Phase]:
        """Take a format kit's phases (in the event's language), or the phases given; not both."""
        event = await self.store.get_event(event_id)
        if (phases is None) == (kit is None):
            raise RuleError("invalid_agenda", "Give either a kit or a list of phases.", "phases")
        if kit is not None:
            drafts = _kit_drafts(kit, event.language)
        else:
            assert phases is not None
            drafts = agenda.agenda([_phase_draft(item) for item in phases])
        saved, entry = await self.store.set_agenda(event_id, drafts, kit=kit if kit is not None else event.kit)
        await self._announce(entry)
        return saved

    async def move_clock(
        self, event_id: str, action: str, *, site_id: str | None = None, phase_id: str | None = None, seconds: int | None = None
    ) -> list[SiteClock]:
        """One clock action for one site, or for every site when `site_id` is None (the host's)."""
        chosen = agenda.clock_action(action)
        extra = agenda.extend_seconds(seconds) if chosen is agenda.ClockAction.EXTEND else 0
        clocks, entry = await self.store.move_clocks(event_id, chosen, site_id=site_id, phase_id=phase_id, seconds=extra)
        await self._announce(entry)
        return clocks

    # -- moderation -----------------------------------------------------------------------------
    # Who may moderate which site is checked by the caller (`Principal.can_facilitate`).
    async def merge_note(self, note_id: str, into: str) -> Note:
        """Fold a duplicate into the note it repeats; returns the duplicate, now hidden and merged."""
        merged, entry = await self.store.merge_note(note_id, into)
        await self._announce(entry)
        return merged

    async def lock_site(self, site_id: str, locked: bool) -> Site:
        site, entry = await self.store.update_site(site_id, locked=locked)
        await self._announce(entry)
        return site

    async def remove_participant(self, participant_id: str, *, hide_notes: bool) -> list[Note]:
        """Remove a participant (their tokens stop working); return the notes hidden with them."""
        _, hidden, entry = await self.store.remove_participant(participant_id, hide_notes=hide_notes)
        await self._announce(entry)
        return hidden

    async def post_for(
        self, site_id: str, on_behalf_of: str, text: str, *, kind: str | None = None, colour: str | None = None, client_id: str | None = None
    ) -> NoteWritten:
        """A facilitator or the host posts for a table or for paper notes (people without a phone)."""
        draft = rules.new_note(text, kind, colour, client_id)
        written = await self.store.create_proxy_note(site_id, moderation.proxy_name(on_behalf_of), draft)
        if written.created:
            await self._announce(written.entry)
        return written

    async def participant(self, participant_id: str) -> Participant:
        return await self.store.get_participant(participant_id)

    async def participants(self, site_id: str) -> list[Participant]:
        return await self.store.list_participants(site_id)

    # -- dot voting -----------------------------------------------------------------------------
    async def cast_vote(self, participant_id: str, note_id: str) -> VoteWritten:
        """One vote; the store checks the phase, the budget and the note inside its transaction."""
        written = await self.store.cast_vote(await self.store.get_participant(participant_id), note_id)
        await self._announce(written.entry)
        return written

    async def withdraw_vote(self, participant_id: str, note_id: str) -> VoteWritten:
        written = await self.store.withdraw_vote(await self.store.get_participant(participant_id), note_id)
        await self._announce(written.entry)
        return written

    async def ballot(self, participant_id: str) -> votes.Ballot:
        return await self.store.ballot(await self.store.get_participant(participant_id))

    async def set_voting(self, event_id: str, *, budget: object, several_per_note: object, hidden: object) -> Event:
        event, entry = await self.store.set_voting(event_id, votes.settings(budget, several_per_note, hidden))
        await self._announce(entry)
        return event

    async def reveal_votes(self, site_id: str, *, revealed: bool) -> Site:
        site, entry = await self.store.reveal_votes(site_id, revealed=revealed)
        await self._announce(entry)
        return site

    async def totals_shown_to(self, event_id: str, totals_of: str | None) -> Callable[[str], bool]:
        """Whether a site's vote totals may be shown to someone who may see the hidden ones of `totals_of`
        ("*": every site's; a site id: that site's; None: none), as the sites' reveals stand now."""
        if totals_of == "*":
            return lambda site_id: True
        rules_ = votes.settings_of(await self.store.get_event(event_id))
        revealed = {site.id for site in await self.store.list_sites(event_id) if site.votes_revealed}
        return lambda site_id: site_id == totals_of or votes.totals_shown(rules_, site_id in revealed)

    async def results(self, event_id: str) -> Results:
        """Ranked from one consistent read of the board: its visible notes and their totals."""
        board = await self.store.board(event_id)
        ranked = votes.ranking(board.votes, {note.id: note.site_id for note in board.notes})
        texts = {note.id: note.text for note in board.notes}
        return Results(board.sites, texts, ranked, votes.across_sites(ranked))

    # -- ideas travelling: build-ons, sends, spotlights ------------------------------------------------
    # Who may do which is checked by the caller: any participant of the event builds on a note, its
    # author deletes a build-on, a site's facilitator (or the host) sends and spotlights.
    async def build_on(self, participant_id: str, note_id: str, text: str, *, client_id: str | None = None) -> BuildOnWritten:
        """A build-on under any site's note; the store checks the phase of the author's site and the note."""
        participant = await self.store.get_participant(participant_id)
        written = await self.store.create_build_on(participant, note_id, exchange.build_on_text(text), client_id=rules.client_id(client_id))
        if written.created:
            await self._announce(written.entry)
        return written

    async def delete_build_on(self, build_on_id: str) -> None:
        await self._announce(await self.store.delete_build_on(build_on_id))

    async def build_on_of(self, build_on_id: str) -> BuildOn:
        return await self.store.get_build_on(build_on_id)

    async def send(self, from_site_id: str, *, note_id: str | None = None, question: str | None = None, to_site_id: str | None = None) -> Send:
        """A site's note or a question, to one other site or to all; the store checks both against the event."""
        sent, _, entry = await self.store.create_send(from_site_id, note_id=note_id, question=question, to_site_id=to_site_id)
        await self._announce(entry)
        return sent

    async def spotlight(self, site_id: str, note_id: str | None) -> Note | None:
        """Put a note in the site's spotlight (its own, or one sent to it), or clear it with None."""
        note, entry = await self.store.set_spotlight(site_id, note_id)
        await self._announce(entry)
        return note

    # -- themes -----------------------------------------------------------------------------------
    # Who may act is checked by the caller (`Principal.can_facilitate`); what a site's facilitator
    # may do to shared themes and to other sites' notes is checked by the store: `by_site` is the
    # facilitator's site, None the host.
    async def create_theme(self, event_id: str, name: str) -> Theme:
        theme, entry = await self.store.create_theme(event_id, themes.theme_name(name))
        await self._announce(entry)
        return theme

    async def rename_theme(self, theme_id: str, name: str) -> Theme:
        theme, entry = await self.store.rename_theme(theme_id, themes.theme_name(name))
        await self._announce(entry)
        return theme

    async def merge_themes(self, theme_id: str, into: str, *, by_site: str | None) -> tuple[Theme, list[str]]:
        """Fold one theme into another: its notes move over; returns the kept theme and the notes moved."""
        kept, entry = await self.store.merge_themes(theme_id, into, by_site=by_site)
        await self._announce(entry)
        return kept, [note["id"] for note in entry.data["notes"]]

    async def delete_theme(self, theme_id: str, *, by_site: str | None) -> list[str]:
        """Delete a theme; returns its notes, now unplaced."""
        entry = await self.store.delete_theme(theme_id, by_site=by_site)
        await self._announce(entry)
        return [note["id"] for note in entry.data["notes"]]

    async def place_note(self, note_id: str, theme_id: str | None, *, by_site: str | None) -> Note:
        """Put a note in a theme, or (None) back among the unplaced."""
        note, entry = await self.store.place_note(note_id, theme_id, by_site=by_site)
        await self._announce(entry)
        return note

    async def theme_of(self, theme_id: str) -> Theme:
        return await self.store.get_theme(theme_id)

    # -- reading --------------------------------------------------------------------------------
    async def board(self, event_id: str, *, moderation: bool = False) -> Board:
        return await self.store.board(event_id, moderation=moderation)

    async def note_of(self, note_id: str) -> Note:
        return await self.store.get_note(note_id)

    async def site(self, site_id: str) -> Site:
        return await self.store.get_site(site_id)

    async def event(self, event_id: str) -> Event:
        return await self.store.get_event(event_id)

    async def sites(self, event_id: str) -> list[Site]:
        await self.store.get_event(event_id)
        return await self.store.list_sites(event_id)

    async def log_since(self, event_id: str, since: int, limit: int = 1000) -> list[LogEntry]:
        if since < 0:
            raise RuleError("invalid_since", "since must be 0 or more.", "since")
        return await self.store.log_since(event_id, since, limit)

    # -- the record: export and import (workshop.export) ----------------------------------------
    async def record(self, event_id: str) -> Record:
        """Everything stored about the event, for the summary and the exports (the host's)."""
        return await self.store.export_event(event_id)

    async def import_event(self, data: object) -> NewEvent:
        """Load a complete JSON export (`workshop.export.json`) as a faithful copy, with a new host
        token: the original's host secret is never exported. Nothing is announced: no screen is
        watching an event that did not exist a moment ago, and its log is the original's."""
        record = export_json.read(data)
        host_token = new_host_token()
        await self.store.import_event(record, host_secret_hash=hash_host_secret(host_token))
        return NewEvent(await self.store.get_event(record.event.id), host_token)


def _kit_drafts(kit_id: str, language: str) -> list[agenda.PhaseDraft]:
    """A kit's phases, translated into the event's language (not the language of whoever asked)."""
    with i18n.in_locale(language):
        return kits.drafts(kits.kit(kit_id), i18n.gettext)


def _phase_draft(item: dict[str, Any]) -> agenda.PhaseDraft:
    return agenda.phase_draft(
        item.get("name"), item.get("minutes"), item.get("allows") or (), item.get("instructions"), item.get("script"), id=item.get("id")
    )


__all__ = ["NewEvent", "NewParticipant", "NotFound", "Workshop"]
