"""The configuration an incident runs under, pinned by content hash, and what a change changed.

An incident records, when declared, the content hashes of its playbook, the policy and the
contacts (:func:`model_hash` over the validated content, so a comment or a reordered key is
not a change), and who held which role then, with their logins and keys kept only as salted
digests (:func:`access_map`). A later command under another configuration is refused until a
proven person records the change on the timeline; the words of that change (roles added or
removed, people added, logins or keys changed, sections of the policy or playbook changed) are
:func:`differences`. Pure: no file is read here (:mod:`runbook.loading.pins` says what the
configuration on disk is now).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from runbook.errors import Reason
from runbook.i18n import N_, _
from runbook.model.contacts import Contacts
from runbook.model.incident import Incident
from runbook.model.proof import Proof
from runbook.model.proof import refusal as proof_refusal

KINDS = ("playbook", "policy", "contacts")
"""What an incident pins, in the order changes are named."""
KIND_WORDS = {"playbook": N_("playbook"), "policy": N_("policy"), "contacts": N_("contacts")}
"""Each kind in the words of a refusal."""
NONE = "none"
"""The hash of a configuration file that is not there (no policy)."""


def content_hash(content: Any) -> str:
    """The SHA-256 of ``content`` (JSON-ready data) as canonical JSON; :data:`NONE` for None."""
    if content is None:
        return NONE
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_hash(model: BaseModel | None) -> str:
    """The content hash of a validated playbook, policy or contacts: its fields as set (a
    field left at its default is left out, so a new version of runbook that adds a field does
    not change the hash of the same file)."""
    if model is None:
        return NONE
    return content_hash(model.model_dump(mode="json", exclude_defaults=True))


def _digest(person: str, value: str) -> str:
    """A credential as stored in the access map: a digest salted with the person's id."""
    return hashlib.sha256(f"{person}\x1f{value}".encode()).hexdigest()[:20]


def access_map(contacts: Contacts) -> dict[str, Any]:
    """Who holds which role, and the digests of their logins, SSH keys and database roles."""
    return {
        "people": {
            person.id: {
                "roles": sorted(person.roles),
                "logins": sorted(_digest(person.id, login) for login in person.logins),
                "keys": sorted(
                    _digest(person.id, " ".join(key.split()[:2])) for key in person.ssh_keys
                ),
                "db_roles": sorted(_digest(person.id, role) for role in person.db_roles),
            }
            for person in contacts.people
        },
        "rotations": {
            rotation.id: {"role": rotation.role, "members": list(rotation.members)}
            for rotation in contacts.rotations
        },
    }


def login_was_theirs(access: dict[str, Any] | None, person: str, account: str) -> bool:
    """True when the pinned contacts mapped the login ``account`` to ``person``."""
    entry = ((access or {}).get("people") or {}).get(person) or {}
    return _digest(person, account) in (entry.get("logins") or [])


def known_then(access: dict[str, Any] | None, person: str) -> bool:
    """True when ``person`` was in the pinned contacts."""
    return person in ((access or {}).get("people") or {})


@dataclass(frozen=True)
class Change:
    """One file of the configuration that differs from what the incident pinned."""

    kind: str
    """playbook, policy or contacts."""
    old_hash: str
    new_hash: str
    summary: list[str] = field(default_factory=list)
    """What differs, in short phrases (roles added or removed, sections changed)."""

    def line(self) -> str:
        """``contacts changed since this incident was declared (hash ab12… now cd34…)``."""
        return _(
            "%(kind)s changed since this incident was declared (hash %(old)s… now %(new)s…)",
            kind=_(KIND_WORDS.get(self.kind, self.kind)),
            old=self.old_hash[:8],
            new=self.new_hash[:8],
        )

    def record(self) -> dict[str, Any]:
        """The stored form (in :class:`~runbook.model.events.ConfigurationChanged`)."""
        return {
            "kind": self.kind,
            "old_hash": self.old_hash,
            "new_hash": self.new_hash,
            "summary": list(self.summary),
        }


def contacts_differences(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Roles added or removed, people added or removed, credentials and rotations changed."""
    if old is None:
        return ["the contacts were not recorded in detail when the incident was declared"]
    found: list[str] = []
    before, after = old.get("people") or {}, new.get("people") or {}
    for person in sorted(set(before) | set(after)):
        was, now = before.get(person), after.get(person)
        if was is None:
            roles = ", ".join((now or {}).get("roles") or []) or "no role"
            found.append(f"{person} added ({roles})")
            continue
        if now is None:
            found.append(f"{person} removed")
            continue
        for role in sorted(set(now["roles"]) - set(was["roles"])):
            found.append(f"{person} +{role}")
        for role in sorted(set(was["roles"]) - set(now["roles"])):
            found.append(f"{person} -{role}")
        for what, words in (("logins", "logins"), ("keys", "SSH keys"), ("db_roles", "db roles")):
            if was.get(what) != now.get(what):
                found.append(f"{person}: {words} changed")
    rotations_before, rotations_after = old.get("rotations") or {}, new.get("rotations") or {}
    for rotation in sorted(set(rotations_before) | set(rotations_after)):
        if rotations_before.get(rotation) != rotations_after.get(rotation):
            found.append(f"rotation {rotation} changed")
    return found or ["channels or other settings changed (no role or person)"]


def sections_changed(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    """The top-level sections of a policy or playbook that differ."""
    if old is None or new is None:
        return ["added" if old is None else "removed"]
    keys = sorted(set(old) | set(new))
    changed = [key for key in keys if old.get(key) != new.get(key)]
    return [f"{key} changed" for key in changed] or ["formatting only"]


def change_refusal(
    incident: Incident, actor: str, proof: Proof | None, changes: list[Any] | None
) -> str | None:
    """Why ``actor`` may not record ``changes`` of configuration on ``incident`` (None: they
    may). A change is recorded by a proven person who was in the contacts the incident pinned
    (a login mapped to them in *those* contacts), with a proof the pinned policy accepts for
    overrides: never a claim, so a private copy of contacts proves nobody."""
    if not changes:
        return _("the configuration is the one this incident runs under: nothing to record")
    if incident.drill:
        return None
    if proof is None or not proof.proven:
        how = _("run runbook under your own login (mapped to you in contacts)")
        return Reason(
            _("a configuration change must be recorded by a proven person, not a claim"),
            cli=how,
            app=how,
        )
    refused = proof_refusal(incident.proof_rules, "override", actor, proof, drill=False)
    if refused:
        return refused
    if incident.access is not None and not known_then(incident.access, actor):
        return _("%(person)s was not in the contacts this incident was declared with", person=actor)
    if (
        proof.method == "login"
        and incident.access is not None
        and not login_was_theirs(incident.access, actor, proof.account)
    ):
        return _(
            "the login %(login)r was not %(person)s's in the contacts this incident was "
            "declared with",
            login=proof.account,
            person=actor,
        )
    return None
