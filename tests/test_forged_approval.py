"""An approval written into the SQLite file around runbook (hashes recomputed, as an attacker
with the file would) fails `verify`, naming the event, and never unlocks publishing: with no
proof, a proof the policy does not accept, a signature that does not verify, or a link receipt
that does not match."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from runbook.engine.link_keys import LinkKeys
from runbook.errors import ActionRefused
from runbook.model.approvals import requirement
from runbook.store.chain import row_hash
from tests.conftest import approvers_for
from tests.test_identity import submitted

FORGED_PROOFS = {
    "no proof": None,
    "claimed": {"method": "claimed"},
    "login, not accepted for approvals": {"method": "login", "account": "marcus"},
    "a signature that does not verify": {
        "method": "ssh-signature",
        "key": "SHA256:" + "A" * 43,
        "signature": "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----",
        "signed_at": "2026-11-21T14:00:00+00:00",
    },
    "a link receipt that does not match": {"method": "link", "link": "L1", "receipt": "0" * 64},
}


def forge_approval(db: Path, engine: Any, incident_id: str, person: str, proof: Any) -> int:
    """Insert ``person``'s approval of the current D1 with a recomputed hash; its seq."""
    draft = engine.incident(incident_id).drafts["D1"]
    rows = engine.stored_rows(incident_id)
    last = rows[-1]
    roles = engine.workspace.contacts.roles_of(person, engine.clock.now())
    data: dict[str, Any] = {
        "draft_id": "D1",
        "version": draft.version,
        "content_hash": draft.content_hash,
        "roles": sorted(roles),
    }
    if proof is not None:
        data["proof"] = proof
    forged = {
        **last,
        "seq": last["seq"] + 1,
        "type": "DraftApproved",
        "actor": person,
        "command_id": "forged",
        "data": json.dumps(data, sort_keys=True, separators=(",", ":")),
        "prev_hash": last["hash"],
    }
    forged["hash"] = row_hash(forged, last["hash"])
    connection = sqlite3.connect(db)
    connection.execute(
        "INSERT INTO events VALUES (:incident_id, :seq, :type, :at, :actor, :state, "
        ":command_id, :data, :prev_hash, :hash)",
        forged,
    )
    connection.execute("UPDATE incidents SET events = events + 1 WHERE id = ?", (incident_id,))
    connection.commit()
    connection.close()
    return int(forged["seq"])


@pytest.mark.parametrize("kind", list(FORGED_PROOFS))
def test_a_forged_approval_fails_verify_and_does_not_unlock_publishing(
    engine_as: Any, workspace: Any, db_path: Path, kind: str
) -> None:
    tom, incident_id = submitted(engine_as)
    rule = workspace.playbook("account-compromised").approval["SEV1"]
    people = approvers_for(workspace, rule.roles, exclude={"tom"})
    for person in people[:-1]:
        engine_as(person).approve(incident_id)
    assert engine_as("tom").verify(incident_id).ok
    tom.store.close()
    seq = forge_approval(db_path, engine_as("tom"), incident_id, people[-1], FORGED_PROOFS[kind])

    fresh = engine_as("tom")
    fresh._link_keys = LinkKeys(b"the-team-link-secret-for-this-test")
    result = fresh.verify(incident_id)
    assert not result.ok
    assert result.first_bad_seq == seq
    assert f"event #{seq} (DraftApproved by {people[-1]})" in result.problem
    incident = fresh.incident(incident_id)
    with pytest.raises(ActionRefused) as refused:
        fresh.publish(incident_id, by_hand={"x": "https://x.com/northwind/status/1"})
    counted = requirement(incident, incident.drafts["D1"])
    if FORGED_PROOFS[kind] and FORGED_PROOFS[kind]["method"] in ("ssh-signature", "link"):
        # the method is one approvals accept: the proof itself is checked before publishing
        assert "a proof in the record does not check" in refused.value.reason
    else:
        assert not counted.complete, "a proof the policy does not accept never counts"
        assert people[-1] not in counted.approvers
    assert not fresh.incident(incident_id).drafts["D1"].published


def test_an_approval_by_link_this_machine_cannot_check_does_not_unlock_publishing(
    engine_as: Any, workspace: Any, db_path: Path, monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.delenv("RUNBOOK_LINK_SECRET", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "no-key-file-here"))
    tom, incident_id = submitted(engine_as)
    rule = workspace.playbook("account-compromised").approval["SEV1"]
    people = approvers_for(workspace, rule.roles, exclude={"tom"})
    for person in people[:-1]:
        engine_as(person).approve(incident_id)
    tom.store.close()
    proof = FORGED_PROOFS["a link receipt that does not match"]
    seq = forge_approval(db_path, engine_as("tom"), incident_id, people[-1], proof)
    fresh = engine_as("tom")
    result = fresh.verify(incident_id)
    assert result.ok, "a receipt this machine cannot check is reported, not failed"
    assert result.links_unchecked == 1
    with pytest.raises(ActionRefused, match=f"event #{seq} cannot be checked here"):
        fresh.publish(incident_id, by_hand={"x": "https://x.com/northwind/status/1"})
