"""Locales: which language a request is served in, its translations, and its dates and numbers.

Why it works the way it does:

- The `.po` files under `workshop/translations/<lang>/LC_MESSAGES/messages.po` are the only source
  of truth and the only thing committed. Compiled `.mo` files are build artefacts that drift from
  their `.po` and make review harder, so each catalog is compiled in memory, once per process, the
  first time its language is used (`read_po` then `write_mo` into a `babel.support.Translations`).
- The language of the work in progress is a `ContextVar`, not a global and not an argument threaded
  through every call: one process serves Danish and English pages (and live fragments) side by side,
  and a context variable is per task/request, so `gettext()` called anywhere (a template, a form
  error, a service message) answers in the language of the request it is working for.
- English is the source language, so a missing language, a missing catalog or a missing message
  all end up as the English text (identity), never as an error on a page.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel import dates as _dates
from babel import numbers as _numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, Translations

__all__ = [
    "DEFAULT",
    "DOMAIN",
    "SUPPORTED",
    "N_",
    "TRANSLATIONS_DIR",
    "_",
    "catalog_path",
    "current_locale",
    "format_date",
    "format_datetime",
    "format_number",
    "format_time",
    "gettext",
    "in_locale",
    "language_names",
    "lazy_gettext",
    "negotiate",
    "ngettext",
    "normalise",
    "npgettext",
    "pgettext",
    "translations",
    "use_locale",
]

SUPPORTED: Final[tuple[str, ...]] = ("en", "da", "sv", "nl")
"""Languages with a complete catalog, in the order a language switcher lists them.

A language is added here only once every message is translated (tests/test_i18n.py checks that):
a half-translated page that switches language mid-sentence is worse than a page in English."""

DEFAULT: Final = "en"
"""The source language of every msgid, and the fallback for anything not in SUPPORTED."""

DOMAIN: Final = "messages"
TRANSLATIONS_DIR: Final[Path] = Path(__file__).parent / "translations"

current_locale: contextvars.ContextVar[str] = contextvars.ContextVar("current_locale", default=DEFAULT)
"""The language of the request (or websocket view, or CLI command) being worked on right now."""


def normalise(lang: str | None) -> str:
    """A supported language code for `lang` ("da-DK", "DA", "da_DK" -> "da"), else the default.

    Everything that picks a language goes through here, so an odd `?lang=` value, a stale cookie or
    an event created in a language we later drop can never select a catalog we do not have."""
    if not lang:
        return DEFAULT
    tag = lang.strip().replace("_", "-").lower()
    if tag in SUPPORTED:
        return tag
    primary = tag.split("-", 1)[0]
    return primary if primary in SUPPORTED else DEFAULT


def use_locale(lang: str | None) -> contextvars.Token[str]:
    """Make `lang` (or English, if it is not supported) the current language; return the token to reset it.

    A token rather than a setter, so middleware and `in_locale` can restore exactly what was there
    before (`current_locale.reset(token)`), even when calls nest."""
    return current_locale.set(normalise(lang))


@contextlib.contextmanager
def in_locale(lang: str | None) -> Iterator[str]:
    """`with in_locale("da"): ...` runs a block in a language and restores the previous one after.

    For code that renders for someone other than the current request: a live fragment rendered once
    per language for many sockets, an e-mail, a test. Yields the language actually used."""
    token = use_locale(lang)
    try:
        yield current_locale.get()
    finally:
        current_locale.reset(token)


def catalog_path(lang: str) -> Path:
    """Where the `.po` file for `lang` lives (it may not exist)."""
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog for `lang`, compiled from its `.po` on first use and then kept.

    Fuzzy entries are left out (`use_fuzzy=False`): a fuzzy translation is a guess by the merge tool
    and may say something different from the English, so English is shown until a person checks it.
    A language without a catalog gets `NullTranslations`, which returns the English msgid.
    Call `translations.cache_clear()` to pick up edited `.po` files without a restart."""
    path = catalog_path(lang)
    if lang not in SUPPORTED or not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def _current() -> _gettext.NullTranslations:
    return translations(current_locale.get())


