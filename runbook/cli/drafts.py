"""Commands about statements: draft, lint, publish.

Signing a statement off (override, submit, approve, attest, reject) is in
:mod:`runbook.cli.sign_off`.
"""

from __future__ import annotations

import sys
from typing import Any, BinaryIO

import click

from runbook.cli import Settings, cli, emit_json, refuse_together
from runbook.cli.incidents import DRAFT, ID, JSON, _done
from runbook.i18n import N_, _, formats

MAX_EDIT_BYTES = 1_000_000
"""Largest file ``draft --edit`` reads (a statement is a few thousand characters)."""


def _read_edit(handle: BinaryIO) -> str:
    """The text of a ``--edit`` file: bounded in size, UTF-8, or one line saying why not."""
    from runbook.errors import RunbookError
    from runbook.model.text import decode_utf8

    name = getattr(handle, "name", "-")
    name = _("standard input") if name in ("-", "<stdin>") else str(name)
    raw = handle.read(MAX_EDIT_BYTES + 1)
    if len(raw) > MAX_EDIT_BYTES:
        raise RunbookError(
            _(
                "%(file)s: larger than %(size)s bytes; a statement is shorter",
                file=name,
                size=formats.number(MAX_EDIT_BYTES),
            )
        )
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
                    _(
                        "unknown variant %(variant)s (variants: %(known)s)",
                        variant=repr(current),
                        known=", ".join(known),
                    ),
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


@cli.command(
    help=N_("Start a draft from a template; or edit one (--set, --text, --edit); or --show it.")
)
@ID
@click.option(
    "--template", help=N_("Template to start from (default: the next one without a draft).")
)
@DRAFT
@click.option(
    "--set",
    "changes",
    multiple=True,
    metavar="VARIANT=TEXT",
    help=N_("Edit one variant (x, linkedin:fr, ...)."),
)
@click.option("--text", help=N_("Edit: replace the text of every variant."))
@click.option(
    "--edit",
    "edit_file",
    type=click.File("rb"),
    help=N_("Edit from FILE (or - for stdin) in the format --show prints."),
)
@click.option("--show", is_flag=True, help=N_("Print the draft's variants."))
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
    from runbook.model.guards import select_draft

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
                raise click.BadParameter(
                    _("%(change)s: write VARIANT=TEXT", change=repr(change)), param_hint="--set"
                )
            edits[key.strip()] = value
        incident = engine.edit_draft(
            incident_id, chosen.draft_id, edits, command_id=settings.command_id
        )
        saved = incident.drafts[chosen.draft_id]
        _done(
            settings,
            incident,
            _("draft %(draft)s saved as v%(version)s", draft=saved.draft_id, version=saved.version),
            as_json,
        )
        _nobody_left(saved)
        return
    incident = engine.start_draft(incident_id, template, command_id=settings.command_id)
    latest = list(incident.drafts.values())[-1]
    _done(
        settings,
        incident,
        _(
            "draft %(draft)s started from %(template)s",
            draft=latest.draft_id,
            template=latest.template_id,
        ),
        as_json,
    )
    _nobody_left(latest)


def _nobody_left(draft: Any) -> None:
    """Warn, at once, when the version just written leaves nobody to approve as a role."""
    from runbook.model.approvals import stand_in_words

    for words in stand_in_words(draft):
        click.echo(_("runbook: warning: %(words)s", words=words), err=True)


@cli.command(
    help=N_("Check drafts against the policy; exit 1 when a blocking finding is not overridden.")
)
@ID
@DRAFT
@JSON
@click.pass_obj
def lint(settings: Settings, incident_id: str, draft_id: str | None, as_json: bool) -> None:
    from runbook.model.approvals import requirement
    from runbook.model.counting import count
    from runbook.model.lint import platform_of

    engine = settings.engine()
    incident = engine.incident(incident_id)
    drafts = [incident.drafts[draft_id]] if draft_id and draft_id in incident.drafts else None
    if draft_id and drafts is None:
        raise click.BadParameter(
            _("no draft %(draft)s", draft=repr(draft_id)), param_hint="--draft"
        )
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
            platform, _lang = platform_of(key)
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
                mark = _(" (overridden)") if f["overridden"] else ""
                where = f"{f['variant']}:{f['start']}-{f['end']}"
                click.echo(
                    f"  {f['severity'].upper():5} {f['rule']} {where} {f['matched']!r}{mark}: "
                    f"{f['explanation']}"
                )
    if blocked:
        sys.exit(1)


@cli.command(
    help=N_(
        "Publish an approved statement where you choose: through the scheduler (--on), or "
        "record that you posted it by hand (--by-hand). Platforms you leave out stay "
        "unpublished."
    )
)
@ID
@DRAFT
@click.option(
    "--on",
    "on",
    multiple=True,
    metavar="VARIANT",
    help=N_("Publish on this platform through the scheduler (x, linkedin:fr...); repeat."),
)
@click.option(
    "--by-hand",
    "by_hand",
    multiple=True,
    metavar="VARIANT=URL",
    help=N_("You posted it by hand there: record where (never sent again); repeat."),
)
@click.option("--url", default="", help=N_("Posted by hand: the URL (a one-platform draft only)."))
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
    from runbook.cli.words import published_word
    from runbook.errors import ActionRefused

    refuse_together(url=bool(url), by_hand=bool(by_hand))
    refuse_together(url=bool(url), on=bool(on))
    posted = {}
    for item in by_hand:
        variant, sep, address = item.partition("=")
        if not sep or not variant.strip():
            raise click.BadParameter(
                _("%(item)s: write VARIANT=URL", item=repr(item)), param_hint="--by-hand"
            )
        if variant.strip() in posted or variant.strip() in on:
            raise click.UsageError(
                _(
                    "%(variant)s is named twice: publish it through the scheduler (--on) or "
                    "record it as posted by hand (--by-hand), once",
                    variant=variant.strip(),
                )
            )
        posted[variant.strip()] = address.strip()
    engine = settings.engine()
    if url:
        incident = engine.incident(incident_id)
        ready = [d for d in incident.drafts_approved() if d.unpublished()]
        draft = incident.drafts.get(draft_id or "") or (ready[0] if len(ready) == 1 else None)
        left = draft.unpublished() if draft is not None else []
        if len(left) != 1:
            words = _(
                "--url is for a draft left with one platform; name each: --by-hand VARIANT=URL"
            )
            if left:
                words += _(" (variants: %(variants)s)", variants=", ".join(left))
            raise ActionRefused(words)
        posted[left[0]] = url
    incident = engine.publish(
        incident_id, draft_id, on=list(on), by_hand=posted, command_id=settings.command_id
    )
    done = [
        f"{variant} ({published_word(how)}{' ' + address if address else ''})"
        for draft in incident.drafts.values()
        for variant, (how, address, _) in draft.published.items()
    ]
    failed = incident.failed_effects()
    _done(
        settings,
        incident,
        _("published: %(where)s", where=", ".join(done) or _("nothing")),
        as_json,
    )
    if failed:
        for effect in failed:
            click.echo(
                _(
                    "runbook: %(id)s: %(kind)s failed: %(error)s",
                    id=incident.id,
                    kind=effect.kind,
                    error=effect.error,
                ),
                err=True,
            )
        raise SystemExit(1)
