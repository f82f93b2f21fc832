"""Commands about the brand's scheduled posts during an incident: pause, and the posts ledger.

Kept apart from :mod:`runbook.cli.incidents` (the incident's own course) because holding
posts has its own vocabulary: the preview of what would be held, holds confirmed by hand,
and the ledger of posts held, kept or released with their missed slots.
"""

from __future__ import annotations

import click

from runbook.cli import Settings, cli, emit_json, refuse_together
from runbook.cli.incidents import ID, JSON, _done
from runbook.i18n import N_, _


@cli.command(
    help=N_(
        "Pause the brand's scheduled posts at the scope the playbook sets for the level "
        "(or, without a scheduler, confirm you held them by hand)."
    )
)
@ID
@click.option("--dry-run", is_flag=True, help=N_("Only show what would be held."))
@click.option(
    "--by-hand",
    metavar="TOOL",
    help=N_("No scheduler configured: confirm you held the posts by hand in TOOL."),
)
@click.option("--note", default="", help=N_("With --by-hand: anything the record should say."))
@JSON
@click.pass_obj
def pause(
    settings: Settings,
    incident_id: str,
    dry_run: bool,
    by_hand: str | None,
    note: str,
    as_json: bool,
) -> None:
    refuse_together(dry_run=dry_run, by_hand=by_hand)
    if note and not by_hand:
        raise click.UsageError(_("--note goes with --by-hand (what you held by hand, and where)"))
    engine = settings.engine()
    if dry_run:
        preview = engine.pause_preview(incident_id)
        if as_json:
            emit_json(preview)
            return
        counts = ", ".join(f"{c} {n}" for c, n in preview["per_channel"].items()) or _("none")
        click.echo(
            _(
                "would hold %(n)s post(s) at %(level)s (scope %(scope)s): %(counts)s",
                n=preview["total"],
                level=preview["level"],
                scope=preview["scope"],
                counts=counts,
            )
        )
        if preview.get("note"):
            click.echo(_("note: %(note)s", note=preview["note"]))
        from runbook.describe import HOW_HELD

        for post in preview["next"]:
            how = _(HOW_HELD[post["hold"]]) if post.get("hold") in HOW_HELD else ""
            click.echo(
                f"  {post['scheduled_at']:25} {post['channel']:10} {post['id']:12} "
                f"{post['excerpt']}" + (f"  [{how}]" if how else "")
            )
        deleted = preview.get("hold_methods", {}).get("delete-and-recreate", 0)
        if deleted:
            click.echo(
                _(
                    "note: %(n)s post(s) cannot be set aside in their scheduler (Hootsuite, a "
                    "Facebook Page): runbook records each whole, deletes it, and recreates it "
                    "when the incident releases it",
                    n=deleted,
                )
            )
        return
    incident = engine.pause(incident_id, by_hand=by_hand, note=note, command_id=settings.command_id)
    problem = incident.pause_unconfirmed()
    if problem:
        click.echo(f"runbook: {incident.id}: {problem}", err=True)
        raise SystemExit(1)
    if by_hand:
        _done(
            settings,
            incident,
            _("posts held by hand in %(tool)s (your confirmation)", tool=by_hand),
            as_json,
        )
        return
    held = len(incident.paused_posts)
    _done(
        settings,
        incident,
        _("%(n)s scheduled post(s) held", n=held),
        as_json,
    )


@cli.command(
    help=N_("The ledger of posts this incident held, kept or released (missed slots flagged).")
)
@ID
@JSON
@click.pass_obj
def posts(settings: Settings, incident_id: str, as_json: bool) -> None:
    rows = settings.engine().posts(incident_id)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(_("this incident holds no posts"))
    from runbook.cli.words import ledger_word
    from runbook.describe import HOW_HELD

    for row in rows:
        flags = []
        if row["missed_slot"]:
            flags.append(_("MISSED SLOT"))
        if row["also_held_by"]:
            flags.append(_("also held by %(ids)s", ids=", ".join(row["also_held_by"])))
        if row.get("new_time"):
            flags.append(_("new time %(time)s", time=row["new_time"]))
        if row.get("hold") in HOW_HELD:
            flags.append(_(HOW_HELD[row["hold"]]))
        if row.get("recreated_as"):
            flags.append(_("recreated as %(post)s", post=row["recreated_as"]))
        if row.get("not_released"):
            flags.append(_("not released: %(reason)s", reason=row["not_released"]))
        flag = f"  [{'; '.join(flags)}]" if flags else ""
        click.echo(
            f"{ledger_word(row['ledger']):8}{row['id']:14}{row['channel']:11}"
            f"{row['scheduled_at']:26}{row.get('excerpt', '')}{flag}"
        )
