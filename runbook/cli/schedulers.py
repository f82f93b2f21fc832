"""``runbook schedulers check``: is every configured scheduler reachable, and what would it hold.

A thin command over :meth:`runbook.engine.Engine.check_schedulers`: it tests each scheduler's
credentials and reachability and counts the posts runbook would see, changing nothing; one
line per scheduler, exit 1 when any cannot be used (the reason in one line, never a token).
"""

from __future__ import annotations

import click

from runbook.cli import Settings, cli, emit_json

HOLDS = {
    "draft": "holds by setting posts to draft",
    "delete-and-recreate": "holds by recording each post here, deleting it, recreating it later",
}


@cli.group()
def schedulers() -> None:
    """The schedulers holding the brand's posts (configured in contacts, schedulers:)."""


@schedulers.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
def check(settings: Settings, as_json: bool) -> None:
    """Test each scheduler's credentials and reachability and count the posts it would see,
    without changing anything."""
    results = settings.engine().check_schedulers()
    if as_json:
        emit_json(results)
    elif not results:
        click.echo("no scheduler is configured (contacts/*.yaml, schedulers:)")
    for result in [] if as_json else results:
        name = f"{result['scheduler']} ({result.get('product', '?')})"
        if result.get("ok"):
            hold = HOLDS.get(result.get("hold", ""), "holds by marking posts held")
            requests = result.get("requests")
            cost = f", {requests} request(s)" if requests is not None else ""
            click.echo(
                f"ok      {name}: {result['scheduled']} scheduled post(s) of {result['posts']}"
                f" seen{cost}; {hold}"
            )
        else:
            click.echo(f"FAILED  {name}: {result.get('error', 'unreachable')}")
    if any(not r.get("ok") for r in results):
        raise SystemExit(1)
