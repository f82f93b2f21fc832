"""An incident runs under the playbook, policy and contacts it was declared with (pinned by
content hash): a command under another configuration is refused naming what differs, until a
proven person records the change on the timeline; a claim cannot record it, and a private copy
of contacts cannot grant anyone a role for an existing incident."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

from runbook.engine import Engine
from runbook.engine.identity import os_account
from runbook.errors import ActionRefused
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.model.config_pins import model_hash
from runbook.store.sqlite import SqliteStore
from tests.test_identity import with_logins

LOGINS = {"tom": "tfletcher", "amara": "aokafor"}


def granted(workspace: Workspace, person: str, role: str) -> Workspace:
    """A private copy of the contacts where ``person`` also holds ``role``."""
    people = [
        p.model_copy(update={"roles": [*p.roles, role]}) if p.id == person else p
        for p in workspace.contacts.people
    ]
    return dataclasses.replace(
        workspace, contacts=workspace.contacts.model_copy(update={"people": people})
    )


def weakened(workspace: Workspace) -> Workspace:
    """A policy whose approvals accept a bare claim."""
    assert workspace.policy is not None
    rules = workspace.policy.proofs.model_copy(update={"approve": ["claimed", "login"]})
    policy = workspace.policy.model_copy(update={"proofs": rules})
    return dataclasses.replace(workspace, policy=policy)


@pytest.fixture
def team(workspace: Workspace) -> Workspace:
    return with_logins(workspace, LOGINS)


def engine_on(workspace: Workspace, db: Path, clock: Any, account: str, **kw: Any) -> Engine:
    return Engine(SqliteStore(db), workspace, clock=clock, account=account, **kw)


def test_the_declaration_pins_the_content_hashes_of_playbook_policy_and_contacts(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    engine = engine_on(team, db_path, clock, "tfletcher")
    incident = engine.declare("offensive-post", "Pinned")
    declared = engine.timeline(incident.id)[0]
    assert isinstance(declared, ev.IncidentDeclared)
    assert declared.pins == {
        "playbook": model_hash(team.playbooks["offensive-post"]),
        "policy": model_hash(team.policy),
        "contacts": model_hash(team.contacts),
    }
    assert "amara" in declared.access["people"]
    assert "aokafor" not in str(declared.access), "logins are kept only as digests"


def test_a_private_contacts_copy_is_refused_then_recorded_by_a_proven_person(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "P").id
    private = granted(team, "tom", "legal")
    tom = engine_on(private, db_path, clock, "tfletcher")
    with pytest.raises(ActionRefused) as refused:
        tom.note(incident_id, "under my own contacts")
    line = str(refused.value)
    assert line.startswith("contacts changed since this incident was declared (hash ")
    assert f"runbook config-change {incident_id} --why" in line
    assert "runbook" not in refused.value.reason, "the timeline records no command"
    assert refused.value.allowed == ("config_change",), "tom may record the change"
    assert "\n" not in line
    assert [c.summary for c in tom.config_changes(incident_id)] == [["tom +legal"]]

    tom.config_change(incident_id, "legal joined the crisis cell")
    recorded = [e for e in tom.timeline(incident_id) if isinstance(e, ev.ConfigurationChanged)]
    assert len(recorded) == 1
    change = recorded[0].changes[0]
    assert (change["kind"], change["summary"]) == ("contacts", ["tom +legal"])
    assert change["new_hash"] == model_hash(private.contacts)
    assert recorded[0].why == "legal joined the crisis cell"
    assert recorded[0].proof is not None
    assert recorded[0].proof.method == "login"
    tom.note(incident_id, "now it runs under the recorded contacts")
    with pytest.raises(ActionRefused, match="contacts changed"):
        engine_on(team, db_path, clock, "tfletcher").note(incident_id, "the old copy now")


def test_the_clock_escalates_nobody_a_changed_contacts_file_names_until_it_is_recorded(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    from datetime import timedelta

    from tests.test_engine import SEV1_ACCOUNT

    lead = engine_on(team, db_path, clock, "tfletcher")
    incident_id = lead.declare("account-compromised", "Escalations pinned").id
    lead.assess(incident_id, SEV1_ACCOUNT)
    lead.notify(incident_id)
    clock.advance(timedelta(hours=2))  # every acknowledgement time has run out
    private = granted(team, "tom", "legal")
    other = engine_on(private, db_path, clock, "tfletcher")
    before = len(lead.timeline(incident_id))
    with pytest.raises(ActionRefused, match="contacts changed"):
        other.tick_all(incident_id)
    with pytest.raises(ActionRefused, match="contacts changed"):
        other.recover(incident_id)
    assert len(lead.timeline(incident_id)) == before, "nothing escalated, nothing sent"
    escalated = lead.tick_all(incident_id)
    assert any(isinstance(e, ev.Escalated) for e in escalated), "the pinned contacts still do"


def test_a_claim_cannot_record_a_configuration_change(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "C").id
    private = granted(team, "marcus", "legal")
    claimed = engine_on(private, db_path, clock, "nobody", operator="marcus")
    with pytest.raises(ActionRefused, match="proven person, not a claim"):
        claimed.config_change(incident_id, "trust me")
    assert not [e for e in claimed.timeline(incident_id) if isinstance(e, ev.ConfigurationChanged)]
    with pytest.raises(ActionRefused, match="contacts changed"):
        claimed.note(incident_id, "still refused")


def test_a_login_mapped_only_in_the_private_copy_proves_nothing(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "L").id
    forged = with_logins(granted(team, "elena", "legal"), {**LOGINS, "elena": "mallory"})
    mallory = engine_on(forged, db_path, clock, "mallory")
    assert mallory.identity().method == "login"
    with pytest.raises(ActionRefused, match="was not elena's in the contacts this incident"):
        mallory.config_change(incident_id, "I am elena")


def test_a_weakened_policy_is_not_honoured_silently(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "W").id
    lenient = engine_on(weakened(team), db_path, clock, "tfletcher")
    with pytest.raises(ActionRefused, match=r"^policy changed since this incident was declared"):
        lenient.note(incident_id, "under a lenient policy")
    assert lenient.config_changes(incident_id)[0].summary == ["proofs changed"]
    lenient.config_change(incident_id, "the board relaxed approvals for this drill day")
    assert lenient.incident(incident_id).proof_rules.approve == ["claimed", "login"]


def test_a_changed_playbook_is_refused_until_recorded(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "B").id
    playbook = team.playbooks["offensive-post"]
    edited = dataclasses.replace(
        team,
        playbooks={**team.playbooks, playbook.id: playbook.model_copy(update={"version": 99})},
    )
    engine = engine_on(edited, db_path, clock, "tfletcher")
    with pytest.raises(ActionRefused, match=r"^playbook changed since this incident"):
        engine.note(incident_id, "edited playbook")
    engine.config_change(incident_id, "the playbook was corrected")
    assert engine.incident(incident_id).playbook.version == 99


def test_the_cli_refuses_then_a_proven_login_records_the_change(
    run_cli: Any, config_dir: Path, tmp_path: Path
) -> None:
    account = os_account()
    declared_with = tmp_path / "declared"
    shutil.copytree(config_dir, declared_with)
    team = declared_with / "contacts" / "team.yaml"
    text = team.read_text(encoding="utf-8")
    team.write_text(
        text.replace(
            "    roles: [comms_lead, spokesperson]\n",
            f"    roles: [comms_lead, spokesperson]\n    logins: [{account}]\n",
            1,
        ),
        encoding="utf-8",
    )
    private = tmp_path / "private"
    shutil.copytree(declared_with, private)
    changed = private / "contacts" / "team.yaml"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace(
            "roles: [comms_lead, spokesperson]", "roles: [comms_lead, spokesperson, legal]", 1
        ),
        encoding="utf-8",
    )
    declared = run_cli(
        "--config",
        str(declared_with),
        "declare",
        "offensive-post",
        "--title",
        "CLI",
        operator=None,
        check=True,
    )
    incident_id = next(w for w in declared.stdout.split() if w.startswith("INC-"))

    refused = run_cli("--config", str(private), "note", incident_id, "hello", operator=None)
    assert refused.returncode == 1
    ticked = run_cli("--config", str(private), "tick", operator=None)
    assert ticked.returncode == 1, "the clock refuses this incident under the private copy"
    assert f"{incident_id}: contacts changed since this incident was declared" in ticked.stderr
    assert "contacts changed since this incident was declared" in refused.stderr
    assert f"runbook config-change {incident_id} --why" in refused.stderr
    claimed = run_cli(
        "--config", str(private), "config-change", incident_id, "--why", "x", operator="tom"
    )
    assert claimed.returncode == 1
    assert "proven person" in claimed.stderr
    shown = run_cli(
        "--config",
        str(private),
        "config-change",
        incident_id,
        "--why",
        "x",
        "--dry-run",
        operator=None,
    )
    assert "amara +legal" in shown.stdout
    recorded = run_cli(
        "--config",
        str(private),
        "config-change",
        incident_id,
        "--why",
        "legal joined",
        operator=None,
    )
    assert recorded.returncode == 0, recorded.stderr
    assert "configuration change recorded" in recorded.stdout
    run_cli("--config", str(private), "note", incident_id, "hello", operator=None, check=True)
    timeline = run_cli("--config", str(private), "status", incident_id, "--json", operator=None)
    assert timeline.returncode == 0


def test_verify_follows_a_recorded_policy_change_and_names_a_forged_one(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    import json
    import sqlite3

    from runbook.store.chain import row_hash

    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "V").id
    lenient = engine_on(weakened(team), db_path, clock, "tfletcher")
    lenient.config_change(incident_id, "approvals by login for today")
    assert lenient.verify(incident_id).ok
    rows = lenient.stored_rows(incident_id)
    last = rows[-1]
    data = json.loads(last["data"])
    data["proof"] = {"method": "claimed"}
    forged = {**last, "seq": last["seq"] + 1, "command_id": "forged", "prev_hash": last["hash"]}
    forged["data"] = json.dumps(data, sort_keys=True, separators=(",", ":"))
    forged["hash"] = row_hash(forged, last["hash"])
    lenient.store.close()
    connection = sqlite3.connect(db_path)
    connection.execute(
        "INSERT INTO events VALUES (:incident_id, :seq, :type, :at, :actor, :state, "
        ":command_id, :data, :prev_hash, :hash)",
        forged,
    )
    connection.execute("UPDATE incidents SET events = events + 1 WHERE id = ?", (incident_id,))
    connection.commit()
    connection.close()
    result = engine_on(weakened(team), db_path, clock, "tfletcher").verify(incident_id)
    assert not result.ok
    assert result.first_bad_seq == forged["seq"]
    assert "configuration change without a proven person" in result.problem


def test_a_names_redacted_export_shows_the_pinned_contacts_by_role(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    import json

    from runbook.export import export_incident

    engine = engine_on(team, db_path, clock, "tfletcher")
    incident_id = engine.declare("offensive-post", "Redacted").id
    exported = json.loads(export_incident(engine, incident_id, "json", redact_names=True))
    declared = exported["timeline"][0]["record"]["data"]
    assert "elena" not in json.dumps(declared["access"])
    assert "marcus" not in json.dumps(declared["access"])
    plain = json.loads(export_incident(engine, incident_id, "json"))
    assert "elena" in plain["timeline"][0]["record"]["data"]["access"]["people"]
