"""``runbook resend``: send again, by the operator's choice, messages that may have been sent.

A message whose receiver took it without answering, or whose sending was cut short by a
crash, is listed by ``runbook status`` as "may have been sent"; runbook never sends it again by
itself. This command does, recorded as a possible repeat.
"""

from __future__ import annotations

import click

from runbook.cli import Settings, cli, emit_json
from runbook.i18n import _


@cli.command()
@click.argument("incident_id", metavar="ID")
@click.option(
    "--delivery",
    "keys",
    multiple=True,
    metavar="KEY",
    help="A message that may have been sent (its key, from `runbook status`); repeatable.",
)
@click.option("--all-unknown", "every", is_flag=True, help="Every message that may have been sent.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def resend(
    settings: Settings, incident_id: str, keys: tuple[str, ...], every: bool, as_json: bool
) -> None:
    """Send again messages that may have been sent (the person may get them twice)."""
    from runbook.cli import refuse_together

    refuse_together(delivery=bool(keys), all_unknown=every)
    engine = settings.engine()
    waiting = [m.key for m in engine.maybe_sent(incident_id)]
    chosen = waiting if every else list(dict.fromkeys(keys))
    incident = engine.resend(incident_id, list(keys), every=every, command_id=settings.command_id)
    outcomes = {}
    for key in chosen:
        effect = incident.effects.get(key.rsplit("/", 2)[0])
        delivery = effect.deliveries.get(key, {}) if effect is not None else {}
        outcomes[key] = (str(delivery.get("outcome") or ""), str(delivery.get("error") or ""))
    if as_json:
        emit_json({key: {"outcome": o, "error": e} for key, (o, e) in outcomes.items()})
    for key, (outcome, error) in outcomes.items():
        if as_json:
            break
        if outcome == "delivered":
            click.echo(_("%(key)s: sent again; they may now have it twice", key=key))
        elif outcome == "failed":
            click.echo(_("%(key)s: sending it again failed: %(error)s", key=key, error=error))
        else:
            click.echo(_("%(key)s: sent again, still no answer: may have been sent", key=key))
    if any(outcome == "failed" for outcome, _error in outcomes.values()):
        raise SystemExit(1)
