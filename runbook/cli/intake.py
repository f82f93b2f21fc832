"""Commands of the intake: ``runbook report`` (anyone tells the comms team what they saw) and
``runbook inbox`` (the on-call person lists warnings, declares an incident from one or
dismisses it with a reason).

Everything a warning says came from outside: it is shown through
:func:`runbook.model.text.one_line`, never printed raw.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from runbook.cli import Settings, cli
from runbook.i18n import N_, _

if TYPE_CHECKING:
    from runbook.model.intake import Warning

STATUS = {
    "acknowledged": N_("acknowledged"),
    "resolved": N_("resolved"),
    "dismissed": N_("dismissed"),
    "declared": N_("declared"),
}
"""A warning's status, in words (a new warning shows none)."""


@cli.command(
    help=N_("Tell the comms team about something worrying you saw (do not answer it yourself).")
)
@click.argument("text")
@click.option("--link", default="", help=N_("Where you saw it (a web address)."))
@click.pass_obj
def report(settings: Settings, text: str, link: str) -> None:
    record = settings.engine().report(text, link)
    click.echo(
        _("reported: the comms team sees it on their board (warning %(key)s)", key=record.key)
    )


@cli.group(
    invoke_without_command=True,
    help=N_("The warnings waiting for the on-call person (newest first)."),
)
@click.option("--all", "show_all", is_flag=True, help=N_("Also dismissed and declared warnings."))
@click.option(
    "--log", "show_log", is_flag=True, help=N_("The intake log itself, refused posts included.")
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
@click.pass_context
def inbox(ctx: click.Context, show_all: bool, show_log: bool, as_json: bool) -> None:
    from runbook.cli import refuse_together

    if ctx.invoked_subcommand is not None:
        if show_all or show_log or as_json:  # they shape the list, which is not shown then
            raise click.UsageError(
                _(
                    "--all, --log and --json choose what the inbox lists; they do not go with "
                    "`inbox %(command)s`",
                    command=ctx.invoked_subcommand,
                )
            )
        return
    refuse_together(all=show_all, log=show_log)  # the log lists every post, refused included
    settings: Settings = ctx.obj
    if show_log:
        _show_log(settings, as_json)
        return
    from runbook.model.intake import suggest

    engine = settings.engine()
    warnings = engine.inbox(waiting_only=not show_all)
    suggested = {
        w.key: suggest(engine.workspace.playbooks, f"{w.summary} {w.link}") if w.waiting else None
        for w in warnings
    }
    if as_json:
        found = [{**_as_dict(w), "suggested": suggested[w.key]} for w in warnings]
        click.echo(json.dumps(found, indent=2, default=str))
        return
    if not warnings:
        click.echo(_("the inbox is empty"))
        return
    for warning in warnings:
        click.echo(_line(warning, suggested[warning.key]))


@inbox.command(
    "declare",
    help=N_("Declare an incident from warning KEY (on PLAYBOOK, default: the one it suggests)."),
)
@click.argument("key")
@click.argument("playbook", required=False)
@click.option("--title", default="", help=N_("The incident's title (default: the warning's text)."))
@click.option("--drill", is_flag=True, help=N_("A tabletop drill: nothing real is sent."))
@click.pass_obj
def declare_from(
    settings: Settings, key: str, playbook: str | None, title: str, drill: bool
) -> None:
    from runbook.errors import ActionRefused

    engine = settings.engine()
    chosen = playbook or engine.suggest_playbook(key)
    if chosen is None:
        raise ActionRefused(
            _("no playbook matches the warning's words; name one"), cli="runbook playbooks"
        )
    incident = engine.declare_from_warning(key, chosen, title, drill=drill)
    click.echo(incident.id)


@inbox.command(
    "dismiss", help=N_("Dismiss warning KEY with a reason (it stays in the intake log).")
)
@click.argument("key")
@click.option("--reason", required=True, help=N_("Why it needs no incident."))
@click.pass_obj
def dismiss(settings: Settings, key: str, reason: str) -> None:
    from runbook.model.text import one_line

    settings.engine().dismiss_warning(key, reason)
    click.echo(_("dismissed %(key)s", key=one_line(key)))


def _show_log(settings: Settings, as_json: bool) -> None:
    """Every record of the intake log, oldest first (the newest 100,000)."""
    from runbook.model.text import one_line

    records = settings.engine().intake_log()
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in records], indent=2))
        return
    for r in records:
        what = (
            f"{r.status} {r.reason}"
            if r.type == "IntakeRefused"
            else r.summary or r.reason or r.incident_id
        )
        by = _("by %(actor)s (%(proof)s)", actor=one_line(r.actor), proof=one_line(r.proof))
        if r.client:
            by += " " + _("from %(client)s", client=one_line(r.client))
        click.echo(
            f"#{r.seq} {_time(r.at)}  {r.type}  {one_line(r.source)}  {by}"
            f"  {one_line(r.key)}  {one_line(what[:200])}"
        )


def _line(warning: Warning, suggested: str | None) -> str:
    from runbook.model.text import one_line

    count = f" ×{warning.count}" if warning.count > 1 else ""
    state = "" if warning.status == "new" else f" [{_(STATUS.get(warning.status, warning.status))}]"
    if warning.incident_id:
        state += " " + warning.incident_id
    hint = "  " + _("suggests %(playbook)s", playbook=suggested) if suggested else ""
    link = f" {one_line(warning.link)}" if warning.link else ""
    return (
        f"{_time(warning.last_at)}  {one_line(warning.key)}{count}{state}{hint}\n"
        f"    {one_line(warning.summary[:200])}{link}"
    )


def _time(at: datetime) -> str:
    from runbook.cli.words import minute

    return minute(at)


def _as_dict(warning: Warning) -> dict[str, Any]:
    return {
        "key": warning.key,
        "source": warning.source,
        "summary": warning.summary,
        "link": warning.link,
        "severity": warning.severity,
        "count": warning.count,
        "status": warning.status,
        "first_at": warning.first_at.isoformat(),
        "last_at": warning.last_at.isoformat(),
        "received_by": warning.received_by,
        "reason": warning.reason,
        "incident_id": warning.incident_id,
    }
