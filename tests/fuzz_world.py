"""A small but complete event for fuzzing the JSON API, and a token of every role to send with.

Generated requests only reach a handler's real work when their ids name real records, so the stage
holds one of everything (two sites, a phone at each, notes, a build-on, a vote, two themes with a
note in one, an agenda whose first phase runs) and hands out its ids. It is made through the API, like
`tests.api_helpers.make_event`, and made again after any request that changed something: a fuzzed
DELETE or close must not spoil the next request. About 20 ms on SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import seed
from starlette.testclient import TestClient

from tests.api_helpers import API, Phone, World, bearer, join, make_event, post_note, query_token

# How far the fuzzing goes (docs/api.md, "How the API is fuzzed"): requests per operation, and a seed
# for a run that explores other requests than CI's derandomized ones.
EXAMPLES = int(os.environ.get("WORKSHOP_FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("WORKSHOP_FUZZ_SEED", "").strip()
Test = TypeVar("Test", bound=Callable[..., Any])


def seeded(test: Test) -> Test:
    """A Hypothesis test as CI runs it (derandomized), or from `WORKSHOP_FUZZ_SEED` when set."""
    return seed(int(SEED))(test) if SEED else test  # type: ignore[no-any-return]


# What each role sends: a bearer token, as API clients do; "cookie" is the first phone's browser
# (its session cookie and the CSRF token, as app.js sends them); "forged" is a well-formed token no
# server signed; "none" sends nothing.
ROLES = ("host", "facilitator", "other_facilitator", "viewer", "participant", "other_participant", "cookie", "forged", "none")

# Body fields that name a record: given a real id now and then, a generated body reaches the checks
# after the lookup (a merge into a note of another site, a send to the same site, ...).
NOTE_FIELDS = {"note_id", "into"}
THEME_FIELDS = {"theme_id", "into"}
SITE_FIELDS = {"site_id", "to_site_id"}
PHASE_FIELDS = {"phase_id", "id"}

# The role that may call each operation on the stage's first records, so a request gets past the
# door; the host may call everything else.
MAY_CALL = {
    f"POST {API}/sites/{{site_id}}/notes": "participant",
    f"DELETE {API}/notes/{{note_id}}": "participant",
    f"POST {API}/notes/{{note_id}}/build-ons": "other_participant",
    f"POST {API}/notes/{{note_id}}/votes": "other_participant",
    f"DELETE {API}/notes/{{note_id}}/votes": "other_participant",  # it holds the stage's vote
    f"GET {API}/events/{{event_id}}/my-votes": "other_participant",
}


def may_call(label: str) -> str:
    """The role that may call an operation ("POST /api/v1/join") on the stage's records."""
    return MAY_CALL.get(label, "host")


THEMES = ("Green", "Water")
PHASES = [
    {"name": "Write and vote", "minutes": 10, "allows": ["post", "vote", "build"]},
    {"name": "Read", "minutes": 5, "allows": []},
]


@dataclass
class Stage:
    world: World
    phones: list[Phone]  # at site 0, at site 1
    notes: list[dict[str, Any]]  # two of the first phone's (site 0), one of the second's (site 1)
    build_on: dict[str, Any]
    themes: list[dict[str, Any]]  # the first holds the first note; the second is empty
    phase_ids: list[str]
    csrf: str  # the client's CSRF token, for the "cookie" role

    def headers(self, role: str) -> dict[str, str]:
        """What one of `ROLES` sends: an Authorization header, or the browser's cookies."""
        if role == "cookie":
            return {"Cookie": f"ow_participant={self.phones[0].token}; csrftoken={self.csrf}", "x-csrftoken": self.csrf}
        tokens = {
            "host": self.world.host_token,
            "facilitator": self.world.sites[0]["facilitator_token"],
            "other_facilitator": self.world.sites[1]["facilitator_token"],
            "viewer": query_token(self.world.created["board_url"]),
            "participant": self.phones[0].token,
            "other_participant": self.phones[1].token,
            "forged": "p_" + "A" * 40 + ".forged",
        }
        return bearer(tokens[role]) if role in tokens else {}

    @property
    def path_ids(self) -> dict[str, str]:
        """A real record for each path parameter of the API, at the first site where there is a choice."""
        return {
            "event_id": self.world.id,
            "site_id": self.world.sites[0]["id"],
            "note_id": self.notes[0]["id"],
            "participant_id": self.phones[0].participant_id,
            "build_on_id": self.build_on["id"],
            "theme_id": self.themes[0]["id"],
        }

    def path_choices(self, name: str) -> list[str]:
        """Every real record a path parameter may name: a note voted for and one nobody touched, ..."""
        return {
            "note_id": [note["id"] for note in self.notes],
            "site_id": [site["id"] for site in self.world.sites],
            "participant_id": [phone.participant_id for phone in self.phones],
            "theme_id": [theme["id"] for theme in self.themes],
        }.get(name, [self.path_ids[name]])

    def ids_for(self, field: str) -> list[str]:
        """Real ids a body field may name (empty for a field that names no record)."""
        found: list[str] = []
        if field in NOTE_FIELDS:
            found += [note["id"] for note in self.notes]
        if field in THEME_FIELDS:
            found += [theme["id"] for theme in self.themes]
        if field in SITE_FIELDS:
            found += [site["id"] for site in self.world.sites]
        if field in PHASE_FIELDS:
            found += self.phase_ids
        if field == "code":
            found += [site["join_code"] for site in self.world.sites]
        return found


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def stateless(client: TestClient) -> str:
    """Make a client send only what each request says (no cookie jar, no default CSRF header), as an
    API client does; returns the CSRF token it had, for requests that act as a browser."""
    csrf = client.cookies.get("csrftoken") or ""
    client.cookies.clear()
    client.headers.pop("x-csrftoken", None)
    return csrf


def make_stage(client: TestClient, csrf: str = "") -> Stage:
    """A fresh stage on a `stateless` client (`csrf`: what `stateless` returned)."""
    world = make_event(client, sites=2)
    host = world.host
    agenda = _ok(client.put(f"{API}/events/{world.id}/agenda", json={"phases": PHASES}, headers=host))
    phase_ids = [phase["id"] for phase in agenda["phases"]]
    _ok(client.post(f"{API}/events/{world.id}/clock", json={"action": "start", "phase_id": phase_ids[0]}, headers=host))
    phones = [join(client, world.sites[0], name="Ada"), join(client, world.sites[1])]
    notes = [
        _ok(post_note(client, phones[0], "More trees on the square", client_id="fuzz-1"), 201),
        _ok(post_note(client, phones[0], "Benches under the trees"), 201),
        _ok(post_note(client, phones[1], "Shade for the bus stop", kind="question"), 201),
    ]
    build_on = _ok(client.post(f"{API}/notes/{notes[0]['id']}/build-ons", json={"text": "And water"}, headers=phones[1].auth), 201)
    _ok(client.post(f"{API}/notes/{notes[0]['id']}/votes", headers=phones[1].auth), 201)
    themes = [_ok(client.post(f"{API}/events/{world.id}/themes", json={"name": name}, headers=host), 201) for name in THEMES]
    _ok(client.put(f"{API}/notes/{notes[0]['id']}/theme", json={"theme_id": themes[0]["id"]}, headers=host))
    return Stage(world, phones, notes, build_on, themes, phase_ids, csrf)
