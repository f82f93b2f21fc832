"""Who acted, and how that was proven: the proof every event carries, and the policy's rules.

Every event records its actor *and* a :class:`Proof` saying how runbook knows it was them:

* ``login``: the operating-system account of the process is mapped to the person in contacts
  (``logins: [...]``); the default on one's own machine.
* ``ssh-signature``: the person signed a statement of the action (incident, action, draft,
  version, content hash, time) with an SSH key listed for them in contacts; ``runbook verify``
  checks the signature again at any time.
* ``db-role``: on the team store, the PostgreSQL role the event was written under is mapped to
  the person, and the database itself refuses any other actor for that role.
* ``link``: the person used the signed, single-use approval link sent to them privately.
* ``claimed``: a bare name (``--as``, ``RUNBOOK_OPERATOR``, switching person in the app) with
  nothing to back it. ``behind`` names the person the process's login proves, when there is one.
* ``system``: runbook's own steps (results of effects, escalations); ``behind`` names the
  operator whose process recorded them.

The policy (``proofs:`` in ``policy.yaml``) says which methods count for which action; four-eyes
compares the *proven* people behind each event (:func:`people_behind`). Acting for someone is
never a proof: an operator recording that someone approved elsewhere is an attestation
(:class:`~runbook.model.events.ApprovalAttested`), counted only where the policy allows it.

Pure: the signed statement's text and the rules live here; signing and checking keys
(ssh-keygen) are effects, and checking a link's receipt needs the server secret
(:mod:`runbook.engine.link_keys`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from runbook.errors import Reason
from runbook.i18n import N_, _
from runbook.model.base import Id, ProblemList, Spec

ProofMethod = Literal["login", "ssh-signature", "db-role", "link", "claimed", "system"]
"""How an actor was proven (see module docstring)."""

PersonProof = Literal["login", "ssh-signature", "db-role", "link", "claimed"]
"""The methods a person's action can carry (``system`` is runbook's own)."""

PROVEN: frozenset[str] = frozenset({"login", "ssh-signature", "db-role", "link"})
"""Methods that prove the actor (``claimed`` and ``system`` do not)."""

METHOD_WORDS = {
    "login": N_("login"),
    "ssh-signature": N_("SSH signature"),
    "db-role": N_("database role"),
    "link": N_("approval link"),
    "claimed": N_("claimed, not proven"),
    "system": N_("recorded by runbook"),
}
"""Each method in the words the app, the CLI and the exports use."""

HOW_TO = {
    "ssh-signature": N_("sign with your SSH key"),
    "link": N_("use the personal approval link sent to you"),
    "db-role": N_("connect to the team store with your own database role"),
    "login": N_("run runbook under your own login (mapped to you in contacts)"),
    "claimed": N_("say who you are"),
}
"""How a person gives each proof, for refusals (any surface; translate with ``_()``)."""
HOW_TO_CLI = {"ssh-signature": N_("--sign signs with your SSH key"), "claimed": "--as PERSON"}
HOW_TO_APP = {
    "ssh-signature": N_("the app signs when the ssh-agent holds your key"),
    "claimed": N_("w chooses who you are"),
}

APPROVAL_SERVER = "(runbook serve)"
"""What the team store maps the approval server's own database role to (``runbook db
grant-server``), in place of a person: never a person id (ids have no spaces or brackets). The
database lets that role record decisions made through an approval link and runbook's own steps,
nothing else."""

SIGNATURE_NAMESPACE = "runbook"
"""The ``ssh-keygen -Y`` namespace of runbook's signatures (a signature made for another
purpose, such as a git commit, never verifies as an approval)."""


class Proof(BaseModel):
    """How the actor of one event was proven (stored inside the event's data, so hashed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: ProofMethod
    """login, ssh-signature, db-role, link, claimed or system."""
    account: str = ""
    """The operating-system account of the process that recorded the event."""
    behind: str = ""
    """claimed: the person the process's login proves (empty when the login is unmapped);
    system: the operator whose process recorded the step."""
    db_role: str = ""
    """db-role: the PostgreSQL role the event was written under."""
    key: str = ""
    """ssh-signature: the fingerprint of the key that signed (``SHA256:...``)."""
    signature: str = ""
    """ssh-signature: the armored SSH signature of :func:`statement`."""
    signed_at: str = ""
    """ssh-signature: the time written in the signed statement (ISO 8601, UTC)."""
    link: str = ""
    """link: the approval link's id (never the link itself: that is a secret)."""
    receipt: str = ""
    """link: the approval server's keyed hash over the decision (checked by ``verify``)."""

    @property
    def proven(self) -> bool:
        """True when the method proves the actor."""
        return self.method in PROVEN

    def words(self) -> str:
        """The proof in a few words (``SSH signature SHA256:ab12…``, ``claimed by tom``)."""
        text = _(METHOD_WORDS[self.method])
        if self.method == "ssh-signature" and self.key:
            text += f" {self.key[:19]}…"
        elif self.method == "db-role" and self.db_role:
            text += f" {self.db_role}"
        elif self.method == "login" and self.account:
            text += f" {self.account}"
        elif self.method == "claimed":
            if self.behind:
                text += " " + _("(typed by %(person)s)", person=self.behind)
            elif self.account:
                text += " " + _("(OS account %(account)s)", account=self.account)
        return text

    def compact(self) -> dict[str, str]:
        """The stored form: empty fields left out."""
        return {name: value for name, value in self.model_dump().items() if value}


def proof_of(data: dict[str, object] | None) -> Proof | None:
    """The proof stored in an event's data (None for events recorded before proofs existed or
    holding a proof this version cannot read)."""
    raw = (data or {}).get("proof")
    if not isinstance(raw, dict):
        return None
    try:
        return Proof.model_validate(raw)
    except ValueError:
        return None


def people_behind(actor: str, proof: Proof | None) -> set[str]:
    """The people an event may be attributed to: its actor, and whoever the process's login
    proved when the actor was only claimed. Four-eyes excludes all of them."""
    found = {actor}
    if proof is not None and proof.behind and proof.method == "claimed":
        found.add(proof.behind)
    return found


def statement(
    *,
    incident_id: str,
    action: str,
    person: str,
    signed_at: str,
    draft_id: str = "",
    version: int | None = None,
    content_hash: str = "",
    detail: str = "",
) -> str:
    """The text a person signs with their SSH key for one action.

    It names the incident, the action, the draft version and its content hash, the person and
    the time, so a signature cannot be moved to another draft, version, text, person or moment.
    """
    lines = [
        "runbook signed action v1",
        f"incident: {incident_id}",
        f"action: {action}",
        f"person: {person}",
        f"time: {signed_at}",
    ]
    if draft_id:
        lines.append(f"draft: {draft_id}")
    if version is not None:
        lines.append(f"version: {version}")
    if content_hash:
        lines.append(f"content: {content_hash}")
    if detail:
        lines.append(f"detail: {' '.join(detail.split())}")
    return "\n".join(lines) + "\n"


def override_detail(rule_id: str, reason: str) -> str:
    """What an override's signature covers besides the draft: the rule and the reason."""
    return f"rule {rule_id}: {reason}"


def attest_detail(person: str, how: str, note: str) -> str:
    """What an attestation's signature covers besides the draft: who, how, and the note."""
    return f"{person} approved by {how}: {note}"


# -- the policy's rules -----------------------------------------------------------------------

ProofList = list[PersonProof]

DEFAULT_APPROVE: list[PersonProof] = ["ssh-signature", "link", "db-role"]
DEFAULT_DECIDE: list[PersonProof] = ["ssh-signature", "link", "db-role", "login"]
DEFAULT_OVERRIDE: list[PersonProof] = ["ssh-signature", "db-role", "login"]
DEFAULT_OTHER: list[PersonProof] = ["login", "ssh-signature", "db-role", "link", "claimed"]

RULED_ACTIONS = ("approve", "reject", "override", "attest")
"""Actions with a rule of their own; every other action follows ``other``."""


class ProofRules(Spec):
    """Which proofs of identity count for which actions (``proofs:`` in policy.yaml).

    Without the section the defaults apply: approvals need an SSH signature, an approval link
    or a database role; rejecting, overriding and attesting also accept a login; everything
    else accepts a bare claim. In a drill every action accepts a claim (switching person is how
    a drill is played), and the timeline marks it.
    """

    approve: ProofList = Field(default_factory=lambda: list(DEFAULT_APPROVE), min_length=1)
    """Proofs that make an approval count."""
    reject: ProofList = Field(default_factory=lambda: list(DEFAULT_DECIDE), min_length=1)
    """Proofs accepted to reject a draft."""
    override: ProofList = Field(default_factory=lambda: list(DEFAULT_OVERRIDE), min_length=1)
    """Proofs accepted to override a blocking policy finding."""
    attest: ProofList = Field(default_factory=lambda: list(DEFAULT_OVERRIDE), min_length=1)
    """Proofs accepted to record that someone approved elsewhere (by phone, in person)."""
    other: ProofList = Field(default_factory=lambda: list(DEFAULT_OTHER), min_length=1)
    """Proofs accepted for every other action (declare, assess, pause, notify, notes...)."""
    attested_approvals: list[Id] = []
    """Levels at which an attested approval counts as the person's approval (none by
    default: "Elena approved by phone" recorded by someone else never satisfies a rule)."""

    @model_validator(mode="after")
    def _sensible(self) -> ProofRules:
        problems = ProblemList()
        for action in (*RULED_ACTIONS, "other"):
            methods: list[str] = getattr(self, action)
            if len(set(methods)) != len(methods):
                problems.add((action,), _("a proof is listed twice"))
        for method in ("link",):
            for action in ("override", "attest"):
                if method in getattr(self, action):
                    problems.add(
                        (action,),
                        _(
                            "%(method)s proofs only exist for approving and rejecting a draft",
                            method=method,
                        ),
                    )
        problems.raise_if_any()
        return self

    def accepted(self, action: str) -> list[str]:
        """The methods that count for ``action``."""
        return list(getattr(self, action) if action in RULED_ACTIONS else self.other)

    def attested_counts(self, level: str | None) -> bool:
        """True when an attested approval counts at ``level``."""
        return level is not None and level in self.attested_approvals


def refusal(
    rules: ProofRules, action: str, person: str, proof: Proof | None, *, drill: bool
) -> str | None:
    """Why ``person``'s proof does not count for ``action`` (None when it does).

    Drills accept every proof (the timeline marks claims). The words say which proofs are
    accepted and how to give one.
    """
    if drill or proof is None or proof.method == "system":
        return None
    accepted = rules.accepted(action)
    if proof.method in accepted:
        return None
    how = "; ".join(_(HOW_TO[m]) for m in accepted if m in HOW_TO)
    names = ", ".join(accepted)
    value = _(METHOD_WORDS[proof.method])
    if action == "approve":
        words = _(
            "approvals need %(names)s as proof, and %(person)s is %(proof)s here; to give one: "
            "%(how)s",
            names=names,
            person=person,
            proof=value,
            how=how,
        )
    else:
        words = _(
            "to %(action)s, the policy accepts %(names)s as proof, and %(person)s is %(proof)s "
            "here; to give one: %(how)s",
            action=action.replace("_", " "),
            names=names,
            person=person,
            proof=value,
            how=how,
        )
    return Reason(
        words,
        cli="; ".join(_(HOW_TO_CLI[m]) for m in accepted if m in HOW_TO_CLI),
        app="; ".join(_(HOW_TO_APP[m]) for m in accepted if m in HOW_TO_APP),
    )
