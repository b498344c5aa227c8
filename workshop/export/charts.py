"""Simple bar charts as inline SVG strings, drawn by hand: no library, no script, no external file.

Each chart is `role="img"` with a `<title>` (and the numbers stay in a table beside it), so a screen
reader announces what it shows; every label is escaped, since site and theme names are typed by people.
The palette has enough contrast against white, and a stacked bar's parts are also told apart by
the legend's order, not by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#1f5f99", "#b8500b", "#2f7d32", "#8e3b8e", "#8a6d00", "#0f7a7a", "#a12a43", "#4d4d4d")
WIDTH = 640
LABEL_WIDTH = 200
BAR_HEIGHT = 18
GAP = 8


def _svg(title: str, chart_id: str, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" class="chart" font-family="sans-serif" font-size="12">'
        f'<title id="{chart_id}">{escape(title)}</title>{"".join(body)}</svg>'
    )


def _label(text: str, y: float) -> str:
    short = text if len(text) <= 30 else text[:29] + "…"
    return f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 5}" text-anchor="end" fill="#1a1a1a">{escape(short)}</text>'


def bar_chart(title: str, chart_id: str, bars: Sequence[tuple[str, int]]) -> str:
    """One horizontal bar per (label, value), the value written at the bar's end."""
    return stacked_bar_chart(title, chart_id, [(label, [value]) for label, value in bars], [])


def stacked_bar_chart(title: str, chart_id: str, rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str]) -> str:
    """One horizontal bar per row, split into the series' parts (in `series` order, left to right),
    with a legend when there is more than one series."""
    most = max((sum(values) for _, values in rows), default=0) or 1
    scale = (WIDTH - LABEL_WIDTH - 50) / most
    legend = _legend(series) if len(series) > 1 else []
    top = (BAR_HEIGHT + GAP) if legend else 0
    body = list(legend)
    for index, (label, values) in enumerate(rows):
        y = top + index * (BAR_HEIGHT + GAP)
        body.append(_label(label, y))
        x = float(LABEL_WIDTH)
        for part, value in enumerate(values):
            if value:
                width = value * scale
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{PALETTE[part % len(PALETTE)]}"/>')
                x += width
        body.append(f'<text x="{x + 4:.1f}" y="{y + BAR_HEIGHT - 5}" fill="#1a1a1a">{sum(values)}</text>')
    return _svg(title, chart_id, top + max(1, len(rows)) * (BAR_HEIGHT + GAP), body)


def _legend(series: Sequence[str]) -> list[str]:
    parts, x = [], float(LABEL_WIDTH)
    for index, name in enumerate(series):
        parts.append(f'<rect x="{x:.1f}" y="2" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="12" fill="#1a1a1a">{escape(name)}</text>')
        x += 28 + 7 * len(name)
    return parts
