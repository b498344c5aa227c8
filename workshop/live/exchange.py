"""What the pages show of ideas travelling: the build-on thread under each note, each site's incoming
lane and spotlight, and the shared board's list of what travelled where.

One `ExchangeState` is made from a board for a page's first render (`views.region_context`), and a
room keeps one current from the log entries (`RoomState.exchange`), so rendering never reads the
store. The templates call the read methods below; both kinds of render draw the same markup.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from workshop.domain import exchange
from workshop.domain.models import Board, BuildOn, LogEntry, Send, as_json

LANE_MAX = 20  # incoming items a lane shows, newest first; a board's lane shows what fits
TRAVELS_MAX = 30  # sends the shared board lists


class ExchangeState:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # site id -> name
        self.build_ons: defaultdict[str, list[BuildOn]] = defaultdict(list)  # note id -> its build-ons, oldest first
        self.sends: list[Send] = []  # oldest first
        self.spotlights: dict[str, str] = {}  # site id -> note id
        # The notes that were sent or spotlighted, as last logged (hidden ones too, marked so), so a
        # lane or a spotlight shows another site's note without the room keeping every note.
        self.travelling: dict[str, dict[str, Any]] = {}
        # The sites whose incoming lane or spotlight showed the note the last entry changed or
        # deleted: their boards, which show only their own site's entries otherwise, must redraw.
        # A removed participant's build-ons also reach the sites of the notes they were under.
        self.reached: frozenset[str] = frozenset()
        # The still visible notes (`id`, `site_id`) whose threads the last entry took build-ons from
        # (a removed participant's): every screen showing them redraws their thread.
        self.pruned: list[dict[str, str]] = []

    @classmethod
    def from_board(cls, board: Board) -> ExchangeState:
        state = cls()
        state.load(board)
        return state

    def load(self, board: Board) -> None:
        self.names = {site.id: site.name for site in board.sites}
        self.build_ons = defaultdict(list)
        for build_on in board.build_ons:
            self.build_ons[build_on.note_id].append(build_on)
        self.sends = list(board.sends)
        self.spotlights = dict(board.spotlights)
        wanted = {sent.note_id for sent in self.sends} | set(self.spotlights.values())
        self.travelling = {note.id: as_json(note) for note in board.notes if note.id in wanted}
        self.reached = frozenset()

    # -- keeping current ------------------------------------------------------------------------
    def apply(self, entry: LogEntry) -> None:
        data = entry.data
        self.reached = frozenset()
        self.pruned = []
        if entry.type == "site.created":
            self.names[data["site"]["id"]] = data["site"]["name"]
        elif entry.type == "build_on.created":
            build_on = BuildOn(**data["build_on"])
            self.build_ons[build_on.note_id].append(build_on)
        elif entry.type == "build_on.deleted":
            thread = self.build_ons.get(data["note_id"], [])
            thread[:] = [build_on for build_on in thread if build_on.id != data["build_on_id"]]
        elif entry.type == "send.created":
            self.sends.append(Send(**data["send"]))
            if "note" in data:
                self.travelling[data["note"]["id"]] = data["note"]
        elif entry.type == "site.spotlight":
            self._spotlight(data["site_id"], data["spotlight"])
        elif entry.type == "note.updated":
            if "build_ons" in data:  # a restore: the thread comes back with the note
                self.build_ons[data["note"]["id"]] = [BuildOn(**build_on) for build_on in data["build_ons"]]
            self._changed([data["note"]])
        elif entry.type == "note.deleted":
            self._forget(data["note_id"])
        elif entry.type == "note.merged":  # moderation: the duplicate is hidden, its build-ons move to the kept note
            self._changed([data["note"]])
            self._move_thread(data["note_id"], data["into"], data["into_site_id"])
        elif entry.type == "participant.removed":  # moderation: their notes may have been hidden, their build-ons deleted
            self._changed(data["hidden_notes"])
            self._prune(data.get("deleted_build_ons", []), hidden={note["id"] for note in data["hidden_notes"]})

    def _changed(self, notes: list[dict[str, Any]]) -> None:
        """Notes changed (edited, hidden): the sites showing them in a lane or spotlight redraw."""
        travelling = [note for note in notes if note["id"] in self.travelling]
        self.reached = frozenset().union(*(self._showing(note["id"]) for note in travelling))
        self.travelling.update({note["id"]: note for note in travelling})

    def _prune(self, gone: list[dict[str, Any]], *, hidden: set[str]) -> None:
        """Take deleted build-ons out of their threads; the notes still shown redraw their thread."""
        ids = {build_on["id"] for build_on in gone}
        notes = {build_on["note_id"]: build_on["site_id"] for build_on in gone}
        for note_id in notes:
            thread = self.build_ons.get(note_id, [])
            thread[:] = [build_on for build_on in thread if build_on.id not in ids]
        self.pruned = [{"id": note_id, "site_id": site_id} for note_id, site_id in notes.items() if note_id not in hidden]
        self.reached = self.reached | {note["site_id"] for note in self.pruned}

    def _move_thread(self, from_id: str, into_id: str, into_site_id: str) -> None:
        moved = [replace(build_on, note_id=into_id, site_id=into_site_id) for build_on in self.build_ons.pop(from_id, [])]
        if moved:
            self.build_ons[into_id] = sorted(self.build_ons[into_id] + moved, key=lambda build_on: build_on.seq)

    def _spotlight(self, site_id: str, note: dict[str, Any] | None) -> None:
        if note is None:
            self.spotlights.pop(site_id, None)
            return
        self.spotlights[site_id] = note["id"]
        self.travelling[note["id"]] = note

    def _forget(self, note_id: str) -> None:
        """A deleted note takes its thread, its sends and its spotlights along (as the store's cascade does)."""
        self.reached = self._showing(note_id)
        self.build_ons.pop(note_id, None)
        self.sends = [sent for sent in self.sends if sent.note_id != note_id]
        self.spotlights = {site: shown for site, shown in self.spotlights.items() if shown != note_id}
        self.travelling.pop(note_id, None)

    def _showing(self, note_id: str) -> frozenset[str]:
        lanes = {site for sent in self.sends if sent.note_id == note_id for site in self.names if exchange.reaches(sent, site)}
        return frozenset(lanes | {site for site, shown in self.spotlights.items() if shown == note_id})

    # -- what the templates read ----------------------------------------------------------------
    def threaded(self, note: dict[str, Any]) -> dict[str, Any]:
        """A note as its card draws it: with its build-ons (oldest first, each with its site's name)
        and the other sites that built on it ("Odense built on this")."""
        thread = [
            {**as_json(build_on), "site_name": self.names.get(build_on.author_site_id, "")}
            for build_on in self.build_ons.get(note["id"], [])
        ]
        others = [item["author_site_id"] for item in thread if item["author_site_id"] != note["site_id"]]
        return {**note, "build_ons": thread, "built_by": [self.names.get(site, "") for site in dict.fromkeys(others)]}

    def incoming(self, site_id: str) -> list[dict[str, Any]]:
        """What other sites sent to this one, newest first: notes still shown, and questions."""
        arrived = [sent for sent in reversed(self.sends) if exchange.reaches(sent, site_id)]
        return [item for item in map(self._item, arrived) if item is not None][:LANE_MAX]

    def travels(self) -> list[dict[str, Any]]:
        """Everything sent between the sites, newest first, for the shared board."""
        return [item for item in map(self._item, reversed(self.sends)) if item is not None][:TRAVELS_MAX]

    def spotlight(self, site_id: str) -> dict[str, Any] | None:
        note = self.travelling.get(self.spotlights.get(site_id, ""))
        return note if note is not None and note["visible"] else None

    def targets(self, site_id: str) -> list[tuple[str, str]]:
        """The sites this one may send to, as (id, name), in the sites' order."""
        return [(site, name) for site, name in self.names.items() if site != site_id]

    def tools(self, site_id: str) -> dict[str, Any]:
        """What a console's controls under a note need: its site, and where it may send."""
        return {"site_id": site_id, "targets": self.targets(site_id)}

    def arrives(self, sent: dict[str, Any], site_id: str) -> bool:
        """Whether a send (as a log entry carries it) arrives at the site."""
        return exchange.reaches(Send(**sent), site_id)

    def _item(self, sent: Send) -> dict[str, Any] | None:
        note = self.travelling.get(sent.note_id or "")
        if sent.note_id is not None and (note is None or not note["visible"]):
            return None  # hidden by a moderator since it was sent
        return {
            "id": sent.id, "from_name": self.names.get(sent.from_site_id, ""), "from_site_id": sent.from_site_id,
            "to_name": self.names.get(sent.to_site_id, "") if sent.to_site_id else None, "note": note, "question": sent.question,
            "created_at": sent.created_at,
        }
