"""Commands that run incidents: declare, assess, notify, resolve, status, ...

Each command is a few lines: parse options, call one engine method, print the outcome. The
brand's scheduled posts (pause, the posts ledger) are in :mod:`runbook.cli.posts`.
"""

from __future__ import annotations

from typing import Any

import click

from runbook.cli import Settings, cli, emit_json
from runbook.errors import ActionRefused
from runbook.i18n import N_, _

ID = click.argument("incident_id", metavar="ID")
DRAFT = click.option(
    "--draft", "draft_id", help=N_("Which draft (D1, D2, ...) when several apply.")
)
JSON = click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))


def _done(settings: Settings, incident: Any, message: str, as_json: bool = False) -> None:
    from runbook.cli.words import state_word

    if as_json:
        emit_json(incident.status())
        return
    state = state_word(incident.state)
    if incident.level:
        line = _(
            "%(id)s: %(message)s (now %(state)s, %(level)s)",
            id=incident.id,
            message=message,
            state=state,
            level=incident.level,
        )
    else:
        line = _(
            "%(id)s: %(message)s (now %(state)s)", id=incident.id, message=message, state=state
        )
    click.echo(line)


@cli.command(help=N_("Declare an incident on PLAYBOOK; prints the new incident id."))
@click.argument("playbook")
@click.option("--title", required=True, help=N_("What is happening, in a few words."))
@click.option("--drill", is_flag=True, help=N_("A tabletop drill: nothing real is sent."))
@JSON
@click.pass_obj
def declare(settings: Settings, playbook: str, title: str, drill: bool, as_json: bool) -> None:
    incident = settings.engine().declare(
        playbook, title, drill=drill, command_id=settings.command_id
    )
    if as_json:
        emit_json(incident.status())
    else:
        click.echo(incident.id)


@cli.command(help=N_("Answer the severity questions (again to reassess); prints the level."))
@ID
@click.option(
    "--answer",
    "answers",
    multiple=True,
    metavar="QUESTION=OPTION",
    help=N_("An answer; repeat for each question."),
)
@JSON
@click.pass_obj
def assess(settings: Settings, incident_id: str, answers: tuple[str, ...], as_json: bool) -> None:
    engine = settings.engine()
    if not answers:
        incident = engine.incident(incident_id)
        assert incident.playbook is not None
        lines = [_("answer every question with --answer QUESTION=OPTION:")]
        for question in incident.playbook.severity.questions:
            options = ", ".join(f"{o.id} ({o.score})" for o in question.options)
            lines.append(f"  {question.id}: {question.text} [{options}]")
        raise click.UsageError("\n".join(lines))
    parsed = {}
    for answer in answers:
        question, sep, option = answer.partition("=")
        if not sep or not question.strip() or not option.strip():
            raise click.BadParameter(
                _("%(answer)s: write QUESTION=OPTION", answer=repr(answer)), param_hint="--answer"
            )
        parsed[question.strip()] = option.strip()
    incident = engine.assess(incident_id, parsed, command_id=settings.command_id)
    level = incident.playbook.level(incident.level)
    _done(
        settings,
        incident,
        _(
            "level %(level)s (%(name)s), score %(score)s",
            level=level.id,
            name=level.name,
            score=incident.score,
        ),
        as_json,
    )


@cli.command(
    help=N_(
        "Escalate where nobody acknowledged in time, remind the lead of updates due and "
        "escalate overdue ones (run it every minute, e.g. from cron)."
    )
)
@click.argument("incident_id", metavar="[ID]", required=False)
@click.pass_obj
def tick(settings: Settings, incident_id: str | None) -> None:
    from runbook.model import events as ev
    from runbook.model.updates import audience_name

    engine = settings.engine()
    ids = (
        [incident_id]
        if incident_id
        else [row["id"] for row in engine.incidents() if row["state"] not in ("resolved", "closed")]
    )
    refused = 0
    for current in ids:
        try:
            engine.recover(current)
            steps = engine.tick_all(current)
        except ActionRefused as refusal:  # this incident only: the others are still escalated
            refused += 1
            click.echo(_("runbook: %(id)s: %(reason)s", id=current, reason=refusal), err=True)
            continue
        for step in steps:
            if isinstance(step, ev.Escalated):
                click.echo(
                    _(
                        "%(id)s: escalated %(rule)s (round %(round)s) to %(roles)s after "
                        "%(waited)s",
                        id=current,
                        rule=step.rule_id,
                        round=step.round,
                        roles=", ".join(step.to_roles) or _("the same people"),
                        waited=step.waited,
                    )
                )
            elif isinstance(step, ev.UpdateFellDue):
                click.echo(
                    _(
                        "%(id)s: the %(audience)s update is due; the lead is reminded",
                        id=current,
                        audience=audience_name(step.audience),
                    )
                )
            elif isinstance(step, ev.UpdateEscalated):
                click.echo(
                    _(
                        "%(id)s: the %(audience)s update is %(overdue)s overdue; escalated to "
                        "%(roles)s",
                        id=current,
                        audience=audience_name(step.audience),
                        overdue=step.overdue,
                        roles=", ".join(step.to_roles),
                    )
                )
    if refused:
        raise SystemExit(1)


