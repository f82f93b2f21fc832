"""Commands about the incident store itself: ``db migrate``, ``db grant``, ``db grant-server``,
``db check``, ``db rebuild``, ``db copy``, and ``watch``."""

from __future__ import annotations

from typing import Any

import click

from runbook.cli import Settings, cli
from runbook.i18n import N_, _


@cli.group(help=N_("Manage the incident store (SQLite file or PostgreSQL team store)."))
def db() -> None:
    pass


def _open(location: str):  # noqa: ANN202 - returns an EventStore
    from runbook.store import open_store

    return open_store(location)


@db.command(help=N_("Bring the store's schema up to date (PostgreSQL: versioned migrations)."))
@click.pass_obj
def migrate(settings: Settings) -> None:
    from runbook.locations import default_db

    location = settings.db or default_db()
    store = _open(location)
    try:
        if hasattr(store, "schema_version"):
            applied = store.migrate()
            done = ", ".join(map(str, applied)) if applied else _("none needed")
            click.echo(
                _(
                    "schema at version %(version)s (applied: %(done)s)",
                    version=store.schema_version(),
                    done=done,
                )
            )
        else:
            click.echo(
                _(
                    "%(location)s: SQLite store ready (its schema is created on first use)",
                    location=location,
                )
            )
    finally:
        store.close()


@db.command(
    help=N_(
        "Give PERSON their own database role on the team store (run as the store's owner): "
        "the database then refuses any event from that role under another name."
    )
)
@click.argument("person")
@click.option(
    "--role",
    help=N_("The database role (default: the first of the person's db_roles in contacts)."),
)
@click.option(
    "--password-env",
    metavar="VAR",
    help=N_("Environment variable holding the role's password (never typed on the command line)."),
)
@click.pass_obj
def grant(settings: Settings, person: str, role: str | None, password_env: str | None) -> None:
    from runbook.errors import RunbookError
    from runbook.locations import default_db

    location = settings.db or default_db()
    if not location.startswith(("postgresql://", "postgres://")):
        raise RunbookError(_("database roles exist on the team store only (--db postgresql://...)"))
    found = settings.workspace().contacts.person(person)
    if found is None:
        raise RunbookError(_("%(person)s is not a person in contacts", person=repr(person)))
    role = role or (found.db_roles[0] if found.db_roles else None)
    if role is None:
        raise RunbookError(
            _(
                "list %(person)s's database role in contacts first (db_roles: [...]), or pass "
                "--role",
                person=person,
            )
        )
    if role not in found.db_roles:
        raise RunbookError(
            _(
                "%(role)s is not among %(person)s's db_roles in contacts; add it there first, "
                "so runbook and the database agree",
                role=repr(role),
                person=person,
            )
        )
    created = _grant(location, person, role, password_env)
    if created:
        words = _(
            "created database role %(role)s for %(person)s: it may only record events as "
            "%(person)s",
            role=role,
            person=person,
        )
    else:
        words = _(
            "updated database role %(role)s for %(person)s: it may only record events as "
            "%(person)s",
            role=role,
            person=person,
        )
    click.echo(words)


@db.command(
    "grant-server",
    help=N_(
        "Give `runbook serve` its own database role on the team store (run as the store's "
        "owner): the database then lets that role record decisions made through approval "
        "links and nothing else."
    ),
)
@click.argument("role")
@click.option(
    "--password-env",
    metavar="VAR",
    help=N_("Environment variable holding the role's password (never typed on the command line)."),
)
@click.pass_obj
def grant_server(settings: Settings, role: str, password_env: str | None) -> None:
    from runbook.errors import RunbookError
    from runbook.locations import default_db
    from runbook.model.proof import APPROVAL_SERVER

    location = settings.db or default_db()
    if not location.startswith(("postgresql://", "postgres://")):
        raise RunbookError(_("database roles exist on the team store only (--db postgresql://...)"))
    taken = settings.workspace().contacts.person_with_db_role(role)
    if taken is not None:
        raise RunbookError(
            _(
                "%(role)s is %(person)s's database role in contacts; give the approval server a "
                "role of its own",
                role=repr(role),
                person=taken.id,
            )
        )
    created = _grant(location, APPROVAL_SERVER, role, password_env)
    if created:
        words = _(
            "created database role %(role)s for runbook serve: it may only record decisions "
            "made through approval links",
            role=role,
        )
    else:
        words = _(
            "updated database role %(role)s for runbook serve: it may only record decisions "
            "made through approval links",
            role=role,
        )
    click.echo(words)


@db.command(
    help=N_(
        "List what the current login may do on the team store; exit 1 when it can do more "
        "than read and append events (it could rewrite history) or less (it cannot work)."
    )
)
@click.pass_obj
def check(settings: Settings) -> None:
    from runbook.errors import RunbookError
    from runbook.locations import default_db
    from runbook.model.proof import APPROVAL_SERVER

    location = settings.db or default_db()
    if not location.startswith(("postgresql://", "postgres://")):
        raise RunbookError(
            _(
                "logins and privileges exist on the team store only (--db postgresql://...); "
                "an SQLite file is as safe as the folder it is in"
            )
        )
    store = _open(location)
    try:
        access = store.access()
    finally:
        store.close()
    if access.person == APPROVAL_SERVER:
        click.echo(_("login %(role)s (the approval server, runbook serve)", role=access.role))
    elif access.person:
        click.echo(
            _("login %(role)s (mapped to %(person)s)", role=access.role, person=access.person)
        )
    else:
        click.echo(_("login %(role)s (mapped to nobody)", role=access.role))
    nothing, label = _("nothing"), _("schema changes")
    for table, held in access.privileges.items():
        click.echo(f"  {table:15} {', '.join(held) or nothing}")
    if access.superuser:
        changes = _("yes (superuser)")
    else:
        changes = _("yes (owner)") if access.owner else _("no")
    click.echo(f"  {label:15} {changes}")
    too_much, missing = access.too_much(), access.missing()
    if too_much:
        click.echo(
            _(
                "this login can rewrite history: %(what)s. Use it for `runbook db migrate` and "
                "`db grant` only; operators get their own login (`runbook db grant PERSON`)",
                what="; ".join(too_much),
            ),
            err=True,
        )
    if missing:
        click.echo(
            _(
                "this login cannot work as an operator: it lacks %(what)s",
                what=", ".join(missing),
            ),
            err=True,
        )
    if too_much or missing:
        raise SystemExit(1)
    click.echo(_("ok: this login may read and append events, nothing more"))


