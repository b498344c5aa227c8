"""What the screens show of themes, and the suggestions that help a facilitator place notes.

One `ThemeState` is kept by each room (`RoomState.themes`), current from the log entries, and one is
made from a board for a page's first render (`views.region_context`), so rendering never reads the
store. It keeps the themes in the order they were made, which visible note is in which theme, and
a live count per theme and site ("Aalborg 3 · Copenhagen 5"). The suggestion engine
(`workshop.suggestions`) is fed the same entries, so a new note costs one note's analysis, never
a recomputation of the event.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

from workshop.domain import themes as rules
from workshop.domain.models import Board, LogEntry, as_json
from workshop.suggestions.engine import Duplicate, Group, Suggestion, ThemeIndex

SUGGESTED_MAX = 10  # unplaced notes suggestions are offered for (newest first): bounded work per refresh
SECOND_PICK = 0.25  # a second theme is offered only as a close contender (a theme's score is its share of 1)
# A theme is offered when the engine is fairly sure of it on its own (its absolute confidence, not
# its share: with one theme the share is 1 whatever the note says) or the note shares words with it.
LIKELY = 0.3
VECTORS_KEPT = 20_000  # sentence vectors remembered by text: a room opened again reads no note twice
GROUPS_MAX = 6  # emerging groups proposed before any theme exists

# Entries after which suggestions may read differently: a note's text, its place, or the themes.
SUGGESTION_ENTRIES = frozenset({
    "note.created", "note.updated", "note.deleted", "note.merged", "note.placed", "participant.removed",
    "theme.created", "theme.updated", "theme.merged", "theme.deleted",
})


@dataclass(frozen=True, slots=True)
class NoteSuggestions:
    """One unplaced note's likely themes (best first) and the notes it likely repeats."""

    note: dict[str, Any]
    themes: list[Suggestion]
    duplicates: list[Duplicate]


class ThemeState:
    def __init__(self, language: str | None = None) -> None:
        self.language = language
        self.themes: dict[str, dict[str, Any]] = {}  # theme id -> theme, in the order they were made
        self.notes: dict[str, dict[str, Any]] = {}  # visible note id -> note (its `theme_id` is its place)
        self._index: ThemeIndex | None = None  # built on first use: screens without suggestions never pay for it

    @classmethod
    def from_board(cls, board: Board) -> ThemeState:
        state = cls()
        state.load(board)
        return state

    def load(self, board: Board) -> None:
        self.language = board.event.language
        self.themes = {theme.id: as_json(theme) for theme in board.themes}
        self.notes = {note.id: as_json(note) for note in board.notes}
        self._index = None

    # -- keeping current ------------------------------------------------------------------------
    def apply(self, entry: LogEntry) -> None:
        data = entry.data
        if entry.type in {"theme.created", "theme.updated"}:
            self._theme(data["theme"])
        elif entry.type == "theme.merged":
            self._theme(data["into"])
            self._drop_theme(data["theme_id"], into=data["into"]["id"])
        elif entry.type == "theme.deleted":
            self._drop_theme(data["theme_id"], into=None)
        elif entry.type in {"note.created", "note.updated", "note.placed", "note.merged"}:
            self._note(data["note"])
        elif entry.type == "note.deleted":
            self._forget(data["note_id"])
        elif entry.type == "participant.removed":
            for note in data["hidden_notes"]:
                self._forget(note["id"])
        elif entry.type == "event.updated" and "language" in data.get("changed", ()):
            self.language = data["event"]["language"]

    def _theme(self, theme: dict[str, Any]) -> None:
        self.themes[theme["id"]] = theme
        if self._index is not None:
            self._index.name_theme(theme["id"], theme["name"])

    def _drop_theme(self, theme_id: str, *, into: str | None) -> None:
        self.themes.pop(theme_id, None)
        if self._index is not None:
            self._index.remove_theme(theme_id)
        for note in self.notes.values():
            if note.get("theme_id") == theme_id:
                note["theme_id"] = into
                if self._index is not None and into is not None:
                    self._index.place(note["id"], into)

    def _note(self, note: dict[str, Any]) -> None:
        if not note["visible"]:
            self._forget(note["id"])
            return
        before = self.notes.get(note["id"])
        self.notes[note["id"]] = dict(note)  # a copy: a theme's merge or delete changes it, never the entry
        if self._index is None:
            return
        if before is None or before["text"] != note["text"]:
            _add(self._index, note)
        self._index.place(note["id"], note.get("theme_id"))

    def _forget(self, note_id: str) -> None:
        if self.notes.pop(note_id, None) is not None and self._index is not None:
            self._index.remove_note(note_id)

    # -- the engine -----------------------------------------------------------------------------
    @property
    def index(self) -> ThemeIndex:
        """The suggestion engine, fed every visible note and placement the first time it is asked for."""
        if self._index is None:
            index = ThemeIndex(self.language)
            for theme in self.themes.values():
                index.name_theme(theme["id"], theme["name"])
            for note in self.notes.values():
                _add(index, note)
                if note.get("theme_id") is not None:
                    index.place(note["id"], note["theme_id"])
            self._index = index
        return self._index

    # -- what the templates and the API read -----------------------------------------------------
    def ordered(self) -> list[dict[str, Any]]:
        return list(self.themes.values())

    def members(self, theme_id: str, site_id: str | None = None) -> list[dict[str, Any]]:
        """A theme's visible notes, newest first; with a site, only that site's."""
        found = [note for note in self.notes.values() if note.get("theme_id") == theme_id and site_id in (None, note["site_id"])]
        return sorted(found, key=lambda note: note["seq"], reverse=True)

    def counts(self) -> dict[str, Counter[str]]:
        """Theme id -> visible notes per site, for every theme (an empty Counter for an empty theme)."""
        found = rules.counts((note["site_id"], note.get("theme_id")) for note in self.notes.values())
        return {theme_id: found.get(theme_id, Counter()) for theme_id in self.themes}

    def unplaced(self, site_id: str | None = None) -> list[dict[str, Any]]:
        """Visible notes in no theme, newest first; with a site, only that site's."""
        found = [note for note in self.notes.values() if note.get("theme_id") is None and site_id in (None, note["site_id"])]
        return sorted(found, key=lambda note: note["seq"], reverse=True)

    def offered(self, site_id: str | None = None, *, limit: int = SUGGESTED_MAX) -> list[NoteSuggestions]:
        """What a facilitator (one site) or the host (None: every site) is offered: the newest unplaced
        notes with the themes there is a reason for (words in common, or a like note in the theme;
        the engine ranks every theme, and with one theme its score is 1 whatever the note says), a
        second theme only as a close contender, and the notes they likely repeat, each pair said
        once: on the newer note, which is the one to merge into the older."""
        found = []
        for note in self.unplaced(site_id)[:limit]:
            item = self._suggested(note)
            picks = [pick for pick in item.themes[:2] if pick.confidence >= LIKELY or pick.reason.words]
            picks = picks[:1] + [pick for pick in picks[1:] if pick.score >= SECOND_PICK]
            duplicates = [duplicate for duplicate in item.duplicates if not self._said_on_newer(note, duplicate.other_id, site_id)]
            if picks or duplicates:
                found.append(NoteSuggestions(note, picks, duplicates))
        return found

    def _suggested(self, note: dict[str, Any]) -> NoteSuggestions:
        return NoteSuggestions(note, self.index.suggest(note["id"]), self.index.duplicates_of(note["id"]))

    def _said_on_newer(self, note: dict[str, Any], other_id: str, site_id: str | None) -> bool:
        """Whether a pair of likely duplicates is flagged on the other note already (it is newer, and offered too)."""
        other = self.notes.get(other_id)
        if other is None:
            return True  # gone meanwhile
        listed = other.get("theme_id") is None and site_id in (None, other["site_id"])
        return listed and other["seq"] > note["seq"]

    def suggestions_for(self, note_id: str) -> NoteSuggestions | None:
        """One note's likely themes and duplicates, placed or not, unfiltered (None: not a visible note)."""
        note = self.notes.get(note_id)
        return None if note is None else self._suggested(note)

    def groups(self, *, limit: int = GROUPS_MAX) -> list[Group]:
        """Before any theme exists: groups of notes that seem to belong together, with a name to start from."""
        return [] if self.themes else self.index.emerging_groups(limit)