def gettext(message: str) -> str:
    """`message` in the current language (the English msgid itself when it has no translation)."""
    return _current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in the current language, by that language's plural rule."""
    return _current().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, told apart from the same English word used elsewhere.

    English reuses words that other languages do not ("Post" the verb vs "Post" the noun); the
    context lets a translator give each its own translation."""
    return _current().pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """`ngettext` with a context, for the same reason as `pgettext`."""
    return _current().npgettext(context, singular, plural, n)


_ = gettext
"""The usual short name, so `_("...")` in Python is found by `pybabel extract` like in templates."""


def lazy_gettext(message: str) -> LazyProxy:
    """A string that is translated each time it is used, in the language current at that moment.

    For text defined at import time (module constants, choices, labels in a dict), where `gettext`
    would freeze whatever language happened to be current when the module was imported.
    Note: `pybabel extract` only finds `lazy_gettext(...)` when run with `-k lazy_gettext`;
    `N_` is found by default, so prefer it."""
    return LazyProxy(gettext, message, enable_cache=False)


def N_(message: str) -> LazyProxy:  # noqa: N802 - the conventional name the extractor knows
    """Mark `message` for extraction and translate it lazily: `N_` is one of Babel's default keywords.

    `KINDS = {"idea": N_("Idea")}` at module level renders as "Idea" or "Idé" depending on the
    request that renders it, and `pybabel extract` finds it without extra options."""
    return lazy_gettext(message)


def _babel_locale() -> Locale:
    return Locale.parse(current_locale.get())


def _zone(tz_name: str | None) -> ZoneInfo:
    """The named time zone, or UTC when it is empty or unknown.

    A typo in an event's time zone should show times in UTC, not take the page down."""
    if not tz_name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _instant(value: str | datetime) -> datetime:
    """An aware UTC datetime from the store's ISO 8601 strings ("2026-11-22T13:53:52.123Z").

    Naive values are taken as UTC, because that is what the store writes."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def format_datetime(value: str | datetime, tz_name: str | None = None, format: str = "short") -> str:  # noqa: A002
    """A UTC instant as the current language writes a date and time, in the event's time zone.

    Times are stored in UTC and shown in the event's zone (not the server's, not the browser's), so
    every site of a workshop sees the same clock. `format` is a Babel/CLDR width ("short",
    "medium", "long", "full") or a CLDR pattern. An empty value gives an empty string."""
    if not value:
        return ""
    return _dates.format_datetime(_instant(value), format, tzinfo=_zone(tz_name), locale=_babel_locale())


def format_date(value: str | datetime, tz_name: str | None = None, format: str = "medium") -> str:  # noqa: A002
    """Like `format_datetime`, the date only (the date in the event's zone, which may differ from UTC's)."""
    if not value:
        return ""
    moment = _instant(value).astimezone(_zone(tz_name))
    return _dates.format_date(moment, format, locale=_babel_locale())


def format_time(value: str | datetime, tz_name: str | None = None, format: str = "short") -> str:  # noqa: A002
    """Like `format_datetime`, the time only: what a note shows ("14:05", "2:05 PM")."""
    if not value:
        return ""
    return _dates.format_time(_instant(value), format, tzinfo=_zone(tz_name), locale=_babel_locale())


def format_number(n: float | int) -> str:
    """`n` with the current language's separators ("1,234.5" in English, "1.234,5" in Danish)."""
    return _numbers.format_decimal(n, locale=_babel_locale())


def format_percent(share: float) -> str:
    """A share from 0 to 1 as the current language writes a whole percentage ("75%", "75 %")."""
    return _numbers.format_percent(share, locale=_babel_locale())


def negotiate(accept_language: str | None, default: str = DEFAULT) -> str:
    """The best language in SUPPORTED for an `Accept-Language` header (or a bare code such as "da").

    Tags are tried by descending quality (ties keep the browser's order); a regional tag matches
    its language ("da-DK" -> "da"). `q=0` means "not this one". When nothing matches, `default`
    is used if it is supported, else English: the caller's default may come from stored data
    (an event's language) that is no longer supported."""
    fallback = normalise(default)
    if not accept_language:
        return fallback
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _eq, raw = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(raw)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    for _quality, _position, tag in sorted(ranked):
        if tag == "*":
            return fallback
        code = tag.replace("_", "-").lower()
        for candidate in (code, code.split("-", 1)[0]):
            if candidate in SUPPORTED:
                return candidate
    return fallback


def language_names() -> dict[str, str]:
    """Each supported language named in itself ({"en": "English", "da": "Dansk", "sv": "Svenska", ...}), for a switcher.

    A person looking for their language recognises its own name, not its name in the language
    the page happens to be in. The first letter is capitalised because the names stand alone as
    menu items (CLDR writes "dansk" in lower case, as in running Danish text)."""
    return dict(_language_names())


@functools.cache
def language_name(code: str) -> str:
    """A language named in itself ("Dansk", "Svenska"), for any language Babel knows, not only
    those with a catalog: an event may be held in a language the interface is not yet translated to."""
    try:
        name = Locale.parse(code).display_name or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


@functools.cache
def _language_names() -> tuple[tuple[str, str], ...]:
    return tuple((code, language_name(code)) for code in SUPPORTED)
