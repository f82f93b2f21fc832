"""Headless drills: play a scripted team against a scenario and score it.

:func:`run_headless` opens a :class:`~runbook.drill.session.DrillSession`, declares the drill
incident at T+0 and plays each scripted response at its time: the simulated clock is moved to
that time (releasing injects and escalating on time on the way), the action is performed as
the person named, and a refusal is recorded rather than stopping the drill. After the last
response the clock runs on to the drill's end (its ``duration``, or the last inject, response
or target time) so late expectations are scored, and the session is finished.
"""

from __future__ import annotations

from datetime import timedelta

from runbook.drill.report import DrillReport, build_report
from runbook.drill.responses import Responses
from runbook.drill.scenario import Scenario
from runbook.drill.scoring import target_of
from runbook.drill.session import DrillSession
from runbook.effects import Effects
from runbook.loading import Workspace
from runbook.store import EventStore


def drill_end(scenario: Scenario, responses: Responses | None, workspace: Workspace) -> timedelta:
    """How long a headless drill runs: ``duration`` if given, else until the last inject,
    response or expectation target."""
    if scenario.duration is not None:
        return scenario.duration
    playbook = workspace.playbooks[scenario.playbook]
    offsets = scenario.release_offsets()
    times = [timedelta(0), *offsets.values()]
    if responses is not None:
        times += [r.at for r in responses.responses]
    for expectation in scenario.expectations:
        target = target_of(expectation, playbook)
        if target is not None:
            anchor = offsets[expectation.after] if expectation.after else timedelta(0)
            times.append(anchor + target)
    return max(times)


def play(session: DrillSession, responses: Responses) -> None:
    """Play every response at its time, then run the clock to the end and finish."""
    session.begin()
    t0 = session.t0
    for response in responses.ordered():
        session.advance_to(max(t0 + response.at, session.clock.now()))
        session.perform(response)
    end = drill_end(session.scenario, responses, session.workspace)
    session.advance_to(max(t0 + end, session.clock.now()))
    session.finish()


def run_headless(
    workspace: Workspace,
    scenario: Scenario,
    responses: Responses,
    store: EventStore,
    *,
    effects: Effects | None = None,
    real_channels: bool = False,
    incident_id: str | None = None,
    language: str | None = None,
) -> tuple[DrillSession, DrillReport]:
    """Run ``scenario`` with ``responses`` on ``store``; the session and its report (in
    ``language``, by default the playbook's)."""
    session = DrillSession.open(
        workspace,
        scenario,
        store,
        effects=effects,
        real_channels=real_channels,
        incident_id=incident_id,
    )
    play(session, responses)
    return session, build_report(session, language)
