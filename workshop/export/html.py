"""The summary as one self-contained, printable HTML page (`templates/export/summary.html`).

Rendered with the pages' own Jinja environment (autoescaping, the gettext callables, the date and
number filters), in the language current when called; the charts are inline SVG from `charts`.
"""

from __future__ import annotations

import functools

import jinja2
from markupsafe import Markup

from workshop import i18n
from workshop.export import charts, labels
from workshop.export.summary import Summary

TEMPLATE = "export/summary.html"


@functools.cache
def _environment() -> jinja2.Environment:
    from workshop.web.templating import make_environment  # the one Jinja set-up; imported late, only when rendering

    return make_environment()


def render(summary: Summary) -> str:
    return _environment().get_template(TEMPLATE).render(
        summary=summary, tz=summary.event.timezone, lang=i18n.current_locale.get(), includes=labels.includes(summary),
        kind=labels.kind, role=labels.role, charts=_charts(summary),
    )


def _charts(summary: Summary) -> dict[str, Markup]:
    """The SVG strings, escaped inside `charts` already, marked safe for the template."""
    themes = charts.stacked_bar_chart(
        i18n.gettext("Notes per theme and site"), "chart-themes",
        [(row.name, row.per_site) for row in summary.themes], summary.site_names,
    )
    participation = charts.bar_chart(
        i18n.gettext("Notes per site"), "chart-notes", [(item.key, item.notes) for item in summary.by_site],
    )
    return {"themes": Markup(themes), "participation": Markup(participation)}  # noqa: S704 - built from escaped parts
