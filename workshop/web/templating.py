"""The Jinja environment every page and live fragment is rendered with, and the per-request language.

Why it is set up this way:

- Translations are looked up when a template *runs*, not when the environment is built: the
  gettext callables installed into Jinja read `workshop.i18n.current_locale`, so one environment
  (and one template cache) serves every language, and `{{ _("Join") }}` in a template follows the
  request or live view that renders it.
- `newstyle=True` gettext: `{{ _("Hello %(name)s", name=user) }}` formats and HTML-escapes the
  variables, so translators can move them inside the sentence and user text cannot inject markup.
- Autoescape is on for every template, whatever its file name: notes are written by the public.
  Their text set beside other text goes through `|bdi`, so a bidi override in it stays in it.
- `LocaleMiddleware` picks the language once per request (`?lang=` from the language switcher,
  then the `lang` cookie it leaves, then `Accept-Language`) and sets it for the whole request,
  so handlers, templates and error pages agree without passing it around.
"""

from __future__ import annotations

import math
from http.cookies import SimpleCookie
from typing import Any, Final

import jinja2
from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workshop import i18n
from workshop.bidi import levels as bidi_levels
from workshop.domain import themes
from workshop.web.csrf import csrf_field, csrf_token, outside_request
from workshop.resources import templates_dir

__all__ = [
    "LANG_COOKIE", "LocaleMiddleware", "bdi", "choose_language", "clock_seconds", "countdown", "i18n_context", "make_environment",
    "make_templates", "render_fragment",
]

LANG_COOKIE: Final = "lang"
LANG_COOKIE_MAX_AGE: Final = 365 * 24 * 60 * 60


def clock_seconds(remaining: float) -> int:
    """The whole seconds a countdown shows: rounded up, so "0:01" shows until the time is up, and
    zero or less once it is (static/app.js rounds the same way, so the first tick never jumps)."""
    return math.ceil(round(remaining, 3))


