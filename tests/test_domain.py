"""The pure domain: rules every write must pass, join codes, records. No I/O."""

from __future__ import annotations

import string

import pytest

from workshop.domain import codes, rules
from workshop.domain.errors import RuleError
from workshop.domain.models import Colour, EventStatus, Note, NoteKind, Role, as_json


def refused(call, *args, **kwargs) -> RuleError:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- note text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Hello", "Hello"),
        ("  padded  ", "padded"),
        ("\n\ttrimmed\n", "trimmed"),
        ("x", "x"),
        ("line one\nline two", "line one\nline two"),  # a note may have several lines
        ("a\r\nb", "a\nb"),  # Windows line ends become plain newlines
        ("col\tumn", "col\tumn"),
        ("bell\x07 and null\x00 and escape\x1b gone", "bell and null and escape gone"),
        ("e\u0301", "\u00e9"),  # NFC: "é" typed as e + combining accent is stored precomposed
        ("A\u030a", "\u00c5"),  # likewise "Å"
    ],
)
def test_note_text_is_normalised(typed: str, stored: str) -> None:
    assert rules.note_text(typed) == stored


@pytest.mark.parametrize("length", [1, 250, 500])
def test_note_text_accepts_1_to_500_characters(length: int) -> None:
    assert len(rules.note_text("x" * length)) == length


def test_note_text_limit_counts_after_trimming() -> None:
    assert rules.note_text("   " + "x" * 500 + "\n\n ") == "x" * 500


def test_note_text_limit_counts_characters_after_nfc() -> None:
    # 500 decomposed "é" are 1000 code points typed but 500 characters stored.
    assert rules.note_text("e\u0301" * 500) == "\u00e9" * 500


def test_note_text_limit_counts_characters_not_bytes() -> None:
    assert rules.note_text("æ" * 500) == "æ" * 500
    assert rules.note_text("🙂" * 500) == "🙂" * 500


@pytest.mark.parametrize("typed", ["x" * 501, "é" * 501, " " + "x" * 501 + " "])
def test_note_text_over_500_is_too_long(typed: str) -> None:
    error = refused(rules.note_text, typed)
    assert (error.code, error.field) == ("too_long", "text")
    assert "500" in error.message


@pytest.mark.parametrize("typed", ["", " ", "   \n\t  ", "\x00\x07", " \x1b \r\n "])
def test_blank_note_text_is_empty(typed: str) -> None:
    error = refused(rules.note_text, typed)
    assert (error.code, error.field) == ("empty", "text")


def test_clean_text_keeps_newlines_and_tabs_but_drops_other_controls() -> None:
    assert rules.clean_text(" a\x00\nb\tc\x7f\x85 ") == "a\nb\tc"


def test_clean_text_drops_lone_surrogates_which_utf8_cannot_store() -> None:
    cleaned = rules.clean_text("bad\ud800 half\udfff")
    assert cleaned == "bad half"
    cleaned.encode("utf-8")  # would raise if a surrogate were left


@pytest.mark.parametrize("typed", ["\u200b", "\u200b\u200d\ufeff", "\u202e \u2066", "\ud83d"])
def test_text_of_invisible_characters_only_is_empty(typed: str) -> None:
    for check in (rules.note_text, rules.event_title, rules.site_name):
        assert refused(check, typed).code == "empty"


def test_emoji_sequences_keep_their_joiners() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji made of three and two joiners
    assert rules.note_text(family) == family


# -- single-line fields -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "field", "maximum"),
    [
        (rules.event_title, "title", rules.TITLE_MAX),
        (rules.event_theme, "theme", rules.THEME_MAX),
        (rules.site_name, "name", rules.SITE_NAME_MAX),
    ],
)
def test_required_single_line_fields(check, field: str, maximum: int) -> None:  # type: ignore[no-untyped-def]
    assert check("  Copenhagen \n  City\tHall ") == "Copenhagen City Hall"  # whitespace runs collapse
    assert check("x" * maximum) == "x" * maximum
    too_long = refused(check, "x" * (maximum + 1))
    assert (too_long.code, too_long.field) == ("too_long", field)
    empty = refused(check, " \n ")
    assert (empty.code, empty.field) == ("empty", field)


