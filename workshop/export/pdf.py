"""The summary as PDF, made from the HTML page by WeasyPrint.

WeasyPrint lays out HTML and CSS (including `@page` and the print stylesheet) in Python over
Pango; it needs Debian's `libpango-1.0-0`, `libpangoft2-1.0-0` and `libharfbuzz-subset0` (and a
font: `fonts-dejavu-core`), which `scripts/setup` installs. It is imported only when a PDF is asked
for, so the server starts, and every other format works, without it.
"""

from __future__ import annotations


def render(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The page is self-contained: no protocol is allowed, so nothing in it can make the server fetch a URL.
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=frozenset())).write_pdf()
    assert pdf is not None
    return pdf
