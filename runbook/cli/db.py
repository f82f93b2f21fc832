"""Commands about the incident store itself: ``db migrate``, ``db grant``, ``db check``,
``db rebuild``, ``db copy``, and ``watch``."""

from __future__ import annotations

from typing import Any

import click

from runbook.cli import Settings, cli


@cli.group()
def db() -> None:
    """Manage the incident store (SQLite file or PostgreSQL team store)."""


def _open(location: str):  # noqa: ANN202 - returns an EventStore
    from runbook.store import open_store

    return open_store(location)


@db.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Bring the store's schema up to date (PostgreSQL: versioned migrations)."""
    from runbook.locations import default_db

    location = settings.db or default_db()
    store = _open(location)
    try:
        if hasattr(store, "schema_version"):
            applied = store.migrate()
            done = ", ".join(map(str, applied)) if applied else "none needed"
            click.echo(f"schema at version {store.schema_version()} (applied: {done})")
        else:
            click.echo(f"{location}: SQLite store ready (its schema is created on first use)")
    finally:
        store.close()


@db.command()
@click.argument("person")
@click.option(
    "--role", help="The database role (default: the first of the person's db_roles in contacts)."
)
@click.option(
    "--password-env",
    metavar="VAR",
    help="Environment variable holding the role's password (never typed on the command line).",
)
@click.pass_obj
def grant(settings: Settings, person: str, role: str | None, password_env: str | None) -> None:
    """Give PERSON their own database role on the team store (run as the store's owner): the
    database then refuses any event from that role under another name."""
    import os

    from runbook.errors import RunbookError
    from runbook.locations import default_db

    location = settings.db or default_db()
    if not location.startswith(("postgresql://", "postgres://")):
        raise RunbookError("database roles exist on the team store only (--db postgresql://...)")
    found = settings.workspace().contacts.person(person)
    if found is None:
        raise RunbookError(f"{person!r} is not a person in contacts")
    role = role or (found.db_roles[0] if found.db_roles else None)
    if role is None:
        raise RunbookError(
            f"list {person}'s database role in contacts first (db_roles: [...]), or pass --role"
        )
    if role not in found.db_roles:
        raise RunbookError(
            f"{role!r} is not among {person}'s db_roles in contacts; add it there first, so "
            "runbook and the database agree"
        )
    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise RunbookError(f"the environment variable {password_env} is not set")
    store = _open(location)
    try:
        created = store.grant_operator(person, role, password)
    finally:
        store.close()
    click.echo(
        f"{'created' if created else 'updated'} database role {role} for {person}: it may only "
        f"record events as {person}"
    )


@db.command()
@click.pass_obj
def check(settings: Settings) -> None:
    """List what the current login may do on the team store; exit 1 when it can do more than
    read and append events (it could rewrite history) or less (it cannot work)."""
    from runbook.errors import RunbookError
    from runbook.locations import default_db

    location = settings.db or default_db()
    if not location.startswith(("postgresql://", "postgres://")):
        raise RunbookError(
            "logins and privileges exist on the team store only (--db postgresql://...); "
            "an SQLite file is as safe as the folder it is in"
        )
    store = _open(location)
    try:
        access = store.access()
    finally:
        store.close()
    person = f" (mapped to {access.person})" if access.person else " (mapped to nobody)"
    click.echo(f"login {access.role}{person}")
    for table, held in access.privileges.items():
        click.echo(f"  {table:15} {', '.join(held) or 'nothing'}")
    click.echo(
        "  schema changes  "
        + ("yes (superuser)" if access.superuser else "yes (owner)" if access.owner else "no")
    )
    too_much, missing = access.too_much(), access.missing()
    if too_much:
        click.echo(
            "this login can rewrite history: " + "; ".join(too_much) + ". Use it for "
            "`runbook db migrate` and `db grant` only; operators get their own login "
            "(`runbook db grant PERSON`)",
            err=True,
        )
    if missing:
        click.echo(
            "this login cannot work as an operator: it lacks " + ", ".join(missing), err=True
        )
    if too_much or missing:
        raise SystemExit(1)
    click.echo("ok: this login may read and append events, nothing more")


