"""Views: what one kind of socket sees of an event, and the payload each entry becomes for it.

A view is rendered once per entry for all its sockets: sockets that see the same thing share a view
`key` (the JSON stream; a site's board in Danish; the phones of Aalborg in English; ...).

- `JsonView` is the API's stream: `{"seq": N, "type": "...", ...}` per entry.
- The HTML views push htmx out-of-band fragments to the browser pages: a site's board, the shared
  board and a site's phones. Their first payload is always a fresh render of the whole live region,
  so a page that reconnects shows exactly the current state, whatever it missed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from collections import Counter
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any, Protocol

from workshop.domain import agenda, votes
from workshop.domain.models import Board, LogEntry, SiteClock, as_json, board_as_json
from workshop.live.connection import Join, join_html, join_json
from workshop.live.state import RoomState
from workshop.live.exchange import ExchangeState
from workshop.live.themes import Offer, ThemeState, offer_json
from workshop.live.votes import VoteState

Render = Callable[..., str]  # render(template_name, lang, **context) -> HTML


# Another site's entries that change what a site's board and console show of the themes: the counts
# per site ("Aalborg 3 · Copenhagen 5"), and the sites' names beside them.
THEME_COUNT_ENTRIES = frozenset({
    "note.placed", "note.updated", "note.deleted", "note.merged", "participant.removed", "site.created", "site.updated",
})


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def message(entry: LogEntry) -> dict[str, Any]:
    """A log entry as the live stream carries it: seq and type first, then the entry's data."""
    return {"seq": entry.seq, "type": entry.type, "at": entry.created_at, **entry.data}


def snapshot(board: Board) -> dict[str, Any]:
    return {"type": "snapshot", **board_as_json(board)}


def entry_site(entry: LogEntry) -> str | None:
    """The site an entry is about, or None for entries about the whole event."""
    data = entry.data
    if "send" in data:  # a send is about where it goes: one site, or (None) every other site
        to_site = data["send"]["to_site_id"]
        return None if to_site is None else str(to_site)
    for key in ("note", "participant", "build_on"):  # a build-on is about its note's site
        if key in data:
            return str(data[key]["site_id"])
    if "site" in data:
        return str(data["site"]["id"])
    site_id = data.get("site_id")
    return None if site_id is None else str(site_id)


def region_context(board: Board, now: datetime | None = None) -> dict[str, Any]:
    """What a page's live region is drawn from: the same for its first render and for a resync.

    `progress` is each site's place in the agenda as of `now` (the render time), and `server_now`
    that moment as the pages' countdowns read it, so every screen counts down from server time."""
    now = now or datetime.now(UTC)
    clocks = {clock.site_id: clock for clock in board.clocks}
    travelled = ExchangeState.from_board(board)
    return {
        "event_id": board.event.id,
        "sites": [as_json(site) for site in board.sites],
        "notes": [travelled.threaded(as_json(note)) for note in board.notes],
        "exchange": travelled,
        "names": {site.id: site.name for site in board.sites},
        "timezone": board.event.timezone,
        "counts": Counter(note.site_id for note in board.notes),
        "phases": list(board.phases),
        "progress": {site.id: agenda.progress(clocks.get(site.id, SiteClock(site.id)), board.phases, now) for site in board.sites},
        "server_now": agenda.stamp(now),
        # Moderation: each site's lock; the hidden notes and participants only moderators' boards carry.
        "locked": {site.id: site.locked for site in board.sites},
        "hidden_notes": [as_json(note) for note in board.hidden_notes],
        "participants": [as_json(person) for person in board.participants],
        # Dot voting: each screen asks it for what it shows (`voting.marks(view, site_id, phase)`).
        "voting": VoteState.from_board(board),
        # Themes: each theme with its notes and its count per site (`themes.counts()`, `themes.members(...)`).
        "themes": ThemeState.from_board(board),
    }


def entry_moment(entry: LogEntry) -> datetime:
    """When an entry was committed: the moment its fragments show the clocks as of."""
    try:
        return agenda.instant(entry.created_at)
    except ValueError:
        return datetime.now(UTC)


class View(Protocol):
    key: Hashable
    join: Join
    moderation: bool  # whether its first payload needs the moderators' board (hidden notes, participants)

    def first(self, board: Board, state: RoomState) -> str:
        """The socket's first payload: the whole current state as of `board.seq`."""
        ...

    def render(self, entry: LogEntry, state: RoomState) -> str | None:
        """The payload for an entry, or None when this view does not show it."""
        ...

    def urgent(self, entry: LogEntry) -> bool:
        """Whether the entry must go out now, or may wait to ride along with the next frame."""
        ...

    suggests: bool  # whether it shows theme suggestions, refreshed a moment after notes or themes change
    suggests_for: str | None  # whose: one site's, or (None) every site's

    def suggestions(self, state: RoomState, offer: Offer, seq: int) -> str:
        """The payload that shows what is offered now, as of entry `seq`."""
        ...


