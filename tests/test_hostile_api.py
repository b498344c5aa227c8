"""Hostile text through the JSON API: stored and answered unchanged (as the rules clean it, which
keeps every character people can see, and their bidi controls, joiners and emoji), always as
`application/json`; and names made only of invisible characters refused as empty, with a clear 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests import hostile
from tests.api_helpers import API, bearer, check_error, join, make_event, running
from workshop.domain import rules, themes
from workshop.domain.errors import RuleError


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running(tmp_path_factory.mktemp("hostile-api") / "api.db") as client:
        yield client


def answered(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return dict(response.json())


# -- the rules --------------------------------------------------------------------------------------------


def test_the_rules_keep_what_people_typed() -> None:
    for text in hostile.NOTES:
        assert rules.note_text(text) == text.strip(), repr(text)  # NFC already, no control characters: nothing changes
    for name in hostile.NAMES:
        assert rules.site_name(name) == name and rules.display_name(name) == name and themes.theme_name(name) == name


@pytest.mark.parametrize("invisible", hostile.INVISIBLE_NAMES)
def test_a_name_of_invisible_characters_only_is_empty(invisible: str) -> None:
    for check in (rules.site_name, rules.display_name, themes.theme_name, rules.event_title, rules.event_theme):
        with pytest.raises(RuleError) as refused:
            check(invisible)
        assert refused.value.code == "empty", check
    assert rules.display_name("") is None and rules.display_name("   ") is None  # blank is still anonymous
    assert rules.display_name(f"Ana{invisible}") == f"Ana{invisible}"  # around visible letters they stay: not ours to change


# -- the API ----------------------------------------------------------------------------------------------


def test_every_hostile_text_comes_back_unchanged(app: TestClient) -> None:
    event = hostile.hostile_event(app)
    aalborg = event.sites[0]
    for number, text in enumerate(hostile.NOTES):
        phone = bearer(aalborg.phones[number % len(aalborg.phones)])  # a few each: people post at people's pace
        note = answered(app.post(f"{API}/sites/{aalborg.id}/notes", json={"text": text}, headers=phone))
        assert note["text"] == text
        edited = answered(app.patch(f"{API}/notes/{note['id']}", json={"text": f"{text} (edited)"}, headers=phone), 200)
        assert edited["text"] == f"{text} (edited)"
    board = answered(app.get(f"{API}/events/{event.id}/board", headers=event.host), 200)
    assert {f"{text} (edited)" for text in hostile.NOTES} <= {note["text"] for note in board["notes"]}
    assert [site["name"] for site in board["sites"]] == [site.name for site in event.sites]
    assert (board["event"]["title"], board["event"]["theme"]) == (event.title, event.theme)
    listed = answered(app.get(f"{API}/events/{event.id}/themes", headers=event.host), 200)
    assert [theme["name"] for theme in listed["themes"]] == list(event.themes)
    agenda = answered(app.get(f"{API}/events/{event.id}/agenda", headers=event.host), 200)
    assert agenda["phases"][0]["name"] == hostile.PHASE_NAME
    assert agenda["phases"][0]["script"] == f"{hostile.STYLE}\n{hostile.JINJA}"


def test_a_name_of_invisible_characters_only_is_refused_everywhere(app: TestClient) -> None:
    world = make_event(app, sites=1)
    site = world.sites[0]
    facilitator = bearer(site["facilitator_token"])
    for invisible in hostile.INVISIBLE_NAMES:
        check_error(app.post(f"{API}/events", json={"title": invisible, "theme": "Streets"}), 422, "empty")
        check_error(app.post(f"{API}/events/{world.id}/sites", json={"name": invisible}, headers=world.host), 422, "empty")
        check_error(app.post(f"{API}/join", json={"code": site["join_code"], "name": invisible}), 422, "empty")
        check_error(app.post(f"{API}/events/{world.id}/themes", json={"name": invisible}, headers=world.host), 422, "empty")
        check_error(app.post(f"{API}/sites/{site['id']}/notes", json={"text": "For a table", "on_behalf_of": invisible},
                             headers=facilitator), 422, "empty")
        check_error(app.put(f"{API}/events/{world.id}/agenda", json={"phases": [{"name": invisible, "minutes": 5}]},
                            headers=world.host), 422, "empty")
    assert join(app, site, name="Ana\u200d").participant_id  # a joiner inside a real name is kept, not refused
