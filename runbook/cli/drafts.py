"""Commands about statements: draft, lint, override, submit, approve, reject, publish."""

from __future__ import annotations

import sys
from typing import Any, BinaryIO

import click

from runbook.cli import Settings, cli, emit_json, refuse_together
from runbook.cli.incidents import DRAFT, ID, JSON, _done

MAX_EDIT_BYTES = 1_000_000
"""Largest file ``draft --edit`` reads (a statement is a few thousand characters)."""


def _read_edit(handle: BinaryIO) -> str:
    """The text of a ``--edit`` file: bounded in size, UTF-8, or one line saying why not."""
    from runbook.errors import RunbookError
    from runbook.model.text import decode_utf8

    name = getattr(handle, "name", "-")
    name = "standard input" if name in ("-", "<stdin>") else str(name)
    raw = handle.read(MAX_EDIT_BYTES + 1)
    if len(raw) > MAX_EDIT_BYTES:
        raise RunbookError(f"{name}: larger than {MAX_EDIT_BYTES:,} bytes; a statement is shorter")
    try:
        return decode_utf8(raw, name)
    except ValueError as exc:
        raise RunbookError(str(exc)) from None


def parse_variants(text: str, known: list[str]) -> dict[str, str]:
    """Read an edit file: ``--- VARIANT`` lines start sections (as ``draft --show`` prints);
    a file without them replaces every variant."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    preamble: list[str] = []
    for line in text.splitlines():
        if line.startswith("--- "):
            current = line[4:].strip()
            if current not in known:
                raise click.BadParameter(
                    f"unknown variant {current!r} (variants: {', '.join(known)})",
                    param_hint="--edit",
                )
            sections[current] = []
        elif current is None:
            preamble.append(line)
        else:
            sections[current].append(line)
    if not sections:
        return dict.fromkeys(known, "\n".join(preamble))
    return {key: "\n".join(lines) for key, lines in sections.items()}


@cli.command()
@ID
@click.option("--template", help="Template to start from (default: the next one without a draft).")
@DRAFT
@click.option(
    "--set",
    "changes",
    multiple=True,
    metavar="VARIANT=TEXT",
    help="Edit one variant (x, linkedin:fr, ...).",
)
@click.option("--text", help="Edit: replace the text of every variant.")
@click.option(
    "--edit",
    "edit_file",
    type=click.File("rb"),
    help="Edit from FILE (or - for stdin) in the format --show prints.",
)
@click.option("--show", is_flag=True, help="Print the draft's variants.")
@JSON
@click.pass_obj
def draft(
    settings: Settings,
    incident_id: str,
    template: str | None,
    draft_id: str | None,
    changes: tuple[str, ...],
    text: str | None,
    edit_file: BinaryIO | None,
    show: bool,
    as_json: bool,
) -> None:
    """Start a draft from a template; or edit one (--set, --text, --edit); or --show it."""
    from runbook.model.lifecycle import select_draft

    editing = bool(changes) or text is not None or edit_file is not None
    refuse_together(show=show, template=template, **{"set/--text/--edit": editing})
    refuse_together(text=text is not None, edit=edit_file is not None, set=bool(changes))
    engine = settings.engine()
    if show or editing:
        incident = engine.incident(incident_id)
        chosen = select_draft(
            incident, engine.context(incident, draft_id), list(incident.drafts.values()), "there"
        )
    if show:
        if as_json:
            emit_json(
                {
                    "draft": chosen.draft_id,
                    "version": chosen.version,
                    "content_hash": chosen.content_hash,
                    "variants": chosen.variants,
                }
            )
            return
        click.echo(f"{chosen.draft_id} v{chosen.version} {chosen.title} ({chosen.audience})")
        for key, value in chosen.variants.items():
            click.echo(f"--- {key}\n{value}")
        return
    if editing:
        edits: dict[str, str] = {}
        if edit_file is not None:
            edits.update(parse_variants(_read_edit(edit_file), list(chosen.variants)))
        if text is not None:
            edits.update(dict.fromkeys(chosen.variants, text))
        for change in changes:
            key, sep, value = change.partition("=")
            if not sep:
                raise click.BadParameter(f"{change!r}: write VARIANT=TEXT", param_hint="--set")
            edits[key.strip()] = value
        incident = engine.edit_draft(
            incident_id, chosen.draft_id, edits, command_id=settings.command_id
        )
        saved = incident.drafts[chosen.draft_id]
        _done(settings, incident, f"draft {saved.draft_id} saved as v{saved.version}", as_json)
        _nobody_left(saved)
        return
    incident = engine.start_draft(incident_id, template, command_id=settings.command_id)
    latest = list(incident.drafts.values())[-1]
    _done(settings, incident, f"draft {latest.draft_id} started from {latest.template_id}", as_json)
    _nobody_left(latest)


def _nobody_left(draft: Any) -> None:
    """Warn, at once, when the version just written leaves nobody to approve as a role."""
    from runbook.model.approvals import stand_in_words

    for words in stand_in_words(draft):
        click.echo(f"runbook: warning: {words}", err=True)


@cli.command()
@ID
@DRAFT
@JSON
@click.pass_obj
def lint(settings: Settings, incident_id: str, draft_id: str | None, as_json: bool) -> None:
    """Check drafts against the policy; exit 1 when a blocking finding is not overridden."""
    from runbook.model.approvals import requirement
    from runbook.model.counting import count
    from runbook.model.lint import platform_of

    engine = settings.engine()
    incident = engine.incident(incident_id)
    drafts = [incident.drafts[draft_id]] if draft_id and draft_id in incident.drafts else None
    if draft_id and drafts is None:
        raise click.BadParameter(f"no draft {draft_id!r}", param_hint="--draft")
    drafts = drafts or list(incident.drafts.values())
    report = []
    blocked = False
    for item in drafts:
        findings = incident.lint(item)
        open_blocks = incident.blocking(item)
        blocked = blocked or bool(open_blocks)
        counts = {}
        policy = incident.policy
        for key, value in item.variants.items():
            platform, _ = platform_of(key)
            spec = policy.platforms.get(platform) if policy else None
            if spec is not None:
                measured = count(value, spec.counting, spec.limit, spec.url_length)
                counts[key] = {"length": measured.length, "limit": spec.limit}
        report.append(
            {
                "draft": item.draft_id,
                "version": item.version,
                "content_hash": item.content_hash,
                "counts": counts,
                "needs": requirement(incident, item).describe() if incident.level else "",
                "findings": [
                    {
                        "rule": f.rule_id,
                        "severity": f.severity,
                        "category": f.category,
                        "variant": f.variant,
                        "start": f.start,
                        "end": f.end,
                        "matched": f.matched,
                        "explanation": f.explanation,
                        "override_role": f.override_role,
                        "review_role": f.review_role,
                        "overridden": item.overridden(f.rule_id, f.variant),
                    }
                    for f in findings
                ],
            }
        )
    if as_json:
        emit_json(report)
    else:
        for entry in report:
            sizes = ", ".join(f"{k} {v['length']}/{v['limit']}" for k, v in entry["counts"].items())
            click.echo(f"{entry['draft']} v{entry['version']}: {sizes}; {entry['needs']}")
            for f in entry["findings"]:
                mark = " (overridden)" if f["overridden"] else ""
                where = f"{f['variant']}:{f['start']}-{f['end']}"
                click.echo(
                    f"  {f['severity'].upper():5} {f['rule']} {where} {f['matched']!r}{mark}: "
                    f"{f['explanation']}"
                )
    if blocked:
        sys.exit(1)


SIGN = click.option(
    "--sign", is_flag=True, help="Sign with your SSH key (proof ssh-signature; see --key)."
)
KEY = click.option(
    "--key",
    metavar="PATH",
    help="SSH key to sign with (default RUNBOOK_SSH_KEY, the ssh-agent, ~/.ssh/id_ed25519).",
)
READ = click.option(
    "--read",
    "expect",
    metavar="HASH|vN",
    help="The version you read (content hash or vN): refused if the text changed since.",
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
            "no SSH key found to sign with: pass --key PATH, set RUNBOOK_SSH_KEY, or load "
            "your key into ssh-agent"
        )
    return signer


@cli.command()
@ID
@click.argument("rule")
@click.option("--reason", required=True, help="Why the finding may stand.")
@click.option("--variant", help="Only this variant (default: every variant with the finding).")
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
    """Let a blocking policy finding stand (needs the rule's override role)."""
    incident = settings.engine().override(
        incident_id,
        rule,
        reason,
        draft_id=draft_id,
        variant=variant,
        command_id=settings.command_id,
        signer=_signer(settings, sign, key),
    )
    _done(settings, incident, f"{rule} overridden")


@cli.command()
@ID
@DRAFT
@JSON
@click.pass_obj
def submit(settings: Settings, incident_id: str, draft_id: str | None, as_json: bool) -> None:
    """Submit a draft for approval."""
    incident = settings.engine().submit(incident_id, draft_id, command_id=settings.command_id)
    _done(settings, incident, "draft submitted for approval", as_json)


@cli.command()
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
    """Approve the draft waiting for approval (the policy says which proofs count: usually
    --sign, an approval link, or your own database role)."""
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
    _done(settings, incident, "approved" + (f" ({note})" if note else ""), as_json)


@cli.command()
@ID
@click.option("--for", "person", required=True, metavar="PERSON", help="Who approved.")
@click.option(
    "--how", required=True, help="How they approved (phone, in person, email, video call...)."
)
@click.option("--note", default="", help="Anything the record should say about it.")
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
    """Record that PERSON approved elsewhere (by phone...): an attestation by you, shown as
    such, that counts only where the policy allows attested approvals."""
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
    _done(settings, incident, f"attested {person}'s approval" + (f" ({needs})" if needs else ""))


@cli.command()
@ID
@click.option("--comment", required=True, help="Why, and what to change.")
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
    """Reject the draft under review; it goes back to drafting."""
    incident = settings.engine().reject(
        incident_id,
        comment,
        draft_id,
        command_id=settings.command_id,
        signer=_signer(settings, sign, key),
        expect=expect,
    )
    _done(settings, incident, "draft rejected", as_json)


@cli.command()
@ID
@DRAFT
@click.option(
    "--on",
    "on",
    multiple=True,
    metavar="VARIANT",
    help="Publish on this platform through the scheduler (x, linkedin:fr...); repeat.",
)
@click.option(
    "--by-hand",
    "by_hand",
    multiple=True,
    metavar="VARIANT=URL",
    help="You posted it by hand there: record where (never sent again); repeat.",
)
@click.option("--url", default="", help="Posted by hand: the URL (a one-platform draft only).")
@JSON
@click.pass_obj
def publish(
    settings: Settings,
    incident_id: str,
    draft_id: str | None,
    on: tuple[str, ...],
    by_hand: tuple[str, ...],
    url: str,
    as_json: bool,
) -> None:
    """Publish an approved statement where you choose: through the scheduler (--on), or
    record that you posted it by hand (--by-hand). Platforms you leave out stay unpublished."""
    from runbook.errors import ActionRefused

    refuse_together(url=bool(url), by_hand=bool(by_hand))
    refuse_together(url=bool(url), on=bool(on))
    posted = {}
    for item in by_hand:
        variant, sep, address = item.partition("=")
        if not sep or not variant.strip():
            raise click.BadParameter(f"{item!r}: write VARIANT=URL", param_hint="--by-hand")
        if variant.strip() in posted or variant.strip() in on:
            raise click.UsageError(
                f"{variant.strip()} is named twice: publish it through the scheduler (--on) "
                "or record it as posted by hand (--by-hand), once"
            )
        posted[variant.strip()] = address.strip()
    engine = settings.engine()
    if url:
        incident = engine.incident(incident_id)
        ready = [d for d in incident.drafts_approved() if d.unpublished()]
        draft = incident.drafts.get(draft_id or "") or (ready[0] if len(ready) == 1 else None)
        left = draft.unpublished() if draft is not None else []
        if len(left) != 1:
            raise ActionRefused(
                "--url is for a draft left with one platform; name each: --by-hand VARIANT=URL"
                + (f" (variants: {', '.join(left)})" if left else "")
            )
        posted[left[0]] = url
    incident = engine.publish(
        incident_id, draft_id, on=list(on), by_hand=posted, command_id=settings.command_id
    )
    done = [
        f"{variant} ({how}{' ' + address if address else ''})"
        for draft in incident.drafts.values()
        for variant, (how, address, _) in draft.published.items()
    ]
    failed = incident.failed_effects()
    _done(settings, incident, "published: " + (", ".join(done) or "nothing"), as_json)
    if failed:
        for effect in failed:
            click.echo(f"runbook: {incident.id}: {effect.kind} failed: {effect.error}", err=True)
        raise SystemExit(1)
