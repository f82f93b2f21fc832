"""Building the report: a pure function from an incident's stored rows and the contacts.

:func:`build_report` reads the rows (unknown event types included), folds the known events with
:func:`runbook.model.fold.fold` (so stage times, drafts and posts agree with the engine and
the TUI), checks the hash chain, and describes every event with people named by
:class:`~runbook.export.redact.Redactor`. No I/O and no clock: the caller passes the secrets to
scrub and the generation time, so the TUI, drills and tests get the same report from the same
events. The report is written in one language: the one asked for, else the playbook's
(``language: fr``); its prose (event names, details, verdicts, actions) is in that language,
its ids and statuses stay stable English for tools.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from runbook.describe import describe, how
from runbook.errors import NotFound
from runbook.export.metrics import stage_metrics, update_metrics
from runbook.export.model import (
    FORMAT_VERSION,
    ChainInfo,
    Redaction,
    Report,
    StoredRecord,
    TimelineEntry,
)
from runbook.export.records import Record, read_rows
from runbook.export.redact import Redactor
from runbook.export.sections import Sections
from runbook.export.times import iso_utc, t_plus, zone
from runbook.i18n import _, normalise, using
from runbook.model.contacts import Contacts
from runbook.model.fold import fold
from runbook.model.incident import Incident
from runbook.store.chain import Verification, row_hash
from runbook.store.witness import head_text

_CONFIG_KEYS = ("playbook", "policy")
"""IncidentDeclared fields holding organisation configuration (no personal-data patterns)."""


def build_report(
    rows: Sequence[Mapping[str, Any]],
    contacts: Contacts,
    *,
    tz: str | ZoneInfo = "UTC",
    redact_names: bool = False,
    secrets: Iterable[str] = (),
    generated_at: datetime | None = None,
    language: str | None = None,
) -> Report:
    """The report of the incident whose stored rows are ``rows`` (in seq order).

    ``secrets`` are values that must never appear (see :func:`redact.secret_values`);
    ``redact_names`` shows people by role; ``language`` (``en``, ``fr``) is the language of
    its words, by default the playbook's. Raises NotFound when ``rows`` is empty.
    """
    if not rows:
        raise NotFound(_("no events to export"))
    builder = _Builder(rows, contacts, tz, redact_names, secrets)
    playbook = builder.incident.playbook
    chosen = normalise(language) or (playbook.language if playbook else None) or "en"
    with using(chosen):
        return builder.build(generated_at, chosen)


class _Builder(Sections):
    """One pass over the records: timeline entries here, summary sections in the base."""

    def __init__(
        self,
        rows: Sequence[Mapping[str, Any]],
        contacts: Contacts,
        tz: str | ZoneInfo,
        names: bool,
        secrets: Iterable[str],
    ) -> None:
        self.tz = zone(tz) if isinstance(tz, str) else tz
        self.records = read_rows(rows)
        self.incident_id = str(self.records[0].row["incident_id"])
        typed = [r.event for r in self.records if r.event is not None]
        self.incident: Incident = fold(self.incident_id, typed)
        self.contacts = contacts
        organisation = self.incident.policy.organisation if self.incident.policy else None
        allow = [organisation.press_contact, organisation.support_url] if organisation else []
        self.redactor = Redactor(contacts, names=names, secrets=secrets, allow=allow)
        self.names = names
        self.opened = self.incident.opened_at or self.records[0].at
        self._start_sections()

    def build(self, generated_at: datetime | None, language: str = "en") -> Report:
        timeline = [self._entry(record) for record in self.records]
        nowhere = _("not in contacts")
        roles = {pid: ", ".join(p.roles) or nowhere for pid, p in self.people.items()}
        for entry, record in zip(timeline, self.records, strict=True):
            if record.actor in roles:
                entry.actor_role = roles[record.actor]
        verification = check_chain(self.incident_id, [r.row for r in self.records])
        stages = stage_metrics(self.incident, self.records, self.tz, self.redactor.label)
        last = self.records[-1].at if self.records else None
        if last is not None:
            stages += update_metrics(self.incident, self.tz, last)
        for metric in stages:
            metric.verdict = self._scrub(metric.verdict)
        return Report(
            format_version=FORMAT_VERSION,
            generated_at=iso_utc(generated_at) if generated_at else None,
            timezone=self.tz.key,
            incident=self._info(),
            stages=stages,
            people=self._people(),
            posts=self._posts(),
            drafts=self._drafts(),
            assessments=self._assessments(),
            lint_overrides=self._lint_overrides(),
            timeline=timeline,
            chain=ChainInfo(
                count=len(self.records),
                head_hash=str(self.records[-1].row["hash"] or ""),
                head=head_text(
                    str(self.records[-1].row["incident_id"]),
                    len(self.records),
                    str(self.records[-1].row["hash"] or ""),
                ),
                verified=verification.ok,
                problem=verification.problem,
                first_bad_seq=verification.first_bad_seq,
                redacted_events=sum(1 for e in timeline if e.redacted),
            ),
            redaction=Redaction(names=self.names, replacements=self.redactor.replacements),
            language=language,
        )

    def _entry(self, record: Record) -> TimelineEntry:
        redactor = self.redactor
        row = record.row
        # Details are made of the event's data and people's labels: when nothing in the data
        # can need scrubbing, neither can they (the check runs once, on the stored JSON).
        maybe = redactor.might_change(row["data"])
        scrub = self._scrub if maybe else str
        name, details, category = describe(record.type, record.data, redactor.label, scrub)
        stored, redacted = self._stored(record, maybe)
        actor = record.actor
        person = self.people.get(actor) or self._person(actor, record)
        if person is None:
            shown, actor_name = actor, _("%(actor)s (automatic)", actor=actor)
            role = _("system")
        else:
            person.events += 1
            actor_name = redactor.label(actor)
            shown = actor_name if self.names else actor
            role = ""  # set once every role the person was notified as is known
        self._track(record, person)
        at = record.at
        seconds = int((at - self.opened).total_seconds())
        stored_at = stored.at
        return TimelineEntry(
            record.seq,
            stored_at[:-6] + "Z" if stored_at.endswith("+00:00") else iso_utc(at),
            at.astimezone(self.tz).isoformat(),
            t_plus(seconds),
            seconds,
            shown,
            actor_name,
            role,
            self._scrub(how(record.data, redactor.label, accounts=not self.names)),
            record.type,
            name,
            details,
            record.state,
            category,
            row["hash"] or "",
            row["prev_hash"] or "",
            redacted,
            stored,
        )

    def _stored(self, record: Record, maybe: bool) -> tuple[StoredRecord, bool]:
        """The stored record, scrubbed when ``maybe``; True when scrubbing changed it."""
        row = record.row
        data = record.data
        redactor = self.redactor
        actor = record.actor
        changed = False
        if maybe:
            before = redactor.replacements
            if record.type == "IncidentDeclared":
                data = {
                    key: redactor.value(value, generic=key not in _CONFIG_KEYS)
                    for key, value in data.items()
                }
            else:
                data = redactor.value(data)
            if self.names and isinstance(data.get("access"), dict):
                data = {**data, "access": _access_by_role(data["access"], redactor.label)}
                redactor.replacements += 1
            changed = redactor.replacements != before
        if self.names and actor != "runbook":
            actor = redactor.label(actor)
            changed = True
        stored = StoredRecord(
            incident_id=str(row["incident_id"]),
            type=record.type,
            at=str(row["at"]),
            actor=actor,
            state=str(row["state"] or ""),
            command_id=row["command_id"],
            data=data,
        )
        return stored, changed


def check_chain(incident_id: str, rows: list[dict[str, Any]]) -> Verification:
    """Seq order, links and hashes of rows whose data was already read (as ``verify_rows``,
    without parsing each ``data`` again)."""
    prev = ""
    for index, row in enumerate(rows, start=1):
        seq = row["seq"]
        if seq != index:
            problem = _("event #%(seq)s is missing", seq=index)
            return Verification(incident_id, len(rows), prev, index, problem)
        if row["prev_hash"] != prev:
            problem = _("event #%(seq)s does not link to event #%(prev)s", seq=seq, prev=seq - 1)
            return Verification(incident_id, len(rows), prev, seq, problem)
        if row_hash(row, prev) != row["hash"]:
            problem = _(
                "event #%(seq)s (%(type)s) was changed after it was written",
                seq=seq,
                type=row["type"],
            )
            return Verification(incident_id, len(rows), prev, seq, problem)
        prev = row["hash"]
    return Verification(incident_id, len(rows), prev)


def _access_by_role(access: dict[str, Any], label: Any) -> dict[str, Any]:
    """A pinned access map (who held which role) with people shown by role label, as the rest
    of a names-redacted export shows them."""
    people = access.get("people")
    rotations = access.get("rotations")
    return {
        "people": {
            label(str(person)): entry
            for person, entry in (people.items() if isinstance(people, dict) else [])
        },
        "rotations": {
            name: {
                **entry,
                "members": [label(str(m)) for m in entry.get("members") or []],
            }
            for name, entry in (rotations.items() if isinstance(rotations, dict) else [])
            if isinstance(entry, dict)
        },
    }