@db.command(
    help=N_(
        "Rewrite the incident list from the events (after `runbook verify` found it wrong; "
        "on the team store, with the owner's login)."
    )
)
@click.pass_obj
def rebuild(settings: Settings) -> None:
    settings.warn_owner = False
    engine = settings.engine()
    changed = engine.rebuild_incidents()
    if changed:
        click.echo(
            _(
                "rebuilt the incident list from the events: %(n)s incident(s) corrected (%(ids)s)",
                n=len(changed),
                ids=", ".join(changed),
            )
        )
    else:
        click.echo(_("the incident list already agrees with the events"))


@db.command(
    help=N_("Copy every incident from one store to another, hashes kept and verified after.")
)
@click.option("--from", "source", required=True, help=N_("Store to copy from (path or URL)."))
@click.option("--to", "target", required=True, help=N_("Store to copy into (path or URL)."))
def copy(source: str, target: str) -> None:
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
                    _(
                        "%(id)s in the source fails verification (%(problem)s); nothing of it "
                        "was copied",
                        id=incident_id,
                        problem=before.problem,
                    )
                )
            written = dst.import_rows(incident_id, rows)
            after = verify_rows(incident_id, dst.rows(incident_id))
            if not after.ok or after.head_hash != before.head_hash:
                problem = after.problem or _("its head hash differs")
                raise IntegrityError(
                    _(
                        "%(id)s does not verify after the copy (%(problem)s)",
                        id=incident_id,
                        problem=problem,
                    )
                )
            copied += written
            click.echo(
                _(
                    "%(id)s: %(count)s events, head %(head)s (%(written)s copied)",
                    id=incident_id,
                    count=after.count,
                    head=after.head_hash,
                    written=written,
                )
            )
        click.echo(
            _(
                "copied %(copied)s events of %(n)s incident(s); all verified",
                copied=copied,
                n=len(ids),
            )
        )
        click.echo(
            _(
                "intake log: %(n)s warning record(s) copied; verified",
                n=_copy_intake(src, dst),
            )
        )
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
        raise IntegrityError(
            _("the source's intake log fails verification (%(problem)s)", problem=problem)
        )
    there = intake_of(dst).intake_records()
    if [r.hash for r in there] != [r.hash for r in have[: len(there)]]:
        raise IntegrityError(_("the destination's intake log differs from the source's"))
    fresh = have[len(there) :]
    if fresh:
        blank = {"seq": 0, "prev_hash": "", "hash": ""}
        written = intake_of(dst).intake_append([r.model_copy(update=blank) for r in fresh])
        if [r.hash for r in written] != [r.hash for r in fresh]:
            raise IntegrityError(_("the intake log does not verify after the copy"))
    return len(fresh)


@cli.command(help=N_("Follow an incident: print each new event as anyone records it."))
@click.argument("incident_id", metavar="ID")
@click.option(
    "--timeout",
    type=float,
    default=None,
    callback=lambda _ctx, _param, value: _seconds(value),
    help=N_("Stop after this many seconds without a change (default: run until Ctrl-C)."),
)
@click.pass_obj
def watch(settings: Settings, incident_id: str, timeout: float | None) -> None:
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


def _seconds(value: float | None) -> float | None:
    """``--timeout`` as given, refused unless a number of seconds from 0 up (not ``nan``,
    which would never stop, nor ``inf``: leave the option out to run until Ctrl-C)."""
    import math

    if value is not None and (not math.isfinite(value) or value < 0):
        raise click.BadParameter(_("%(value)s is not a number of seconds (0 or more)", value=value))
    return value


def _line(event, names: dict[str, str]) -> str:  # noqa: ANN001
    """One line per event: seq, time, who, and the event in the words the app and the export
    use (``runbook.describe``)."""
    from runbook.cli.words import stamp
    from runbook.describe import how, sentence

    def label(person: str) -> str:
        return names.get(person, person)

    data = event.data()
    what = sentence(event.type, data, label)
    proven = how(data, label)
    by = f"{label(event.actor)} [{proven}]" if proven else label(event.actor)
    return f"#{event.seq:<5} {stamp(event.at)} {by:16} {what}"


def _grant(location: str, person: str, role: str, password_env: str | None) -> bool:
    """Create or update ``role`` on the team store as ``person``'s (the password, if any, from
    the variable ``password_env``); whether it was created."""
    import os

    from runbook.errors import RunbookError

    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise RunbookError(_("the environment variable %(name)s is not set", name=password_env))
    store = _open(location)
    try:
        return store.grant_operator(person, role, password)
    finally:
        store.close()
