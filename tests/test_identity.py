"""Who did it, and how that was proven: proofs on every event, the policy's rules on which
proofs count, four-eyes between proven people, SSH signatures made and checked by a real
ssh-keygen, attestations, and ``verify`` naming a forged or broken proof."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from runbook.effects.sinks import drill_effects
from runbook.effects.ssh import Signer
from runbook.engine import Engine
from runbook.errors import ActionRefused, RunbookError
from runbook.export import build_report, render
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.store.chain import row_hash
from runbook.store.sqlite import SqliteStore
from tests.signing import approve_as, make_key, public_key
from tests.test_engine import SEV1_ACCOUNT


def with_logins(workspace: Workspace, logins: dict[str, str]) -> Workspace:
    """``workspace`` where each person in ``logins`` has that operating-system account."""
    people = [
        p.model_copy(update={"logins": [logins[p.id]]}) if p.id in logins else p
        for p in workspace.contacts.people
    ]
    return dataclasses.replace(
        workspace, contacts=workspace.contacts.model_copy(update={"people": people})
    )


def submitted(engine_as, level: dict[str, str] = SEV1_ACCOUNT) -> tuple[Engine, str]:
    """An account-compromised incident by tom with D1 submitted."""
    tom = engine_as("tom")
    incident_id = tom.declare("account-compromised", "Hacked").id
    tom.assess(incident_id, level)
    if "pause" in tom.allowed(incident_id):
        tom.pause(incident_id)
    if "notify" in tom.allowed(incident_id):
        tom.notify(incident_id)
    tom.start_draft(incident_id)
    tom.submit(incident_id)
    return tom, incident_id


# -- identity ------------------------------------------------------------------------------


def test_a_login_mapped_in_contacts_is_the_operator_with_proof_login(workspace, db_path, clock):
    mapped = with_logins(workspace, {"tom": "tfletcher"})
    engine = Engine(SqliteStore(db_path), mapped, clock=clock, account="tfletcher")
    assert engine.operator == "tom", "no --as needed"
    incident = engine.declare("offensive-post", "Bad joke")
    declared = engine.timeline(incident.id)[0]
    assert declared.actor == "tom"
    assert declared.proof is not None
    assert (declared.proof.method, declared.proof.account) == ("login", "tfletcher")


def test_naming_someone_else_is_a_claim_recorded_with_the_proven_person_behind_it(
    workspace, db_path, clock
):
    mapped = with_logins(workspace, {"tom": "tfletcher"})
    engine = Engine(SqliteStore(db_path), mapped, clock=clock, account="tfletcher")
    engine.operator = "elena"
    incident = engine.declare("offensive-post", "Bad joke")
    proof = engine.timeline(incident.id)[0].proof
    assert proof is not None
    assert (proof.method, proof.behind, proof.account) == ("claimed", "tom", "tfletcher")


def test_the_export_lists_an_act_under_a_typed_name_as_claimed_never_as_that_persons_own(
    workspace, db_path, clock
):
    mapped = with_logins(workspace, {"amara": "aokafor"})
    engine = Engine(SqliteStore(db_path), mapped, clock=clock, account="aokafor")
    incident = engine.declare("offensive-post", "Bad joke").id
    engine.operator = "elena"  # amara types --as elena
    engine.note(incident, "Legal says fine")
    report = build_report(engine.store.rows(incident), mapped.contacts)
    acts = {p.person: p.actions for p in report.people}
    assert acts["elena"] == ["added a note (claimed)"]
    assert acts["amara"] == ["declared the incident"]
    assert "added a note (claimed)" in render(report, "md")


def test_an_unmapped_login_without_a_name_is_told_how_to_say_who_it_is(workspace, db_path, clock):
    engine = Engine(SqliteStore(db_path), workspace, clock=clock, account="nobody")
    assert engine.operator is None
    with pytest.raises(RunbookError, match="your login 'nobody' is not mapped"):
        engine.declare("offensive-post", "x")


def test_one_account_cannot_be_two_people():
    from runbook.model.contacts import Contacts

    with pytest.raises(ValueError, match="one account is one person"):
        Contacts.model_validate(
            {
                "people": [
                    {"id": "a", "name": "A", "logins": ["shared"]},
                    {"id": "b", "name": "B", "logins": ["shared"]},
                ]
            }
        )


def test_runbooks_own_steps_carry_a_system_proof_naming_the_operator(engine_as):
    tom = engine_as("tom")
    incident_id = tom.declare("account-compromised", "Hacked").id
    tom.assess(incident_id, SEV1_ACCOUNT)
    tom.pause(incident_id)
    result = next(e for e in tom.timeline(incident_id) if isinstance(e, ev.PostsPaused))
    assert result.actor == "runbook"
    assert result.proof is not None
    assert (result.proof.method, result.proof.behind) == ("system", "tom")


# -- which proofs count ------------------------------------------------------------------------


def test_a_claimed_approval_is_refused_with_the_proofs_that_count_and_recorded(engine_as):
    _, incident_id = submitted(engine_as)
    elena = engine_as("elena")
    elena.signer = None  # no key here: a bare --as elena
    with pytest.raises(ActionRefused) as refused:
        elena.approve(incident_id)
    message = str(refused.value)
    assert "approvals need ssh-signature, link, db-role as proof" in message
    assert "(--sign signs with your SSH key)" in message
    assert "\n" not in message
    refusal = [e for e in elena.timeline(incident_id) if isinstance(e, ev.ActionRefused)][-1]
    assert (refusal.action, refusal.actor) == ("approve", "elena")
    assert refusal.proof is not None
    assert refusal.proof.method == "claimed"
    assert not elena.incident(incident_id).drafts["D1"].approvals


def test_a_signed_approval_counts_and_records_the_key_that_signed(engine_as, keyring):
    _, incident_id = submitted(engine_as)
    incident = engine_as("elena").approve(incident_id)
    approval = incident.drafts["D1"].approvals[0]
    assert approval.person == "elena"
    assert approval.proof is not None
    assert approval.proof.method == "ssh-signature"
    assert approval.proof.key.startswith("SHA256:")
    assert "BEGIN SSH SIGNATURE" in approval.proof.signature


def test_another_persons_key_cannot_sign_for_you(engine_as, keyring):
    _, incident_id = submitted(engine_as)
    elena = engine_as("elena")
    elena.signer = Signer(keyring["marcus"], interactive=False)
    with pytest.raises(ActionRefused, match="not elena's signature"):
        elena.approve(incident_id)
    assert not elena.incident(incident_id).drafts["D1"].approvals


def test_switching_person_never_signs_with_the_machines_key(engine_as, keyring):
    """The app's key belongs to the person its login proves: as someone else, actions are
    unsigned claims."""
    _, incident_id = submitted(engine_as)
    engine = engine_as("amara")
    engine.signer = Signer(keyring["amara"], interactive=False, person="amara")
    engine.operator = "elena"
    with pytest.raises(ActionRefused, match="approvals need"):
        engine.approve(incident_id)


def test_four_eyes_compares_the_person_behind_a_claim(workspace, db_path, clock, keyring):
    """Tom, logged in as himself, writes the draft under amara's name, then tries to approve
    it with his own signature: the person behind the claim is the author."""
    mapped = with_logins(workspace, {"tom": "tfletcher"})
    engine = Engine(
        SqliteStore(db_path), mapped, clock=clock, account="tfletcher", effects=drill_effects()
    )
    incident_id = engine.declare("account-compromised", "Hacked").id
    engine.assess(incident_id, SEV1_ACCOUNT)
    engine.pause(incident_id)
    engine.notify(incident_id)
    engine.operator = "amara"  # claimed, typed by tom
    engine.start_draft(incident_id)
    engine.submit(incident_id)
    assert engine.incident(incident_id).drafts["D1"].writers >= {"amara", "tom"}
    engine.operator = "tom"
    engine.signer = Signer(keyring["tom"], interactive=False)
    with pytest.raises(ActionRefused, match="tom wrote draft D1"):
        engine.approve(incident_id)


def test_the_author_typing_an_approvers_name_cannot_approve_and_the_attempt_is_recorded(
    workspace, db_path, clock
):
    """Tom, logged in as himself, wrote the draft and types --as elena to approve it."""
    mapped = with_logins(workspace, {"tom": "tfletcher"})
    engine = Engine(
        SqliteStore(db_path), mapped, clock=clock, account="tfletcher", effects=drill_effects()
    )
    incident_id = engine.declare("account-compromised", "Hacked").id
    engine.assess(incident_id, SEV1_ACCOUNT)
    engine.pause(incident_id)
    engine.notify(incident_id)
    engine.start_draft(incident_id)
    engine.submit(incident_id)
    engine.operator = "elena"
    with pytest.raises(ActionRefused, match=r"tom \(typing as elena\) wrote draft D1"):
        engine.approve(incident_id)
    refusal = [e for e in engine.timeline(incident_id) if isinstance(e, ev.ActionRefused)][-1]
    assert (refusal.action, refusal.actor) == ("approve", "elena")
    assert refusal.proof is not None
    assert (refusal.proof.method, refusal.proof.behind) == ("claimed", "tom")
    assert not engine.incident(incident_id).drafts["D1"].approvals


def test_an_attestation_is_shown_as_such_and_does_not_count_under_the_shipped_policy(
    engine_as,
):
    tom, incident_id = submitted(engine_as)
    amara = engine_as("amara")
    incident = amara.attest(incident_id, "daniel", "phone", "Daniel agreed at 14:10")
    draft = incident.drafts["D1"]
    (attested,) = draft.approvals
    assert (attested.person, attested.attested_by, attested.how) == ("daniel", "amara", "phone")
    from runbook.model.approvals import requirement

    need = requirement(incident, draft)
    assert "legal" in need.missing_roles
    assert need.not_counted[0][1].startswith("attested by amara, not given by daniel")
    recorded = [e for e in tom.timeline(incident_id) if isinstance(e, ev.ApprovalAttested)]
    assert recorded
    assert recorded[0].actor == "amara"
    assert recorded[0].person == "daniel"


def test_an_attestation_counts_where_the_policy_allows_it_at_that_level(
    workspace, db_path, clock, keyring
):
    policy = workspace.policy
    assert policy is not None
    rules = policy.proofs.model_copy(update={"attested_approvals": ["SEV1"]})
    lenient = dataclasses.replace(workspace, policy=policy.model_copy(update={"proofs": rules}))

    def engine(person: str) -> Engine:
        made = Engine(
            SqliteStore(db_path), lenient, operator=person, clock=clock, effects=drill_effects()
        )
        made.signer = Signer(keyring[person], interactive=False)
        return made

    tom, incident_id = submitted(engine)
    for person in ("amara", "priya", "marcus"):
        engine(person).approve(incident_id)
    incident = engine("amara").attest(incident_id, "daniel", "phone")
    assert incident.state == "approved"


def test_an_attestation_of_ones_own_approval_is_refused(engine_as):
    _, incident_id = submitted(engine_as)
    with pytest.raises(ActionRefused, match="cannot attest their own approval"):
        engine_as("daniel").attest(incident_id, "daniel", "phone")


def test_in_a_drill_switching_person_is_allowed_and_marked_claimed(engine_as):
    tom = engine_as("tom")
    incident_id = tom.declare("account-compromised", "Drill", drill=True).id
    tom.assess(incident_id, SEV1_ACCOUNT)
    tom.pause(incident_id)
    tom.notify(incident_id)
    tom.start_draft(incident_id)
    tom.submit(incident_id)
    for person in ("amara", "priya", "marcus", "daniel"):
        approver = engine_as(person)
        approver.signer = None
        incident = approver.approve(incident_id)
    assert incident.state == "approved"
    assert {a.proof.method for a in incident.drafts["D1"].approvals if a.proof} == {"claimed"}


def test_approving_binds_to_the_version_the_approver_read(engine_as):
    tom, incident_id = submitted(engine_as)
    read = tom.incident(incident_id).drafts["D1"].content_hash
    tom.edit_draft(incident_id, "D1", {"x": "We are aware and on it."})
    tom.submit(incident_id)
    with pytest.raises(ActionRefused, match="changed since you read it: you read the text"):
        engine_as("elena").approve(incident_id, expect=read)
    fresh = tom.incident(incident_id).drafts["D1"].content_hash
    assert engine_as("elena").approve(incident_id, expect=fresh[:8]).drafts["D1"].approvals


# -- verify ------------------------------------------------------------------------------------


def test_verify_checks_every_signature_and_names_a_forged_approval(engine_as, db_path):
    _, incident_id = submitted(engine_as)
    for person in ("amara", "priya"):
        engine_as(person).approve(incident_id)
    engine = engine_as("tom")
    result = engine.verify(incident_id)
    assert result.ok, result.problem
    assert result.signatures == 2

    # An approval inserted around runbook, with a bare claim and a recomputed hash.
    rows = engine.stored_rows(incident_id)
    last = rows[-1]
    data = json.loads(last["data"])
    forged = {
        **last,
        "seq": last["seq"] + 1,
        "actor": "marcus",
        "type": "DraftApproved",
        "command_id": "forged",
        "data": json.dumps(
            {
                "draft_id": "D1",
                "version": data.get("version", 1),
                "content_hash": data.get("content_hash", ""),
                "roles": ["pr_director"],
                "proof": {"method": "claimed"},
            },
            sort_keys=True,
            separators=(",", ":"),
        ),
        "prev_hash": last["hash"],
    }
    forged["hash"] = row_hash(forged, last["hash"])
    db = sqlite3.connect(db_path)
    db.execute(
        "INSERT INTO events VALUES (:incident_id, :seq, :type, :at, :actor, :state, "
        ":command_id, :data, :prev_hash, :hash)",
        forged,
    )
    db.execute("UPDATE incidents SET events = events + 1 WHERE id = ?", (incident_id,))
    db.commit()
    fresh = engine_as("tom")
    result = fresh.verify(incident_id)
    assert not result.ok
    assert result.first_bad_seq == forged["seq"]
    assert "runbook never records one" in result.problem
    draft = fresh.incident(incident_id).drafts["D1"]
    assert "marcus" not in [a.person for a in draft.approvals if a.proof.method != "claimed"]
    from runbook.model.approvals import requirement

    assert "pr_director" in requirement(fresh.incident(incident_id), draft).missing_roles


def test_verify_names_a_signature_that_does_not_match_its_event(engine_as, db_path):
    """A signed approval whose version was rewritten (hash chain recomputed) fails verify."""
    _, incident_id = submitted(engine_as)
    engine_as("amara").approve(incident_id)
    engine = engine_as("tom")
    rows = engine.stored_rows(incident_id)
    index = next(i for i, r in enumerate(rows) if r["type"] == "DraftApproved")
    data = json.loads(rows[index]["data"])
    data["version"] = 7
    rewritten = []
    prev = rows[index - 1]["hash"]
    for row in rows[index:]:
        row = dict(row)
        if row["seq"] == rows[index]["seq"]:
            row["data"] = json.dumps(data, sort_keys=True, separators=(",", ":"))
        row["prev_hash"] = prev
        row["hash"] = row_hash(row, prev)
        prev = row["hash"]
        rewritten.append(row)
    db = sqlite3.connect(db_path)
    db.execute("DROP TRIGGER events_no_update")
    for row in rewritten:
        db.execute(
            "UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE incident_id = ? AND seq = ?",
            (row["data"], row["prev_hash"], row["hash"], incident_id, row["seq"]),
        )
    db.commit()
    result = engine_as("tom").verify(incident_id)
    assert not result.ok
    assert result.first_bad_seq == rows[index]["seq"]
    assert "SSH signature does not verify" in result.problem


def test_a_key_removed_from_contacts_no_longer_verifies(engine_as, workspace, db_path, clock):
    _, incident_id = submitted(engine_as)
    engine_as("amara").approve(incident_id)
    people = [
        p.model_copy(update={"ssh_keys": []}) if p.id == "amara" else p
        for p in workspace.contacts.people
    ]
    without = dataclasses.replace(
        workspace, contacts=workspace.contacts.model_copy(update={"people": people})
    )
    engine = Engine(SqliteStore(db_path), without, operator="tom", clock=clock)
    result = engine.verify(incident_id)
    assert not result.ok
    assert "amara has no SSH key in contacts" in result.problem


def test_a_signature_from_a_fresh_key_not_in_contacts_is_refused(engine_as, tmp_path: Path):
    _, incident_id = submitted(engine_as)
    stranger = make_key(tmp_path, "stranger")
    elena = engine_as("elena")
    elena.signer = Signer(stranger, interactive=False)
    with pytest.raises(ActionRefused, match="checked against 1 key"):
        elena.approve(incident_id)
    assert public_key(stranger).startswith("ssh-ed25519 ")


def test_approve_as_helper_keeps_the_engine_as_it_was(engine_as, keyring):
    tom, incident_id = submitted(engine_as)
    approve_as(tom, "amara", keyring, incident_id)
    assert tom.operator == "tom"


def test_approve_sign_signs_through_a_real_ssh_agent_holding_the_key(
    engine_as, db_path, config_dir, keyring, tmp_path
):
    """No key file named anywhere: `runbook approve --sign` finds elena's key in her ssh-agent
    (a real one, the key added with ssh-add) and the signature verifies."""
    import os
    import subprocess
    import sys
    import tempfile

    from tests.conftest import ROOT

    _, incident_id = submitted(engine_as)
    folder = Path(tempfile.mkdtemp(prefix="rb-agent-"))  # a short path for the socket
    socket = folder / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if socket.exists():
                break
            subprocess.run(["sleep", "0.05"], check=True)
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("RUNBOOK_SSH_KEY", "DISPLAY")},
            "SSH_AUTH_SOCK": str(socket),
            "HOME": str(tmp_path / "home"),  # no ~/.ssh key to fall back on
            "RUNBOOK_DB": str(db_path),
            "RUNBOOK_CONFIG": str(config_dir),
            "RUNBOOK_OPERATOR": "elena",
        }
        subprocess.run(["ssh-add", str(keyring["elena"])], env=env, check=True, capture_output=True)
        approved = subprocess.run(
            [sys.executable, "-m", "runbook", "approve", incident_id, "--sign"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        agent.terminate()
        agent.wait(timeout=10)
    assert approved.returncode == 0, approved.stderr
    engine = engine_as("tom")
    (approval,) = engine.incident(incident_id).drafts["D1"].approvals
    assert approval.person == "elena"
    assert approval.proof is not None
    assert approval.proof.method == "ssh-signature"
    fingerprint = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(keyring["elena"])], capture_output=True, text=True
    ).stdout.split()[1]
    assert approval.proof.key == fingerprint
    assert engine.verify(incident_id).signatures == 1
