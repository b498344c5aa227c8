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
from workshop.live.exchange import ExchangeState
from workshop.live.themes import ThemeState
from workshop.live.votes import VoteState


class RoomState:
    def __init__(self) -> None:
        self.event: dict[str, Any] = {}
        self.sites: dict[str, dict[str, Any]] = {}
        self.counts: Counter[str] = Counter()  # visible notes per site
        self._note_sites: dict[str, str] = {}  # visible note id -> site id
        self._seqs: dict[str, int] = {}  # visible note id -> seq: where a restored note goes back
        self.phases: list[Phase] = []
        self.clocks: dict[str, SiteClock] = {}
        self.exchange = ExchangeState()  # build-on threads, incoming lanes, spotlights, what travelled
        self.votes = VoteState()  # dot voting: totals, the host's settings, which sites revealed theirs
        self.themes = ThemeState()  # themes, each note's place, counts per site, and the suggestion engine

    def load(self, board: Board) -> None:
        self.event = as_json(board.event)
        self.sites = {site.id: as_json(site) for site in board.sites}
        self._note_sites = {note.id: note.site_id for note in board.notes}
        self._seqs = {note.id: note.seq for note in board.notes}
        self.counts = Counter(self._note_sites.values())
        self.phases = list(board.phases)
        self.clocks = {clock.site_id: clock for clock in board.clocks}
        self.exchange.load(board)
        self.votes.load(board)
        self.themes.load(board)

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
        self.exchange.apply(entry)
        self.votes.apply(entry)
        self.themes.apply(entry)
        if entry.type in {"event.created", "event.updated", "voting.updated"}:
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
                self._show(note["id"], note["site_id"], note["seq"])
            else:
                self._hide(note["id"])
        elif entry.type == "note.deleted":
            self._hide(data["note_id"])
        # -- moderation: a merged duplicate and a removed participant's hidden notes leave the counts
        elif entry.type == "note.merged":
            self._hide(data["note_id"])
        elif entry.type == "participant.removed":
            for note in data["hidden_notes"]:
                self._hide(note["id"])
        elif entry.type == "site.updated":
            self.sites[data["site"]["id"]] = data["site"]

    def _show(self, note_id: str, site_id: str, seq: int) -> None:
        if note_id not in self._note_sites:
            self._note_sites[note_id] = site_id
            self._seqs[note_id] = seq
            self.counts[site_id] += 1

    def _hide(self, note_id: str) -> None:
        site_id = self._note_sites.pop(note_id, None)
        self._seqs.pop(note_id, None)
        if site_id is not None:
            self.counts[site_id] -= 1

    def newer_neighbour(self, note_id: str, *, site_id: str | None = None, except_site: str | None = None) -> str | None:
        """The visible note just newer than this one, among one site's notes (or every site's but one).

        Screens list notes newest first, so a restored note goes right after that one (None: first).
        """
        seq = self._seqs.get(note_id, 0)
        newer = [
            (other_seq, other) for other, other_seq in self._seqs.items()
            if other_seq > seq and self._note_sites[other] != except_site and site_id in (None, self._note_sites[other])
        ]
        return min(newer)[1] if newer else None
