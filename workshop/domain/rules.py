"""The rules every write must satisfy, as pure functions from raw input to clean values.

Each function either returns the normalised value or raises `RuleError`. Callers (the API, the
browser forms, the CLI) hand raw input here and store only what comes back.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workshop.domain.errors import RuleError
from workshop.domain.models import Colour, EventStatus, Note, NoteKind, Role

NOTE_TEXT_MAX = 500
TITLE_MAX = 200
THEME_MAX = 300
DESCRIPTION_MAX = 4000
SITE_NAME_MAX = 100
SITES_MAX = 50  # per event: more places than one workshop can run at once, and a bound on what one host token makes
ANGLE_MAX = 500
DISPLAY_NAME_MAX = 60
CLIENT_ID_MAX = 100

# The languages of the municipal networks that run open workshops. An event may use any of them;
# the interface falls back to English where a catalog is not yet translated.
LANGUAGES = ("en", "da", "sv", "nl", "de", "fr", "es", "pl", "sk", "hu", "lv", "ro")

# A note's colour follows its kind unless the author picks one: the board reads at a glance.
DEFAULT_COLOUR = {NoteKind.IDEA: Colour.YELLOW, NoteKind.QUESTION: Colour.BLUE, NoteKind.CONCERN: Colour.PINK}

# Statuses an event may move to from each status. A closed event stays closed: its join codes are
# released for reuse, so reopening it could collide with a newer event's code.
STATUS_MOVES = {
    EventStatus.DRAFT: {EventStatus.LIVE, EventStatus.CLOSED},
    EventStatus.LIVE: {EventStatus.CLOSED},
    EventStatus.CLOSED: set(),
}


def clean_text(value: str) -> str:
    """Normalise typed text: NFC, trimmed, control characters (but newlines and tabs) removed.

    NFC makes "å" typed on two keyboards compare equal; control characters are invisible and break
    exports and terminals, so they never enter the store. Lone surrogates (which JSON can carry
    but UTF-8 cannot store) are not text at all and are dropped too.
    """
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cs", "Cc"))
    # NFC last: a control character dropped after it could leave an accent beside its letter
    # uncomposed ("e\x01\u0301"), text that a second cleaning would change.
    return unicodedata.normalize("NFC", value).strip()


# Characters that draw nothing although Unicode files them as letters, symbols or marks: the Hangul
# and halfwidth fillers, the blank Braille pattern, Khmer's inherent vowels, the combining grapheme
# joiner and the variation selectors (all Default_Ignorable or blank by design; favourites for
# "invisible" user names elsewhere).
_BLANK = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
_BLANK_RANGES = ((0x180B, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def _draws_nothing(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch)[0] in "CZ" or ch in _BLANK or any(low <= code <= high for low, high in _BLANK_RANGES)
    )


def _visible(value: str) -> bool:
    """Whether anything would show: zero-width, formatting and blank characters alone count as empty."""
    return not all(_draws_nothing(ch) for ch in value)


def _single_line(value: str) -> str:
    return " ".join(clean_text(value).split())


def bounded(value: str, *, field: str, maximum: int, minimum: int = 1, single_line: bool = True) -> str:
    """Clean typed text and check its length: the rule every text field of the domain shares."""
    cleaned = _single_line(value) if single_line else clean_text(value)
    if len(cleaned) < minimum or (minimum and not _visible(cleaned)):
        raise RuleError("empty", f"{field} must not be empty.", field)
    if len(cleaned) > maximum:
        raise RuleError("too_long", f"{field} must be at most {maximum} characters.", field)
    return cleaned


def event_title(value: str) -> str:
    return bounded(value, field="title", maximum=TITLE_MAX)


def event_theme(value: str) -> str:
    return bounded(value, field="theme", maximum=THEME_MAX)


def event_description(value: str | None) -> str:
    return bounded(value or "", field="description", maximum=DESCRIPTION_MAX, minimum=0, single_line=False)


def language(value: str | None) -> str:
    code = (value or "en").strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise RuleError("unknown_language", f"language must be one of: {', '.join(LANGUAGES)}.", "language")
    return code


def timezone(value: str | None) -> str:
    key = (value or "Europe/Copenhagen").strip()
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError("unknown_timezone", "timezone must be an IANA name such as Europe/Copenhagen.", "timezone")
    return key


def event_status(value: str) -> EventStatus:
    try:
        return EventStatus(value)
    except ValueError:
        raise RuleError("invalid_status", "status must be draft, live or closed.", "status")


def status_change(current: EventStatus, wanted: str) -> EventStatus:
    """The status an event moves to; staying where it is is allowed (a repeated close is no error)."""
    target = event_status(wanted)
    if target != current and target not in STATUS_MOVES[current]:
        raise RuleError("invalid_status_change", f"An event cannot go from {current.value} to {target.value}.", "status")
    return target


def site_name(value: str) -> str:
    return bounded(value, field="name", maximum=SITE_NAME_MAX)


def site_angle(value: str | None) -> str:
    return bounded(value or "", field="angle", maximum=ANGLE_MAX, minimum=0, single_line=False)


def display_name(value: str | None) -> str | None:
    """A participant's optional display name; blank means anonymous. A name of invisible characters
    only is refused rather than kept: it would show as nobody, yet not as anonymous either."""
    cleaned = bounded(value or "", field="name", maximum=DISPLAY_NAME_MAX, minimum=0)
    if cleaned and not _visible(cleaned):
        raise RuleError("empty", "name must not be empty: it has no visible character (leave it blank to stay anonymous).", "name")
    return cleaned or None


def role(value: str | None) -> Role | None:
    if value is None or value.strip() == "":
        return None
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise RuleError("invalid_role", "role must be citizen, staff, manager, politician or other.", "role")


def note_text(value: str) -> str:
    return bounded(value, field="text", maximum=NOTE_TEXT_MAX, single_line=False)


def note_kind(value: str | None) -> NoteKind:
    try:
        return NoteKind((value or "idea").strip().lower())
    except ValueError:
        raise RuleError("invalid_kind", "kind must be idea, question or concern.", "kind")


def note_colour(value: str | None, kind: NoteKind) -> Colour:
    if value is None or value.strip() == "":
        return DEFAULT_COLOUR[kind]
    try:
        return Colour(value.strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in Colour)
        raise RuleError("invalid_colour", f"colour must be one of: {names}.", "colour")


def note_changes(note: Note, *, text: str | None, kind: str | None, colour: str | None) -> dict[str, object]:
    """The fields an edit really changes, cleaned; an empty dict when it changes nothing.

    A note whose colour is its kind's default follows a change of kind (an idea turned question
    turns blue); a colour the author picked stays. A blank colour means the kind's default.
    """
    new_kind = note_kind(kind) if kind is not None else note.kind
    changes: dict[str, object] = {"kind": new_kind}
    if text is not None:
        changes["text"] = note_text(text)
    if colour is not None:
        changes["colour"] = note_colour(colour, new_kind)
    elif note.colour == DEFAULT_COLOUR[note.kind]:
        changes["colour"] = DEFAULT_COLOUR[new_kind]
    return {key: value for key, value in changes.items() if getattr(note, key) != value}


def client_id(value: str | None) -> str | None:
    """The phone's own id for a post, which makes a retried post return the first note."""
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned:
        return None
    if len(cleaned) > CLIENT_ID_MAX or not cleaned.isprintable():
        raise RuleError("invalid_client_id", f"client_id must be at most {CLIENT_ID_MAX} printable characters.", "client_id")
    return cleaned


