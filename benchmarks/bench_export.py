"""Export figures: a 100,000-event incident exported in every format (goal: < 5 s each).

Run from the repository root: ``.venv/bin/python benchmarks/bench_export.py [--events N]``.
The incident is bulk-loaded (rows hashed with ``runbook.store.chain.to_row`` and written in one
transaction) with a realistic mix: notes, draft versions, notifications, paused posts, refusals
and an event type this version does not know. Each format is timed end to end (read the rows,
build the report, render, leak check) as ``runbook export`` runs it; the breakdown follows.
It prints figures and the goal; it asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from runbook.engine import Engine
from runbook.export import FORMATS, build_report, export_incident, render
from runbook.export.redact import secret_values
from runbook.loading import load_workspace
from runbook.model import events as ev
from runbook.store.chain import COLUMNS, canonical, row_hash, to_row
from runbook.store.sqlite import SqliteStore

REPO = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
INCIDENT = "INC-BENCH2"
GOAL_SECONDS = 5.0
INSERT = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES "
    f"({', '.join(':' + name for name in COLUMNS)})"
)


def _hex(seq: int, length: int) -> str:
    """A random-looking hex id, as the engine makes them (uuid4, sha256)."""
    return hashlib.sha256(str(seq).encode()).hexdigest()[:length]


def incident_rows(workspace: Any, count: int) -> list[dict[str, Any]]:
    """``count`` stored rows of one incident, chained."""
    playbook = workspace.playbook("account-compromised")
    people = [p.id for p in workspace.contacts.people]
    first: list[ev.Event] = [
        ev.IncidentDeclared(
            incident_id=INCIDENT,
            at=START,
            actor="amara",
            state="declared",
            title="Benchmark: hacked brand account",
            playbook_id=playbook.id,
            playbook_version=playbook.version,
            playbook=playbook.model_dump(mode="json"),
            policy=workspace.policy.model_dump(mode="json") if workspace.policy else None,
        ),
        ev.SeverityAssessed(
            incident_id=INCIDENT,
            at=START + timedelta(minutes=3),
            actor="amara",
            state="assessed",
            answers={"control": "attacker"},
            score=20,
            level="SEV1",
        ),
        ev.DraftStarted(
            incident_id=INCIDENT,
            at=START + timedelta(minutes=4),
            actor="tom",
            state="drafting",
            draft_id="D1",
            template_id="holding",
            title="Holding statement",
            audience="public",
            variants={"x": "We are aware.", "linkedin": "We are aware."},
            content_hash="0" * 16,
        ),
    ]
    rows = []
    prev = ""
    for seq, event in enumerate(first, start=1):
        row = to_row(event, seq, prev)
        prev = row["hash"]
        rows.append(row)
    for seq in range(len(first) + 1, count + 1):
        at = START + timedelta(minutes=5, seconds=seq)
        actor = people[seq % len(people)]
        kind = seq % 20
        if kind < 14:
            type_, data = "NoteAdded", {"text": f"Update {seq}: replies still growing on X."}
        elif kind < 16:
            version = seq // 20 + 2
            text = f"Holding statement, version {version}: we are securing the account."
            type_, data = (
                "DraftEdited",
                {
                    "draft_id": "D1",
                    "version": version,
                    "variants": {"x": text, "linkedin": text},
                    "content_hash": _hex(seq, 16),
                },
            )
        elif kind == 16:
            type_, data = (
                "NotificationsSent",
                {
                    "effect_id": f"{INCIDENT}-notify-{_hex(seq, 10)}",
                    "rule_id": "security-and-social",
                    "deliveries": [
                        {"person": p, "roles": ["social_media_manager"], "channel": c, "ok": True}
                        for p in people[:3]
                        for c in ("chat", "email")
                    ],
                },
            )
        elif kind == 17:
            type_, data = (
                "PostsPaused",
                {
                    "effect_id": f"{INCIDENT}-pause-{_hex(seq, 10)}",
                    "scope": "all",
                    "posts": [
                        {
                            "id": f"post-{seq}",
                            "channel": "x",
                            "scheduled_at": (at + timedelta(hours=1)).isoformat(),
                            "excerpt": "Black Friday starts now!",
                        }
                    ],
                    "failures": [],
                    "note": "",
                },
            )
        elif kind == 18:
            type_, data = "ActionRefused", {"action": "approve", "reason": "the author may not"}
        elif seq % 1000 == 19:
            type_, data = "SentimentSampled", {"negative": 0.72, "source": "listening tool"}
        else:
            type_, data = (
                "ChecklistItemChecked",
                {
                    "item_id": "screenshot-evidence",
                    "stage": "assess",
                    "text": "Screenshot every unwanted post.",
                },
            )
        row = {
            "incident_id": INCIDENT,
            "seq": seq,
            "type": type_,
            "at": at.isoformat(),
            "actor": actor,
            "state": "drafting",
            "command_id": _hex(seq, 32),
            "data": canonical(data),
            "prev_hash": prev,
        }
        row["hash"] = row_hash(row, prev)
        prev = row["hash"]
        rows.append(row)
    return rows


def load(db: Path, rows: list[dict[str, Any]]) -> None:
    """Write the rows in one transaction, as a bulk load."""
    SqliteStore(db).close()  # creates the schema
    connection = sqlite3.connect(db)
    with connection:
        connection.executemany(INSERT, rows)
        connection.execute(
            "INSERT INTO incidents (id, playbook, title, level, state, drill, opened_at, "
            "updated_at, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                INCIDENT,
                "account-compromised",
                "Benchmark",
                "SEV1",
                "drafting",
                0,
                START.isoformat(),
                rows[-1]["at"],
                len(rows),
            ),
        )
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    workspace = load_workspace([REPO / "playbooks", REPO / "contacts"])
    started = time.perf_counter()
    rows = incident_rows(workspace, args.events)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        load(db, rows)
        print(f"built and loaded {len(rows):,} events in {time.perf_counter() - started:.2f} s")
        engine = Engine(SqliteStore(db), workspace)
        print(f"\nexport of {len(rows):,} events, end to end (goal < {GOAL_SECONDS:.0f} s):")
        runs = [*((fmt, False, None) for fmt in FORMATS), ("html", True, None)]
        runs += [("md", False, "fr"), ("html", False, "fr")]
        for fmt, names, language in runs:
            began = time.perf_counter()
            text = export_incident(
                engine,
                INCIDENT,
                fmt,
                tz="Europe/Paris",
                redact_names=names,
                environ=os.environ,
                language=language,
            )
            took = time.perf_counter() - began
            verdict = "ok" if took < GOAL_SECONDS else "OVER GOAL"
            size = len(text.encode("utf-8")) / 1e6
            label = (
                fmt
                + (" --redact names" if names else "")
                + (f" --lang {language}" if language else "")
            )
            print(f"  {label:20} {took:6.2f} s  {size:7.1f} MB  {verdict}")
        print("\nbreakdown (garbage collector left on, as a library caller would):")
        began = time.perf_counter()
        stored = engine.store.rows(INCIDENT)
        print(f"  {'read rows':20} {time.perf_counter() - began:6.2f} s")
        secrets = secret_values(workspace.contacts, os.environ)
        for names in (False, True):
            began = time.perf_counter()
            report = build_report(
                stored, workspace.contacts, tz="Europe/Paris", redact_names=names, secrets=secrets
            )
            label = "build report" + (" (names)" if names else "")
            print(f"  {label:20} {time.perf_counter() - began:6.2f} s")
        for fmt in FORMATS:
            began = time.perf_counter()
            render(report, fmt)
            print(f"  {'render ' + fmt:20} {time.perf_counter() - began:6.2f} s")
        engine.store.close()


if __name__ == "__main__":
    main()
