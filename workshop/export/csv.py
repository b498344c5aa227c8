"""One row per note, for a spreadsheet: `;`-separated UTF-8 with a byte order mark.

Why these choices: a Danish (and most continental European) spreadsheet uses `;` as its list
separator, since `,` is the decimal comma, so `;` opens in columns on a double-click; the BOM makes
it read the file as UTF-8 (æ, ø, å intact). A cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return would be run as a formula by a spreadsheet, so it gets a leading `'` (the OWASP
advice against CSV injection): a note "=HYPERLINK(...)" stays text.
"""

from __future__ import annotations

import csv
import io

from workshop.export import labels
from workshop.export.summary import NoteLine, Summary
from workshop.i18n import format_datetime, gettext as _

BOM = "\ufeff"
DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def render(summary: Summary) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    header = [_("Site"), _("Kind"), _("Text"), _("Theme"), _("Votes"), _("Build-ons"), _("Role"), _("Created"), _("Hidden")]
    writer.writerow(header + ([_("Name")] if summary.includes.names else []))
    for site in summary.sites:
        lines = [line for group in site.groups for line in group.notes] + site.hidden
        for line in sorted(lines, key=lambda line: line.note.seq):
            writer.writerow(_row(line, summary))
    return out.getvalue()


def _row(line: NoteLine, summary: Summary) -> list[str | int]:
    note = line.note
    row: list[str | int] = [
        cell(line.site), labels.kind(note.kind.value), cell(note.text), cell(line.theme or ""), line.votes, len(line.build_ons),
        labels.role(line.role), format_datetime(note.created_at, summary.event.timezone, "yyyy-MM-dd HH:mm"),
        _("yes") if not note.visible else _("no"),
    ]
    return row + ([cell(line.author or "")] if summary.includes.names else [])
