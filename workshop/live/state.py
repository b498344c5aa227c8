"""What a room remembers between entries to render them: site names, per-site note counts, the
agenda and each site's clock.

Kept up to date from the entries themselves, so rendering an entry never reads the store.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from workshop.domain import agenda
from workshop.domain.agenda import Progress
from workshop.domain.models import Board, LogEntry, Phase, SiteClock, as_json


class RoomState:
    def __init__(self) -> None:
        self.event: dict[str, Any] = {}
        self.sites: dict[str, dict[str, Any]] = {}
        self.counts: Counter[str] = Counter()  # visible notes per site
        self._note_sites: dict[str, str] = {}  # visible note id -> site id
        self.phases: list[Phase] = []
        self.clocks: dict[str, SiteClock] = {}

    def load(self, board: Board) -> None:
        self.event = as_json(board.event)
        self.sites = {site.id: as_json(site) for site in board.sites}
        self._note_sites = {note.id: note.site_id for note in board.notes}
        self.counts = Counter(self._note_sites.values())
        self.phases = list(board.phases)
        self.clocks = {clock.site_id: clock for clock in board.clocks}

    @property
    def site_names(self) -> dict[str, str]:
        return {site_id: str(site["name"]) for site_id, site in self.sites.items()}

    def progress(self, site_id: str, now: datetime) -> Progress:
        return agenda.progress(self.clocks.get(site_id, SiteClock(site_id)), self.phases, now)

    def progress_all(self, now: datetime) -> dict[str, Progress]:
        """Every site's place in the agenda at `now`, in the sites' order."""
        return {site_id: self.progress(site_id, now) for site_id in self.sites}

    def apply(self, entry: LogEntry) -> None:
        data = entry.data
        if entry.type in {"event.created", "event.updated"}:
            self.event = data["event"]
        elif entry.type == "site.created":
            self.sites[data["site"]["id"]] = data["site"]
            self.clocks[data["site"]["id"]] = SiteClock(data["site"]["id"])
        elif entry.type == "agenda.updated":
            self.phases = [Phase(**{**phase, "allows": tuple(phase["allows"])}) for phase in data["phases"]]
        elif entry.type == "clock.changed":
            self.clocks.update({clock["site_id"]: SiteClock(**clock) for clock in data["clocks"]})
        elif entry.type in {"note.created", "note.updated"}:
            note = data["note"]
            if note["visible"]:
                self._show(note["id"], note["site_id"])
            else:
                self._hide(note["id"])
        elif entry.type == "note.deleted":
            self._hide(data["note_id"])

    def _show(self, note_id: str, site_id: str) -> None:
        if note_id not in self._note_sites:
            self._note_sites[note_id] = site_id
            self.counts[site_id] += 1

    def _hide(self, note_id: str) -> None:
        site_id = self._note_sites.pop(note_id, None)
        if site_id is not None:
            self.counts[site_id] -= 1
