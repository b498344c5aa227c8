"""Themes: named groups of notes that form while the sites write, shared by every site of an event.

A note belongs to at most one theme of its event (or to none: "unplaced"). A site's facilitator
places their own site's notes; the host places any note. Anyone who facilitates may start or rename
a theme, but a theme that already holds another site's notes is shared work: only the host merges
or deletes it. Deleting a theme returns its notes to unplaced; merging moves them to the kept theme.
Pure rules: the store applies them inside the write's transaction, against the state it reads.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

from workshop.domain.errors import RuleError
from workshop.domain.models import EventStatus, Note, Theme
from workshop.domain.rules import bounded, refuse_if_closed

NAME_MAX = 60
THEMES_MAX = 60  # per event: a wall of more themes than this is no longer a synthesis


def can_change_themes(status: EventStatus) -> None:
    """Once closed, the themes are part of the record the summary is made from."""
    refuse_if_closed(status, "This event is closed; its themes can no longer change.")


def theme_name(value: str) -> str:
    return bounded(value, field="name", maximum=NAME_MAX)


def name_key(name: str) -> str:
    """What makes two names the same theme: case, spacing and invisible characters (zero-width,
    bidi marks) do not ("Data " is "data", and so is "da\u200bta")."""
    visible = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    return " ".join(visible.casefold().split())


def can_name(name: str, *, taken: Iterable[str], theme_id: str | None = None) -> None:
    """A name must not be another theme's of the same event: two "Data" themes split one idea.

    `taken` maps to the names of the event's other themes (the theme being renamed left out)."""
    key = name_key(name)
    for other in taken:
        if name_key(other) == key:
            raise RuleError("theme_exists", f"There is already a theme called “{other}”; use that one or choose another name.", "name")


def can_add_theme(count: int) -> None:
    if count >= THEMES_MAX:
        raise RuleError("too_many_themes", f"An event has at most {THEMES_MAX} themes; merge some first.", "name")


def can_place(note: Note, by_site: str | None) -> None:
    """A facilitator (`by_site`) places their own site's notes; the host (None) places any note.

    Hidden notes are out of the conversation, so they are not placed (a restored note keeps the
    theme it had)."""
    if not note.visible:
        raise RuleError("not_shown_here", "That note is hidden; restore it before placing it in a theme.", "note_id")
    if by_site is not None and note.site_id != by_site:
        raise RuleError("not_your_note", "A site places only its own notes; the host places any site's.", "note_id")


def can_remove(theme: Theme, sites_in_it: Iterable[str], by_site: str | None) -> None:
    """Merging or deleting a theme that holds another site's notes is the host's call."""
    if by_site is not None and any(site != by_site for site in sites_in_it):
        raise RuleError(
            "theme_shared", f"“{theme.name}” holds notes from other sites; only the host can merge or delete it.", "theme_id"
        )


def can_merge(theme_id: str, into_id: str) -> None:
    if theme_id == into_id:
        raise RuleError("invalid_merge", "A theme cannot be merged into itself.", "into")


def counts(placed: Iterable[tuple[str, str | None]]) -> dict[str, Counter[str]]:
    """Theme id -> notes per site, from the (site id, theme id) of each visible note: the shared
    board's "Aalborg 3 · Copenhagen 5". Notes in no theme are not counted."""
    out: dict[str, Counter[str]] = {}
    for site_id, theme_id in placed:
        if theme_id is not None:
            out.setdefault(theme_id, Counter())[site_id] += 1
    return out


def raised_at(per_site: Counter[str], minimum: int = 2) -> bool:
    """Whether a theme was raised at `minimum` sites or more: "Aalborg and Copenhagen both raised X"."""
    return sum(1 for count in per_site.values() if count > 0) >= minimum
