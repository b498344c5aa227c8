"""Property tests (Hypothesis) of every JSON endpoint: hostile input gets a clear 4xx, valid input works.

The routes come from the app itself (`workshop.web.api.routes`), so a new endpoint is covered the
day it is added. Each request goes to the real app (started through its lifespan) against a
complete event (`tests.fuzz_world`) with the token that may call it:
- any body: JSON of any shape (wrong types, nulls, huge numbers, nested junk, unknown fields, any
  text), broken JSON, bytes that are not UTF-8 — never a 5xx, and every error is `{"error", "message"}`;
- any path id and query string (control characters, `%00`, slashes, right-to-left marks, 10 000
  characters), on SQLite and on PostgreSQL — the same;
- a valid body (any text the rules accept, any allowed value) succeeds.

tests/test_fuzz_api.py does the same from the OpenAPI document, checking the answers against it;
this file's inputs are wilder and its oracle is simpler. `WORKSHOP_FUZZ_EXAMPLES` scales both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.api_helpers import API, check_error, running
from tests.fuzz_world import EXAMPLES, ROLES, SEED, Stage, make_stage, may_call, seeded, stateless
from tests.stores import BACKENDS
from workshop.config import RateLimits
from workshop.domain import agenda, exchange, kits, rules, themes, votes
from workshop.domain.errors import RuleError
from workshop.web import api, schemas

PROPERTY = settings(
    max_examples=max(1, EXAMPLES // 2),
    deadline=None,
    derandomize=not SEED,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)

ENDPOINTS = sorted((method, API + route.path) for route in api.routes if isinstance(route, Route) for method in route.methods or () if method != "HEAD")
WRITES = [(method, path) for method, path in ENDPOINTS if method in {"POST", "PUT", "PATCH"}]
PARAMETER = re.compile(r"{(\w+)}")


def label(endpoint: tuple[str, str]) -> str:
    return f"{endpoint[0]} {endpoint[1]}"


# -- the app and its stage ------------------------------------------------------------------------


class Fuzzed:
    """The app on one database, with a stage that is made again after a request changed something."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = stateless(client)
        self._stage: Stage | None = None

    @property
    def stage(self) -> Stage:
        if self._stage is None:
            self._stage = make_stage(self.client, self.csrf)
        return self._stage

    def send(self, method: str, path: str, *, role: str, **kwargs: Any) -> Any:
        self.client.cookies.clear()
        headers = {**self.stage.headers(role), **kwargs.pop("headers", {})}
        if "json" in kwargs:  # encoded here: httpx cannot encode a lone surrogate, which JSON escapes carry
            kwargs["content"] = json.dumps(kwargs.pop("json")).encode()
            headers["Content-Type"] = "application/json"
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 500, (method, path, response.status_code, response.text)
        if response.status_code >= 400:
            check_error(response, response.status_code)
        if method != "GET" and response.status_code < 300:
            self._stage = None
        return response


