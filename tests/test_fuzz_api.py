"""The whole JSON API fuzzed from its own OpenAPI document (Schemathesis), in process.

For every operation the document lists, Schemathesis generates requests that fit the document
(positive) and requests that break it (negative: wrong types, missing and unknown fields, out of
range numbers, odd strings). Each is sent to the real app (started through its lifespan, on
SQLite) against a complete event (`tests.fuzz_world`, made again after any request that changed
something), mostly with the real ids of its records and the token that may call the operation,
sometimes with generated ids, another role's token, none, or a browser's cookies. Every answer must
keep the document's promises: never a 5xx, a status the operation documents, the documented content
type, a body that matches the documented schema; an error is exactly `{"error", "message"}`.

Bounded and deterministic for CI: `WORKSHOP_FUZZ_EXAMPLES` requests per operation (default 25),
derandomized. For a longer local run, raise it and pick a seed (any whole number) to explore
other requests, e.g. `WORKSHOP_FUZZ_EXAMPLES=500 WORKSHOP_FUZZ_SEED=7 .venv/bin/pytest tests/test_fuzz_api.py`
(docs/api.md, "How the API is fuzzed").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from tests.api_helpers import API, check_error, running
from tests.fuzz_world import EXAMPLES, ROLES, SEED, Stage, make_stage, may_call, seeded, stateless
from workshop.config import RateLimits
from workshop.web.openapi import document

BASE_URL = "http://testserver"  # the TestClient's; the document's server URL is taken from each request
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

SCHEMA = schemathesis.openapi.from_dict(document(BASE_URL))
OPERATIONS = {operation.label: operation for operation in (result.ok() for result in SCHEMA.get_all_operations())}
# A websocket is no HTTP call (its 101 is an upgrade); tests/test_live.py drives it over real sockets.
NOT_HTTP = {f"GET {API}/events/{{event_id}}/live"}

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not SEED,
    database=None,
    # No shrinking: a failure already prints the exact request as curl, and shrinking, which makes
    # a fresh stage for many of its calls, could take minutes.
    phases=[Phase.explicit, Phase.generate],
    # Generating negative bodies filters a lot, and many calls make a stage: neither is a fault here.
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Api:
    client: TestClient  # sends only what each request says (`tests.fuzz_world.stateless`)
    csrf: str


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    # Unthrottled: thousands of calls from one address in a minute are the point here (the limits
    # have their own tests).
    with running(Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db", rate_limits=RateLimits(enabled=False)) as client:
        yield Api(client, stateless(client))


def test_the_fuzzed_document_is_the_one_the_app_serves(api: Api) -> None:
    served = api.client.get(f"{API}/openapi.json")
    assert served.status_code == 200
    assert served.json() == document(BASE_URL)
    assert NOT_HTTP <= set(OPERATIONS)


def _substitute_ids(case: Any, stage: Stage, data: st.DataObject) -> None:
    """Real ids in place of generated ones (now and then, field by field), so the handler's own checks run."""
    if case.path_parameters and data.draw(st.sampled_from((True, True, True, False)), label="real path ids"):
        case.path_parameters = {name: data.draw(st.sampled_from(stage.path_choices(name)), label=name) for name in case.path_parameters}
    if isinstance(case.body, dict):
        body = dict(case.body)
        for name, value in body.items():
            real = stage.ids_for(name)
            if real and isinstance(value, str) and data.draw(st.booleans(), label=f"real {name}"):
                body[name] = data.draw(st.sampled_from(real), label=name)
        case.body = body


def _credentials(stage: Stage, data: st.DataObject, label: str) -> dict[str, str]:
    """Mostly the role that may call the operation; any other role now and then. A browser's call
    sometimes leaves out its CSRF header or declares another content type, as a forged form would."""
    role = data.draw(st.sampled_from((may_call(label),) * 3 + ROLES), label="role")
    headers = stage.headers(role)
    if role == "cookie":
        if data.draw(st.booleans(), label="without the CSRF header"):
            headers.pop("x-csrftoken")
        headers["Content-Type"] = data.draw(st.sampled_from(("application/json", "text/plain", "application/x-www-form-urlencoded")))
    return headers


def _as_httpx(kwargs: dict[str, Any], credentials: dict[str, str]) -> dict[str, Any]:
    """Schemathesis serialises for `requests`; the TestClient is httpx, which takes raw bytes as
    `content` (and JSON is encoded here, escaped: httpx cannot encode a lone surrogate)."""
    out = {key: kwargs[key] for key in ("method", "url", "params") if kwargs.get(key) is not None}
    if kwargs.get("json") is not None:  # None: no body, as `requests` sends it
        out["content"] = json.dumps(kwargs["json"]).encode()
    elif kwargs.get("data") is not None:
        out["content"] = kwargs["data"]
    out["headers"] = {**(kwargs.get("headers") or {}), **credentials}
    return out


@pytest.mark.parametrize("label", sorted(set(OPERATIONS) - NOT_HTTP))
def test_every_operation_keeps_the_documented_contract(api: Api, label: str) -> None:
    operation = OPERATIONS[label]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    stages: list[Stage] = []  # the current stage, until a request changes something

    @FUZZ
    @given(case=cases, data=st.data())
    def fuzz(case: Any, data: st.DataObject) -> None:
        if not stages:
            stages.append(make_stage(api.client, api.csrf))
        stage = stages[-1]
        _substitute_ids(case, stage, data)
        credentials = _credentials(stage, data, label)
        api.client.cookies.clear()  # nothing rides along from an earlier answer
        response = api.client.request(**_as_httpx(case.as_transport_kwargs(base_url=BASE_URL), credentials))
        if case.method != "GET" and response.status_code < 300:
            stages.clear()  # it changed something: the next request gets a fresh stage
        answers.append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        if response.status_code >= 400:
            check_error(response, response.status_code)

    answers: list[int] = []
    seeded(fuzz)()
    # Not everything stopped at the door: some requests reached the operation's own checks or work.
    assert set(answers) - {401, 403, 404}, answers