@pytest.mark.parametrize(
    ("check", "field", "maximum"),
    [
        (rules.event_description, "description", rules.DESCRIPTION_MAX),
        (rules.site_angle, "angle", rules.ANGLE_MAX),
    ],
)
def test_optional_multi_line_fields(check, field: str, maximum: int) -> None:  # type: ignore[no-untyped-def]
    assert check(None) == ""
    assert check("   ") == ""
    assert check(" first\nsecond ") == "first\nsecond"
    error = refused(check, "x" * (maximum + 1))
    assert (error.code, error.field) == ("too_long", field)


@pytest.mark.parametrize(("typed", "stored"), [(None, None), ("", None), ("   ", None), (" Ann  Lee ", "Ann Lee"), ("Å\x00se", "Åse")])
def test_display_name_is_optional(typed: str | None, stored: str | None) -> None:
    assert rules.display_name(typed) == stored


def test_display_name_too_long() -> None:
    assert rules.display_name("x" * rules.DISPLAY_NAME_MAX) == "x" * rules.DISPLAY_NAME_MAX
    error = refused(rules.display_name, "x" * (rules.DISPLAY_NAME_MAX + 1))
    assert (error.code, error.field) == ("too_long", "name")


# -- kinds, colours, roles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kind"),
    [(None, NoteKind.IDEA), ("", NoteKind.IDEA), ("idea", NoteKind.IDEA), (" Question ", NoteKind.QUESTION), ("CONCERN", NoteKind.CONCERN)],
)
def test_note_kind(typed: str | None, kind: NoteKind) -> None:
    assert rules.note_kind(typed) is kind


@pytest.mark.parametrize("typed", ["wish", "ideas", "0"])
def test_unknown_note_kind_is_refused(typed: str) -> None:
    error = refused(rules.note_kind, typed)
    assert (error.code, error.field) == ("invalid_kind", "kind")


@pytest.mark.parametrize(
    ("kind", "colour"), [(NoteKind.IDEA, Colour.YELLOW), (NoteKind.QUESTION, Colour.BLUE), (NoteKind.CONCERN, Colour.PINK)]
)
def test_each_kind_has_its_default_colour(kind: NoteKind, colour: Colour) -> None:
    assert rules.note_colour(None, kind) is colour
    assert rules.note_colour("  ", kind) is colour
    draft = rules.new_note("text", kind.value)
    assert (draft.kind, draft.colour) == (kind, colour)


def test_every_kind_has_a_default_colour() -> None:
    assert set(rules.DEFAULT_COLOUR) == set(NoteKind)


@pytest.mark.parametrize("typed", [c.value for c in Colour] + [" GREEN ", "Purple"])
def test_chosen_colour_overrides_the_default(typed: str) -> None:
    assert rules.note_colour(typed, NoteKind.IDEA) is Colour(typed.strip().lower())


@pytest.mark.parametrize("typed", ["red", "#ffff00", "yellowish"])
def test_unknown_colour_is_refused(typed: str) -> None:
    error = refused(rules.note_colour, typed, NoteKind.IDEA)
    assert (error.code, error.field) == ("invalid_colour", "colour")


@pytest.mark.parametrize(
    ("typed", "role"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("citizen", Role.CITIZEN),
        ("Staff", Role.STAFF),
        (" MANAGER ", Role.MANAGER),
        ("politician", Role.POLITICIAN),
        ("other", Role.OTHER),
    ],
)
def test_role(typed: str | None, role: Role | None) -> None:
    assert rules.role(typed) is role


@pytest.mark.parametrize("typed", ["mayor", "host", "facilitator", "citizens"])
def test_unknown_role_is_refused(typed: str) -> None:
    error = refused(rules.role, typed)
    assert (error.code, error.field) == ("invalid_role", "role")


# -- languages and time zones -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "language"),
    [(None, "en"), ("", "en"), ("en", "en"), ("da", "da"), ("DA", "da"), ("da-DK", "da"), ("en_GB", "en"), (" sv ", "sv")],
)
def test_language(typed: str | None, language: str) -> None:
    assert rules.language(typed) == language


