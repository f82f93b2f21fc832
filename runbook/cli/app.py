"""``runbook`` with no command: open the terminal UI, or say what to do without one."""

from __future__ import annotations

from typing import Any

import click

from runbook.i18n import _


def open_app(settings: Any) -> None:
    """Open the TUI when it is installed; until then, list the playbooks and the next step."""
    try:
        from runbook.tui.app import run_app
    except ImportError:
        pass  # the TUI is not installed: list what there is instead
    else:
        run_app(settings)
        return
    workspace = settings.workspace()
    click.echo(_("runbook: playbooks ready to use:"))
    for playbook in sorted(workspace.playbooks.values(), key=lambda p: p.id):
        click.echo(f"  {playbook.id:28} {playbook.title}")
    click.echo(
        "\n"
        + _("Declare an incident: runbook --as YOU declare PLAYBOOK --title 'what is happening'")
    )
    click.echo(_("All commands: runbook --help"))
