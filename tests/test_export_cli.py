"""``runbook export`` and ``runbook verify --export`` on the command line, and file writing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from runbook.errors import RunbookError
from runbook.export.files import write_atomic
from runbook.export.model import FORMAT_VERSION
from runbook.export.verify import verify_export
from runbook.store.chain import COLUMNS, row_hash
from runbook.store.sqlite import SqliteStore
from tests import export_fixture as fx

ROOT = Path(__file__).resolve().parent.parent
ID = fx.INCIDENT_ID


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """The fixture incident written into the database ``run_cli`` uses."""
    db = tmp_path / "cli.db"
    SqliteStore(db).close()
    rows = fx.rows()
    with sqlite3.connect(db) as connection:
        connection.executemany(
            f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES "
            f"({', '.join(':' + c for c in COLUMNS)})",
            rows,
        )
        connection.execute(
            "INSERT INTO incidents (id, playbook, title, level, state, drill, opened_at, "
            "updated_at, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ID,
                "brand-account-hacked",
                "X",
                "SEV1",
                "closed",
                0,
                rows[0]["at"],
                rows[-1]["at"],
                37,
            ),
        )
    connection.close()
    return db


def test_export_writes_every_format_to_a_file_choosing_it_from_the_suffix(
    run_cli, stored, tmp_path
):
    for name, start in (
        ("report.html", b"<!DOCTYPE html>"),
        ("report.csv", b"\xef\xbb\xbfmarking,incident,seq"),
        ("report.json", b'{\n  "format_version": "%s"' % FORMAT_VERSION.encode()),
        ("report.md", b"# INC-7KQ4PX: X account posting crypto scams"),
    ):
        out = tmp_path / name
        result = run_cli("export", ID, "-o", str(out), "--tz", "Europe/Paris", operator=None)
        assert result.returncode == 0, result.stderr
        assert out.read_bytes().startswith(start), name
        assert f"export written to {out}" in result.stderr
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == [], "no temporary file is left behind"


def test_export_prints_to_standard_output_with_names_redacted_on_request(run_cli, stored):
    result = run_cli("export", ID.lower(), "--format", "md", "--redact", "names", check=True)
    assert result.stdout.startswith(f"# {ID}: X account posting crypto scams")
    assert "Amara Okafor" not in result.stdout
    assert "| comms_lead (1) |" in result.stdout


def test_lang_writes_the_export_in_another_language_and_verify_rebuilds_it_in_that_one(
    run_cli, stored, tmp_path
):
    french = run_cli("export", ID, "--lang", "fr", "--tz", "Europe/Paris", check=True)
    assert "## Chronologie" in french.stdout
    assert "| Déclaré | 21 novembre 2026 à 14:00:00 UTC (21 novembre 2026 à 15:00:00 CET) par " in (
        french.stdout
    )
    out = tmp_path / "rapport.json"
    run_cli("export", ID, "--lang", "fr", "-o", str(out), check=True)
    assert json.loads(out.read_text(encoding="utf-8"))["language"] == "fr"
    both = run_cli("verify", ID, "--export", str(out), "--json", check=True)
    assert json.loads(both.stdout)["ok"] is True
    english = run_cli("export", ID, check=True)
    assert "## Timeline" in english.stdout


def test_a_bad_time_zone_is_a_one_line_usage_error_naming_the_zone(run_cli, stored):
    result = run_cli("export", ID, "--tz", "Mars/Olympus_Mons")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "runbook: --tz: unknown time zone 'Mars/Olympus_Mons'; use a name like Europe/London, "
        "America/New_York or UTC"
    ]
    assert result.stdout == ""


def test_an_unknown_format_is_a_usage_error_and_an_unknown_incident_is_refused(run_cli, stored):
    unknown_format = run_cli("export", ID, "--format", "pdf")
    assert unknown_format.returncode == 2
    assert "'pdf' is not one of 'md', 'json', 'csv', 'html'" in unknown_format.stderr
    unknown = run_cli("export", "INC-NOPE22")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "runbook: no incident 'INC-NOPE22'; `runbook list` shows them"


def test_verify_export_accepts_an_untouched_export_and_checks_it_against_the_database(
    run_cli, stored, tmp_path
):
    out = tmp_path / "report.json"
    run_cli("export", ID, "-o", str(out), check=True)
    head = fx.rows()[-1]["hash"]
    alone = run_cli("--db", str(tmp_path / "none.db"), "verify", "--export", str(out), check=True)
    assert alone.stdout.strip() == (
        f"{ID}: export ok, 37 events, head {head} (chain consistent; give the incident ID to "
        "compare it with the database)"
    )
    assert "2 redacted event(s) were link-checked only" in alone.stderr
    both = run_cli("verify", ID, "--export", str(out), "--json", check=True)
    report = json.loads(both.stdout)
    assert (report["ok"], report["events"], report["unchecked_redacted"]) == (True, 37, [10, 34])


def test_verify_export_names_the_first_tampered_event(run_cli, stored, tmp_path):
    out = tmp_path / "report.json"
    run_cli("export", ID, "-o", str(out), check=True)
    document = json.loads(out.read_text(encoding="utf-8"))
    document["timeline"][19]["record"]["data"]["comment"] = "Looks great, ship it."
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document), encoding="utf-8")
    result = run_cli("verify", "--export", str(tampered))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{ID}: EXPORT TAMPERED OR DAMAGED: event #20 (DraftRejected) was changed after it "
        "was written"
    )
    missing = run_cli("verify", "--export", str(tmp_path / "nope.json"))
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr
    no_args = run_cli("verify")
    assert no_args.returncode == 2


def test_a_rehashed_forgery_passes_alone_but_not_against_the_database(run_cli, stored, tmp_path):
    from runbook.export import build_report, render

    rows = fx.rows()
    rows[19] = {**rows[19], "data": rows[19]["data"].replace("Too defensive", "Perfect")}
    prev = ""
    for row in rows:  # the forger recomputes the whole chain
        row["prev_hash"] = prev
        row["hash"] = prev = row_hash(row, prev)
    forged = tmp_path / "forged.json"
    forged.write_text(render(build_report(rows, fx.CONTACTS), "json"), encoding="utf-8")
    elsewhere = str(tmp_path / "elsewhere.db")
    alone = run_cli("--db", elsewhere, "verify", "--export", str(forged))
    assert alone.returncode == 0, "consistent on its own, where no store holds the incident"
    for args in (("verify", ID, "--export", str(forged)), ("verify", "--export", str(forged))):
        result = run_cli(*args)  # with the ID, or the store at hand holding the incident
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"{ID}: EXPORT TAMPERED OR DAMAGED: the export's head (event #37) is not the hash "
            "the database holds for that event"
        )


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda d: d["timeline"].pop(5), "event #6 is missing (found #7 in its place)"),
        (
            lambda d: d["timeline"][2].update(prev_hash="0" * 64),
            "event #3 does not link to event #2",
        ),
        (
            lambda d: d["timeline"][8].update(type="NoteAdded"),
            "event #9 (Acknowledged): the row shown does not match its stored record",
        ),
        (
            lambda d: d["timeline"][8].update(at="2026-11-21T14:01:00Z"),
            "event #9 (Acknowledged): the time shown does not match its stored record",
        ),
        (
            lambda d: d["timeline"][8].update(redacted=True),
            "event #9 (Acknowledged) is marked redacted but nothing in it was redacted",
        ),
        (lambda d: d["timeline"].pop(), "the export says 37 events but holds 36"),
        (
            lambda d: d["chain"].update(head_hash="f" * 64),
            "the export's stated head hash is not the hash of its last event",
        ),
    ],
)
def test_every_kind_of_tampering_with_an_export_is_named(tamper, problem):
    from runbook.export import build_report, render

    document = json.loads(render(build_report(fx.rows(), fx.CONTACTS), "json"))
    assert verify_export(document).ok
    tamper(document)
    check = verify_export(document)
    assert not check.ok
    assert check.problem == problem


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary_file(
    tmp_path, monkeypatch
):
    target = tmp_path / "report.html"
    write_atomic(target, b"old export")
    assert oct(target.stat().st_mode & 0o777) == "0o644"

    def broken_replace(source: str, destination: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(RunbookError, match="cannot write .*report.html: No space left on device"):
        write_atomic(target, b"new export " * 1000)
    assert target.read_bytes() == b"old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_the_export_package_never_imports_textual(tmp_path):
    code = (
        "import sys, json\n"
        "from runbook.export import build_report, render, FORMATS\n"
        "from tests import export_fixture as fx\n"
        "report = build_report(fx.rows(), fx.CONTACTS)\n"
        "sizes = {f: len(render(report, f)) for f in FORMATS}\n"
        "import runbook.cli.export\n"
        "print(json.dumps([sorted(sizes), 'textual' in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["csv", "html", "json", "md"], False]


def test_the_command_line_format_list_matches_the_exporter():
    from runbook.cli.export import FORMATS as CLI_FORMATS
    from runbook.export import FORMATS

    assert CLI_FORMATS == FORMATS


def test_verify_export_names_the_first_field_changed_after_export(run_cli, stored, tmp_path):
    out = tmp_path / "report.json"
    run_cli("export", ID, "-o", str(out), check=True)
    original = json.loads(out.read_text(encoding="utf-8"))

    def forged(change) -> str:
        document = json.loads(json.dumps(original))
        change(document)
        path = tmp_path / "forged.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        result = run_cli("verify", ID, "--export", str(path))
        assert result.returncode == 1, result.stdout
        assert "matches the database" not in result.stdout
        return result.stderr

    title = forged(lambda d: d["incident"].update(title="All calm"))
    assert 'differs from the database at incident.title: the export says "All calm"' in title
    level = forged(lambda d: d["incident"].update(level="SEV3"))
    assert "at incident.level" in level
    details = forged(lambda d: d["timeline"][5].update(details="nothing happened"))
    assert "at timeline[5].details" in details
    actor = forged(lambda d: d["timeline"][19].update(actor_name="Elena Legal"))
    assert "at timeline[19].actor_name" in actor
    if original["drafts"]:
        drafts = forged(lambda d: d["drafts"].pop())
        assert "at drafts" in drafts
    redaction = forged(lambda d: d["redaction"].update(replacements=0, names=True))
    assert "differs from the database" in redaction


def test_verify_export_without_the_id_compares_with_the_store_that_holds_the_incident(
    run_cli, stored, tmp_path
):
    out = tmp_path / "report.json"
    run_cli("export", ID, "-o", str(out), check=True)
    untouched = run_cli("verify", "--export", str(out), check=True)
    assert "matches the database" in untouched.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    document["incident"]["title"] = "All calm"
    out.write_text(json.dumps(document), encoding="utf-8")
    forged = run_cli("verify", "--export", str(out))
    assert forged.returncode == 1
    assert "at incident.title" in forged.stderr
    assert "export ok" not in forged.stdout
    elsewhere = tmp_path / "elsewhere.db"
    alone = run_cli("--db", str(elsewhere), "verify", "--export", str(out))
    assert "give the incident ID to compare it with the database" in alone.stdout
    assert not elsewhere.exists()