@pytest.mark.parametrize("typed", ["xx", "english", "zh", "dk"])
def test_unknown_language_is_refused(typed: str) -> None:
    error = refused(rules.language, typed)
    assert (error.code, error.field) == ("unknown_language", "language")


def test_english_and_danish_are_languages() -> None:
    assert {"en", "da"} <= set(rules.LANGUAGES)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [(None, "Europe/Copenhagen"), ("", "Europe/Copenhagen"), ("Europe/Riga", "Europe/Riga"), (" UTC ", "UTC"), ("America/New_York", "America/New_York")],
)
def test_timezone(typed: str | None, zone: str) -> None:
    assert rules.timezone(typed) == zone


@pytest.mark.parametrize("typed", ["Mars/Olympus_Mons", "Europe", "../../etc/passwd", "/etc/localtime", "Europe/Copenhagen\x00", "CET+1 "])
def test_unknown_timezone_is_refused(typed: str) -> None:
    error = refused(rules.timezone, typed)
    assert (error.code, error.field) == ("unknown_timezone", "timezone")


# -- client ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [(None, None), ("", None), ("  ", None), (" abc-123 ", "abc-123")])
def test_client_id(typed: str | None, stored: str | None) -> None:
    assert rules.client_id(typed) == stored


@pytest.mark.parametrize("typed", ["x" * (rules.CLIENT_ID_MAX + 1), "a\x00b", "a\nb"])
def test_bad_client_id_is_refused(typed: str) -> None:
    error = refused(rules.client_id, typed)
    assert (error.code, error.field) == ("invalid_client_id", "client_id")


def note_of(kind: NoteKind, colour: Colour, text: str = "An idea") -> Note:
    return Note("n", "e", "s", "p", 1, text, kind, colour, True, "t", "t", None)


def test_an_edit_returns_only_what_it_changes() -> None:
    note = note_of(NoteKind.IDEA, Colour.YELLOW)
    assert rules.note_changes(note, text=" An idea ", kind="idea", colour="yellow") == {}
    assert rules.note_changes(note, text="Better", kind=None, colour=None) == {"text": "Better"}
    assert refused(rules.note_changes, note, text=" ", kind=None, colour=None).code == "empty"


def test_a_default_colour_follows_the_kind_and_a_chosen_one_stays() -> None:
    default = note_of(NoteKind.IDEA, Colour.YELLOW)
    assert rules.note_changes(default, text=None, kind="question", colour=None) == {"kind": NoteKind.QUESTION, "colour": Colour.BLUE}
    chosen = note_of(NoteKind.IDEA, Colour.GREEN)
    assert rules.note_changes(chosen, text=None, kind="concern", colour=None) == {"kind": NoteKind.CONCERN}
    assert rules.note_changes(chosen, text=None, kind="concern", colour="") == {"kind": NoteKind.CONCERN, "colour": Colour.PINK}


def test_new_note_checks_every_part() -> None:
    draft = rules.new_note("  Bike lanes  ", "Question", None, " c-1 ")
    assert (draft.text, draft.kind, draft.colour, draft.client_id) == ("Bike lanes", NoteKind.QUESTION, Colour.BLUE, "c-1")
    assert refused(rules.new_note, "ok", "nope").field == "kind"
    assert refused(rules.new_note, "ok", "idea", "nope").field == "colour"
    assert refused(rules.new_note, "", "idea").field == "text"


# -- status -------------------------------------------------------------------------------------

ALLOWED = [
    (EventStatus.DRAFT, "live", EventStatus.LIVE),
    (EventStatus.DRAFT, "closed", EventStatus.CLOSED),
    (EventStatus.LIVE, "closed", EventStatus.CLOSED),
    # Staying put is not a move, and is never refused.
    (EventStatus.DRAFT, "draft", EventStatus.DRAFT),
    (EventStatus.LIVE, "live", EventStatus.LIVE),
    (EventStatus.CLOSED, "closed", EventStatus.CLOSED),
]


