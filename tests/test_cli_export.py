"""`workshop export` and `workshop import`, run as an operator runs them: separate processes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.test_cli import workshop


def demo_event(db: Path, cwd: Path) -> str:
    made = workshop("demo", "--database", str(db), cwd=cwd)
    assert made.returncode == 0, made.stderr
    found = re.search(r"/host/([^?]+)\?", made.stdout)
    assert found
    return found.group(1)


def test_export_writes_each_format_and_import_makes_a_faithful_copy(tmp_path: Path) -> None:
    db, copy_db = tmp_path / "demo.db", tmp_path / "copy.db"
    event_id = demo_event(db, tmp_path)

    md = workshop("export", event_id, "--format", "md", "--database", str(db), cwd=tmp_path)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Open workshop: welfare that works") and "Invite citizens to test new services" in md.stdout
    pdf = subprocess.run(  # standard output is a pipe here, not a terminal: the PDF goes to it
        [sys.executable, "-m", "workshop", "export", event_id, "--format", "pdf", "--database", str(db)], cwd=tmp_path,
        capture_output=True, timeout=60,
    )
    assert pdf.returncode == 0 and pdf.stdout.startswith(b"%PDF-")

    out = tmp_path / "event.json"
    done = workshop("export", event_id, "--format", "json", "--names", "--hidden", "--out", str(out), "--database", str(db), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Wrote {out}" in done.stderr and done.stdout == ""
    imported = workshop("import", str(out), "--database", str(copy_db), "--public-url", "https://copy.example.org", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert f"Imported event {event_id}" in imported.stdout
    assert f"https://copy.example.org/host/{event_id}?token=h_" in imported.stdout and imported.stdout.count("facilitator https://") == 3

    again = workshop("export", event_id, "--format", "json", "--names", "--hidden", "--database", str(copy_db), cwd=tmp_path)
    first, second = json.loads(out.read_text(encoding="utf-8")), json.loads(again.stdout)
    assert {**first, "exported_at": None} == {**second, "exported_at": None}

    twice = workshop("import", str(out), "--database", str(copy_db), cwd=tmp_path)
    assert twice.returncode == 1 and "already holds the event" in twice.stderr and "Traceback" not in twice.stderr


def test_export_and_import_refuse_in_words(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    event_id = demo_event(db, tmp_path)
    missing = workshop("export", "no-such-event", "--format", "md", "--database", str(db), cwd=tmp_path)
    assert missing.returncode == 1 and "there is no event no-such-event" in missing.stderr
    partial = tmp_path / "partial.json"
    assert workshop("export", event_id, "--format", "json", "--out", str(partial), "--database", str(db), cwd=tmp_path).returncode == 0
    refused = workshop("import", str(partial), "--database", str(tmp_path / "copy.db"), cwd=tmp_path)
    assert refused.returncode == 1 and "only a complete export" in refused.stderr
    not_json = tmp_path / "notes.txt"
    not_json.write_text("hello", encoding="utf-8")
    garbled = workshop("import", str(not_json), "--database", str(tmp_path / "copy.db"), cwd=tmp_path)
    assert garbled.returncode == 2 and "cannot read" in garbled.stderr and "Traceback" not in garbled.stderr
    bad = workshop("export", event_id, "--format", "docx", "--database", str(db), cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
