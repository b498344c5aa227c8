"""Where the templates and static files are, in a checkout and in an installed wheel alike."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).parent


def _locate(name: str) -> Path:
    # An installed wheel carries the folder inside the package; a checkout has it at the top level.
    packaged = _PACKAGE / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def templates_dir() -> Path:
    return _locate("templates")


def static_dir() -> Path:
    return _locate("static")
