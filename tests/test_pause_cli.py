"""Pausing from the command line with a file calendar configured in contacts/."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.test_engine import SEV1_ACCOUNT
from tests.test_pause_crash import statuses, write_calendar


def make_config(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "playbooks", config / "playbooks")
    shutil.copytree(ROOT / "contacts", config / "contacts")
    (config / "contacts" / "demo-calendar.yaml").unlink()  # this test's calendar instead
    (config / "contacts" / "schedulers.yaml").write_text(
        "schedulers:\n  calendar:\n    kind: file\n    path: ../calendar.csv\n",
        encoding="utf-8",
    )
    write_calendar(config / "calendar.csv", 12)
    return config


def cli(config: Path, *args: str, operator: str = "amara") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RUNBOOK_DB": str(config / "incidents.db"),
        "RUNBOOK_CONFIG": str(config),
        "RUNBOOK_OPERATOR": operator,
    }
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_pause_preview_then_pause_then_review_and_resolve_on_the_command_line(tmp_path):
    config = make_config(tmp_path)
    assert cli(config, "validate").returncode == 0
    incident_id = cli(config, "declare", "account-compromised", "--title", "Hacked").stdout.strip()
    answers = [f"--answer={q}={o}" for q, o in SEV1_ACCOUNT.items()]
    assert cli(config, "assess", incident_id, *answers).returncode == 0

    preview = cli(config, "pause", incident_id, "--dry-run", "--json")
    assert preview.returncode == 0, preview.stderr
    data = json.loads(preview.stdout)
    assert data["total"] == 12
    assert data["per_channel"] == {"facebook": 3, "instagram": 3, "linkedin": 3, "x": 3}
    assert len(data["next"]) == 10
    assert set(statuses(config / "calendar.csv").values()) == {"scheduled"}

    paused = cli(config, "pause", incident_id)
    assert paused.returncode == 0, paused.stderr
    assert "12 scheduled post(s) held" in paused.stdout
    assert set(statuses(config / "calendar.csv").values()) == {"held"}

    ledger = json.loads(cli(config, "posts", incident_id, "--json").stdout)
    assert len(ledger) == 12
    assert {row["ledger"] for row in ledger} == {"held"}

    unreviewed = cli(config, "resolve", incident_id, "--summary", "Recovered")
    assert unreviewed.returncode == 1
    assert "review the 12 post(s)" in unreviewed.stderr
    done = cli(
        config,
        "resolve",
        incident_id,
        "--summary",
        "Recovered",
        "--keep",
        "post-0",
        "--reschedule",
        "post-1=2027-03-01T09:00Z",
    )
    assert done.returncode == 0, done.stderr
    assert "11 post(s) released, 1 kept held" in done.stdout
    after = statuses(config / "calendar.csv")
    assert after["post-0"] == "held"
    assert after["post-5"] == "scheduled"
    with (config / "calendar.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows["post-1"]["scheduled_at"].startswith("2027-03-01T09:00")
