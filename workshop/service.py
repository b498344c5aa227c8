"""The workshop's operations, shared by the JSON API, the browser pages and the CLI.

Each operation checks its input against the domain rules, writes through the store (one
transaction, one log entry, and the rules that depend on the event's status checked inside it) and only then announces the entry on the bus, so nothing is announced
before it is committed. Who may call what is decided by the caller (the web layer checks the
principal); this layer assumes it was asked by someone allowed to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workshop.access import Tokens, hash_host_secret, new_host_token
from workshop.bus import Bus
from workshop import i18n
from workshop.domain import agenda, kits, rules
from workshop.domain.codes import normalise_join_code
from workshop.domain.errors import RuleError
from workshop.domain.models import Board, Event, LogEntry, Note, Participant, Phase, Site, SiteClock
from workshop.store import NotFound, Store
from workshop.store.base import NoteWritten


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


class Workshop:
    def __init__(self, store: Store, tokens: Tokens, bus: Bus) -> None:
        self.store = store
        self.tokens = tokens
        self.bus = bus

    async def _announce(self, entry: LogEntry) -> None:
        await self.bus.publish(entry)

    # -- events ---------------------------------------------------------------------------------
    async def create_event(
        self, *, title: str, theme: str, language: str | None = None, description: str | None = None, timezone: str | None = None
    ) -> NewEvent:
        host_token = new_host_token()
        event, entry = await self.store.create_event(
            title=rules.event_title(title),
            theme=rules.event_theme(theme),
            description=rules.event_description(description),
            language=rules.language(language),
            timezone=rules.timezone(timezone),
            host_secret_hash=hash_host_secret(host_token),
        )
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
        if entry is not None:
            await self._announce(entry)
        return event

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

    async def edit_note(self, note_id: str, *, text: str | None = None, kind: str | None = None, colour: str | None = None) -> Note:
        note = await self.store.get_note(note_id)
        changes = rules.note_changes(note, text=text, kind=kind, colour=colour)
        if not changes:
            return note
        written = await self.store.update_note(note_id, **changes)
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
            chosen = kits.kit(kit)
            with i18n.in_locale(event.language):
                drafts = kits.drafts(chosen, i18n.gettext)
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

    # -- reading --------------------------------------------------------------------------------
    async def board(self, event_id: str) -> Board:
        return await self.store.board(event_id)

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


def _phase_draft(item: dict[str, Any]) -> agenda.PhaseDraft:
    return agenda.phase_draft(
        item.get("name"), item.get("minutes"), item.get("allows") or (), item.get("instructions"), item.get("script"), id=item.get("id")
    )


__all__ = ["NewEvent", "NewParticipant", "NotFound", "Workshop"]
