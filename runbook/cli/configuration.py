"""``runbook config-change``: record that an incident now runs under another configuration.

An incident pins its playbook, policy and contacts by content hash when declared; a command
under another configuration is refused naming what differs. A proven person (a login mapped in
the contacts the incident pinned, a database role; never a bare ``--as``) records the change
and why; the incident then runs under the new configuration.
"""

from __future__ import annotations

import click

from runbook.cli import Settings, cli
from runbook.cli.incidents import ID
from runbook.i18n import N_, _


@cli.command(
    "config-change",
    help=N_("Record a change of playbook, policy or contacts on the incident's timeline."),
)
@ID
@click.option("--why", required=True, help=N_("Why the configuration changed (recorded)."))
@click.option("--dry-run", is_flag=True, help=N_("Show what differs; record nothing."))
@click.pass_obj
def config_change(settings: Settings, incident_id: str, why: str, dry_run: bool) -> None:
    engine = settings.engine()
    found = engine.config_changes(incident_id)
    for change in found:
        click.echo(f"{change.line()}: {'; '.join(change.summary)}")
    if not found:
        click.echo(_("%(id)s: runs under this configuration; nothing to record", id=incident_id))
        return
    if dry_run:
        return
    incident = engine.config_change(incident_id, why, command_id=settings.command_id)
    click.echo(
        _("%(id)s: configuration change recorded; the new configuration is pinned", id=incident.id)
    )
