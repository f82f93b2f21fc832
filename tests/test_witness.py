"""The chain head is witnessed outside the database: a rewrite that recomputes every hash, or
events removed from the end, is caught by `verify` against the witness file; no witness file is
a warning, not a failure."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from runbook.model.messages import record_line
from runbook.store.chain import row_hash
from runbook.store.witness import MAX_BYTES, Heads, Witness, parse_head


def rewrite(db: Path, incident_id: str, seq: int, change: Any) -> None:
    """What an attacker with the file does: change event ``seq``'s data and recompute every
    hash from there, so the chain is consistent again."""
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    connection.execute("DROP TRIGGER events_no_update")
    rows = [
        dict(row)
        for row in connection.execute(
            "SELECT * FROM events WHERE incident_id = ? ORDER BY seq", (incident_id,)
        )
    ]
    prev = ""
    for row in rows:
        if row["seq"] == seq:
            data = json.loads(row["data"])
            change(data)
            row["data"] = json.dumps(data, sort_keys=True, separators=(",", ":"))
        row["prev_hash"] = prev
        row["hash"] = row_hash(row, prev)
        prev = row["hash"]
        connection.execute(
            "UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE incident_id = ? AND seq = ?",
            (row["data"], row["prev_hash"], row["hash"], incident_id, row["seq"]),
        )
    connection.commit()
    connection.close()


def truncate(db: Path, incident_id: str, keep: int) -> None:
    """Remove the newest events and fix the incident list to match, as an attacker would."""
    connection = sqlite3.connect(db)
    connection.execute("DROP TRIGGER events_no_delete")
    connection.execute("DELETE FROM events WHERE incident_id = ? AND seq > ?", (incident_id, keep))
    connection.execute("UPDATE incidents SET events = ? WHERE id = ?", (keep, incident_id))
    connection.commit()
    connection.close()


def three_notes(engine_as: Any) -> tuple[Any, str]:
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "Witnessed")
    for text in ("first note", "second note", "third note"):
        engine.note(incident.id, text)
    engine.store.close()
    return engine, incident.id


def test_each_append_writes_the_chain_head_beside_the_database(
    engine_as: Any, db_path: Path
) -> None:
    engine, incident_id = three_notes(engine_as)
    heads = Witness(Path(f"{db_path}.witness")).read()
    stored = engine_as("amara").stored_rows(incident_id)
    assert heads.of(incident_id) == {row["seq"]: row["hash"] for row in stored}


def test_a_full_rewrite_and_rehash_is_caught_by_the_witness(engine_as: Any, db_path: Path) -> None:
    _, incident_id = three_notes(engine_as)
    rewrite(db_path, incident_id, 3, lambda data: data.update(text="a different note"))
    result = engine_as("amara").verify(incident_id)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "not the event the witness saw" in result.problem
    assert "#3" in result.problem


def test_without_the_witness_the_rewrite_would_pass_the_chain_check(
    engine_as: Any, db_path: Path
) -> None:
    _, incident_id = three_notes(engine_as)
    rewrite(db_path, incident_id, 3, lambda data: data.update(text="a different note"))
    Path(f"{db_path}.witness").unlink()
    result = engine_as("amara").verify(incident_id)
    assert result.ok
    assert "no witness file" in result.unwitnessed


def test_events_removed_from_the_end_are_reported_missing(engine_as: Any, db_path: Path) -> None:
    _, incident_id = three_notes(engine_as)
    truncate(db_path, incident_id, 2)
    result = engine_as("amara").verify(incident_id)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "events were removed" in result.problem


def test_a_whole_incident_removed_is_reported_by_verify_all(
    engine_as: Any, db_path: Path, run_cli: Any, tmp_path: Path
) -> None:
    run_cli("declare", "offensive-post", "--title", "Kept", check=True)
    declared = run_cli("declare", "offensive-post", "--title", "Removed", check=True)
    removed = next(w for w in declared.stdout.split() if w.startswith("INC-"))
    db = tmp_path / "cli.db"
    connection = sqlite3.connect(db)
    connection.execute("DROP TRIGGER events_no_delete")
    connection.execute("DELETE FROM events WHERE incident_id = ?", (removed,))
    connection.execute("DELETE FROM incidents WHERE id = ?", (removed,))
    connection.commit()
    connection.close()
    result = run_cli("verify", "--all")
    assert result.returncode == 1
    assert f"{removed}: TAMPERED OR DAMAGED" in result.stderr
    assert "the incident was removed" in result.stderr


def test_verify_cli_names_the_rewritten_event_and_warns_when_nothing_is_witnessed(
    run_cli: Any, tmp_path: Path
) -> None:
    declared = run_cli("declare", "offensive-post", "--title", "Via CLI", check=True)
    incident_id = next(w for w in declared.stdout.split() if w.startswith("INC-"))
    run_cli("note", incident_id, "one", check=True)
    ok = run_cli("verify", incident_id)
    assert ok.returncode == 0, ok.stderr
    assert "agrees with its witnessed head(s)" in ok.stdout
    witness = tmp_path / "cli.db.witness"
    copy = tmp_path / "kept-elsewhere.witness"
    copy.write_bytes(witness.read_bytes())
    rewrite(tmp_path / "cli.db", incident_id, 2, lambda data: data.update(text="two"))
    caught = run_cli("verify", incident_id)
    assert caught.returncode == 1
    assert "event #2 is not the event the witness saw" in caught.stderr
    witness.unlink()
    unwitnessed = run_cli("verify", incident_id)
    assert unwitnessed.returncode == 0
    assert "warning: not witnessed: no witness file at" in unwitnessed.stderr
    with_copy = run_cli("verify", incident_id, "--witness", str(copy))
    assert with_copy.returncode == 1
    assert "event #2 is not the event the witness saw" in with_copy.stderr


def test_a_head_from_a_notification_footer_is_checked_with_head(
    engine_as: Any, db_path: Path
) -> None:
    _, incident_id = three_notes(engine_as)
    last = engine_as("amara").stored_rows(incident_id)[-1]
    footer = record_line(incident_id, last["seq"], last["hash"])
    Path(f"{db_path}.witness").unlink()
    rewrite(db_path, incident_id, 2, lambda data: data.update(text="changed"))
    heads = Heads()
    heads.add(*parse_head(footer))
    result = engine_as("amara").verify(incident_id, heads)
    assert not result.ok
    assert result.first_bad_seq == 4


def test_the_witness_file_stays_bounded_keeping_each_incidents_newest_head(
    tmp_path: Path,
) -> None:
    witness = Witness(tmp_path / "w.witness")
    digest = "ab" * 32
    lines = MAX_BYTES // 80 + 10
    for seq in range(1, lines + 1):
        witness.record([("INC-AAAAAA", seq, digest)])
    assert witness.path.stat().st_size < MAX_BYTES
    assert max(witness.read().of("INC-AAAAAA")) == lines


def test_unreadable_witness_lines_are_skipped_never_trusted(tmp_path: Path) -> None:
    path = tmp_path / "w.witness"
    path.write_text("INC-AAAAAA 1 " + "ab" * 32 + "\n\x1b[31mgarbage\nINC-AAAAAA x y\n")
    heads = Witness(path).read()
    assert heads.of("INC-AAAAAA") == {1: "ab" * 32}
    assert heads.unreadable == 2


def test_every_export_carries_the_head_and_verify_head_checks_it(
    run_cli: Any, tmp_path: Path
) -> None:
    declared = run_cli("declare", "offensive-post", "--title", "Exported", check=True)
    incident_id = next(w for w in declared.stdout.split() if w.startswith("INC-"))
    run_cli("note", incident_id, "one", check=True)
    exported = json.loads(run_cli("export", incident_id, "--format", "json", check=True).stdout)
    head = exported["chain"]["head"]
    assert head == f"{incident_id}#2:{exported['chain']['head_hash']}"
    for fmt in ("md", "html"):
        assert head in run_cli("export", incident_id, "--format", fmt, check=True).stdout
    csv_rows = run_cli("export", incident_id, "--format", "csv", check=True).stdout.splitlines()
    assert csv_rows[-1].endswith(exported["chain"]["head_hash"])
    (tmp_path / "cli.db.witness").unlink()
    rewrite(tmp_path / "cli.db", incident_id, 2, lambda data: data.update(text="other"))
    assert run_cli("verify", incident_id).returncode == 0  # the chain alone cannot tell
    caught = run_cli("verify", incident_id, "--head", head)
    assert caught.returncode == 1
    assert "event #2 is not the event the witness saw" in caught.stderr


def test_a_team_store_witness_is_named_after_the_database_never_its_password() -> None:
    from runbook.store.witness import location

    tom = location("postgresql://tom:s3cr3t@db.example:5432/runbook", {})
    owner = location("postgresql://owner@db.example:5432/runbook", {})
    assert tom == owner, "one witness whichever role connects"
    assert "s3cr3t" not in str(tom)
    assert location("/data/incidents.db", {}) == Path("/data/incidents.db.witness")
    assert location("/data/incidents.db", {"RUNBOOK_WITNESS": "/elsewhere/w"}) == Path(
        "/elsewhere/w"
    )
