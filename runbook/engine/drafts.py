"""The statement commands: drafts, their sign-off (by the operator or through a link), publishing.

Each names its lifecycle action and hands the runner
(:meth:`~runbook.engine.runner.Runner.run`) the decision from :mod:`runbook.engine.statements`
(drafting, submitting, publishing), :mod:`runbook.engine.sign_off` (approve, attest, reject,
override) or :mod:`runbook.engine.approval_links` (a decision through a link). Separate from the
incident's own commands (:mod:`runbook.engine.commands`): the four-eyes path of one statement
reads here in order, from the first draft to the post, then the approval links.
"""

from __future__ import annotations

from functools import partial

from runbook.effects.ssh import Signer
from runbook.engine import approval_links, sign_off, statements
from runbook.engine.approval_links import LinkView
from runbook.engine.core import EngineCore
from runbook.model.incident import Incident
from runbook.model.limits import MAX_HOW, MAX_REASON, check_text


class StatementCommands(EngineCore):
    """Drafts, sign-off and publishing; :class:`runbook.engine.commands.Engine` has them."""

    # -- statements ------------------------------------------------------------------------
    def start_draft(
        self, incident_id: str, template_id: str | None = None, *, command_id: str | None = None
    ) -> Incident:
        """Start a draft from a template (default: the first template with no draft yet)."""
        build = partial(statements.start_draft, self, template_id)
        return self.run(incident_id, "start_draft", build, command_id=command_id)

    def edit_draft(
        self,
        incident_id: str,
        draft_id: str | None,
        changes: dict[str, str],
        *,
        command_id: str | None = None,
    ) -> Incident:
        """Save a new version of a draft with ``changes`` (variant -> text)."""
        build = partial(statements.edit_draft, self, changes)
        return self.run(incident_id, "edit_draft", build, command_id=command_id, draft_id=draft_id)

    def submit(
        self, incident_id: str, draft_id: str | None = None, *, command_id: str | None = None
    ) -> Incident:
        """Submit a draft for approval; the people who may approve it are asked to, each with
        a personal approval link on a private channel."""
        build = partial(statements.submit, self)
        return self.run(incident_id, "submit", build, command_id=command_id, draft_id=draft_id)

    def approve(
        self,
        incident_id: str,
        draft_id: str | None = None,
        *,
        command_id: str | None = None,
        signer: Signer | None = None,
        expect: str | None = None,
    ) -> Incident:
        """Approve the draft waiting for approval (four-eyes rule, roles of the level).

        ``signer`` signs the approval with the operator's SSH key (proof ``ssh-signature``);
        ``expect`` is the content hash (or version ``v3``) the approver read: when the text
        changed since, the approval is refused naming the difference.
        """
        signing = sign_off.signature(signer or self.signing())
        return self.run(
            incident_id,
            "approve",
            partial(sign_off.approve, self, expect, signing),
            command_id=command_id,
            draft_id=draft_id,
            proof=sign_off.pending(self, signing),
        )

    def attest(
        self,
        incident_id: str,
        person: str,
        how: str,
        note: str = "",
        draft_id: str | None = None,
        *,
        command_id: str | None = None,
    ) -> Incident:
        """Record that ``person`` approved the draft elsewhere (``how``: by phone, in person).

        An attestation by the operator, shown as such: it counts as ``person``'s approval only
        at the levels the policy lists in ``proofs.attested_approvals`` (and in drills).
        """
        how = " ".join(how.split())
        note = note.strip()
        check_text("how it was approved (--how)", how, MAX_HOW)
        check_text("the note", note, MAX_REASON)
        roles_now = sorted(self.workspace.contacts.roles_of(person, self.clock.now()))
        signing = sign_off.signature(self.signing())
        return self.run(
            incident_id,
            "attest",
            partial(sign_off.attest, self, person, how, note, roles_now, signing),
            command_id=command_id,
            draft_id=draft_id,
            extra={"person": person, "how": how, "person_roles": roles_now},
            proof=sign_off.pending(self, signing),
        )

    def reject(
        self,
        incident_id: str,
        comment: str,
        draft_id: str | None = None,
        *,
        command_id: str | None = None,
        signer: Signer | None = None,
        expect: str | None = None,
    ) -> Incident:
        """Reject the draft under review with a comment; it returns to drafting."""
        signing = sign_off.signature(signer or self.signing())
        return self.run(
            incident_id,
            "reject",
            partial(sign_off.reject, self, comment.strip(), expect, signing),
            command_id=command_id,
            draft_id=draft_id,
            proof=sign_off.pending(self, signing),
        )

    def override(
        self,
        incident_id: str,
        rule_id: str,
        reason: str,
        *,
        draft_id: str | None = None,
        variant: str | None = None,
        command_id: str | None = None,
        signer: Signer | None = None,
    ) -> Incident:
        """Let a blocking policy finding stand, as a person holding the rule's override role,
        with a recorded reason (binds to the current content: an edit needs a new override).
        ``signer`` signs it with the operator's SSH key."""
        reason = reason.strip()
        check_text("the reason", reason, MAX_REASON)
        signing = sign_off.signature(signer or self.signing())
        return self.run(
            incident_id,
            "override",
            partial(sign_off.override, self, rule_id, reason, variant, signing),
            command_id=command_id,
            draft_id=draft_id,
            extra={"rule_id": rule_id, "variant": variant, "reason": reason},
            proof=sign_off.pending(self, signing),
        )

    def publish(
        self,
        incident_id: str,
        draft_id: str | None = None,
        *,
        on: list[str] | None = None,
        by_hand: dict[str, str] | None = None,
        command_id: str | None = None,
    ) -> Incident:
        """Publish an approved statement where the operator chose: ``on`` lists the variants
        (``x``, ``linkedin:fr``) to send through the publisher, ``by_hand`` the variants the
        operator already posted by hand, with the post's URL. A variant posted by hand is only
        recorded, never sent again; a variant named in neither is left out (a compromised
        account, say) and can be published later."""
        chosen = list(dict.fromkeys(on or []))
        posted = {key.strip(): url.strip() for key, url in (by_hand or {}).items()}
        build = partial(statements.publish, self, chosen, posted)
        return self.run(incident_id, "publish", build, command_id=command_id, draft_id=draft_id)

    # -- approval links --------------------------------------------------------------------
    def link_view(self, token: str) -> LinkView:
        """What the page of an approval link shows; records nothing."""
        return approval_links.link_view(self, token)

    def decide_by_link(
        self,
        token: str,
        decision: str,
        *,
        comment: str = "",
        shown_hash: str = "",
        client: str = "",
    ) -> Incident:
        """Approve or reject through an approval link (see :mod:`.approval_links`)."""
        return approval_links.decide_by_link(
            self, token, decision, comment=comment, shown_hash=shown_hash, client=client
        )

    def refuse_link(self, token: str, reason: str, client: str = "") -> None:
        """Record a refused use of an approval link on the incident it names."""
        approval_links.refuse_link(self, token, reason, client)
