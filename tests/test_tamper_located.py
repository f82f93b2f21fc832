"""A byte flipped in any column of a stored event, even one that leaves the column undecodable
(not UTF-8), is located by `verify` to that event, never reported as a store error."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

COLUMNS = ["type", "at", "actor", "state", "command_id", "data", "prev_hash", "hash"]


def flip_last_byte(db: Path, column: str, seq: int) -> None:
    """What an attacker with the file does: drop the guard, make the column's bytes invalid."""
    connection = sqlite3.connect(db)
    connection.text_factory = bytes
    connection.execute("DROP TRIGGER events_no_update")
    value = connection.execute(f"SELECT {column} FROM events WHERE seq = ?", (seq,)).fetchone()[0]
    changed = (value or b"x")[:-1] + b"\xff"
    connection.execute(
        f"UPDATE events SET {column} = CAST(? AS TEXT) WHERE seq = ?", (changed, seq)
    )
    connection.commit()
    connection.close()


@pytest.mark.parametrize("column", [*COLUMNS, "incident_id"])
def test_an_undecodable_byte_in_any_column_is_located_to_its_event(
    engine_as: Any, db_path: Path, column: str
) -> None:
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "Flip")
    engine.note(incident.id, "hello world", command_id="c1")
    engine.note(incident.id, "third")
    engine.store.close()
    flip_last_byte(db_path, column, 2)
    result = engine_as("amara").verify(incident.id)
    assert not result.ok
    assert result.first_bad_seq == 2, result.problem
    assert "#2" in result.problem
