"""What facilitators and hosts may do to keep a board useful: merge, lock, remove, post on behalf.

Hiding, restoring and editing a note are note changes (`rules.note_changes` and `visible`); the log
keeps the text an edit replaced. Pure rules; who may moderate which site is decided by the access
layer.
"""

from __future__ import annotations

from workshop.domain.errors import RuleError
from workshop.domain.models import EventStatus, Note
from workshop.domain.rules import DISPLAY_NAME_MAX, bounded, refuse_if_closed

HIDDEN_BY_MODERATOR = "moderator"


def can_merge(note_id: str, note_event: str, into_id: str, into_event: str, *, note_merged: bool, into_merged: bool) -> None:
    """A duplicate folds into another note of the same event; neither may already be folded away."""
    if note_id == into_id:
        raise RuleError("invalid_merge", "A note cannot be merged into itself.", "into")
    if note_event != into_event:
        raise RuleError("invalid_merge", "Only notes of the same event can be merged.", "into")
    if note_merged or into_merged:
        raise RuleError("already_merged", "One of these notes has already been merged into another.", "into")


def can_participate(locked: bool) -> None:
    """A locked board takes no notes, votes or build-ons from participants until it is unlocked."""
    if locked:
        raise RuleError("site_locked", "The facilitator has paused this board for now; try again in a moment.")


def can_author_change(*, hidden_by: str | None) -> None:
    """A note a moderator hid stays as the moderator left it: its author can neither edit nor delete it."""
    if hidden_by == HIDDEN_BY_MODERATOR:
        raise RuleError("hidden_by_moderator", "A facilitator has hidden this note, so it can no longer be changed.")


def can_delete(*, in_use: bool) -> None:
    """A note others voted for or built on (or that duplicates were merged into) stays: deleting it would take their work."""
    if in_use:
        raise RuleError("note_in_use", "Others have voted for or built on this note, so it stays; ask the facilitator to hide it.")


def proxy_name(value: str) -> str:
    """Whom a facilitator posts for: a table, or the paper notes of people without a phone."""
    return bounded(value, field="on_behalf_of", maximum=DISPLAY_NAME_MAX)


def can_merge_into(note_site: str, into_site: str, *, into_visible: bool) -> None:
    """Votes and build-ons move to the kept note, so it must be a note of the duplicate's own site
    (its votes count in that site's results) and one people can see."""
    if note_site != into_site:
        raise RuleError("invalid_merge", "A note can only be merged into another note of the same site.", "into")
    if not into_visible:
        raise RuleError("invalid_merge", "A note can only be merged into a note that is on the board; restore that one first.", "into")


def can_moderate(status: EventStatus) -> None:
    """Once closed, an event's boards, participants and notes are the record: nothing is moderated any more."""
    refuse_if_closed(status, "This event is closed; its boards can no longer be moderated.")


def visibility_changes(note: Note, visible: bool) -> dict[str, object]:
    """What hiding or restoring a note changes; empty when it already is so.

    Only moderators hide notes, so a hide is marked as theirs. Restoring a merged duplicate makes it
    a note of its own again (the votes and build-ons it brought stay with the note it was merged into).
    """
    if visible == note.visible:
        return {}
    if visible:
        return {"visible": True, "hidden_by": None, "merged_into": None}
    return {"visible": False, "hidden_by": HIDDEN_BY_MODERATOR}
