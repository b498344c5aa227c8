"""A wheel built from the repository carries what the product needs to run outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVE_FROM_WHEEL = """
import sys
from starlette.testclient import TestClient
import workshop
from workshop.config import Settings
from workshop.web.app import create_app
assert workshop.__file__.startswith(sys.argv[1]), workshop.__file__
with TestClient(create_app(Settings(database=sys.argv[2]))) as client:
    home = client.get("/", headers={"Accept-Language": "da"})
    css = client.get("/static/app.css")
    print(home.status_code, css.status_code, "Deltag" in home.text)
"""


def test_wheel_carries_templates_static_migrations_and_catalogs(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
    )
    (wheel,) = (tmp_path / "dist").glob("open_workshop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "workshop/templates/base.html",
        "workshop/templates/live/entry.html",
        "workshop/static/app.css",
        "workshop/static/app.js",
        "workshop/store/migrations/sqlite/0001_initial.sql",
        "workshop/translations/da/LC_MESSAGES/messages.po",
    ):
        assert needed in names, f"{needed} is missing from the wheel"
    assert any(name.startswith("workshop/static/vendor/htmx-2.0") for name in names)

    # Installed elsewhere and run from an unrelated folder, it serves pages in Danish and its CSS.
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", SERVE_FROM_WHEEL, str(target), str(elsewhere / "w.db")],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    )
    assert result.stdout.split() == ["200", "200", "True"], result.stderr
