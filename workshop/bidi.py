"""Bidirectional text: keeping a piece of user text from reordering the text around it.

A name such as "abc\u202egpj.exe" carries a RIGHT-TO-LEFT OVERRIDE that, left open, reverses
everything after it up to the end of its paragraph: the count beside a site's name, the rest of a
sentence. Setting the text apart as an isolate (`<bdi>` in HTML, FIRST STRONG ISOLATE ... POP
DIRECTIONAL ISOLATE in plain text) confines it, since the end of an isolate also ends every
embedding and override opened inside it. One gap remains: a stray POP DIRECTIONAL ISOLATE in the
text itself closes the isolate early (browsers implement `<bdi>` with those same characters), so
the text gets one more level of isolation for each of its stray ones (`levels`).

Pure functions; the templates' `bdi` filter (workshop/web/templating.py) and the Markdown summary
(workshop/export/markdown.py) use them. The text itself is never changed.
"""

from __future__ import annotations

import unicodedata

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
_ISOLATE_STARTS = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI
_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # embeddings, overrides, isolates


def needs_isolation(text: str) -> bool:
    """Whether `text` can reorder its neighbours: it has bidi controls, or right-to-left letters."""
    return any(ch in _CONTROLS or unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def levels(text: str) -> tuple[int, int]:
    """How many isolates to open before `text` (one, and one more per stray PDI in it, which would
    close an outer one), and how many to close after it (those, plus any it opened and left open)."""
    depth = lowest = 0
    for ch in text:
        if ch in _ISOLATE_STARTS:
            depth += 1
        elif ch == PDI:
            depth -= 1
            lowest = min(lowest, depth)
    opened = 1 - lowest
    return opened, opened + depth


def isolated(text: str) -> str:
    """Plain `text` as a bidi island (FSI ... PDI, as many as `levels` says), or unchanged when it
    needs none: Markdown and other plain-text outputs, where there is no element to isolate it."""
    if not needs_isolation(text):
        return text
    before, after = levels(text)
    return FSI * before + text + PDI * after
