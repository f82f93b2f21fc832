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

if TYPE_CHECKING:
    from runbook.model.intake import Warning


@cli.command()
@click.argument("text")
@click.option("--link", default="", help="Where you saw it (a web address).")
@click.pass_obj
def report(settings: Settings, text: str, link: str) -> None:
    """Tell the comms team about something worrying you saw (do not answer it yourself)."""
    record = settings.engine().report(text, link)
    click.echo(f"reported: the comms team sees it on their board (warning {record.key})")


@cli.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Also dismissed and declared warnings.")
@click.option(
    "--log", "show_log", is_flag=True, help="The intake log itself, refused posts included."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def inbox(ctx: click.Context, show_all: bool, show_log: bool, as_json: bool) -> None:
    """The warnings waiting for the on-call person (newest first)."""
    if ctx.invoked_subcommand is not None:
        return
    settings: Settings = ctx.obj
    if show_log:
        _show_log(settings, as_json)
        return
    warnings = settings.engine().inbox(waiting_only=not show_all)
    if as_json:
        click.echo(json.dumps([_as_dict(w) for w in warnings], indent=2, default=str))
        return
    if not warnings:
        click.echo("the inbox is empty")
        return
    for warning in warnings:
        click.echo(_line(warning))


@inbox.command("declare")
@click.argument("key")
@click.argument("playbook", required=False)
@click.option("--title", default="", help="The incident's title (default: the warning's text).")
@click.option("--drill", is_flag=True, help="A tabletop drill: nothing real is sent.")
@click.pass_obj
def declare_from(
    settings: Settings, key: str, playbook: str | None, title: str, drill: bool
) -> None:
    """Declare an incident from warning KEY (on PLAYBOOK, default: the one it suggests)."""
    from runbook.errors import ActionRefused

    engine = settings.engine()
    chosen = playbook or engine.suggest_playbook(key)
    if chosen is None:
        raise ActionRefused(
            "no playbook matches the warning's words; name one", cli="runbook playbooks"
        )
    incident = engine.declare_from_warning(key, chosen, title, drill=drill)
    click.echo(incident.id)


@inbox.command("dismiss")
@click.argument("key")
@click.option("--reason", required=True, help="Why it needs no incident.")
@click.pass_obj
def dismiss(settings: Settings, key: str, reason: str) -> None:
    """Dismiss warning KEY with a reason (it stays in the intake log)."""
    from runbook.model.text import one_line

    settings.engine().dismiss_warning(key, reason)
    click.echo(f"dismissed {one_line(key)}")


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
        click.echo(
            f"#{r.seq} {_time(r.at)}  {r.type}  {one_line(r.source)}  "
            f"by {one_line(r.actor)} ({one_line(r.proof)})"
            + (f" from {one_line(r.client)}" if r.client else "")
            + f"  {one_line(r.key)}  {one_line(what[:200])}"
        )


def _line(warning: Warning) -> str:
    from runbook.model.text import one_line

    count = f" ×{warning.count}" if warning.count > 1 else ""
    state = "" if warning.status == "new" else f" [{warning.status}]"
    link = f" {one_line(warning.link)}" if warning.link else ""
    return (
        f"{_time(warning.last_at)}  {one_line(warning.key)}{count}{state}\n"
        f"    {one_line(warning.summary[:200])}{link}"
    )


def _time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


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