def _app(database: str) -> Iterator[Fuzzed]:
    with running(database, rate_limits=RateLimits(enabled=False)) as client:  # type: ignore[arg-type]
        yield Fuzzed(client)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    yield from _app(str(Path(tmp_path_factory.mktemp("properties")) / "api.db"))


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed_on(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """The same on SQLite, then on PostgreSQL (the session's schema; tests/stores.py)."""
    if request.param == "sqlite":
        yield from _app(str(Path(tmp_path_factory.mktemp("properties")) / "api.db"))
    else:
        yield from _app(request.getfixturevalue("postgres_url"))


def path_for(path: str, stage: Stage, ids: dict[str, str] | None = None) -> str:
    """The path with the stage's ids (or those given) in its parameters, percent-encoded."""
    chosen = {**stage.path_ids, **(ids or {})}
    # A lone surrogate goes as the bytes it would be (%ED%A0%80): not UTF-8, as a broken client sends.
    return PARAMETER.sub(lambda match: quote(chosen[match.group(1)], safe="", errors="surrogatepass"), path)


# -- hostile input --------------------------------------------------------------------------------

TRICKY = "\x00\x01\x1b\x7f\r\n\t \u00a0\u2028\u200b\u202e\u0301\ufeff\ud800\U0001f333/%?#&=\\\"'<>"
text = st.text(alphabet=st.one_of(st.characters(codec=None), st.sampled_from(TRICKY)), max_size=40)
FIELDS = sorted({name for model in vars(schemas).values() if isinstance(model, type) and issubclass(model, schemas.Request) for name in model.model_fields})
field_names = st.one_of(st.sampled_from(FIELDS), text)
numbers = st.one_of(
    st.integers(), st.integers(min_value=-(10**40), max_value=10**40), st.floats(allow_nan=False),
    st.sampled_from([0, -1, 2**31, 2**63, 2**64, 10**300, 1e308, -0.0, 1.5]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(field_names, inner, max_size=4)),
    max_leaves=12,
)
HUGE_NUMBER = b'{"minutes": 1' + b"0" * 5000 + b"}"  # past Python's 4300-digit limit for int()
DEEP = b"[" * 20000 + b"]" * 20000  # deeper than the JSON parser's recursion
raw_bodies = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([
        b"", b"{", b"null", b"[]", b'"text"', b"{}" * 3, b'{"text": "a", "text": 5}', b"NaN", b'{"budget": Infinity}',
        b'{"text": "\\ud800"}', b'{"text": "\\u0000"}', b"\xff\xfe{}", b'{"text": "caf\xe9"}',
    ]),
)


@pytest.mark.parametrize("endpoint", WRITES, ids=label)
@seeded
@PROPERTY
@given(body=st.one_of(json_values, st.dictionaries(field_names, json_values, max_size=6)), data=st.data())
def test_any_json_body_gets_a_clear_answer_never_a_server_error(fuzzed: Fuzzed, endpoint: tuple[str, str], body: Any, data: st.DataObject) -> None:
    method, path = endpoint
    stage = fuzzed.stage
    role = data.draw(st.sampled_from((may_call(label(endpoint)),) * 3 + ROLES))
    fuzzed.send(method, path_for(path, stage), role=role, json=body)


@pytest.mark.parametrize("endpoint", WRITES, ids=label)
@seeded
@PROPERTY
@given(body=raw_bodies, content_type=st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1", ""]))
@example(body=HUGE_NUMBER, content_type="application/json")
@example(body=DEEP, content_type="application/json")
def test_any_bytes_for_a_body_get_a_clear_answer(fuzzed: Fuzzed, endpoint: tuple[str, str], body: bytes, content_type: str) -> None:
    method, path = endpoint
    fuzzed.send(method, path_for(path, fuzzed.stage), role=may_call(label(endpoint)), content=body, headers={"Content-Type": content_type})


ids_and_words = st.one_of(text, st.sampled_from(["%00", "\x00", "a\x00b", "..", "/", "a/b", " ", "\u202e", "x" * 10_000, "null", "0", "-1"]))
queries = st.dictionaries(
    st.one_of(st.sampled_from(["since", "limit", "format", "names", "hidden", "hide_notes", "site", "lang", "token"]), text),
    st.one_of(ids_and_words, numbers.map(str)),
    max_size=3,
)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=label)
@seeded
@PROPERTY
@given(data=st.data(), query=queries)
def test_any_id_and_query_string_get_a_clear_answer(fuzzed_on: Fuzzed, endpoint: tuple[str, str], data: st.DataObject, query: dict[str, str]) -> None:
    method, path = endpoint
    stage = fuzzed_on.stage
    ids = {name: data.draw(st.one_of(ids_and_words, st.sampled_from(stage.path_choices(name))), label=name) for name in stage.path_ids}
    body = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    url = f"{path_for(path, stage, ids)}?{urlencode(query, errors='surrogatepass')}"
    fuzzed_on.send(method, url, role=may_call(label(endpoint)), **body)


# -- valid input ----------------------------------------------------------------------------------


