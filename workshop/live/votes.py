"""What the pages show of the dot vote: each note's total where its site shows totals, and on a
phone the vote buttons and how many votes are left.

One `VoteState` is made from a board for a page's first render (`views.region_context`), and a room
keeps one current from the log entries (`RoomState.votes`), so rendering never reads the store.
Each screen asks it for its `VoteMarks` (`marks(view, site_id, phase)`), which the note cards and
the vote panels are drawn from, so a page and the live update that replaces part of it agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from workshop.domain import votes
from workshop.domain.models import Board, LogEntry, Phase
from workshop.i18n import ngettext


@dataclass(frozen=True, slots=True)
class VoteMarks:
    """The dot vote as one screen shows it."""

    totals: Mapping[str, int]  # note id -> votes
    rules: votes.VotingSettings
    revealed: frozenset[str]  # sites whose facilitator revealed the totals the host hides
    console_site: str | None = None  # a facilitator's console shows its own site's totals, hidden or not
    phone: bool = False  # a phone: every note carries its vote buttons
    open: bool = False  # the phone's site is in a voting phase: the buttons show
    mine: Mapping[str, int] | None = None  # the participant's votes per note this phase; None in live fragments (app.js knows)

    def on_screens(self, site_id: str) -> bool:
        """Whether the site's boards and phones show its totals now."""
        return votes.totals_shown(self.rules, site_id in self.revealed)

    def total(self, note_id: str, site_id: str) -> int | None:
        """The note's total as this screen shows it; None where its site keeps totals hidden."""
        if site_id == self.console_site or self.on_screens(site_id):
            return self.totals.get(note_id, 0)
        return None

    def yours(self, note_id: str) -> int:
        return 0 if self.mine is None else self.mine.get(note_id, 0)

    def left_texts(self) -> list[str]:
        """ "2 of 3 votes left" for every count from none to the whole budget, so app.js can show
        any of them in the page's language without holding any text itself."""
        budget = self.rules.budget
        return [
            ngettext("%(left)d of %(num)d vote left", "%(left)d of %(num)d votes left", budget) % {"left": left, "num": budget}
            for left in range(budget + 1)
        ]


class VoteState:
    """The dot vote as a room (or one page's first render) knows it: totals, settings, reveals."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}  # note id -> votes, for notes with any
        self._sites: dict[str, str] = {}  # note id -> its site, for the notes with votes (shown or not)
        self.rules = votes.VotingSettings()
        self.revealed: set[str] = set()

    @classmethod
    def from_board(cls, board: Board) -> VoteState:
        state = cls()
        state.load(board)
        return state

    def load(self, board: Board) -> None:
        self.totals = dict(board.votes)
        # The tallies count hidden notes' votes too: their sites are learnt here (a moderators' board
        # lists them) or from the entry that restores them (`note.updated`).
        notes = [*board.notes, *board.hidden_notes]
        self._sites = {note.id: note.site_id for note in notes if note.id in self.totals}
        self.rules = votes.settings_of(board.event)
        self.revealed = {site.id for site in board.sites if site.votes_revealed}

    def apply(self, entry: LogEntry) -> None:
        data = entry.data
        if entry.type in {"vote.cast", "vote.withdrawn"}:
            self._sites[data["note_id"]] = data["site_id"]
            self._count(data["note_id"], data["votes"])
        elif entry.type == "voting.updated":
            self.rules = votes.VotingSettings(**data["voting"])
        elif entry.type == "votes.revealed":
            (self.revealed.add if data["revealed"] else self.revealed.discard)(data["site_id"])
        elif entry.type in {"note.created", "note.updated"} and data["note"]["id"] in self.totals:
            # A note hidden when the state was made, restored now: a reveal redraws its total too.
            self._sites[data["note"]["id"]] = data["note"]["site_id"]
        elif entry.type == "note.deleted":
            self._count(data["note_id"], 0)  # its votes went with it
        elif entry.type == "note.merged":
            # Moderation moved the duplicate's votes onto the note it was merged into (the entry
            # says the kept note's new total; votes that would have doubled a voter's were dropped).
            carried = data.get("carried", {}).get("votes", 0)
            if carried:
                self._sites[data["into"]] = data["into_site_id"]
                self._count(data["into"], data.get("into_votes", self.totals.get(data["into"], 0) + carried))
            self._count(data["note_id"], 0)  # the duplicate has none left

    def _count(self, note_id: str, total: int) -> None:
        if total > 0:
            self.totals[note_id] = total
        else:
            self.totals.pop(note_id, None)
            self._sites.pop(note_id, None)

    def shown(self, site_id: str) -> bool:
        """Whether the site's screens show its totals now (the host may hide them until it reveals them)."""
        return votes.totals_shown(self.rules, site_id in self.revealed)

    def voted(self, site_id: str | None = None) -> list[str]:
        """The notes with votes (of one site, or of all): what a reveal or a change of settings redraws."""
        return [note_id for note_id, note_site in self._sites.items() if site_id in (None, note_site)]

    def site_of(self, note_id: str) -> str:
        return self._sites.get(note_id, "")

    def marks(self, view: str, site_id: str | None = None, phase: Phase | None = None, mine: Mapping[str, int] | None = None) -> VoteMarks:
        """What `view` (a page's kind: phone, console, site-board, shared-board) shows of the vote."""
        base = VoteMarks(self.totals, self.rules, frozenset(self.revealed))
        if view == "console":
            return replace(base, console_site=site_id)
        if view == "phone":
            return replace(base, phone=True, open=votes.voting_open(phase), mine=mine)
        return base
