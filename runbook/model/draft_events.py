"""Events of statement drafts and their sign-off: drafts started and edited, submitted,
approved, attested, rejected, refused links and overridden policy findings.

Kept apart from :mod:`runbook.model.events` (which re-exports every type and holds the union
of all events) so each module stays one readable size; the envelope is
:mod:`runbook.model.event_base`.
"""

from __future__ import annotations

from typing import Literal

from runbook.model.event_base import Event


class DraftStarted(Event):
    """A statement draft was created from a template."""

    type: Literal["DraftStarted"] = "DraftStarted"
    draft_id: str
    template_id: str
    title: str
    audience: str
    variants: dict[str, str]
    """Text per variant: ``platform`` or ``platform:language``."""
    content_hash: str
    version: int = 1
    stand_ins: dict[str, list[str]] = {}
    """Approving roles nobody eligible held when this version was written (everyone holding
    them wrote it), each with the roles the policy lets approve in its place (empty list:
    nobody may until someone else writes a version)."""


class DraftEdited(Event):
    """A new version of a draft."""

    type: Literal["DraftEdited"] = "DraftEdited"
    draft_id: str
    variants: dict[str, str]
    content_hash: str
    version: int
    stand_ins: dict[str, list[str]] = {}
    """Approving roles nobody eligible held when this version was written (everyone holding
    them wrote it), each with the roles the policy lets approve in its place (empty list:
    nobody may until someone else writes a version)."""


class DraftSubmitted(Event):
    """A draft version was submitted for approval."""

    type: Literal["DraftSubmitted"] = "DraftSubmitted"
    draft_id: str
    version: int
    content_hash: str


class DraftApproved(Event):
    """A person approved a draft version (bound to its content hash)."""

    type: Literal["DraftApproved"] = "DraftApproved"
    draft_id: str
    version: int
    content_hash: str
    roles: list[str]
    """Roles of the approver that count for the approval rule."""


class ApprovalAttested(Event):
    """The operator recorded that someone approved a draft version elsewhere (by phone, in
    person). An attestation, not that person's approval: it counts only at the levels the
    policy lists in ``proofs.attested_approvals``."""

    type: Literal["ApprovalAttested"] = "ApprovalAttested"
    draft_id: str
    version: int
    content_hash: str
    person: str
    """Who the operator says approved."""
    roles: list[str]
    """That person's roles that count for the approval rule."""
    how: str
    """How the approval was given (``phone``, ``in person``, ``email``, ``chat``)."""
    note: str = ""


class LinkRefused(Event):
    """An approval link was refused when used (expired, used before, altered, for an older
    version, or the draft no longer waits for this person)."""

    type: Literal["LinkRefused"] = "LinkRefused"
    link_id: str
    """The link's id (the link itself is a secret and is never recorded)."""
    person: str
    """Who the link was made for."""
    draft_id: str = ""
    reason: str
    client: str = ""
    """Where the request came from (address as the approval server saw it)."""


class DraftRejected(Event):
    """A person rejected a draft version; it returns to drafting."""

    type: Literal["DraftRejected"] = "DraftRejected"
    draft_id: str
    version: int
    comment: str
    content_hash: str = ""
    """The text that was rejected (empty in events recorded before it was kept)."""


class LintOverridden(Event):
    """A person holding the rule's override role let a blocking finding stand, with a reason."""

    type: Literal["LintOverridden"] = "LintOverridden"
    draft_id: str
    version: int
    content_hash: str
    rule_id: str
    variant: str
    reason: str