@db.command()
@click.pass_obj
def rebuild(settings: Settings) -> None:
    """Rewrite the incident list from the events (after `runbook verify` found it wrong; on
    the team store, with the owner's login)."""
    settings.warn_owner = False
    engine = settings.engine()
    changed = engine.rebuild_incidents()
    if changed:
        click.echo(
            f"rebuilt the incident list from the events: {len(changed)} incident(s) "
            f"corrected ({', '.join(changed)})"
        )
    else:
        click.echo("the incident list already agrees with the events")


@db.command()
@click.option("--from", "source", required=True, help="Store to copy from (path or URL).")
@click.option("--to", "target", required=True, help="Store to copy into (path or URL).")
def copy(source: str, target: str) -> None:
    """Copy every incident from one store to another, hashes kept and verified after."""
    from runbook.errors import IntegrityError
    from runbook.store.chain import verify_rows

    src = _open(source)
    dst = _open(target)
    try:
        ids = sorted(src.heads())  # every incident in the log, whatever its list says
        copied = 0
        for incident_id in ids:
            rows = src.rows(incident_id)
            before = verify_rows(incident_id, rows)
            if not before.ok:
                raise IntegrityError(
                    f"{incident_id} in the source fails verification ({before.problem}); "
                    "nothing of it was copied"
                )
            written = dst.import_rows(incident_id, rows)
            after = verify_rows(incident_id, dst.rows(incident_id))
            if not after.ok or after.head_hash != before.head_hash:
                problem = after.problem or "its head hash differs"
                raise IntegrityError(f"{incident_id} does not verify after the copy ({problem})")
            copied += written
            click.echo(
                f"{incident_id}: {after.count} events, head {after.head_hash} ({written} copied)"
            )
        click.echo(f"copied {copied} events of {len(ids)} incident(s); all verified")
        click.echo(f"intake log: {_copy_intake(src, dst)} warning record(s) copied; verified")
    finally:
        src.close()
        dst.close()


def _copy_intake(src: Any, dst: Any) -> int:
    """Copy the intake log's records the destination lacks; the same chain after."""
    from runbook.errors import IntegrityError
    from runbook.model.intake import chain_problem
    from runbook.store.intake import intake_of

    have = intake_of(src).intake_records()
    problem = chain_problem(have)
    if problem:
        raise IntegrityError(f"the source's intake log fails verification ({problem})")
    there = intake_of(dst).intake_records()
    if [r.hash for r in there] != [r.hash for r in have[: len(there)]]:
        raise IntegrityError("the destination's intake log differs from the source's")
    fresh = have[len(there) :]
    if fresh:
        blank = {"seq": 0, "prev_hash": "", "hash": ""}
        written = intake_of(dst).intake_append([r.model_copy(update=blank) for r in fresh])
        if [r.hash for r in written] != [r.hash for r in fresh]:
            raise IntegrityError("the intake log does not verify after the copy")
    return len(fresh)


@cli.command()
@click.argument("incident_id", metavar="ID")
@click.option(
    "--timeout",
    type=float,
    default=None,
    help="Stop after this many seconds without a change (default: run until Ctrl-C).",
)
@click.pass_obj
def watch(settings: Settings, incident_id: str, timeout: float | None) -> None:
    """Follow an incident: print each new event as anyone records it."""
    import time

    engine = settings.engine()
    incident = engine.incident(incident_id)
    names = engine.workspace.contacts.names()
    token = engine.change_token()  # before reading: nothing can slip between the two
    seen = 0
    quiet_since = time.monotonic()
    while True:
        fresh = engine.events_after(incident.id, seen)
        for event in fresh:
            click.echo(_line(event, names))
            seen = event.seq
        if fresh:
            quiet_since = time.monotonic()
        elif timeout is not None and time.monotonic() - quiet_since >= timeout:
            return
        token = engine.wait_for_change(token, 1.0)


def _line(event, names: dict[str, str]) -> str:  # noqa: ANN001
    """One line per event: seq, time, who, and the event in the words the app and the export
    use (``runbook.describe``)."""
    from runbook.describe import how, sentence

    def label(person: str) -> str:
        return names.get(person, person)

    data = event.data()
    what = sentence(event.type, data, label)
    proven = how(data, label)
    by = f"{label(event.actor)} [{proven}]" if proven else label(event.actor)
    return f"#{event.seq:<5} {event.at:%Y-%m-%d %H:%M:%S} {by:16} {what}"
