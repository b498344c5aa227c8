"""Format kits: built-in agendas a site can run on its own, in English and in Danish."""

from __future__ import annotations

import pytest

from workshop import i18n
from workshop.domain import agenda, kits
from workshop.domain.agenda import Activity
from workshop.domain.errors import RuleError

ALL_KITS = list(kits.KITS.values())
KIT_IDS = [kit.id for kit in ALL_KITS]


def _texts(kit: kits.Kit) -> list[str]:
    """Every text of a kit a person reads: its name and summary, and each phase's texts."""
    texts = [kit.name, kit.summary]
    for phase in kit.phases:
        texts += [phase.name, phase.instructions, phase.script]
    return texts


def _identity(message: str) -> str:
    return message


def test_the_kits_are_offered_in_a_fixed_order() -> None:
    assert list(kits.KITS) == ["open-workshop", "1-2-4-all", "world-cafe", "check-in-out"]
    assert all(kits.KITS[kit_id].id == kit_id for kit_id in kits.KITS)


@pytest.mark.parametrize("kit_id", KIT_IDS)
def test_kit_looks_up_by_id(kit_id: str) -> None:
    assert kits.kit(kit_id) is kits.KITS[kit_id]


@pytest.mark.parametrize("unknown", ["nope", "", "Open-Workshop", " world-cafe"])
def test_an_unknown_kit_is_refused(unknown: str) -> None:
    with pytest.raises(RuleError) as caught:
        kits.kit(unknown)
    assert caught.value.code == "unknown_kit"
    assert caught.value.field == "kit"


@pytest.mark.parametrize("kit", ALL_KITS, ids=KIT_IDS)
def test_every_kit_becomes_a_valid_agenda(kit: kits.Kit) -> None:
    drafts = kits.drafts(kit, _identity)
    assert 1 <= len(drafts) <= agenda.AGENDA_PHASES_MAX
    assert [draft.name for draft in drafts] == [phase.name for phase in kit.phases]
    assert [draft.minutes for draft in drafts] == [phase.minutes for phase in kit.phases]
    assert [draft.allows for draft in drafts] == [tuple(a.value for a in phase.allows) for phase in kit.phases]
    # phase_draft cleans text; a kit's own text needs no cleaning, so nothing is lost on the way.
    assert [draft.instructions for draft in drafts] == [phase.instructions for phase in kit.phases]
    assert [draft.script for draft in drafts] == [phase.script for phase in kit.phases]
    assert all(draft.id is None for draft in drafts)


@pytest.mark.parametrize("kit", ALL_KITS, ids=KIT_IDS)
def test_every_phase_tells_participants_and_the_facilitator_what_to_do(kit: kits.Kit) -> None:
    assert kit.name and kit.summary
    names = [phase.name for phase in kit.phases]
    assert len(names) == len(set(names)), "phase names repeat, so the console cannot tell them apart"
    for phase in kit.phases:
        assert 0 < len(phase.name) <= agenda.PHASE_NAME_MAX
        assert 1 <= phase.minutes <= agenda.PHASE_MINUTES_MAX
        assert 0 < len(phase.instructions) <= agenda.PHASE_TEXT_MAX
        assert 0 < len(phase.script) <= agenda.PHASE_TEXT_MAX
        steps = phase.script.split("\n")
        assert len(steps) >= 3, f"{phase.name}: a script is several steps"
        assert all(step.strip() == step and step for step in steps), f"{phase.name}: an empty or padded step"
        assert "\n" not in phase.instructions, f"{phase.name}: instructions are one short paragraph"


def test_a_kit_is_translated_when_it_becomes_an_agenda() -> None:
    seen: list[str] = []

    def translate(message: str) -> str:
        seen.append(message)
        return f"[{message}]"

    kit = kits.kit("1-2-4-all")
    drafts = kits.drafts(kit, translate)
    assert drafts[0].name == "[1: On your own]"
    assert drafts[0].instructions == f"[{kit.phases[0].instructions}]"
    assert drafts[0].script == f"[{kit.phases[0].script}]"
    assert len(seen) == 3 * len(kit.phases)


def test_one_two_four_all_keeps_its_real_timings() -> None:
    kit = kits.kit("1-2-4-all")
    assert [phase.minutes for phase in kit.phases] == [1, 2, 4, 5]
    assert kit.phases[0].allows == (Activity.POST,)  # alone, in silence: write


def test_the_open_workshop_moves_from_ideas_across_sites_to_votes() -> None:
    kit = kits.kit("open-workshop")
    allows = [phase.allows for phase in kit.phases]
    assert allows[0] == () and allows[-1] == ()  # the welcome and the harvest are read only
    assert Activity.POST in allows[2]  # the idea round
    exchange = next(phase for phase in kit.phases if Activity.POST in phase.allows and Activity.BUILD in phase.allows)
    voting = next(phase for phase in kit.phases if Activity.VOTE in phase.allows)
    assert kit.phases.index(exchange) < kit.phases.index(voting)
    assert 120 <= sum(phase.minutes for phase in kit.phases) <= 180


def test_world_cafe_has_three_rounds_that_change_tables() -> None:
    kit = kits.kit("world-cafe")
    rounds = [phase for phase in kit.phases if phase.allows == (Activity.POST, Activity.BUILD)]
    assert len(rounds) == 3
    assert all(15 <= phase.minutes <= 30 for phase in rounds)
    assert all("table" in phase.instructions for phase in rounds[:2])
    assert Activity.VOTE in kit.phases[-2].allows and kit.phases[-1].allows == ()


def test_check_in_and_out_is_a_short_session_of_its_own() -> None:
    kit = kits.kit("check-in-out")
    assert 15 <= sum(phase.minutes for phase in kit.phases) <= 30
    assert kit.phases[0].allows == (Activity.POST,)
    assert kit.phases[-1].allows == (Activity.POST,)
    assert "one word" in kit.phases[-1].instructions


@pytest.mark.parametrize("kit", ALL_KITS, ids=KIT_IDS)
def test_every_kit_text_is_translated_into_danish(kit: kits.Kit) -> None:
    with i18n.in_locale("da"):
        for text in _texts(kit):
            danish = i18n.gettext(text)
            assert danish != text, f"no Danish translation for {text!r}"


@pytest.mark.parametrize("kit", ALL_KITS, ids=KIT_IDS)
def test_a_danish_agenda_is_valid_and_keeps_the_script_steps(kit: kits.Kit) -> None:
    with i18n.in_locale("da"):
        drafts = kits.drafts(kit, i18n.gettext)
    for phase, draft in zip(kit.phases, drafts, strict=True):
        assert draft.script.count("\n") == phase.script.count("\n"), f"{phase.name}: Danish script has other steps"
        assert "\n" not in draft.instructions


def test_kit_texts_are_found_by_the_extractor() -> None:
    """Every kit text is in messages.pot, so a translator sees it (N_ is one of Babel's keywords)."""
    from babel.messages.pofile import read_po

    with (i18n.TRANSLATIONS_DIR / "messages.pot").open("rb") as pot:
        known = {message.id for message in read_po(pot) if message.id}
    for kit in ALL_KITS:
        missing = [text for text in _texts(kit) if text not in known]
        assert not missing, f"{kit.id}: run pybabel extract (docs/i18n.md): {missing}"
