"""Moderation's pure rules: what may be merged, a locked board, whom a facilitator posts for, hiding and restoring."""

from __future__ import annotations

import pytest

from workshop.domain import moderation
from workshop.domain.errors import RuleError
from workshop.domain.models import Colour, EventStatus, Note, NoteKind


def refused(call, *args, **kwargs) -> RuleError:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        call(*args, **kwargs)
    return caught.value


def note(visible: bool = True, merged_into: str | None = None, hidden_by: str | None = None) -> Note:
    return Note(
        "n1", "e1", "s1", "p1", 4, "More trees", NoteKind.IDEA, Colour.YELLOW, visible, "t", "t",
        merged_into=merged_into, hidden_by=hidden_by,
    )


# -- merging ------------------------------------------------------------------------------------


def test_a_duplicate_merges_into_another_note_of_its_event() -> None:
    moderation.can_merge("n1", "e1", "n2", "e1", note_merged=False, into_merged=False)  # no error
    moderation.can_merge_into("s1", "s1", into_visible=True)


@pytest.mark.parametrize(
    ("note_id", "into_id", "into_event", "note_merged", "into_merged", "code"),
    [
        ("n1", "n1", "e1", False, False, "invalid_merge"),  # into itself
        ("n1", "n2", "e2", False, False, "invalid_merge"),  # another event's note
        ("n1", "n2", "e1", True, False, "already_merged"),  # the duplicate was merged already
        ("n1", "n2", "e1", False, True, "already_merged"),  # the kept note was itself merged away
    ],
)
def test_bad_merges_are_refused(note_id: str, into_id: str, into_event: str, note_merged: bool, into_merged: bool, code: str) -> None:
    error = refused(moderation.can_merge, note_id, "e1", into_id, into_event, note_merged=note_merged, into_merged=into_merged)
    assert error.code == code and error.field == "into"


def test_a_note_cannot_be_merged_into_a_hidden_one() -> None:
    assert refused(moderation.can_merge_into, "s1", "s1", into_visible=False).code == "invalid_merge"


def test_a_note_cannot_be_merged_into_another_sites_note() -> None:
    error = refused(moderation.can_merge_into, "s1", "s2", into_visible=True)
    assert error.code == "invalid_merge" and error.field == "into" and "same site" in error.message


# -- locking, closing -------------------------------------------------------------------------------


def test_a_locked_board_refuses_participants_and_an_open_one_takes_them() -> None:
    moderation.can_participate(False)
    error = refused(moderation.can_participate, True)
    assert error.code == "site_locked" and "paused" in error.message


def test_a_closed_event_is_not_moderated_any_more() -> None:
    moderation.can_moderate(EventStatus.DRAFT)
    moderation.can_moderate(EventStatus.LIVE)
    assert refused(moderation.can_moderate, EventStatus.CLOSED).code == "event_closed"


# -- posting for a table ----------------------------------------------------------------------------


def test_whom_a_facilitator_posts_for_is_cleaned() -> None:
    assert moderation.proxy_name("  Table\t 3 ") == "Table 3"
    assert moderation.proxy_name("Papirsedler fra bord 7") == "Papirsedler fra bord 7"


@pytest.mark.parametrize(("value", "code"), [("", "empty"), ("   ", "empty"), ("\u200b", "empty"), ("x" * 61, "too_long")])
def test_a_missing_or_overlong_name_to_post_for_is_refused(value: str, code: str) -> None:
    error = refused(moderation.proxy_name, value)
    assert error.code == code and error.field == "on_behalf_of"


# -- hiding and restoring -----------------------------------------------------------------------------


def test_hiding_marks_the_hide_as_a_moderators() -> None:
    assert moderation.visibility_changes(note(), False) == {"visible": False, "hidden_by": "moderator"}


def test_restoring_clears_who_hid_it_and_what_it_was_merged_into() -> None:
    merged = note(visible=False, merged_into="n2", hidden_by="moderator")
    assert moderation.visibility_changes(merged, True) == {"visible": True, "hidden_by": None, "merged_into": None}


def test_hiding_a_hidden_note_or_restoring_a_visible_one_changes_nothing() -> None:
    assert moderation.visibility_changes(note(), True) == {}
    assert moderation.visibility_changes(note(visible=False, hidden_by="moderator"), False) == {}
