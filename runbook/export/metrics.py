"""Stage metrics: how long each stage took from declaration, against the playbook's targets.

The times come from the incident fold (:attr:`Incident.stage_reached`, the same facts the engine
and the TUI use); a stage passed with a recorded ``StageSkipped`` is reported as skipped, not as
a fast success. Measures: time to assess, pause, notify, first acknowledgement, first approved
statement and resolve, each against its target in ``playbook.targets``; then every
stakeholder update sent, against the time it was due (:func:`update_metrics`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from runbook.export.model import StageMetric, StageStatus
from runbook.export.records import Record
from runbook.export.times import duration, iso_local, iso_utc, t_plus
from runbook.i18n import N_, _
from runbook.model.incident import Incident
from runbook.model.targets import TARGET_STAGES
from runbook.model.updates import audience_name

MEASURES: tuple[tuple[str, str], ...] = (
    # (target name: the measure's name in the report, label); the stage that meets each
    # target comes from runbook.model.targets.TARGET_STAGES
    ("assess", N_("Time to assess")),
    ("pause", N_("Time to pause posts")),
    ("notify", N_("Time to notify")),
    ("acknowledge", N_("Time to first acknowledgement")),
    ("first_statement", N_("Time to first approved statement")),
    ("resolve", N_("Time to resolve")),
)


def stage_metrics(
    incident: Incident,
    records: Sequence[Record],
    tz: ZoneInfo,
    label: Callable[[str], str] = str,
) -> list[StageMetric]:
    """One :class:`StageMetric` per measure, in the order of :data:`MEASURES`. A pause the
    operator confirmed doing by hand is reported as that, never as "met" (``label`` names
    who confirmed it). Labels and verdicts are in the language in force."""
    opened = incident.opened_at
    targets = incident.playbook.targets if incident.playbook else None
    skips: dict[str, Record] = {}
    for record in records:
        if record.type == "StageSkipped":
            skips.setdefault(str(record.data.get("stage")), record)
    result = []
    for name, title in MEASURES:
        key = TARGET_STAGES[name]
        target: timedelta | None = getattr(targets, name, None) if targets else None
        reached: datetime | None = incident.stage_reached.get(key)
        metric = _metric(name, _(title), opened, reached, target, skips.get(key), tz)
        if key == "pause" and reached is not None:
            by_hand = [h for h in incident.held_by_hand if h[0] == reached]
            if by_hand:
                _when, who, tool, _note = by_hand[0]
                metric.status = "held_by_hand"
                metric.verdict = _(
                    "held by hand in %(tool)s (confirmed by %(person)s); runbook could not "
                    "check it",
                    tool=tool,
                    person=label(who),
                )
                if metric.target:
                    metric.verdict += _("; target %(target)s", target=metric.target)
                metric.margin_seconds = None
        result.append(metric)
    return result


def update_metrics(incident: Incident, tz: ZoneInfo, now: datetime) -> list[StageMetric]:
    """One metric per stakeholder update sent (``update:<audience>``), its time against the
    time it was due, both from declaration; then each update due before ``now`` that has not
    gone out (``not reached``)."""
    opened = incident.opened_at
    result = []
    for audience, sent_at, due_at, draft_id in incident.updates.history:
        target = due_at - opened if due_at is not None and opened is not None else None
        label = _(
            "Update to %(audience)s (%(draft)s)", audience=audience_name(audience), draft=draft_id
        )
        result.append(_metric(f"update:{audience}", label, opened, sent_at, target, None, tz))
    for due in incident.update_schedule():
        if due.due_at <= now and opened is not None:
            label = _("Update to %(audience)s (not sent)", audience=audience_name(due.audience))
            target = due.due_at - opened
            result.append(_metric(f"update:{due.audience}", label, opened, None, target, None, tz))
    return result


def _metric(
    stage: str,
    label: str,
    opened: datetime | None,
    reached: datetime | None,
    target: timedelta | None,
    skip: Record | None,
    tz: ZoneInfo,
) -> StageMetric:
    target_seconds = int(target.total_seconds()) if target is not None else None
    target_text = duration(target_seconds) if target_seconds is not None else None
    if reached is None or opened is None:
        verdict = (
            _("not reached (target %(target)s)", target=target_text)
            if target_text
            else _("not reached")
        )
        return StageMetric(
            stage=stage,
            label=label,
            reached_at=None,
            reached_at_local=None,
            t_plus=None,
            elapsed_seconds=None,
            elapsed=None,
            target_seconds=target_seconds,
            target=target_text,
            status="not_reached",
            margin_seconds=None,
            verdict=verdict,
        )
    elapsed = int((reached - opened).total_seconds())
    margin = elapsed - target_seconds if target_seconds is not None else None
    status: StageStatus
    if skip is not None and skip.at == reached:
        status = "skipped"
        verdict = _(
            "skipped: %(reason)s",
            reason=skip.data.get("reason") or _("nothing to do at this level"),
        )
        margin = None
    elif target_seconds is None or margin is None:
        status = "no_target"
        verdict = _("no target set")
    elif margin <= 0:
        status = "met"
        verdict = (
            _("met (on target)")
            if margin == 0
            else _("met (%(margin)s to spare)", margin=duration(-margin))
        )
    else:
        status = "missed"
        verdict = _("missed by %(margin)s", margin=duration(margin))
    return StageMetric(
        stage=stage,
        label=label,
        reached_at=iso_utc(reached),
        reached_at_local=iso_local(reached, tz),
        t_plus=t_plus(elapsed),
        elapsed_seconds=elapsed,
        elapsed=duration(elapsed),
        target_seconds=target_seconds,
        target=target_text,
        status=status,
        margin_seconds=margin,
        verdict=verdict,
    )