@dataclass(frozen=True, slots=True)
class NoteDraft:
    text: str
    kind: NoteKind
    colour: Colour
    client_id: str | None


def new_note(text: str, kind: str | None = None, colour: str | None = None, client: str | None = None) -> NoteDraft:
    clean_kind = note_kind(kind)
    return NoteDraft(note_text(text), clean_kind, note_colour(colour, clean_kind), client_id(client))


def refuse_if_closed(status: EventStatus, message: str) -> None:
    """The one rule behind every `can_*` of a closed event: it is the record now, and `message` says what it no longer takes."""
    if status == EventStatus.CLOSED:
        raise RuleError("event_closed", message)


def can_post(status: EventStatus) -> None:
    """Participants write while an event is in draft (arriving early) or live, never once it is closed."""
    refuse_if_closed(status, "This event is closed; it no longer takes notes.")


def can_join(status: EventStatus) -> None:
    refuse_if_closed(status, "This event is closed; it no longer takes participants.")


def can_add_site(status: EventStatus) -> None:
    """A closed event is final: a site added now would hand out a join code that joins nothing."""
    refuse_if_closed(status, "This event is closed; no sites can be added.")


def can_have_another_site(count: int) -> None:
    """`count`: the sites the event has already."""
    if count >= SITES_MAX:
        raise RuleError("too_many_sites", f"An event has at most {SITES_MAX} sites.", "name")


def can_change_notes(status: EventStatus) -> None:
    """Once closed, the notes are the record the summary is made from: no edits and no deletions."""
    refuse_if_closed(status, "This event is closed; its notes can no longer change.")
