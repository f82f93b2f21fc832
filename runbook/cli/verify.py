"""``runbook verify``: is the record intact? The hash chain, the proofs, the incident list.

For one incident (``verify ID``), every incident (``verify --all``), or a JSON export
(``verify --export FILE``). Exit 0 when everything checks, 1 naming the first problem of each
incident that does not: a broken chain (the first bad event), a proof that does not check, a
chain head witnessed outside the database that the database no longer agrees with (the
witness file beside it, ``--witness FILE``, ``--head`` from an export or a notification), or
an incident list that disagrees with the events (``runbook db rebuild`` restores it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from runbook.cli import Settings, cli, emit_json
from runbook.cli.incidents import JSON
from runbook.i18n import N_, _

if TYPE_CHECKING:
    from runbook.store.witness import Heads


@cli.command(help=N_("Check the tamper-evident record; exit 1 naming the first problem."))
@click.argument("incident_id", metavar="[ID]", required=False)
@click.option("--all", "every", is_flag=True, help=N_("Check every incident in the store."))
@click.option(
    "--export",
    "export_file",
    type=click.Path(dir_okay=False),
    help=N_("Check a JSON export's embedded chain (and, with ID, that it matches the database)."),
)
@click.option(
    "--witness",
    "witness_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help=N_("Also compare with the chain heads in this witness file (a copy kept elsewhere)."),
)
@click.option(
    "--head",
    "head_texts",
    multiple=True,
    metavar="INCIDENT#SEQ:HASH",
    help=N_("Also compare with a chain head from an export or a notification's record line."),
)
@JSON
@click.pass_obj
def verify(
    settings: Settings,
    incident_id: str | None,
    every: bool,
    export_file: str | None,
    witness_files: tuple[str, ...],
    head_texts: tuple[str, ...],
    as_json: bool,
) -> None:
    if export_file is not None:
        if every:
            raise click.UsageError(_("--all and --export do not go together"))
        _verify_export(settings, incident_id, export_file, as_json)
        return
    if every == bool(incident_id):
        raise click.UsageError(_("give an incident ID, --all, or --export FILE"))
    heads = _given_heads(witness_files, head_texts)
    engine = settings.engine()
    if not every:
        assert incident_id is not None
        report = _report(engine.verify(incident_id, heads))
        _show([report], as_json, single=True)
        if not report["ok"]:
            raise SystemExit(1)
        return
    reports = [_report(engine.verify(row["id"], heads)) for row in engine.incidents()]
    for removed, problem in sorted(engine.removed_incidents(heads).items()):
        reports.append({"id": removed, "ok": False, "events": 0, "problem": problem, "listing": []})
    for phantom, problem in sorted(engine.unlisted_problems().items()):
        reports.append(
            {
                "id": phantom,
                "ok": False,
                "events": 0,
                "problem": _(
                    "the incident list disagrees with the events: %(problem)s", problem=problem
                ),
                "listing": [problem],
            }
        )
    _show(reports, as_json, single=False)
    count, intake_problem = engine.verify_intake()
    if not as_json:
        if intake_problem:
            click.echo(
                _("intake log: TAMPERED OR DAMAGED: %(problem)s", problem=intake_problem),
                err=True,
            )
        else:
            click.echo(_("intake log: ok, %(n)s record(s)", n=count))
    if intake_problem or not all(report["ok"] for report in reports):
        raise SystemExit(1)


def _given_heads(witness_files: tuple[str, ...], head_texts: tuple[str, ...]) -> Heads | None:
    """The heads a person brought (witness files, ``--head``), or None."""
    if not witness_files and not head_texts:
        return None
    from runbook.store.witness import Heads, Witness, parse_head

    heads = Heads()
    for path in witness_files:
        found = Witness(path).read()
        if found.unreadable:
            click.echo(
                _(
                    "%(path)s: %(n)s line(s) are not chain heads: skipped",
                    path=path,
                    n=found.unreadable,
                ),
                err=True,
            )
        heads.merge(found)
    for text in head_texts:
        try:
            incident_id, seq, digest = parse_head(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--head") from None
        heads.add(incident_id, seq, digest)
    return heads


def _report(result: Any) -> dict[str, Any]:
    problem = result.problem
    if not problem and result.listing:
        problem = _(
            "the incident list disagrees with the events: %(problem)s",
            problem="; ".join(result.listing),
        )
    return {
        "id": result.incident_id,
        "ok": result.ok,
        "events": result.count,
        "head_hash": result.head_hash,
        "first_bad_seq": result.first_bad_seq,
        "problem": problem,
        "listing": list(result.listing),
        "signatures_checked": result.signatures,
        "link_receipts_checked": result.links,
        "link_receipts_unchecked": result.links_unchecked,
        "witnessed_heads": result.witnessed,
        "not_witnessed": result.unwitnessed,
    }


def _show(reports: list[dict[str, Any]], as_json: bool, single: bool) -> None:
    if as_json:
        emit_json(reports[0] if single else reports)
        return
    for report in reports:
        if report["ok"]:
            proofs = _(
                "%(signatures)s signature(s) and %(links)s link receipt(s) checked",
                signatures=report["signatures_checked"],
                links=report["link_receipts_checked"],
            )
            if report["link_receipts_unchecked"]:
                proofs += _(
                    "; %(n)s link receipt(s) not checked (the team's link secret is not on "
                    "this machine)",
                    n=report["link_receipts_unchecked"],
                )
            click.echo(
                _(
                    "%(id)s: ok, %(events)s events, head %(head)s; %(proofs)s",
                    id=report["id"],
                    events=report["events"],
                    head=report["head_hash"],
                    proofs=proofs,
                )
                + (_("; agrees with its witnessed head(s)") if report["witnessed_heads"] else "")
            )
            if report["not_witnessed"]:
                click.echo(
                    _(
                        "%(id)s: warning: not witnessed: %(why)s",
                        id=report["id"],
                        why=report["not_witnessed"],
                    ),
                    err=True,
                )
        elif report["listing"] and report.get("first_bad_seq") is None:
            click.echo(
                _(
                    "%(id)s: THE INCIDENT LIST IS WRONG: %(problem)s; `runbook db rebuild` "
                    "restores it from the events",
                    id=report["id"],
                    problem=report["problem"],
                ),
                err=True,
            )
        else:
            click.echo(
                _(
                    "%(id)s: TAMPERED OR DAMAGED: %(problem)s",
                    id=report["id"],
                    problem=report["problem"],
                ),
                err=True,
            )
            if report.get("first_bad_seq") is not None:
                click.echo(
                    _(
                        "verified up to event #%(seq)s, head %(head)s",
                        seq=report["first_bad_seq"] - 1,
                        head=report["head_hash"],
                    ),
                    err=True,
                )
    if not single:
        bad = sum(1 for report in reports if not report["ok"])
        if bad:
            summary = _(
                "%(n)s incident(s) checked: %(bad)s with a problem", n=len(reports), bad=bad
            )
        else:
            summary = _("%(n)s incident(s) checked: all ok", n=len(reports))
        click.echo(summary, err=bool(bad))


def _verify_export(
    settings: Settings, incident_id: str | None, export_file: str, as_json: bool
) -> None:
    from runbook.export.verify import compare_with_store, load_export, verify_export

    document = load_export(Path(export_file))
    check = verify_export(document)
    if check.ok and not incident_id and _store_holds(settings, check.incident_id):
        incident_id = check.incident_id  # the store at hand holds it: compare, never just "ok"
    if check.ok and incident_id:
        engine = settings.engine()
        rows = engine.stored_rows(incident_id)
        check.problem = compare_with_store(check, rows)
        if not check.problem:
            check.problem = _content_problem(engine, incident_id, document, check.count)
    report = {
        "id": check.incident_id,
        "ok": check.ok,
        "events": check.count,
        "head_hash": check.head_hash,
        "first_bad_seq": check.first_bad_seq,
        "problem": check.problem,
        "unchecked_redacted": check.unchecked,
    }
    if as_json:
        emit_json(report)
    elif check.ok:
        if incident_id:
            matches = _(", matches the database")
        else:
            matches = _(" (chain consistent; give the incident ID to compare it with the database)")
        click.echo(
            _(
                "%(id)s: export ok, %(events)s events, head %(head)s",
                id=check.incident_id,
                events=check.count,
                head=check.head_hash,
            )
            + matches
        )
        if check.unchecked:
            seqs = ", ".join(f"#{seq}" for seq in check.unchecked[:20])
            more = " ..." if len(check.unchecked) > 20 else ""
            click.echo(
                _(
                    "note: %(n)s redacted event(s) were link-checked only (their hash needs the "
                    "database): %(seqs)s",
                    n=len(check.unchecked),
                    seqs=seqs + more,
                ),
                err=True,
            )
    else:
        click.echo(
            _(
                "%(id)s: EXPORT TAMPERED OR DAMAGED: %(problem)s",
                id=check.incident_id,
                problem=check.problem,
            ),
            err=True,
        )
    if not check.ok:
        raise SystemExit(1)


def _store_holds(settings: Settings, incident_id: str) -> bool:
    """True when the store chosen (``--db``, ``RUNBOOK_DB`` or the default file; a file only
    if it exists: none is created for this) holds ``incident_id``."""
    from runbook.errors import RunbookError
    from runbook.locations import default_db

    target = settings.db or default_db()
    if not incident_id or (not target.startswith("postgres") and not Path(target).is_file()):
        return False
    try:
        return bool(settings.engine().stored_rows(incident_id))
    except RunbookError:
        return False


def _content_problem(engine: Any, incident_id: str, document: dict[str, Any], count: int) -> str:
    """Where the export's content differs from the same export rebuilt from the database
    (same events, time zone, redaction and generation time), or ``""``."""
    import json
    import os
    from datetime import datetime

    from runbook.errors import RunbookError
    from runbook.export import export_incident
    from runbook.export.verify import first_difference

    redaction = document.get("redaction")
    names = bool(redaction.get("names")) if isinstance(redaction, dict) else False
    try:
        generated = datetime.fromisoformat(str(document.get("generated_at", "")))
        rebuilt = export_incident(
            engine,
            incident_id,
            "json",
            tz=str(document.get("timezone") or "UTC"),
            redact_names=names,
            language=str(document.get("language") or "") or None,
            environ=os.environ,
            now=generated,
            upto_seq=count,
        )
    except (ValueError, RunbookError) as exc:
        return _("the export cannot be rebuilt from the database to compare (%(error)s)", error=exc)
    found = first_difference(document, json.loads(rebuilt))
    return _("the export differs from the database at %(where)s", where=found) if found else ""