class JsonView:
    """The API's stream. With a site, that site's entries are urgent and the others may wait a moment."""

    join = staticmethod(join_json)
    moderation = False

    def __init__(self, site_id: str | None = None, totals_of: str | None = None, suggestions_of: str | None = None) -> None:
        self.site_id = site_id
        self.totals_of = totals_of  # whose hidden vote totals this socket may see: "*" (the host), a site (its facilitator), or none
        # Whose theme suggestions it is sent: "*" (the host: every site's), a site (its facilitator), or none.
        self.suggests = suggestions_of is not None
        self.suggests_for = None if suggestions_of in (None, "*") else suggestions_of
        self.key: Hashable = ("json", site_id, totals_of, suggestions_of)

    def suggestions(self, state: RoomState, offer: Offer, seq: int) -> str:
        return encode({"type": "suggestions", "after": seq, **offer_json(offer)})

    def first(self, board: Board, state: RoomState) -> str:
        return encode(snapshot(board))

    def render(self, entry: LogEntry, state: RoomState) -> str | None:
        if self.totals_of == "*":
            return encode(message(entry))

        def shown(site_id: str) -> bool:
            return site_id == self.totals_of or state.votes.shown(site_id)

        return encode(message(replace(entry, data=votes.without_hidden_totals(entry.type, entry.data, shown))))

    def urgent(self, entry: LogEntry) -> bool:
        if self.site_id is None:
            return True
        site = entry_site(entry)
        return site is None or site == self.site_id


class HtmlView:
    """Shared by the page views: rendering through the injected template function, in one language."""

    join = staticmethod(join_html)
    kind = ""
    moderation = False
    suggests = False
    suggests_for: str | None = None
    counts_themes = False  # whether it shows every site's theme counts but only its own site's entries

    def __init__(self, render: Render, lang: str, site_id: str | None = None) -> None:
        self._render = render
        self.lang = lang
        self.site_id = site_id
        self.key: Hashable = (self.kind, site_id, lang)

    def fragment(self, name: str, **context: Any) -> str:
        return self._render(f"live/{name}.html", self.lang, view=self.kind, site_id=self.site_id, **context)

    def first(self, board: Board, state: RoomState) -> str:
        return self.fragment("region", **region_context(board))

    def shows(self, entry: LogEntry) -> bool:
        return True

    def render(self, entry: LogEntry, state: RoomState) -> str | None:
        if not entry.type.startswith(("note.", "site.", "event.", "agenda.", "clock.", "build_on.", "send.", "participant.",
                                       "vote.", "voting.", "votes.", "theme.")):
            return None
        if self.shows(entry):
            templates = ["entry"]
        else:
            templates = []
            if self.site_id in state.exchange.reached:
                templates.append("exchange_entry")  # another site's note, which this site shows in its lane or spotlight, changed
            if self.counts_themes and entry.type in THEME_COUNT_ENTRIES and state.themes.themes:
                templates.append("themes_entry")  # another site's note moved in or out of a theme: this screen's counts
        if not templates:
            return None
        now = entry_moment(entry)
        context = {"entry": entry, "type": entry.type, "data": entry.data, "state": state, "now": now, "server_now": agenda.stamp(now)}
        html = "".join(self.fragment(template, **context) for template in templates)
        return html if html.strip() else None  # nothing for this view: no frame (a send to another site, say)

    def urgent(self, entry: LogEntry) -> bool:
        return True


class SiteBoardView(HtmlView):
    """A site's projector board: that site's notes, large."""

    kind = "site-board"
    counts_themes = True

    def shows(self, entry: LogEntry) -> bool:
        site = entry_site(entry)
        return site is None or site == self.site_id


class ConsoleView(SiteBoardView):
    """A facilitator's console: the site board's notes and banner, plus the phase's script and controls."""

    kind = "console"
    moderation = True  # its hidden notes to restore and its participants to remove
    suggests = True

    @property
    def suggests_for(self) -> str | None:  # type: ignore[override]
        return self.site_id

    def suggestions(self, state: RoomState, offer: Offer, seq: int) -> str:
        return self.fragment(
            "suggestions", themes=state.themes, suggested=offer.notes, groups=offer.groups, ready=offer.ready, names=state.site_names,
            oob=True,
        )


class SharedBoardView(HtmlView):
    """Every site side by side, with a live count per site."""

    kind = "shared-board"


class PhoneView(HtmlView):
    """A participant's phone: their site's notes at once, the other sites' as a feed that may lag a second."""

    kind = "phone"

    def urgent(self, entry: LogEntry) -> bool:
        site = entry_site(entry)
        return site is None or site == self.site_id


class HostView(HtmlView):
    """The host dashboard: where every site is in the agenda (no notes)."""

    kind = "host"

    def shows(self, entry: LogEntry) -> bool:
        return entry.type.startswith(("agenda.", "clock.", "site."))
