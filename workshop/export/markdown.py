"""The summary as Markdown: for an e-mail, a wiki or a case file. Tables where the HTML has charts.

Every text people typed is escaped (`text`), so a note that reads `<script>` or `# Vote now` is shown
as those characters, never as markup, in any CommonMark viewer. Text with bidi controls or written
right to left is also set between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (`bidi.isolated`),
as the HTML summary puts it in `<bdi>`: an override left open in a name cannot reverse the rest of its line.
"""

from __future__ import annotations

import re

from workshop import bidi
from workshop.export import labels
from workshop.export.summary import NoteLine, Participation, SiteSummary, Summary
from workshop.i18n import format_datetime, format_number, format_time, gettext as _, ngettext

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")  # with [ escaped, ( ) and ! cannot start a link or an image
_LIST_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")


def text(value: str) -> str:
    """User text as literal Markdown on one line: punctuation escaped, line breaks as spaces."""
    one_line = " ".join(value.split())
    return bidi.isolated(_LIST_START.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", one_line)))


def render(summary: Summary) -> str:
    out: list[str] = []
    event, tz = summary.event, summary.event.timezone
    out += [f"# {text(event.title)}", "", f"**{_('Theme')}:** {text(event.theme)}", ""]
    if event.description:
        out += [text(event.description), ""]
    out += [_("Summary made %(when)s.") % {"when": format_datetime(summary.generated_at, tz)}, ""]
    out += [f"> {line}" for line in labels.includes(summary)] + [""]
    out += [f"## {_('Sites')}", ""] + [f"- **{text(s.site.name)}**" + (f": {text(s.site.angle)}" if s.site.angle else "") for s in summary.sites]
    out += ["", f"## {_('The agenda as it ran')}", ""]
    if summary.agenda:
        out += _table([_("Phase"), _("Site"), _("Started"), _("Ended"), _("Planned (min)"), _("Ran (min)")], [
            [text(run.phase), text(run.site), format_time(run.started_at, tz), format_time(run.ended_at, tz) if run.ended_at else _("still running"),
             str(run.planned_minutes or ""), format_number(round(run.minutes(summary.generated_at)))]
            for run in summary.agenda
        ])
    else:
        out += [_("The agenda's clock was not started.")]
    out += _across_sites(summary) + _participation(summary)
    for site in summary.sites:
        out += _site(site, summary)
    return "\n".join(out).rstrip() + "\n"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(row) + " |" for row in rows), ""]


def _across_sites(summary: Summary) -> list[str]:
    out = ["", f"## {_('Across sites')}", "", f"### {_('Themes')}", ""]
    if summary.themes:
        out += _table([_("Theme"), *(text(name) for name in summary.site_names), _("Total")],
                      [[text(row.name), *map(str, row.per_site), str(row.total)] for row in summary.themes])
    else:
        out += [_("No themes were made."), ""]
    out += [f"### {_('Themes raised at two sites or more')}", ""]
    out += [f"- **{text(row.name)}**: {', '.join(text(site) for site in row.sites)}" for row in summary.shared_themes] or [_("None.")]
    out += ["", f"### {_('Notes that travelled between sites')}", ""]
    for travel in summary.travelled:
        to = text(travel.to) if travel.to else _("every other site")
        what = f"{_('Question')}: {text(travel.text)}" if travel.question else text(travel.text)
        out.append(f"- {text(travel.source)} → {to}: {what}")
    return out + ([] if summary.travelled else [_("None.")]) + [""]


def _participation(summary: Summary) -> list[str]:
    header = [_("Participants"), _("Notes"), _("Votes"), _("Build-ons")]

    def row(item: Participation, label: str) -> list[str]:
        return [label, *(format_number(n) for n in (item.participants, item.notes, item.votes, item.build_ons))]

    out = [f"## {_('Participation')}", "", f"### {_('Per site')}", ""]
    out += _table([_("Site"), *header], [row(item, text(item.key)) for item in summary.by_site] + [row(summary.total, f"**{_('All sites')}**")])
    out += [f"### {_('Per role')}", ""]
    out += _table([_("Role"), *header], [row(item, labels.role(item.key)) for item in summary.by_role])
    return out


def _note(line: NoteLine, summary: Summary) -> list[str]:
    votes = f" ({ngettext('%(num)d vote', '%(num)d votes', line.votes) % {'num': line.votes}})" if line.votes else ""
    author = f" — {text(line.author)}" if line.author else ""
    out = [f"- {text(line.note.text)} *{labels.kind(line.note.kind.value)}*{votes}{author}"]
    out += [f"  - ↳ {text(b.site)}: {text(b.build_on.text)}" + (f" — {text(b.author)}" if b.author else "") for b in line.build_ons]
    return out


def _site(site: SiteSummary, summary: Summary) -> list[str]:
    out = [f"## {text(site.site.name)}", ""]
    if site.site.angle:
        out += [f"*{text(site.site.angle)}*", ""]
    out += [f"### {_('Most votes')}", ""]
    out += [f"{rank}. {text(line.note.text)} ({line.votes})" for rank, line in enumerate(site.top, 1)] or [_("No votes yet.")]
    out += ["", f"### {_('Notes by theme')}", ""]
    for group in site.groups:
        out += [f"#### {text(group.name) if group.name else _('In no theme')}", ""]
        for line in group.notes:
            out += _note(line, summary)
        out.append("")
    if not site.groups:
        out += [_("No notes."), ""]
    out += [f"### {_('Build-ons from other sites')}", ""]
    out += [f"- {text(b.site)} → “{text(line.note.text)}”: {text(b.build_on.text)}" for line, b in site.from_others] or [_("None.")]
    out.append("")
    if summary.includes.hidden:
        out += [f"### {_('Hidden notes')}", ""]
        out += [item for line in site.hidden for item in _note(line, summary)] or [_("None.")]
        out.append("")
    if summary.includes.names:
        out += [f"### {_('Participants')}", "", ", ".join(text(name) for name in site.people) or _("No names given."), ""]
    return out