def accepted(rule: Any, maximum: int) -> st.SearchStrategy[str]:
    """Any text `rule` accepts, some of it long: odd letters, marks, emoji, spaces to be trimmed."""
    def fits(value: str) -> bool:
        try:
            rule(value)
        except RuleError:
            return False
        return True

    short = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30)
    return st.one_of(short, short.map(lambda value: (value * maximum)[:maximum])).filter(fits)


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


def spelled(values: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(values).flatmap(lambda value: st.sampled_from([value, value.upper(), f" {value} "]))


def new_theme_names(stage: Stage) -> st.SearchStrategy[str]:
    taken = {themes.name_key(theme["name"]) for theme in stage.themes}
    return accepted(themes.theme_name, themes.NAME_MAX).filter(lambda name: themes.name_key(rules.bounded(name, field="name", maximum=themes.NAME_MAX)) not in taken)


def valid_request(stage: Stage, endpoint: str) -> tuple[dict[str, str], str, st.SearchStrategy[dict[str, Any]]]:
    """For a write: the path ids (beyond the stage's first records), the role, and valid bodies."""
    title, name = accepted(rules.event_title, rules.TITLE_MAX), accepted(rules.site_name, rules.SITE_NAME_MAX)
    note_text, kinds = accepted(rules.note_text, rules.NOTE_TEXT_MAX), spelled(["idea", "question", "concern"])
    colours = st.sampled_from(["yellow", "blue", "pink", "green", "orange", "purple"])
    other_site, second_note = stage.world.sites[1]["id"], stage.notes[1]["id"]
    choices: dict[str, tuple[dict[str, str], str, st.SearchStrategy[dict[str, Any]]]] = {
        "POST /events": ({}, "none", st.fixed_dictionaries(
            {"title": title, "theme": accepted(rules.event_theme, rules.THEME_MAX)},
            optional=dict(language=st.sampled_from(rules.LANGUAGES), timezone=st.sampled_from(["UTC", "Europe/Amsterdam", "America/Sao_Paulo"]),
                          description=accepted(rules.event_description, 200), kit=st.sampled_from(sorted(kits.KITS))),
        )),
        "PATCH /events/{event_id}": ({}, "host", optional(title=title, description=accepted(rules.event_description, 100), language=spelled(["da", "sv", "nl"]),
                                                       status=st.sampled_from(["draft", "live", "closed"]))),
        "POST /events/{event_id}/sites": ({}, "host", st.fixed_dictionaries({"name": name}, optional=dict(angle=accepted(rules.site_angle, 100)))),
        "POST /join": ({}, "none", st.fixed_dictionaries(
            {"code": st.sampled_from([site["join_code"] for site in stage.world.sites]).map(lambda code: f"{code[:3].lower()}-{code[3:]}")},
            optional=dict(name=accepted(rules.display_name, rules.DISPLAY_NAME_MAX), role=st.sampled_from(["citizen", "staff", "politician"])),
        )),
        "POST /sites/{site_id}/notes": ({}, "participant", st.fixed_dictionaries(
            {"text": note_text}, optional=dict(kind=st.sampled_from(["idea", "question", "concern"]), colour=colours, client_id=st.text("abc-123", min_size=1, max_size=20)),
        )),
        "PATCH /notes/{note_id}": ({}, "participant", optional(text=note_text, kind=st.sampled_from(["idea", "question"]), colour=colours)),
        "POST /notes/{note_id}/merge": ({"note_id": second_note}, "host", st.just({"into": stage.notes[0]["id"]})),
        "PATCH /sites/{site_id}": ({}, "facilitator", st.builds(lambda locked: {"locked": locked}, st.booleans())),
        # The running phase is kept (by its id): an agenda that drops it while it runs is a 409.
        "PUT /events/{event_id}/agenda": ({}, "host", st.lists(
            st.fixed_dictionaries({"name": accepted(lambda v: agenda.phase_draft(v, 1, []), agenda.PHASE_NAME_MAX),
                                   "minutes": st.integers(1, agenda.PHASE_MINUTES_MAX),
                                   "allows": st.lists(st.sampled_from(["post", "vote", "build"]), max_size=3)}),
            min_size=1, max_size=5,
        ).map(lambda phases: {"phases": [{**phases[0], "id": stage.phase_ids[0]}, *phases[1:]]})),
        "POST /events/{event_id}/clock": ({}, "host", st.one_of(
            st.sampled_from([{"action": "next"}, {"action": "pause"}, {"action": "resume"}, {"action": "stop"}, {"action": "next", "site_id": other_site}]),
            st.sampled_from(stage.phase_ids).map(lambda phase: {"action": "start", "phase_id": phase}),
            st.integers(1, agenda.EXTEND_SECONDS_MAX).map(lambda seconds: {"action": "extend", "seconds": seconds}),
        )),
        "POST /notes/{note_id}/build-ons": ({}, "other_participant", st.fixed_dictionaries(
            {"text": accepted(exchange.build_on_text, exchange.BUILD_ON_MAX)}, optional=dict(client_id=st.text("xyz", min_size=1, max_size=5)),
        )),
        "POST /sites/{site_id}/sends": ({}, "facilitator", st.one_of(
            st.builds(lambda question, to: {"question": question, **to}, accepted(lambda v: exchange.send("a", note_id=None, question=v, to_site_id=None, sites=["b"]), exchange.QUESTION_MAX),
                      st.sampled_from([{}, {"to_site_id": other_site}, {"to_site_id": None}])),
            st.just({"note_id": stage.notes[0]["id"], "to_site_id": other_site}),
        )),
        "PUT /sites/{site_id}/spotlight": ({}, "facilitator", st.sampled_from([{"note_id": stage.notes[0]["id"]}, {"note_id": None}])),
        "POST /notes/{note_id}/votes": ({"note_id": stage.notes[2]["id"]}, "participant", st.sampled_from([{}])),
        "PUT /events/{event_id}/voting": ({}, "host", st.builds(lambda b, s, h: {"budget": b, "several_per_note": s, "hidden": h},
                                                              st.integers(1, votes.BUDGET_MAX), st.booleans(), st.booleans())),
        "POST /sites/{site_id}/reveal": ({}, "facilitator", st.builds(lambda revealed: {"revealed": revealed}, st.booleans())),
        "POST /events/{event_id}/themes": ({}, "host", new_theme_names(stage).map(lambda value: {"name": value})),
        "PATCH /themes/{theme_id}": ({}, "facilitator", new_theme_names(stage).map(lambda value: {"name": value})),
        "POST /themes/{theme_id}/merge": ({}, "host", st.just({"into": stage.themes[1]["id"]})),
        "PUT /notes/{note_id}/theme": ({}, "facilitator", st.sampled_from([{"theme_id": stage.themes[1]["id"]}, {"theme_id": None}])),
    }
    return choices[endpoint]


def test_every_write_has_a_valid_request_here(fuzzed: Fuzzed) -> None:
    for method, path in WRITES:
        assert valid_request(fuzzed.stage, f"{method} {path.removeprefix(API)}")


@pytest.mark.parametrize("endpoint", WRITES, ids=label)
@seeded
@PROPERTY
@given(data=st.data())
def test_a_valid_body_succeeds(fuzzed: Fuzzed, endpoint: tuple[str, str], data: st.DataObject) -> None:
    method, path = endpoint
    stage = fuzzed.stage
    ids, role, bodies = valid_request(stage, f"{method} {path.removeprefix(API)}")
    body = data.draw(bodies, label="body")
    response = fuzzed.send(method, path_for(path, stage, ids), role=role, json=body)
    assert response.status_code in (200, 201), (body, response.text)
    # What was sent is what is kept: every text comes back as the rules clean it.
    sent_text = body.get("text") if isinstance(body.get("text"), str) else None
    if sent_text is not None and "text" in response.json():
        assert response.json()["text"] == rules.bounded(sent_text, field="text", maximum=10_000, single_line=False)

