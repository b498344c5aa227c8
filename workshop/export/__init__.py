"""The session summary and the event's data, exported for the host (docs/export.md).

`export(record, fmt, includes, now)` turns an event's `Record` (read by `Store.export_event`) into
one download: the summary as Markdown, HTML or PDF, the notes as CSV, or the whole event as JSON.
Everything is rendered in the event's language, whoever asks. It is plain, blocking work, so the
server runs it off its event loop: in a worker thread, and a PDF (seconds of layout for thousands
of notes, and millions of objects) in a separate process (workshop/web/exports.py).
"""

from __future__ import annotations

import json as _json
from dataclasses import dataclass

from workshop import i18n
from workshop.domain.record import Record
from workshop.export import csv, html, json, markdown, pdf, summary
from workshop.export.summary import Includes


@dataclass(frozen=True, slots=True)
class Format:
    media_type: str
    extension: str


FORMATS = {
    "md": Format("text/markdown; charset=utf-8", "md"),
    "html": Format("text/html; charset=utf-8", "html"),
    "pdf": Format("application/pdf", "pdf"),
    "csv": Format("text/csv; charset=utf-8", "csv"),
    "json": Format("application/json", "json"),
}


def export(record: Record, fmt: str, includes: Includes, now: str) -> bytes:
    """The download in format `fmt` (a key of FORMATS; KeyError otherwise)."""
    FORMATS[fmt]  # noqa: B018 - refuse an unknown format before any work
    if fmt == "json":
        document = json.write(record, includes, now)
        return _json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    if fmt == "pdf":
        return pdf.render(summary_html(record, includes, now))
    with i18n.in_locale(record.event.language):
        made = summary.build(record, includes, now)
        if fmt == "md":
            return markdown.render(made).encode("utf-8")
        if fmt == "csv":
            return csv.render(made).encode("utf-8")
        return html.render(made).encode("utf-8")


def summary_html(record: Record, includes: Includes, now: str) -> str:
    """The summary's HTML page, which the PDF is made from."""
    with i18n.in_locale(record.event.language):
        return html.render(summary.build(record, includes, now))


__all__ = ["FORMATS", "Format", "Includes", "export", "summary_html"]
