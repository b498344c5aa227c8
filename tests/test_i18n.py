"""Translations, locale switching, locale formatting and translated page rendering."""

from __future__ import annotations

import html
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from workshop import i18n
from tests.api_helpers import csrf_ready
from workshop.config import Settings
from workshop.resources import static_dir
from workshop.web.app import create_app
from workshop.web.templating import LocaleMiddleware, make_templates, render_fragment

POT = i18n.TRANSLATIONS_DIR / "messages.pot"


def _catalog(path):  # type: ignore[no-untyped-def]
    with path.open("rb") as po:
        return read_po(po)


@pytest.fixture(autouse=True)
def _english_between_tests():  # type: ignore[no-untyped-def]
    token = i18n.use_locale("en")
    yield
    i18n.current_locale.reset(token)


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")
"""The named placeholders a translation must keep exactly: `%(site)s` (gettext) and `{name}` (str.format)."""

CATALOGS = sorted(path.parent.parent.name for path in i18n.TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"))


def _forms(value: object) -> tuple[str, ...]:
    """A message's id or string as a tuple of forms (one for a plain message, one per plural form)."""
    if isinstance(value, tuple | list):
        return tuple(str(form or "") for form in value)
    return (str(value or ""),)


def _catalog_problems(template: Catalog, catalog: Catalog, *, identity_allowed: bool) -> list[str]:
    """Every way `catalog` falls short of `template`: a message missing, untranslated, fuzzy, with the
    wrong number of plural forms, or with placeholders or lines that differ from the English.

    `identity_allowed` is for the English catalog, whose empty msgstr means "the msgid as it is"; an
    English msgstr that is filled in (a rewording) is checked like any other translation."""
    problems: list[str] = []
    for message in template:
        if not message.id:
            continue
        ids = _forms(message.id)
        found = catalog.get(message.id, message.context)
        if found is None:
            problems.append(f"missing: {ids[0]!r}")
            continue
        strings = _forms(found.string)
        if identity_allowed and not any(strings):
            continue
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        if found.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if len(ids) > 1 and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms, not {catalog.num_plurals}: {ids[0]!r}")
        for number, string in enumerate(strings):
            source = ids[min(number, len(ids) - 1)]
            if sorted(PLACEHOLDER.findall(string)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
            if string.count("\n") != source.count("\n"):
                problems.append(f"not one line per line (a facilitator script is one step per line): {ids[0]!r}")
    return problems


def test_every_catalog_is_offered_and_every_offered_language_has_a_catalog() -> None:
    assert set(CATALOGS) == set(i18n.SUPPORTED)
    assert {"en", "da", "sv", "nl"} <= set(CATALOGS)


@pytest.mark.parametrize("lang", CATALOGS)
def test_no_catalog_lacks_a_message(lang: str) -> None:
    """Every msgid of messages.pot is in every catalog, translated (English may stay identity), not
    fuzzy, with its placeholders, plural forms and lines intact."""
    catalog = _catalog(i18n.catalog_path(lang))
    assert catalog.locale is not None and str(catalog.locale) == lang
    problems = _catalog_problems(_catalog(POT), catalog, identity_allowed=lang == i18n.DEFAULT)
    assert not problems, f"{lang} (see docs/i18n.md, 3. and 4.): " + "\n".join(problems)


def test_the_completeness_check_notices_a_missing_or_broken_message() -> None:
    """The check above must fail when one message is missing, emptied, fuzzy or loses a placeholder."""
    template = _catalog(POT)
    assert not _catalog_problems(template, _catalog(i18n.catalog_path("sv")), identity_allowed=False)

    def broken(change) -> list[str]:  # type: ignore[no-untyped-def]
        catalog = _catalog(i18n.catalog_path("sv"))
        change(catalog)
        return _catalog_problems(template, catalog, identity_allowed=False)

    def drop(catalog: Catalog) -> None:
        del catalog["Join"]

    def empty(catalog: Catalog) -> None:
        catalog["Join"].string = ""

    def fuzz(catalog: Catalog) -> None:
        catalog["Join"].flags.add("fuzzy")

    def lose_placeholder(catalog: Catalog) -> None:
        catalog["Join %(site)s"].string = "Delta"

    def one_plural_form(catalog: Catalog) -> None:
        catalog["%(num)d vote"].string = ("%(num)d röst",)

    assert broken(drop) == ["missing: 'Join'"]
    assert broken(empty) == ["untranslated: 'Join'"]
    assert broken(fuzz) == ["fuzzy: 'Join'"]
    assert [problem.split(":")[0] for problem in broken(lose_placeholder)] == ["placeholders differ"]
    assert broken(one_plural_form) == ["1 plural forms, not 2: '%(num)d vote'"]


def test_catalog_headers_are_not_fuzzy() -> None:
    for lang in i18n.SUPPORTED:
        assert not _catalog(i18n.catalog_path(lang)).fuzzy, f"{lang} catalog header is marked fuzzy"


def test_use_locale_switches_gettext() -> None:
    assert i18n.gettext("Join") == "Join"
    token = i18n.use_locale("da")
    try:
        assert i18n.current_locale.get() == "da"
        assert i18n.gettext("Join") == "Deltag"
        assert i18n._("Create a workshop") == "Opret en workshop"
        assert str(i18n.N_("Idea")) == "Idé"
    finally:
        i18n.current_locale.reset(token)
    assert i18n.gettext("Join") == "Join"


def test_lazy_strings_follow_the_current_locale() -> None:
    label = i18n.N_("Question")
    with i18n.in_locale("da"):
        assert str(label) == "Spørgsmål"
    assert str(label) == "Question"


def test_ngettext_without_a_translation_uses_english_forms() -> None:
    with i18n.in_locale("da"):
        assert i18n.ngettext("%(num)d note", "%(num)d notes", 1) == "%(num)d note"
        assert i18n.ngettext("%(num)d note", "%(num)d notes", 3) == "%(num)d notes"


@pytest.mark.parametrize("asked", ["fr", "xx", "", None, "klingon-KL"])
def test_unsupported_language_falls_back_to_english(asked: str | None) -> None:
    token = i18n.use_locale(asked)
    try:
        assert i18n.current_locale.get() == "en"
        assert i18n.gettext("Join") == "Join"
    finally:
        i18n.current_locale.reset(token)
    assert isinstance(i18n.translations("fr").gettext("Join"), str)
    assert i18n.translations("fr").gettext("Join") == "Join"


def test_regional_tags_map_to_their_language() -> None:
    with i18n.in_locale("da-DK") as used:
        assert used == "da"
        assert i18n.gettext("Join") == "Deltag"


def test_format_datetime_differs_by_locale() -> None:
    instant = "2026-11-22T13:05:00.000Z"  # 14:05 in Copenhagen (CET, UTC+1)
    with i18n.in_locale("en"):
        english = i18n.format_datetime(instant, "Europe/Copenhagen")
    with i18n.in_locale("da"):
        danish = i18n.format_datetime(instant, "Europe/Copenhagen")
    assert english != danish
    assert "2:05" in english and "PM" in english
    assert "14.05" in danish or "14:05" in danish
    assert "11" in danish and "22" in danish


def test_format_datetime_unknown_zone_uses_utc() -> None:
    with i18n.in_locale("da"):
        assert i18n.format_time("2026-11-22T13:05:00Z", "Nowhere/Atlantis") in ("13.05", "13:05")
        assert i18n.format_datetime("", "Europe/Copenhagen") == ""


def test_format_number_uses_locale_separators() -> None:
    with i18n.in_locale("en"):
        assert i18n.format_number(1234.5) == "1,234.5"
    with i18n.in_locale("da"):
        assert i18n.format_number(1234.5) == "1.234,5"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("da-DK,da;q=0.9,en-US;q=0.8,en;q=0.7", "da"),
        ("en-GB,en;q=0.9,da;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,da;q=0.5", "da"),
        ("fr,de", "en"),
        ("en;q=0.2, da;q=0.9", "da"),
        ("da;q=0", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("da", "da"),
        ("DA_dk", "da"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header, "en") == expected


def test_negotiate_default_is_used_and_checked() -> None:
    assert i18n.negotiate("fr", "da") == "da"
    assert i18n.negotiate("fr", "fr") == "en"


def test_language_names_are_in_their_own_language() -> None:
    names = i18n.language_names()
    assert list(names) == list(i18n.SUPPORTED)
    assert names["en"] == "English"
    assert names["da"] == "Dansk"
    assert names["sv"] == "Svenska"
    assert names["nl"] == "Nederlands"


# ---------- Rendering through a tiny Starlette app ----------


def _app() -> Starlette:
    templates = make_templates()

    async def home(request: Request) -> Response:
        return templates.TemplateResponse(request, "home.html")

    async def oops(request: Request) -> Response:
        message = i18n.gettext("Something went wrong")
        return templates.TemplateResponse(request, "error.html", {"message": message, "status_code": 404}, status_code=404)

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/oops", oops),
            Mount("/static", app=StaticFiles(directory=static_dir()), name="static"),
        ]
    )
    app.add_middleware(LocaleMiddleware)
    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(_app())


def test_home_in_english(client: TestClient) -> None:
    page = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    assert "Create a workshop" in html
    assert "Join a workshop" in html
    assert "Opret en workshop" not in html
    assert 'href="http://testserver/static/app.css"' in html
    assert "/static/vendor/htmx-2.0.11.min.js" in html
    assert 'id="announcer"' in html and 'aria-live="polite"' in html


def test_home_in_danish_from_accept_language(client: TestClient) -> None:
    html = client.get("/", headers={"accept-language": "da-DK,da;q=0.9,en;q=0.5"}).text
    assert '<html lang="da">' in html
    assert "Opret en workshop" in html
    assert "Deltag i en workshop" in html
    assert "Gå til hovedindholdet" in html
    assert "Create a workshop" not in html
    assert '<option value="da" lang="da" selected>Dansk</option>' in html


@pytest.mark.parametrize(
    ("header", "lang", "create", "join", "skip"),
    [
        ("sv-SE,sv;q=0.9,en;q=0.5", "sv", "Skapa en workshop", "Delta i en workshop", "Gå till huvudinnehållet"),
        ("nl-NL,nl;q=0.9,en;q=0.5", "nl", "Een workshop maken", "Doe mee aan een workshop", "Naar de hoofdinhoud"),
    ],
)
def test_home_in_swedish_and_dutch(client: TestClient, header: str, lang: str, create: str, join: str, skip: str) -> None:
    html_ = client.get("/", headers={"accept-language": header}).text
    assert f'<html lang="{lang}">' in html_
    assert create in html_ and join in html_ and skip in html_
    assert "Create a workshop" not in html_
    name = i18n.language_name(lang)
    assert f'<option value="{lang}" lang="{lang}" selected>{name}</option>' in html_
    switched = client.get(f"/?lang={lang}", headers={"accept-language": "da"})
    assert create in switched.text and f"lang={lang}" in switched.headers["set-cookie"]


def test_language_switcher_sets_and_remembers_language(client: TestClient) -> None:
    switched = client.get("/?lang=da", headers={"accept-language": "en"})
    assert "Opret en workshop" in switched.text
    assert "lang=da" in switched.headers["set-cookie"]
    # The cookie now wins over the browser's language.
    again = client.get("/", headers={"accept-language": "en"})
    assert "Opret en workshop" in again.text
    back = client.get("/?lang=en")
    assert "Create a workshop" in back.text


def test_language_switcher_ignores_unknown_languages(client: TestClient) -> None:
    page = client.get("/?lang=xx", headers={"accept-language": "da"})
    assert "Opret en workshop" in page.text
    assert "set-cookie" not in page.headers


def test_error_page_is_translated(client: TestClient) -> None:
    page = client.get("/oops?lang=da")
    assert page.status_code == 404
    assert "Noget gik galt" in page.text
    assert "Fejlkode: 404" in page.text
    assert "Gå til forsiden" in page.text


def test_request_locale_does_not_leak(client: TestClient) -> None:
    client.get("/?lang=da")
    assert i18n.current_locale.get() == "en"


def test_render_fragment_renders_in_the_given_language_and_escapes() -> None:
    templates = make_templates()
    note = {
        "id": "n1",
        "site_id": "s1",
        "participant_id": "p1",
        "seq": 1,
        "colour": "yellow",
        "kind": "idea",
        "text": "<b>Flere bænke</b>",
        "created_at": "2026-11-22T13:05:00.000Z",
    }
    state = SimpleNamespace(site_names={"s1": "Aalborg"}, counts={"s1": 1}, event={"timezone": "Europe/Copenhagen"})
    html = render_fragment(
        templates, "live/entry.html", "da", view="site-board", site_id="s1", type="note.created", data={"note": note}, state=state
    )
    assert "Ny seddel fra Aalborg" in html
    assert "Idé" in html
    assert ">14.05<" in html  # 13:05 UTC is 14:05 in Copenhagen, written the Danish way
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert i18n.current_locale.get() == "en"


def test_catalog_template_is_current_with_the_sources() -> None:
    """Every message the code and templates use right now is in messages.pot (and so translated),
    so no string reaches a page in English only because nobody ran `pybabel extract`."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = i18n.TRANSLATIONS_DIR.parent.parent
    with (root / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    used = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(root), method_map, options_map)
    }
    known = {str(message.id) if isinstance(message.id, str) else str(message.id[0]) for message in _catalog(POT) if message.id}
    missing = sorted(used - known)
    assert not missing, f"messages.pot is out of date (see docs/i18n.md): {missing}"


# ---------- A whole workshop held in Swedish or Dutch (the real app) ----------

EVENT_IN = {
    "sv": {
        "join": "Delta i Malmö",
        "kit_phase": "Fas 1: Välkommen",
        "not_started": "Workshopen har inte börjat än.",
        "banner": ["Fas 1 av 8", "Välkommen", "10:00 kvar", "Läs och lyssna i den här fasen"],
        "script": "Hälsa alla välkomna och berätta vem du är",
        "summary": ["Deltagande", "Teman som kom upp på två platser eller fler", "Agendan som den genomfördes"],
    },
    "nl": {
        "join": "Meedoen in Malmö",
        "kit_phase": "Fase 1: Welkom",
        "not_started": "De workshop is nog niet begonnen.",
        "banner": ["Fase 1 van 8", "Welkom", "nog 10:00", "Lees en luister in deze fase"],
        "script": "Heet iedereen welkom en vertel wie je bent",
        "summary": ["Deelname", "Thema's die op twee of meer locaties naar voren kwamen", "De agenda zoals die verliep"],
    },
}


@pytest.mark.parametrize("lang", sorted(EVENT_IN))
def test_an_event_in_swedish_or_dutch_runs_and_exports_in_its_language(tmp_path: Path, lang: str) -> None:
    """Everyone sees an event's pages in its language (their browser says English), its kit's phases
    and facilitator script are in that language, and so is the summary."""
    said = EVENT_IN[lang]
    english = {"accept-language": "en"}
    with TestClient(create_app(Settings(database=str(tmp_path / "i18n.db"))), follow_redirects=False) as host:
        csrf_ready(host)
        form = {"title": "Gröna gator", "theme": "Träd", "language": lang, "timezone": "Europe/Stockholm", "kit": "open-workshop"}
        created = host.post("/host/new", data=form, headers=english)
        assert created.status_code == 303, created.text
        event_id = re.fullmatch(r"/host/([\w-]+)\?created=1", created.headers["location"]).group(1)  # type: ignore[union-attr]
        assert host.post(f"/host/{event_id}/sites", data={"name": "Malmö"}, headers=english).status_code == 303
        dashboard = html.unescape(host.get(f"/host/{event_id}", headers=english).text)
        assert f'<html lang="{lang}">' in dashboard and said["kit_phase"] in dashboard
        code = re.search(r'<span class="board__code">([^<]+)</span>', dashboard).group(1)  # type: ignore[union-attr]

        phone = csrf_ready(TestClient(host.app, follow_redirects=False))
        assert said["join"] in html.unescape(phone.get(f"/join/{code}", headers=english).text)
        joined = phone.post("/join", data={"code": code}, headers=english)
        assert joined.status_code == 303, joined.text
        site_id = re.search(r"/sites/([\w-]+)/", joined.headers["location"]).group(1)  # type: ignore[union-attr]
        assert said["not_started"] in html.unescape(phone.get(f"/sites/{site_id}/phone", headers=english).text)

        host.post(f"/host/{event_id}/clock", data={"action": "next"}, headers=english)
        phone_page = html.unescape(phone.get(f"/sites/{site_id}/phone", headers=english).text)
        for words in said["banner"]:
            assert words in phone_page, words
        assert "Read and listen" not in phone_page
        console = html.unescape(host.get(f"/sites/{site_id}/console", headers=english).text)
        assert said["script"] in console

        summary = host.get(f"/api/v1/events/{event_id}/export", params={"format": "md"}, headers=english)
        assert summary.status_code == 200, summary.text
        for words in said["summary"]:
            assert words in summary.text, words
        assert "Participation" not in summary.text
