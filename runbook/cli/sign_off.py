"""Commands by which a statement is signed off: override, submit, approve, attest, reject.

Kept apart from :mod:`runbook.cli.drafts` (writing, checking and publishing a statement)
because these commands record who agreed to what and how it was proven: they share the
``--sign``/``--key`` signer and the ``--read`` version check.
"""

from __future__ import annotations

from typing import Any

import click

from runbook.cli import Settings, cli
from runbook.cli.incidents import DRAFT, ID, JSON, _done
from runbook.i18n import N_, _

SIGN = click.option(
    "--sign", is_flag=True, help=N_("Sign with your SSH key (proof ssh-signature; see --key).")
)
KEY = click.option(
    "--key",
    metavar="PATH",
    help=N_("SSH key to sign with (default RUNBOOK_SSH_KEY, the ssh-agent, ~/.ssh/id_ed25519)."),
)
READ = click.option(
    "--read",
    "expect",
    metavar="HASH|vN",
    help=N_("The version you read (content hash or vN): refused if the text changed since."),
)


def _signer(settings: Settings, sign: bool, key: str | None) -> Any:
    """The signer for ``--sign`` (None without it)."""
    if not sign and not key:
        return None
    from runbook.effects import ssh
    from runbook.errors import ActionRefused

    engine = settings.engine()
    person = engine.workspace.contacts.person(engine.actor())
    keys = list(person.ssh_keys) if person is not None else []
    signer = ssh.discover(keys, key)
    if signer is None:
        raise ActionRefused(
            _(
                "no SSH key found to sign with: pass --key PATH, set RUNBOOK_SSH_KEY, or load "
                "your key into ssh-agent"
            )
        )
    return signer


@cli.command(help=N_("Let a blocking policy finding stand (needs the rule's override role)."))
@ID
@click.argument("rule")
@click.option("--reason", required=True, help=N_("Why the finding may stand."))
@click.option("--variant", help=N_("Only this variant (default: every variant with the finding)."))
@DRAFT
@SIGN
@KEY
@click.pass_obj
def override(
    settings: Settings,
    incident_id: str,
    rule: str,
    reason: str,
    variant: str | None,
    draft_id: str | None,
    sign: bool,
    key: str | None,
) -> None:
    incident = settings.engine().override(
        incident_id,
        rule,
        reason,
        draft_id=draft_id,
        variant=variant,
        command_id=settings.command_id,
        signer=_signer(settings, sign, key),
    )
    _done(settings, incident, _("%(rule)s overridden", rule=rule))


@cli.command(help=N_("Submit a draft for approval."))
@ID
@DRAFT
@JSON
@click.pass_obj
def submit(settings: Settings, incident_id: str, draft_id: str | None, as_json: bool) -> None:
    incident = settings.engine().submit(incident_id, draft_id, command_id=settings.command_id)
    _done(settings, incident, _("draft submitted for approval"), as_json)


@cli.command(
    help=N_(
        "Approve the draft waiting for approval (the policy says which proofs count: "
        "usually --sign, an approval link, or your own database role)."
    )
)
@ID
@DRAFT
@SIGN
@KEY
@READ
@JSON
@click.pass_obj
def approve(
    settings: Settings,
    incident_id: str,
    draft_id: str | None,
    sign: bool,
    key: str | None,
    expect: str | None,
    as_json: bool,
) -> None:
    from runbook.model.approvals import requirement

    incident = settings.engine().approve(
        incident_id,
        draft_id,
        command_id=settings.command_id,
        signer=_signer(settings, sign, key),
        expect=expect,
    )
    waiting = incident.draft_awaiting()
    note = "; ".join(f"{d.draft_id} {requirement(incident, d).describe()}" for d in waiting)
    words = _("approved (%(note)s)", note=note) if note else _("approved")
    _done(settings, incident, words, as_json)


@cli.command(
    help=N_(
        "Record that PERSON approved elsewhere (by phone...): an attestation by you, shown "
        "as such, that counts only where the policy allows attested approvals."
    )
)
@ID
@click.option("--for", "person", required=True, metavar="PERSON", help=N_("Who approved."))
@click.option(
    "--how", required=True, help=N_("How they approved (phone, in person, email, video call...).")
)
@click.option("--note", default="", help=N_("Anything the record should say about it."))
@DRAFT
@SIGN
@KEY
@JSON
@click.pass_obj
def attest(
    settings: Settings,
    incident_id: str,
    person: str,
    how: str,
    note: str,
    draft_id: str | None,
    sign: bool,
    key: str | None,
    as_json: bool,
) -> None:
    from runbook.model.approvals import requirement

    engine = settings.engine()
    signer = _signer(settings, sign, key)
    if signer is not None:
        engine.signer = signer
    incident = engine.attest(
        incident_id, person, how, note, draft_id, command_id=settings.command_id
    )
    waiting = incident.draft_awaiting()
    needs = "; ".join(f"{d.draft_id} {requirement(incident, d).describe()}" for d in waiting)
    if needs:
        words = _("attested %(person)s's approval (%(needs)s)", person=person, needs=needs)
    else:
        words = _("attested %(person)s's approval", person=person)
    _done(settings, incident, words)


@cli.command(help=N_("Reject the draft under review; it goes back to drafting."))
@ID
@click.option("--comment", required=True, help=N_("Why, and what to change."))
@DRAFT
@SIGN
@KEY
@READ
@JSON
@click.pass_obj
def reject(
    settings: Settings,
    incident_id: str,
    comment: str,
    draft_id: str | None,
    sign: bool,
    key: str | None,
    expect: str | None,
    as_json: bool,
) -> None:
    incident = settings.engine().reject(
        incident_id,
        comment,
        draft_id,
        command_id=settings.command_id,
        signer=_signer(settings, sign, key),
        expect=expect,
    )
    _done(settings, incident, _("draft rejected"), as_json)
