"""Checking the proofs stored in an incident's events, for ``runbook verify`` and publishing.

The hash chain shows that nothing changed after it was written; this shows that what was
written was proven: every SSH signature is checked again against the person's keys in contacts
(``ssh-keygen -Y verify`` over the statement rebuilt from the event), every approval-link
receipt is recomputed with the team's link secret when this machine has it, and an approval
whose proof the incident's policy does not accept (a bare claim, in a live incident), or a
configuration change by nobody proven, is named: runbook never records one, so it was written
around runbook. A recorded change of policy changes the rules from that event on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from runbook.engine.link_keys import LinkKeys
from runbook.errors import ActionRefused, RunbookError
from runbook.model.contacts import Contacts
from runbook.model.policy import Policy
from runbook.model.proof import ProofRules, attest_detail, override_detail, proof_of, statement
from runbook.store.chain import Verification, verify_rows

SIGNED_ACTIONS = {
    "DraftApproved": "approve",
    "DraftRejected": "reject",
    "LintOverridden": "override",
    "ApprovalAttested": "attest",
}
"""Event types that may carry a person's signature, and the action they sign."""
DECISIONS = {"DraftApproved": "approve", "DraftRejected": "reject"}
"""Event types a link can make, and the decision its receipt covers."""


@dataclass
class ProofCheck:
    """What checking an incident's proofs found."""

    signatures: int = 0
    """SSH signatures checked and good."""
    links: int = 0
    """Link receipts checked and good."""
    links_unchecked: int = 0
    """Link receipts not checked (this machine does not have the team's link secret)."""
    unchecked_approvals: list[int] = field(default_factory=list)
    """Seqs of approvals by link whose receipt this machine could not check."""
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when every proof checked is good."""
        return self.first_bad_seq is None


def verify_stored(
    incident_id: str,
    rows: list[dict[str, Any]],
    recorded: int,
    contacts: Contacts,
    keys: Callable[[], LinkKeys | None],
) -> Verification:
    """Verify an incident as stored: its hash chain (``rows``), that the incident list's
    count of events (``recorded``) is not higher than the log holds (the newest cut off),
    and every proof in it (:func:`check_rows`)."""
    result = verify_rows(incident_id, rows)
    if result.ok and recorded > result.count:
        return Verification(
            incident_id,
            result.count,
            result.head_hash,
            result.count + 1,
            f"the incident list records {recorded} events but only {result.count} are in "
            f"the log: the newest {recorded - result.count} were removed",
        )
    if not result.ok:
        return result
    proofs = check_rows(rows, contacts, keys)
    return replace(
        result,
        first_bad_seq=proofs.first_bad_seq,
        problem=proofs.problem,
        signatures=proofs.signatures,
        links=proofs.links,
        links_unchecked=proofs.links_unchecked,
    )


def check_rows(
    rows: list[dict[str, Any]],
    contacts: Contacts,
    keys: Callable[[], LinkKeys | None],
) -> ProofCheck:
    """Check the proofs in ``rows`` (stored rows of one incident, in order)."""
    from runbook.effects import ssh

    result = ProofCheck()
    rules = ProofRules()
    drill = False
    link_keys: LinkKeys | None = None
    asked_keys = False
    for row in rows:
        try:
            data = json.loads(row["data"])
        except (TypeError, ValueError):
            continue  # the chain check names unreadable data
        kind = row.get("type")
        if kind == "IncidentDeclared":
            drill = bool(data.get("drill"))
            try:
                policy = Policy.model_validate(data["policy"]) if data.get("policy") else None
            except ValueError:
                policy = None
            rules = policy.proofs if policy is not None else ProofRules()
        proof = proof_of(data)
        actor = str(row.get("actor"))
        if kind == "ConfigurationChanged":
            if not drill and (proof is None or not proof.proven):
                return _bad(
                    result,
                    row,
                    "a configuration change without a proven person behind it: runbook never "
                    "records one, so it was written around runbook",
                )
            rules = _changed_rules(data, rules)
        if kind == "DraftApproved" and not drill:
            method = proof.method if proof is not None else "claimed"
            if method not in rules.approve:
                return _bad(
                    result,
                    row,
                    f"an approval with proof {method}, which the incident's policy does not "
                    "accept: runbook never records one, so it was written around runbook",
                )
        if proof is None:
            continue
        if proof.method == "ssh-signature":
            action = SIGNED_ACTIONS.get(str(kind))
            if action is None:
                return _bad(result, row, "an SSH signature on an event that is never signed")
            text = statement(
                incident_id=str(row["incident_id"]),
                action=action,
                person=actor,
                signed_at=proof.signed_at,
                draft_id=str(data.get("draft_id", "")),
                version=data.get("version"),
                content_hash=str(data.get("content_hash", "")),
                detail=_detail(str(kind), data),
            )
            person = contacts.person(actor)
            try:
                ssh.verify(text, proof.signature, actor, list(person.ssh_keys) if person else [])
            except ActionRefused as exc:
                return _bad(result, row, f"the SSH signature does not verify: {exc}")
            result.signatures += 1
        elif proof.method == "link":
            decision = DECISIONS.get(str(kind))
            if decision is None:
                if proof.receipt:
                    return _bad(
                        result, row, "an approval-link receipt on an event a link never makes"
                    )
                continue  # a refusal recorded for a link use: no receipt to check
            if not asked_keys:
                asked_keys = True
                link_keys = keys()
            if link_keys is None:
                result.links_unchecked += 1
                if kind == "DraftApproved":
                    result.unchecked_approvals.append(int(row["seq"]))
                continue
            good = link_keys.check_receipt(
                proof.receipt,
                incident_id=str(row["incident_id"]),
                draft_id=str(data.get("draft_id", "")),
                version=int(data.get("version", 0)),
                content_hash=str(data.get("content_hash", "")),
                person=actor,
                link=proof.link,
                decision=decision,
                at=str(row["at"]),
            )
            if not good:
                return _bad(
                    result,
                    row,
                    "its approval-link receipt does not match (the link secret here is the "
                    "team's: the decision was not made through a link runbook sent)",
                )
            result.links += 1
    return result


def _changed_rules(data: dict[str, Any], rules: ProofRules) -> ProofRules:
    """The proof rules in force after a recorded configuration change (a policy changed)."""
    for change in data.get("changes") or []:
        if isinstance(change, dict) and change.get("kind") == "policy":
            try:
                policy = Policy.model_validate(data["policy"]) if data.get("policy") else None
            except ValueError:
                return rules
            return policy.proofs if policy is not None else ProofRules()
    return rules


def _bad(result: ProofCheck, row: dict[str, Any], problem: str) -> ProofCheck:
    """``result`` naming the event of ``row`` and what is wrong with its proof."""
    result.first_bad_seq = int(row["seq"])
    result.problem = f"event #{row['seq']} ({row.get('type')} by {row.get('actor')}): {problem}"
    return result


def _detail(kind: str, data: dict[str, Any]) -> str:
    """What a signature covers besides the draft, per event type."""
    if kind == "DraftRejected":
        return str(data.get("comment", ""))
    if kind == "LintOverridden":
        return override_detail(str(data.get("rule_id", "")), str(data.get("reason", "")))
    if kind == "ApprovalAttested":
        return attest_detail(
            str(data.get("person", "")), str(data.get("how", "")), str(data.get("note", ""))
        )
    return ""


def optional_keys(load: Callable[[], LinkKeys]) -> Callable[[], LinkKeys | None]:
    """``load`` that answers None instead of failing (no secret on this machine)."""

    def attempt() -> LinkKeys | None:
        try:
            return load()
        except RunbookError:
            return None

    return attempt
