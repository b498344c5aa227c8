"""Join links as QR codes, drawn by segno (a maintained, dependency-free QR library)."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, *, title: str = "") -> str:
    """An SVG QR code for `url`, scalable (no fixed size) so a poster and a board can both use it.

    Error correction M survives a glare spot on a projector; the white quiet zone lets phones read it
    on a dark board; `title` gives screen readers a name.
    """
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=1, border=4, dark="#000", light="#fff", xmldecl=False, svgns=True, title=title or None, omitsize=True)
    return out.getvalue().decode("utf-8")