def countdown(seconds: float) -> str:
    """Seconds as a countdown shows them, "m:ss" (minutes may pass 59): 252 -> "4:12", -75 -> "1:15"."""
    whole = abs(int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def bdi(value: object) -> Markup:
    """User text as its own bidirectional island (`<bdi>`, escaped), for a name or text set beside
    other text: "Aalborg 2 · Odense 1", "Aalborg: phase 2". A right-to-left name, or one carrying a
    bidi override (U+202E) left open, then cannot reorder the words and numbers after it. Nested
    once more for each stray PDI in the text, which would otherwise end the island early
    (workshop/bidi.py). Element content only: an attribute takes no markup."""
    depth = max(bidi_levels(str(value)))
    return Markup("<bdi>" * depth + "%s" + "</bdi>" * depth) % value


def make_environment() -> jinja2.Environment:
    """The Jinja environment: templates folder, autoescape, i18n and the locale-aware filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        # Whitespace control stays explicit ({%- -%}) so fragments are byte-for-byte predictable.
        keep_trailing_newline=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
    )
    env.filters["datetime"] = i18n.format_datetime  # {{ note.created_at|datetime(event.timezone) }}
    env.filters["date"] = i18n.format_date  # {{ event.created_at|date(event.timezone, "long") }}
    env.filters["time"] = i18n.format_time  # {{ note.created_at|time(event.timezone) }}
    env.filters["number"] = i18n.format_number  # {{ count|number }}
    env.filters["percent"] = i18n.format_percent  # {{ 0.75|percent }} -> "75%" ("75 %" in Danish)
    env.filters["clock_seconds"] = clock_seconds  # {{ progress.remaining|clock_seconds }}: what the countdown shows
    env.filters["countdown"] = countdown  # {{ 252|countdown }} -> "4:12"
    env.filters["bdi"] = bdi  # {{ _("%(site)s: not started", site=site.name|bdi) }}: user text isolated in a sentence
    # For templates rendered without the request context processor (live fragments, tests):
    env.globals["current_lang"] = lambda: i18n.current_locale.get()
    env.globals["language_names"] = i18n.language_names
    env.globals["language_name"] = i18n.language_name
    env.globals["csrf_field"] = csrf_field  # {{ csrf_field() }} in every POST form (workshop/web/csrf.py)
    env.globals["csrf_token"] = csrf_token
    env.globals["raised_at"] = themes.raised_at  # a theme raised at two sites or more: its "2 sites" badge
    return env


def i18n_context(request: Request) -> dict[str, Any]:
    """Added to every `TemplateResponse`: the page language and the switcher's choices.

    `lang` goes into `<html lang>` (screen readers pick their voice from it); `languages` maps each
    supported code to its own name; `lang_query` is the current query string without `lang`, so
    switching language keeps the page's other parameters."""
    return {
        "lang": i18n.current_locale.get(),
        "languages": i18n.language_names(),
        "lang_query": [(key, value) for key, value in request.query_params.multi_items() if key != "lang"],
    }


def make_templates() -> Jinja2Templates:
    """`Jinja2Templates` over `make_environment()`, with `i18n_context` on every page.

    Starlette adds the `url_for` global; templates link assets as
    `{{ url_for('static', path='app.css') }}` (or `request.url_for(...)`)."""
    return Jinja2Templates(env=make_environment(), context_processors=[i18n_context])


def render_fragment(templates: Jinja2Templates, name: str, lang: str, **context: Any) -> str:
    """Render a template outside a request (a live fragment sent to many sockets) in `lang`.

    The language is set only for the duration of the render and then restored, so rendering a
    Danish fragment inside an English request (or task) does not leak into it."""
    with i18n.in_locale(lang) as used, outside_request():  # sent to everyone: no one's CSRF token in it
        return templates.get_template(name).render(lang=used, **context)


def choose_language(connection: HTTPConnection, cookie: str = LANG_COOKIE) -> tuple[str, bool]:
    """The language for a request, and whether it was chosen explicitly with `?lang=`.

    An explicit choice wins over the cookie, which wins over the browser's `Accept-Language`: a
    person's own pick beats a guess, and on a shared venue laptop the browser's language may well
    not be theirs."""
    asked = (connection.query_params.get("lang") or "").strip().replace("_", "-").lower()
    if asked.split("-", 1)[0] in i18n.SUPPORTED:
        return i18n.normalise(asked), True
    remembered = connection.cookies.get(cookie)
    if remembered and remembered in i18n.SUPPORTED:
        return remembered, False
    return i18n.negotiate(connection.headers.get("accept-language"), i18n.DEFAULT), False


class LocaleMiddleware:
    """Pure ASGI middleware: set `workshop.i18n.current_locale` for each HTTP request and websocket.

    Pure ASGI (not `BaseHTTPMiddleware`) so the context variable is set in the very task that runs
    the endpoint. When the language switcher sends `?lang=xx`, the choice is remembered in a
    first-party, functional `lang` cookie (SameSite=Lax, one year), so the next page keeps it
    without a `?lang=` on every link."""

    def __init__(self, app: ASGIApp, cookie: str = LANG_COOKIE, max_age: int = LANG_COOKIE_MAX_AGE) -> None:
        self.app = app
        self.cookie = cookie
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        lang, explicit = choose_language(HTTPConnection(scope), self.cookie)
        scope.setdefault("state", {})["lang"] = lang
        token = i18n.use_locale(lang)
        try:
            if explicit and scope["type"] == "http":
                await self.app(scope, receive, self._remembering(send, lang))
            else:
                await self.app(scope, receive, send)
        finally:
            i18n.current_locale.reset(token)

    def _remembering(self, send: Send, lang: str) -> Send:
        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                morsel: SimpleCookie = SimpleCookie()
                morsel[self.cookie] = lang
                morsel[self.cookie]["path"] = "/"
                morsel[self.cookie]["max-age"] = str(self.max_age)
                morsel[self.cookie]["samesite"] = "Lax"
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", morsel.output(header="").strip())
            await send(message)

        return send_with_cookie