@pytest.mark.parametrize(("current", "wanted", "result"), ALLOWED)
def test_allowed_status_moves(current: EventStatus, wanted: str, result: EventStatus) -> None:
    assert rules.status_change(current, wanted) is result


@pytest.mark.parametrize(
    ("current", "wanted"),
    [(EventStatus.LIVE, "draft"), (EventStatus.CLOSED, "live"), (EventStatus.CLOSED, "draft")],
)
def test_refused_status_moves(current: EventStatus, wanted: str) -> None:
    error = refused(rules.status_change, current, wanted)
    assert (error.code, error.field) == ("invalid_status_change", "status")


@pytest.mark.parametrize("wanted", ["open", "LIVE", "", "archived"])
def test_unknown_status_is_refused(wanted: str) -> None:
    error = refused(rules.status_change, EventStatus.DRAFT, wanted)
    assert (error.code, error.field) == ("invalid_status", "status")


UNTIL_CLOSED = [rules.can_post, rules.can_join, rules.can_add_site, rules.can_change_notes]


@pytest.mark.parametrize("status", [EventStatus.DRAFT, EventStatus.LIVE])
@pytest.mark.parametrize("check", UNTIL_CLOSED)
def test_events_take_changes_until_they_close(check, status: EventStatus) -> None:  # type: ignore[no-untyped-def]
    check(status)  # no RuleError


@pytest.mark.parametrize("check", UNTIL_CLOSED)
def test_a_closed_event_takes_no_participants_sites_or_note_changes(check) -> None:  # type: ignore[no-untyped-def]
    assert refused(check, EventStatus.CLOSED).code == "event_closed"


# -- join codes ---------------------------------------------------------------------------------


def test_alphabet_leaves_out_look_alikes() -> None:
    assert not set("0O1IL") & set(codes.ALPHABET)
    assert set(codes.ALPHABET) <= set(string.ascii_uppercase + string.digits)
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET)


def test_new_join_codes_are_short_and_from_the_alphabet() -> None:
    made = {codes.new_join_code() for _ in range(500)}
    for code in made:
        assert len(code) == codes.LENGTH == 6
        assert set(code) <= set(codes.ALPHABET)
    assert len(made) > 490  # random, not a counter or a constant


@pytest.mark.parametrize("typed", ["BCDFGH", "bcdfgh", "BcDfGh", "bcd fgh", "BCD-FGH", " bcd-fgh\t", "b c d f g h"])
def test_typed_codes_normalise_case_insensitively(typed: str) -> None:
    assert codes.normalise_join_code(typed) == "BCDFGH"


@pytest.mark.parametrize("typed", ["", "BCDFG", "BCDFGHJ", "0CDFGH", "OCDFGH", "1CDFGH", "ICDFGH", "BCDFG!", "BCD.FGH", "ÆCDFGH", "bcdfß", "ſCDFGH"])
def test_impossible_codes_normalise_to_none(typed: str) -> None:
    assert codes.normalise_join_code(typed) is None


def test_display_splits_code_in_two_groups_and_reads_back() -> None:
    assert codes.display_join_code("BCDFGH") == "BCD FGH"
    for _ in range(50):
        code = codes.new_join_code()
        shown = codes.display_join_code(code)
        assert codes.normalise_join_code(shown) == code
        assert codes.normalise_join_code(shown.lower()) == code


# -- records ------------------------------------------------------------------------------------


def test_as_json_gives_plain_values() -> None:
    note = Note("n1", "e1", "s1", "p1", 7, "Hi", NoteKind.CONCERN, Colour.PINK, True, "t0", "t1", "c1")
    assert as_json(note) == {
        "id": "n1",
        "event_id": "e1",
        "site_id": "s1",
        "participant_id": "p1",
        "seq": 7,
        "text": "Hi",
        "kind": "concern",
        "colour": "pink",
        "visible": True,
        "created_at": "t0",
        "updated_at": "t1",
        "client_id": "c1",
        "merged_into": None,  # moderation: not merged, not hidden, posted by its author
        "hidden_by": None,
        "on_behalf_of": None,
        "theme_id": None,  # themes: not placed yet
    }
