"""Headers, cookies, CSRF and trusted hosts: what a browser is told, read off real responses."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from websockets.asyncio.client import connect

from tests.api_helpers import API, bearer, check_error, csrf_ready
from tests.servers import LiveServer
from tests.test_live import live_url, new_event
from tests.test_pages import add_site, create_event, join
from workshop.config import Settings
from workshop.web.app import create_app


def started(tmp_path: Path, base_url: str = "http://testserver", **settings: object) -> TestClient:
    """The app with no CSRF help: a person's browser, which sends only what the pages give it."""
    app = create_app(Settings(database=str(tmp_path / "security.db"), **settings))  # type: ignore[arg-type]
    return TestClient(app, base_url=base_url, follow_redirects=False)


@pytest.fixture
def person(tmp_path: Path) -> Iterator[TestClient]:
    with started(tmp_path) as client:
        yield client


def directives(policy: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in policy.split(";") if part.strip()}


# -- headers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/host/new", "/join/NOSUCH", "/static/app.css", f"{API}/kits", f"{API}/events/nosuch", "/healthz"])
def test_every_answer_carries_a_strict_policy_and_its_companions(person: TestClient, path: str) -> None:
    answer = person.get(path)
    policy = directives(answer.headers["content-security-policy"])
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert "unsafe-eval" not in answer.headers["content-security-policy"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in answer.headers  # plain http: a browser would ignore it anyway


def test_refusals_carry_the_headers_too(person: TestClient) -> None:
    too_big = person.post(f"{API}/events", content=b"x" * (65 * 1024), headers={"content-type": "application/json"})
    assert too_big.status_code == 413
    assert too_big.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in too_big.headers["content-security-policy"]


def test_https_adds_strict_transport_security(tmp_path: Path) -> None:
    with started(tmp_path, base_url="https://testserver") as client:
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_pages_hold_no_inline_script_style_or_handler(person: TestClient) -> None:
    """What the policy would block must not be there in the first place: the pages would break."""
    csrf_ready(person)
    event_id = create_event(person)
    _, code = add_site(person, event_id, "Aalborg")
    for path in ("/", "/host/new", f"/host/{event_id}", f"/join/{code}", f"/events/{event_id}/board"):
        page = person.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert "<style" not in page and not re.search(r"\sstyle=", page), path
        assert not re.search(r"\son[a-z]+=", page), path


def test_the_downloaded_summary_may_use_its_own_style_block_and_nothing_else(person: TestClient) -> None:
    created = person.post(f"{API}/events", json={"title": "Climate week", "theme": "Cool streets"}).json()
    summary = person.get(f"{API}/events/{created['id']}/export?format=html", headers=bearer(created["host_token"]))
    assert summary.status_code == 200
    policy = directives(summary.headers["content-security-policy"])
    style = re.search(r"<style>(.*?)</style>", summary.text, flags=re.S).group(1)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy["style-src"] == f"'sha256-{digest}'"
    assert policy["default-src"] == "'none'" and "script-src" not in policy  # so no script at all


# -- cookies -----------------------------------------------------------------------------------------


def cookie_line(answer_headers: list[str], name: str) -> str:
    return next(line for line in answer_headers if line.startswith(f"{name}="))


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_session_cookies_are_httponly_samesite_and_secure_over_https(tmp_path: Path, scheme: str) -> None:
    with started(tmp_path, base_url=f"{scheme}://testserver") as client:
        created = client.post(f"{API}/events", json={"title": "Climate week", "theme": "Cool streets"}).json()
        adopted = client.get(f"/host/{created['id']}?token={created['host_token']}")
        assert adopted.status_code == 303
        line = cookie_line(adopted.headers.get_list("set-cookie"), "ow_host").lower()
        assert "httponly" in line and "samesite=lax" in line
        assert ("secure" in line.split("; ")) == (scheme == "https")


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_csrf_cookie_is_secure_over_https_like_the_others(tmp_path: Path, scheme: str) -> None:
    with started(tmp_path, base_url=f"{scheme}://testserver") as client:
        line = cookie_line(client.get("/host/new").headers.get_list("set-cookie"), "csrftoken")
        assert "SameSite=Lax" in line
        assert ("Secure" in line.split("; ")) == (scheme == "https")


# -- CSRF --------------------------------------------------------------------------------------------


class _PostForms(HTMLParser):
    """Every POST form on a page: its action and the names of its hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self._inside = (found.get("method") or "").lower() == "post"
            if self._inside:
                self.forms.append((found.get("action") or "", set()))
        elif tag == "input" and self._inside and found.get("type") == "hidden":
            self.forms[-1][1].add(found.get("name") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def post_forms(page: str) -> list[tuple[str, set[str]]]:
    parser = _PostForms()
    parser.feed(page)
    return parser.forms


def test_every_post_form_on_every_page_carries_the_token(tmp_path: Path) -> None:
    with started(tmp_path) as host:
        csrf_ready(host)
        event_id = create_event(host)
        site_id, code = add_site(host, event_id, "Aalborg")
        add_site(host, event_id, "Odense")
        phone = csrf_ready(TestClient(host.app, follow_redirects=False))
        join(phone, code)
        assert phone.post(f"/sites/{site_id}/notes", data={"text": "Shade on the square", "kind": "idea"}).status_code == 303
        note_id = re.search(r'href="/notes/([\w-]+)/edit"', phone.get(f"/sites/{site_id}/phone").text).group(1)  # type: ignore[union-attr]
        pages = {
            host: ["/host/new", f"/host/{event_id}", f"/host/{event_id}/delete", f"/events/{event_id}/board",
                   f"/sites/{site_id}/console", f"/notes/{note_id}/moderate", f"/notes/{note_id}/merge"],
            phone: [f"/join/{code}", f"/sites/{site_id}/phone", f"/notes/{note_id}/edit"],
        }
        seen = 0
        for client, paths in pages.items():
            for path in paths:
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.status_code)
                for action, hidden in post_forms(answer.text):
                    assert "csrftoken" in hidden, f"the form posting to {action} on {path} has no CSRF token"
                    seen += 1
        assert seen >= 20  # the console and the dashboard alone hold many forms


def test_a_form_sent_without_its_token_is_refused_readably_and_changes_nothing(person: TestClient) -> None:
    csrf_ready(person)
    event_id = create_event(person)
    site_id, code = add_site(person, event_id, "Aalborg")
    del person.headers["x-csrftoken"]  # from here on, a page posted the way another site would post it
    refused = person.post(f"/host/{event_id}/sites", data={"name": "Odense"}, headers={"accept-language": "da"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "genindlæs" in refused.text.lower()  # the Danish page: "... reload the page and send it again"
    assert "Odense" not in person.get(f"/host/{event_id}").text


def test_the_field_the_page_gave_is_accepted_and_another_browsers_is_not(tmp_path: Path) -> None:
    with started(tmp_path) as host:
        csrf_ready(host)
        event_id = create_event(host)
        del host.headers["x-csrftoken"]
        dashboard = host.get(f"/host/{event_id}").text
        token = re.search(r'name="csrftoken" value="([^"]+)"', dashboard).group(1)  # type: ignore[union-attr]
        assert host.post(f"/host/{event_id}/sites", data={"csrftoken": token, "name": "Odense"}).status_code == 303

        stranger = TestClient(host.app, follow_redirects=False)
        theirs = re.search(r'name="csrftoken" value="([^"]+)"', stranger.get("/host/new").text).group(1)  # type: ignore[union-attr]
        assert theirs != token
        assert host.post(f"/host/{event_id}/sites", data={"csrftoken": theirs, "name": "Vejle"}).status_code == 403
        assert "Vejle" not in host.get(f"/host/{event_id}").text


def test_the_api_with_cookies_needs_the_header_but_a_bearer_token_does_not(person: TestClient) -> None:
    created = person.post(f"{API}/events", json={"title": "Climate week", "theme": "Cool streets"}).json()
    person.get(f"/host/{created['id']}?token={created['host_token']}")  # the host's cookie, as the dashboard link sets it
    person.get("/host/new")  # and the CSRF cookie, as any page with a form sets it
    site = {"name": "Aalborg"}
    check_error(person.post(f"{API}/events/{created['id']}/sites", json=site), 403, "csrf_failed", "x-csrftoken")
    with_header = person.post(f"{API}/events/{created['id']}/sites", json=site, headers={"x-csrftoken": person.cookies["csrftoken"]})
    assert with_header.status_code == 201, with_header.text
    with_bearer = TestClient(person.app).post(f"{API}/events/{created['id']}/sites", json={"name": "Odense"}, headers=bearer(created["host_token"]))
    assert with_bearer.status_code == 201, with_bearer.text


def test_a_body_the_check_cannot_read_is_a_400_not_a_500(person: TestClient) -> None:
    csrf_ready(person)
    event_id = create_event(person)
    del person.headers["x-csrftoken"]
    not_utf8 = person.post(f"/host/{event_id}/sites", content=b"name=\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"})
    assert not_utf8.status_code == 400, not_utf8.text
    assert not_utf8.headers["content-type"].startswith("text/html")


def test_a_multipart_form_with_cookies_is_refused_plainly_even_with_its_token(person: TestClient) -> None:
    """No page sends multipart; the CSRF check cannot read it, so it is refused for what it is."""
    csrf_ready(person)
    event_id = create_event(person)
    token = person.headers.pop("x-csrftoken")
    answer = person.post(f"/host/{event_id}/sites", files={"name": (None, "Odense")}, data={"csrftoken": token})
    assert answer.status_code == 415, answer.text
    assert "Odense" not in person.get(f"/host/{event_id}").text


def test_an_authorization_header_never_falls_back_to_cookies(person: TestClient) -> None:
    """A request with an Authorization header skips the CSRF check, so it must not ride on cookies either."""
    created = person.post(f"{API}/events", json={"title": "Climate week", "theme": "Cool streets"}).json()
    person.get(f"/host/{created['id']}?token={created['host_token']}")  # the host's cookie
    empty = person.post(f"{API}/events/{created['id']}/sites", json={"name": "Odense"}, headers={"authorization": "Bearer "})
    check_error(empty, 401)  # past the CSRF check (it trusts "Bearer "), but no token: the cookie does not count
    for header in ("Basic abc", "Bearer"):  # not a bearer token: the CSRF check applies, and refuses
        check_error(person.post(f"{API}/events/{created['id']}/sites", json={"name": "Odense"}, headers={"authorization": header}), 403)
    assert "Odense" not in person.get(f"/host/{created['id']}").text


def test_another_site_cannot_join_or_make_an_event_in_a_visitors_name(person: TestClient) -> None:
    """Even with no cookie yet, joining and creating an event need the page's token: else another site
    could make a visitor join its own workshop, and read what they then post."""
    created = person.post(f"{API}/events", json={"title": "Climate week", "theme": "Cool streets"}).json()
    site = person.post(f"{API}/events/{created['id']}/sites", json={"name": "Aalborg"}, headers=bearer(created["host_token"])).json()
    visitor = TestClient(person.app, follow_redirects=False)
    forged = visitor.post("/join", data={"code": site["join_code"]})
    assert forged.status_code == 403 and "ow_participant" not in visitor.cookies
    assert visitor.post("/host/new", data={"title": "Theirs", "theme": "Theirs"}).status_code == 403
    assert visitor.post(f"{API}/join", json={"code": site["join_code"]}).status_code == 201  # the API, no cookies: no ambient authority


def test_a_500_carries_the_security_headers_and_a_page_503_says_when_to_retry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workshop.service import Workshop
    from workshop.store import StoreUnavailable

    async def broken(self: Workshop, *args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    async def away(self: Workshop, *args: object, **kwargs: object) -> None:
        raise StoreUnavailable("database gone")

    app = create_app(Settings(database=str(tmp_path / "security.db")))
    with TestClient(app, raise_server_exceptions=False) as client:  # the app answers, as it does for people
        created = client.post(f"{API}/events", json={"title": "Climate week", "theme": "Cool streets"}).json()
        client.get(created["board_url"], follow_redirects=False)  # the board's viewer cookie, for the page below
        monkeypatch.setattr(Workshop, "event", broken)
        crashed = client.get(f"{API}/events/{created['id']}", headers=bearer(created["host_token"]))
        assert crashed.status_code == 500
        assert "frame-ancestors 'none'" in crashed.headers["content-security-policy"]
        assert crashed.headers["x-content-type-options"] == "nosniff"
        monkeypatch.setattr(Workshop, "board", away)
        unavailable = client.get(f"/events/{created['id']}/board")
        assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "5"


async def test_live_fragments_carry_no_ones_token(tmp_path: Path) -> None:
    """A fragment is rendered once for every screen of a view: it must not hold the poster's token."""
    server = LiveServer(tmp_path / "live.db").start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            event = await new_event(api, sites=1)
        site = event["sites"][0]
        console = f"{live_url(server, event)}?format=html&lang=en&view=console&site={site['id']}"
        async with connect(console, additional_headers=bearer(site["facilitator_token"])) as socket:
            await asyncio.wait_for(socket.recv(), 5)  # the first render
            async with httpx.AsyncClient(base_url=server.url, timeout=10, follow_redirects=False) as phone:
                token = re.search(r'name="csrftoken" value="([^"]+)"', (await phone.get(f"/join/{site['join_code']}")).text).group(1)  # type: ignore[union-attr]
                assert (await phone.post("/join", data={"csrftoken": token, "code": site["join_code"]})).status_code == 303
                posted = await phone.post(f"/sites/{site['id']}/notes", data={"csrftoken": token, "text": "Shade", "kind": "idea"})
                assert posted.status_code == 303, posted.text
            pushed = ""
            while "Shade" not in pushed:
                pushed += str(await asyncio.wait_for(socket.recv(), 5))
        assert "<form" in pushed
        assert token not in pushed and 'name="csrftoken"' not in pushed
    finally:
        server.stop()


# -- trusted hosts -----------------------------------------------------------------------------------


def test_with_a_public_address_other_host_names_are_refused(tmp_path: Path) -> None:
    with started(tmp_path, base_url="https://workshop.example.org", public_url="https://workshop.example.org") as client:
        assert client.get("/").status_code == 200
        forged = client.get("/", headers={"host": "evil.example"})
        assert forged.status_code == 400
        assert "evil.example" not in forged.text


def test_an_explicit_host_list_wins(tmp_path: Path) -> None:
    with started(tmp_path, allowed_hosts=("workshop.example.org",)) as client:
        assert client.get("/").status_code == 400  # the test client's own "testserver" is not on the list
        assert client.get("/", headers={"host": "workshop.example.org"}).status_code == 200


def test_the_command_line_lists_the_host_names_to_answer_to() -> None:
    from workshop.cli import _settings, parser

    given = _settings(parser().parse_args(["serve", "--allowed-hosts", "workshop.example.org, www.example.org"]))
    assert given.trusted_hosts() == ["workshop.example.org", "www.example.org"]
    assert Settings(public_url="https://workshop.example.org").trusted_hosts() == ["workshop.example.org", "localhost", "127.0.0.1"]