@cli.command(help=N_("Notify the people the playbook names for the level."))
@ID
@JSON
@click.pass_obj
def notify(settings: Settings, incident_id: str, as_json: bool) -> None:
    incident = settings.engine().notify(incident_id, command_id=settings.command_id)
    recipients = list(incident.recipients.values())
    failed = [r for r in recipients if r.failed and not r.delivered]
    for recipient in failed:
        reasons = "; ".join(f"{c}: {e}" for c, e in recipient.failed.items())
        click.echo(
            _(
                "%(id)s: not reached: %(person)s (%(reasons)s)",
                id=incident.id,
                person=recipient.person,
                reasons=reasons,
            ),
            err=True,
        )
    reached = [r for r in recipients if r.delivered or r.running]
    _done(
        settings,
        incident,
        _("%(reached)s of %(n)s people reached", reached=len(reached), n=len(recipients)),
        as_json,
    )
    settings.failed = bool(failed)  # someone was not reached at all: exit 1


@cli.command(help=N_("Acknowledge that you were notified (as --as PERSON)."))
@ID
@JSON
@click.pass_obj
def ack(settings: Settings, incident_id: str, as_json: bool) -> None:
    incident = settings.engine().ack(incident_id, command_id=settings.command_id)
    _done(
        settings,
        incident,
        _("acknowledged by %(person)s", person=settings.engine().actor()),
        as_json,
    )


@cli.command(
    help=N_("Stand down: release held posts as you choose, tell everyone, record a summary.")
)
@ID
@click.option("--summary", required=True, help=N_("What happened and how it ended."))
@click.option(
    "--resume",
    type=click.Choice(["all", "none"]),
    help=N_("Release all held posts, or none of them."),
)
@click.option("--keep", multiple=True, metavar="POST", help=N_("Keep this post held."))
@click.option(
    "--reschedule",
    multiple=True,
    metavar="POST=TIME",
    help=N_("Release a post at a new time (ISO 8601, e.g. 2026-11-22T09:00Z)."),
)
@click.option(
    "--publish-now", multiple=True, metavar="POST", help=N_("Release a post to go out now.")
)
@JSON
@click.pass_obj
def resolve(
    settings: Settings,
    incident_id: str,
    summary: str,
    resume: str | None,
    keep: tuple[str, ...],
    reschedule: tuple[str, ...],
    publish_now: tuple[str, ...],
    as_json: bool,
) -> None:
    if resume == "none" and (reschedule or publish_now):
        raise click.UsageError(
            _("--resume none releases no post: it cannot go with --reschedule or --publish-now")
        )
    if resume == "all" and keep:
        raise click.UsageError(_("--resume all releases every post: it cannot go with --keep"))
    new_times: dict[str, str] = {}
    for item in reschedule:
        post_id, sep, when = item.partition("=")
        if not sep or not post_id.strip():
            raise click.BadParameter(
                _("%(item)s: write POST=TIME", item=repr(item)), param_hint="--reschedule"
            )
        if new_times.get(post_id.strip(), when.strip()) != when.strip():
            raise click.BadParameter(
                _("%(post)s is given two times", post=post_id.strip()), param_hint="--reschedule"
            )
        new_times[post_id.strip()] = when.strip()
    chosen = [*new_times, *publish_now, *keep]
    twice = sorted({post for post in chosen if chosen.count(post) > 1})
    if twice:
        raise click.UsageError(
            _(
                "%(posts)s: a post is kept, rescheduled or published now, only one of them",
                posts=", ".join(twice),
            )
        )
    engine = settings.engine()
    now = engine.clock.now().isoformat()
    new_times.update(dict.fromkeys(publish_now, now))
    incident = engine.resolve(
        incident_id,
        summary,
        resume=resume,
        keep=list(keep),
        new_times=new_times,
        command_id=settings.command_id,
    )
    kept = len(incident.kept_posts)
    _done(
        settings,
        incident,
        _(
            "resolved; %(n)s post(s) released, %(kept)s kept held",
            n=len(incident.resumed_posts),
            kept=kept,
        ),
        as_json,
    )


