"""Playbook targets against what the incident reached: the rule the board, drills and the
export share (runbook.model.targets)."""

from __future__ import annotations

from datetime import timedelta

from runbook.model.targets import next_target, target_checks
from tests.test_engine import SEV1_ACCOUNT


def test_a_stage_reached_in_time_meets_its_target_and_a_late_one_misses(engine_as, clock):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Scam posts from our X account")
    clock.advance(timedelta(minutes=4))
    engine.assess(incident.id, SEV1_ACCOUNT)  # target assess: 10m
    clock.advance(timedelta(minutes=8))
    engine.pause(incident.id)  # target pause: 10m, reached at 12m
    checks = {check.name: check for check in target_checks(engine.incident(incident.id))}
    assert list(checks) == [
        "acknowledge",
        "assess",
        "pause",
        "notify",
        "first_statement",
        "resolve",
    ]
    assert checks["assess"].met is True
    assert checks["pause"].met is False
    assert checks["pause"].reached - checks["pause"].due == timedelta(minutes=2)
    assert checks["notify"].met is None


def test_the_board_counts_down_to_the_earliest_target_not_reached(engine_as, clock):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Scam posts from our X account")
    target = next_target(engine.incident(incident.id))
    assert target is not None
    assert target.name == "acknowledge"  # 5m, the earliest of the playbook's targets
    assert target.due == incident.opened_at + timedelta(minutes=5)
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    current = engine.incident(incident.id)
    pending = [check.name for check in target_checks(current) if check.reached is None]
    assert "assess" not in pending
    assert "pause" not in pending
    assert next_target(current).name == "acknowledge"  # nobody acknowledged yet
    engine.resolve(incident.id, "Account recovered", resume="all")
    assert next_target(engine.incident(incident.id)) is None  # nothing counts down once resolved


def test_a_drill_measures_targets_from_its_own_start(engine_as, clock):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Scam posts from our X account")
    clock.advance(timedelta(minutes=9))
    engine.assess(incident.id, SEV1_ACCOUNT)
    current = engine.incident(incident.id)
    (assess,) = [c for c in target_checks(current) if c.name == "assess"]
    assert assess.met is True
    earlier_start = incident.opened_at - timedelta(minutes=5)
    (assess,) = [c for c in target_checks(current, start=earlier_start) if c.name == "assess"]
    assert assess.met is False