# A sentence vector costs the model ~30 ms a note; an event's notes are read again each time its room
# opens (after the last screen left, or a restart of the suggestion engine), so the vectors of the
# texts seen last are kept, by text, for the process. Used on the suggestion thread only.
_VECTORS: OrderedDict[str, bytes] = OrderedDict()


def _add(index: ThemeIndex, note: dict[str, Any]) -> None:
    text = note["text"]
    index.add_note(note["id"], text, vector=_VECTORS.get(text))
    vector = index.vector_of(note["id"])
    if vector is not None:
        _VECTORS[text] = vector
        _VECTORS.move_to_end(text)
        if len(_VECTORS) > VECTORS_KEPT:
            _VECTORS.popitem(last=False)


# -- as the API and the JSON stream carry them ---------------------------------------------------


def suggestion_json(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "theme_id": suggestion.theme_id, "score": round(suggestion.score, 3), "confidence": round(suggestion.confidence, 3),
        "words": list(suggestion.reason.words), "nearest": list(suggestion.reason.nearest),
    }


def duplicate_json(duplicate: Duplicate) -> dict[str, Any]:
    return {"note_id": duplicate.other_id, "score": round(duplicate.score, 3), "words": list(duplicate.reason.words)}


def group_json(group: Group) -> dict[str, Any]:
    return {"note_ids": list(group.note_ids), "name": group.name, "words": list(group.reason.words)}


def note_suggestions_json(item: NoteSuggestions) -> dict[str, Any]:
    return {
        "note_id": item.note["id"], "site_id": item.note["site_id"],
        "themes": [suggestion_json(each) for each in item.themes],
        "duplicates": [duplicate_json(each) for each in item.duplicates],
    }


@dataclass(frozen=True, slots=True)
class Offer:
    """What a facilitator (one site) or the host (None: every site) is offered at one moment."""

    site_id: str | None
    notes: list[NoteSuggestions]
    groups: list[Group]
    ready: bool = True  # False while the engine is still reading the event's notes: ask again shortly


def offer_json(offer: Offer) -> dict[str, Any]:
    return {
        "site_id": offer.site_id,
        "ready": offer.ready,
        "notes": [note_suggestions_json(item) for item in offer.notes],
        "groups": [group_json(group) for group in offer.groups],
    }