@cli.command(help=N_("Close the incident once the review is done."))
@ID
@click.option("--review", default="", help=N_("Outcome of the post-incident review."))
@click.option(
    "--leave-open",
    is_flag=True,
    help=N_("Close although checklist items are not ticked (they are recorded as left open)."),
)
@JSON
@click.pass_obj
def close(
    settings: Settings, incident_id: str, review: str, leave_open: bool, as_json: bool
) -> None:
    incident = settings.engine().close(
        incident_id, review, leave_open=leave_open, command_id=settings.command_id
    )
    _done(settings, incident, _("closed"), as_json)


@cli.command(help=N_("Add a note to the timeline."))
@ID
@click.argument("text")
@click.pass_obj
def note(settings: Settings, incident_id: str, text: str) -> None:
    incident = settings.engine().note(incident_id, text, command_id=settings.command_id)
    _done(settings, incident, _("note added"))


@cli.command(help=N_("Tick a checklist item."))
@ID
@click.argument("item")
@click.pass_obj
def check(settings: Settings, incident_id: str, item: str) -> None:
    incident = settings.engine().check(incident_id, item, command_id=settings.command_id)
    _done(settings, incident, _("ticked %(item)s", item=item))


@cli.command(help=N_("Retry every step that failed (pause, notify, publish)."))
@ID
@click.pass_obj
def retry(settings: Settings, incident_id: str) -> None:
    recovered, incident = settings.engine().retry_all(incident_id, command_id=settings.command_id)
    left = incident.failed_effects()
    words = _("retried")
    if recovered:
        words += _("; re-ran %(n)s interrupted step(s)", n=recovered)
    if left:
        words += _("; still failing: %(n)s", n=len(left))
    _done(settings, incident, words)
    if left:
        raise SystemExit(1)


@cli.command(help=N_("Show where an incident stands."))
@ID
@JSON
@click.pass_obj
def status(settings: Settings, incident_id: str, as_json: bool) -> None:
    from runbook.cli.render import status_lines, status_object

    engine = settings.engine()
    incident = engine.incident(incident_id)
    allowed = engine.allowed(incident_id) if engine.operator else []
    orphaned = frozenset(engine.orphaned(incident.id))
    if as_json:
        emit_json(status_object(incident, allowed, orphaned))
        return
    for line in status_lines(incident, allowed, orphaned):
        click.echo(line)


@cli.command(name="list", help=N_("List incidents (open ones unless --all)."))
@click.option("--all", "show_all", is_flag=True, help=N_("Include resolved and closed incidents."))
@JSON
@click.pass_obj
def list_(settings: Settings, show_all: bool, as_json: bool) -> None:
    rows = settings.engine().incidents()
    if not show_all:
        rows = [r for r in rows if r["state"] not in ("resolved", "closed")]
    rows = [
        {
            "id": r["id"],
            "playbook": r["playbook"],
            "title": r["title"],
            "level": r["level"],
            "state": r["state"],
            "drill": r["drill"],
            "opened_at": r["opened_at"],
            "updated_at": r["updated_at"],
            "events": r["events"],
        }
        for r in rows
    ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(_("no open incidents") if not show_all else _("no incidents"))
    from runbook.cli.words import state_word

    for r in rows:
        drill = " [" + _("DRILL") + "]" if r["drill"] else ""
        click.echo(
            f"{r['id']:12} {r['level'] or '-':6} {state_word(r['state']):10} {r['title']}{drill}"
        )


@cli.command(
    help=N_(
        "What runbook sent about the incident: every notification, escalation, approval "
        "request and stand-down, to whom, on which channel, delivered or not."
    )
)
@ID
@click.option("--full", is_flag=True, help=N_("Print each message's whole text."))
@JSON
@click.pass_obj
def messages(settings: Settings, incident_id: str, full: bool, as_json: bool) -> None:
    from runbook.cli.words import stamp
    from runbook.model.text import inert

    sent = settings.engine().messages(incident_id)
    if as_json:
        emit_json(
            [
                {
                    "seq": m.seq,
                    "at": m.at.isoformat(),
                    "purpose": m.purpose,
                    "person": m.person,
                    "channel": m.channel,
                    "delivered": m.ok,
                    "error": m.error or None,
                    "subject": m.subject,
                    "text": m.text,
                }
                for m in sent
            ]
        )
        return
    if not sent:
        click.echo(_("nothing was sent about this incident yet"))
    for m in sent:
        state = _("sent") if m.ok else _("NOT SENT: %(error)s", error=m.error)
        click.echo(
            inert(f"{stamp(m.at)} {m.purpose:17} {m.person:10} {m.channel:8} {state}  {m.subject}")
        )
        if full and m.text:
            for line in m.text.splitlines():
                click.echo(inert(f"    {line}"))
