"""``runbook schedulers check``: is every configured scheduler reachable, and what would it hold.

A thin command over :meth:`runbook.engine.Engine.check_schedulers`: it tests each scheduler's
credentials and reachability and counts the posts runbook would see, changing nothing; one
line per scheduler, exit 1 when any cannot be used (the reason in one line, never a token).
"""

from __future__ import annotations

import click

from runbook.cli import Settings, cli, emit_json
from runbook.i18n import N_, _

HOLDS = {
    "draft": N_("holds by setting posts to draft"),
    "delete-and-recreate": N_(
        "holds by recording each post here, deleting it, recreating it later"
    ),
}


@cli.group(
    help=N_("The schedulers holding the brand's posts (configured in contacts, schedulers:).")
)
def schedulers() -> None:
    pass


@schedulers.command(
    help=N_(
        "Test each scheduler's credentials and reachability and count the posts it would "
        "see, without changing anything."
    )
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print the results as JSON."))
@click.pass_obj
def check(settings: Settings, as_json: bool) -> None:
    results = settings.engine().check_schedulers()
    if as_json:
        emit_json(results)
    elif not results:
        click.echo(_("no scheduler is configured (contacts/*.yaml, schedulers:)"))
    for result in [] if as_json else results:
        name = f"{result['scheduler']} ({result.get('product', '?')})"
        if result.get("ok"):
            hold = _(HOLDS.get(result.get("hold", ""), N_("holds by marking posts held")))
            requests = result.get("requests")
            cost = _(", %(n)s request(s)", n=requests) if requests is not None else ""
            seen = _(
                "%(scheduled)s scheduled post(s) of %(posts)s seen",
                scheduled=result["scheduled"],
                posts=result["posts"],
            )
            click.echo(f"{_('ok'):7} {name}: {seen}{cost}; {hold}")
        else:
            error = result.get("error") or _("unreachable")
            click.echo(f"{_('FAILED'):7} {name}: {error}")
    if any(not r.get("ok") for r in results):
        raise SystemExit(1)
