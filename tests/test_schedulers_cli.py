"""``runbook schedulers check`` and ``pause --dry-run`` on products configured in contacts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.products import TOKENS, Products, start_products
from tests.test_engine import SEV1_ACCOUNT


@pytest.fixture
def products(tmp_path: Path) -> Iterator[Products]:
    with ExitStack() as stack:
        found = start_products(stack, tmp_path, lambda: datetime.now(UTC))
        found.fill(datetime.now(UTC), 2)
        yield found


@pytest.fixture
def configured(tmp_path: Path, config_dir: Path, products: Products) -> Path:
    """The shipped configuration with the calendar and the four products as its schedulers."""
    config = tmp_path / "config"
    shutil.copytree(config_dir, config)
    (config / "contacts" / "demo-calendar.yaml").write_text(
        f"""schedulers:
  calendar:
    kind: file
    path: {products.calendar}
  postiz:
    kind: postiz
    base_url: {products.postiz.url}/public/v1
    token_env: POSTIZ_KEY
  hootsuite:
    kind: hootsuite
    base_url: {products.hootsuite.url}
    token_env: HOOTSUITE_TOKEN
  buffer:
    kind: buffer
    base_url: {products.buffer.url}
    token_env: BUFFER_KEY
    organization_id: org-1
  facebook:
    kind: meta
    base_url: {products.meta.url}
    token_env: META_TOKEN
    page_id: "{products.meta.page_id}"
""",
        encoding="utf-8",
    )
    return config


def runbook(config: Path, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, **TOKENS, "RUNBOOK_CONFIG": str(config), **env}
    environ |= {"RUNBOOK_DB": str(tmp_path / "cli.db"), "RUNBOOK_OPERATOR": "amara"}
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=120,
    )


def test_schedulers_check_counts_each_products_posts_and_changes_nothing(
    configured, tmp_path, products
):
    result = runbook(configured, tmp_path, "schedulers", "check")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    hoot = next(line for line in lines if line.startswith("ok      hootsuite (Hootsuite)"))
    assert "2 scheduled post(s) of 2 seen" in hoot
    assert "recording each post here, deleting it" in hoot
    assert any("postiz (Postiz): 2 scheduled" in line and "draft" in line for line in lines)
    for fake in (products.postiz, products.hootsuite, products.buffer, products.meta):
        assert {s.method for s in fake.seen} <= {"GET", "POST"}
    assert {s.method for s in products.buffer.seen} == {"POST"}  # GraphQL reads are POSTs
    assert all("mutation" not in str(s.body) for s in products.buffer.seen)


def test_schedulers_check_names_the_broken_one_in_a_line_without_its_token(configured, tmp_path):
    result = runbook(configured, tmp_path, "schedulers", "check", HOOTSUITE_TOKEN="leaked-123")
    assert result.returncode == 1
    [failed] = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert "hootsuite (Hootsuite)" in failed
    assert "HOOTSUITE_TOKEN" in failed
    assert "leaked-123" not in result.stdout + result.stderr

    as_json = runbook(configured, tmp_path, "schedulers", "check", "--json", META_TOKEN="")
    entries = {e["scheduler"]: e for e in json.loads(as_json.stdout)}
    assert entries["facebook"]["ok"] is False
    assert "META_TOKEN is not set" in entries["facebook"]["error"]


def test_pause_dry_run_says_which_posts_will_be_deleted_and_recreated(configured, tmp_path):
    declared = runbook(configured, tmp_path, "declare", "account-compromised", "--title", "Hacked")
    assert declared.returncode == 0, declared.stderr
    incident_id = declared.stdout.split()[0]
    answers = [f"--answer={q}={a}" for q, a in SEV1_ACCOUNT.items()]
    assessed = runbook(configured, tmp_path, "assess", incident_id, *answers)
    assert assessed.returncode == 0, assessed.stderr
    dry = runbook(configured, tmp_path, "pause", incident_id, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would hold 10 post(s)" in dry.stdout
    assert "[deleted, will be recreated]" in dry.stdout
    assert "[held as a draft]" in dry.stdout
    assert "records each whole, deletes it, and recreates it" in dry.stdout

    paused = runbook(configured, tmp_path, "pause", incident_id)
    assert paused.returncode == 0, paused.stderr
    ledger = runbook(configured, tmp_path, "posts", incident_id).stdout.splitlines()
    assert len(ledger) == 10
    hoot = [line for line in ledger if "hootsuite:hs" in line]
    assert len(hoot) == 2
    assert all("deleted, will be recreated" in line for line in hoot)
    assert all("held as a draft" in line for line in ledger if "buffer:" in line)


def test_the_posts_ledger_says_why_a_deleted_post_was_not_recreated(configured, tmp_path, products):
    from datetime import timedelta

    gone = f"{products.hootsuite.url}/media/gone.png"
    soon = datetime.now(UTC) + timedelta(days=1)
    products.hootsuite.add("hsm", soon, "With a picture", "115185509", (gone,))
    declared = runbook(configured, tmp_path, "declare", "account-compromised", "--title", "Hacked")
    incident_id = declared.stdout.split()[0]
    answers = [f"--answer={q}={a}" for q, a in SEV1_ACCOUNT.items()]
    runbook(configured, tmp_path, "assess", incident_id, *answers)
    assert runbook(configured, tmp_path, "pause", incident_id).returncode == 0
    resolved = runbook(
        configured, tmp_path, "resolve", incident_id, "--summary", "Recovered.", "--resume", "all"
    )
    assert "hsm" in resolved.stdout + resolved.stderr
    ledger = runbook(configured, tmp_path, "posts", incident_id).stdout.splitlines()
    [line] = [line for line in ledger if "hootsuite:hsm" in line]
    assert line.startswith("held")
    assert "deleted, will be recreated" in line
    assert "not released: " in line
    assert "gone.png can no longer be fetched (HTTP 404)" in line
    french = runbook(configured, tmp_path, "--lang", "fr", "posts", incident_id).stdout
    assert "non libérée : " in french
    assert "With a picture" not in [m["text"] for m in products.hootsuite.scheduled()]
