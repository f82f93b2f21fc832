"""Failures and waits are visible on the command line: a notification that reached nobody exits
1 with one line saying so; one that missed some says that and exits 0; every long wait (a
receiver's Retry-After) is a line as it starts, saying who waits and until when."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import ROOT

SEV1 = [
    "--answer=control=attacker",
    "--answer=content=scam",
    "--answer=reach=viral",
    "--answer=data=none",
    "--answer=scope=one",
]


class Hook:
    """A webhook receiver on 127.0.0.1 answering every POST with ``status`` (and headers)."""

    def __init__(self, status: int, **headers: str) -> None:
        self.status, self.headers, self.count = status, headers, 0
        self.until = 10**9
        """Answer ``status`` to this many POSTs, then 200."""
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with hook.lock:
                    hook.count += 1
                    status = hook.status if hook.count <= hook.until else 200
                self.send_response(status)
                for name, value in hook.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooked_config(config_dir: Path, tmp_path: Path) -> Path:
    """The test configuration with email and chat sent through webhooks (RUNBOOK_TEST_EMAIL_HOOK,
    RUNBOOK_TEST_CHAT_HOOK)."""
    folder = tmp_path / "config"
    shutil.copytree(config_dir, folder)
    channels = folder / "contacts" / "channels.yaml"
    text = channels.read_text(encoding="utf-8")
    for name in ("email", "chat"):
        old = f"  {name}:\n    kind: console\n"
        assert old in text
        variable = f"RUNBOOK_TEST_{name.upper()}_HOOK"
        text = text.replace(old, f"  {name}:\n    kind: webhook\n    url_env: {variable}\n")
    channels.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def hooks() -> Iterator[list[Hook]]:
    made: list[Hook] = []
    yield made
    for hook in made:
        hook.close()


def runbook(
    config: Path, db: Path, email: Hook, chat: Hook, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RUNBOOK_DB": str(db),
        "RUNBOOK_CONFIG": str(config),
        "RUNBOOK_OPERATOR": "amara",
        "RUNBOOK_TEST_EMAIL_HOOK": email.url,
        "RUNBOOK_TEST_CHAT_HOOK": chat.url,
    }
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def assessed(config: Path, db: Path, email: Hook, chat: Hook) -> str:
    declared = runbook(config, db, email, chat, "declare", "account-compromised", "--title", "X")
    incident_id = declared.stdout.strip()
    assert runbook(config, db, email, chat, "assess", incident_id, *SEV1).returncode == 0
    return incident_id


def test_a_notification_nobody_received_exits_1_with_one_line(hooked_config, hooks, tmp_path):
    email, chat = Hook(400), Hook(400)
    hooks += [email, chat]
    incident_id = assessed(hooked_config, tmp_path / "db.sqlite", email, chat)

    done = runbook(hooked_config, tmp_path / "db.sqlite", email, chat, "notify", incident_id)

    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if "nobody was notified" in line]
    assert len(lines) == 1, done.stderr + done.stdout
    assert lines[0].startswith(f"runbook: {incident_id}: nobody was notified (")
    assert f"`runbook retry {incident_id}` tries again" in lines[0]
    assert email.count > 0, "every delivery was tried"
    assert chat.count > 0, "every delivery was tried"


def test_a_channel_that_reached_nobody_exits_1_naming_it(hooked_config, hooks, tmp_path):
    email, chat = Hook(200), Hook(400)
    hooks += [email, chat]
    incident_id = assessed(hooked_config, tmp_path / "db.sqlite", email, chat)

    done = runbook(hooked_config, tmp_path / "db.sqlite", email, chat, "notify", incident_id)

    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if "reached nobody" in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"runbook: {incident_id}: chat reached nobody: 7 of 7 failed (")
    assert "HTTP 400" in lines[0]
    assert f"{incident_id}: 7 of 7 people reached" in done.stdout, "email reached everyone"


def test_a_notification_that_missed_some_says_so_and_exits_0(hooked_config, hooks, tmp_path):
    email, chat = Hook(200), Hook(200)
    hooks += [email, chat]
    incident_id = assessed(hooked_config, tmp_path / "db.sqlite", email, chat)
    chat.status, chat.until = 400, 2  # the first two chat messages are refused

    done = runbook(hooked_config, tmp_path / "db.sqlite", email, chat, "notify", incident_id)

    assert done.returncode == 0, done.stderr
    assert f"runbook: warning: {incident_id}: some people were not notified (" in done.stderr
    assert "reached nobody" not in done.stderr


def test_a_receiver_that_keeps_asking_to_wait_shows_each_wait_then_fails(
    hooked_config, hooks, tmp_path
):
    email, chat = Hook(200), Hook(429, **{"Retry-After": "1"})
    hooks += [email, chat]
    incident_id = assessed(hooked_config, tmp_path / "db.sqlite", email, chat)

    done = runbook(hooked_config, tmp_path / "db.sqlite", email, chat, "notify", incident_id)

    waits = [line for line in done.stderr.splitlines() if "waiting" in line]
    assert waits, done.stderr
    assert all(
        line.startswith("runbook: waiting 1 s to try the chat message to ") for line in waits
    )
    assert any("(chat asked to wait 1 s); attempt 2 of 4 at " in line for line in waits)
    assert any("attempt 4 of 4" in line for line in waits)
    assert waits[0].endswith(" UTC")
    assert done.returncode == 1
    assert f"runbook: {incident_id}: chat reached nobody: 7 of 7 failed" in done.stderr


def test_what_failed_and_who_was_missed_read_in_the_language_in_force():
    from datetime import UTC, datetime

    from runbook.i18n import using
    from runbook.model.effect_state import Effect

    recipients = [
        {"person": "tom", "channels": ["email"]},
        {"person": "amara", "channels": ["sms"]},
    ]
    effect = Effect("E1", "notify", {"recipients": recipients}, datetime.now(UTC), 3)
    effect.result, effect.error = "unknown", "no answer"
    effect.deliveries = {key: {"outcome": "unknown"} for key in effect.delivery_keys()}
    effect.failures = [{"person": "tom", "channel": "email"}]
    assert effect.what_failed() == [(False, "2 messages may have been sent (no answer)")]
    assert effect.not_done() == [("tom by email", "not done")]
    with using("fr"):
        assert effect.what_failed() == [(False, "2 messages sont peut-être partis (no answer)")]
        assert effect.not_done() == [("tom par email", "non fait")]
    effect.deliveries.popitem()
    assert effect.what_failed() == [(False, "1 message may have been sent (no answer)")]
