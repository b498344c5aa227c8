"""Translations, locale switching, locale formatting and translated page rendering."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from workshop import i18n
from workshop.resources import static_dir
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


@pytest.mark.parametrize("lang", [lang for lang in i18n.SUPPORTED if lang != i18n.DEFAULT])
def test_every_message_is_translated(lang: str) -> None:
    template = _catalog(POT)
    catalog = _catalog(i18n.catalog_path(lang))
    untranslated: list[str] = []
    fuzzy: list[str] = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = (found.string if isinstance(found.string, tuple | list) else (found.string,)) if found else ("",)
        if found is None or not all(strings):
            untranslated.append(str(message.id))
        elif found.fuzzy:
            fuzzy.append(str(message.id))
    assert not untranslated, f"{lang}: untranslated messages (run pybabel update, then translate): {untranslated}"
    assert not fuzzy, f"{lang}: fuzzy messages (check them, then remove the fuzzy flag): {fuzzy}"


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
