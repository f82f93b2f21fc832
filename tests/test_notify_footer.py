"""Every notification ends with the record's head when it was sent (``record: INC #seq
hash12``), delivered through a real SMTP server (aiosmtpd): a mailbox then witnesses the
record, and ``runbook verify ID --head`` takes the line back."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from runbook.effects.wiring import build_effects
from runbook.engine import Engine
from runbook.loading import load_workspace
from runbook.model.messages import record_line
from runbook.store.sqlite import SqliteStore
from runbook.store.witness import Heads, parse_head
from tests.test_engine import SEV1_ACCOUNT
from tests.test_notify_channels import PASSWORD, USER, MailServer


def test_a_notification_carries_the_record_head_and_verify_head_takes_it_back(
    tmp_path: Path, config_dir: Path, monkeypatch: Any
) -> None:
    mail = MailServer()
    mail.start()
    try:
        config = tmp_path / "config"
        shutil.copytree(config_dir, config)
        (config / "contacts" / "channels.yaml").write_text(
            "channels:\n"
            f"  email: {{kind: smtp, host: 127.0.0.1, port: {mail.port}, security: none,\n"
            "          sender: crisis@example.com, username_env: RUNBOOK_SMTP_USER,\n"
            "          password_env: RUNBOOK_SMTP_PASSWORD, timeout: 5s}\n"
            "  chat: {kind: console}\n"
            "  console: {kind: console}\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("RUNBOOK_SMTP_USER", USER)
        monkeypatch.setenv("RUNBOOK_SMTP_PASSWORD", PASSWORD)
        workspace = load_workspace([config / "playbooks", config / "contacts"])
        engine = Engine(
            SqliteStore(tmp_path / "n.db"),
            workspace,
            operator="tom",
            effects=build_effects(workspace, config / "contacts"),
        )
        incident_id = engine.declare("account-compromised", "Scam DMs").id
        engine.assess(incident_id, SEV1_ACCOUNT)
        engine.notify(incident_id)
        received = mail.handler.parsed()
        assert received
        rows = {row["seq"]: row["hash"] for row in engine.stored_rows(incident_id)}
        for message in received:
            last = message.get_content().rstrip("\n").splitlines()[-1]
            assert last.startswith(f"record: {incident_id} #")
            found_id, seq, digest = parse_head(last)
            assert found_id == incident_id
            assert rows[seq].startswith(digest)
            assert last == record_line(incident_id, seq, rows[seq])
        heads = Heads()
        heads.add(*parse_head(last))
        assert engine.verify(incident_id, heads).witnessed >= 1
        engine.store.close()
    finally:
        mail.stop()
