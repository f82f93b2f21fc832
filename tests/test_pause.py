"""The pause rule through the engine: preview, scope, escalation, overlap, missed slots."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runbook.engine import Engine
from runbook.errors import ActionRefused
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests.crash import pause_intent_left_unperformed
from tests.test_engine import SEV1_ACCOUNT, HoldingScheduler, answers_for_level, effects_with

POSTS = [
    {"id": "p1", "channel": "x", "scheduled_at": "2026-11-21T14:30:00+00:00", "excerpt": "Sale"},
    {
        "id": "p2",
        "channel": "instagram",
        "scheduled_at": "2026-11-21T16:00:00+00:00",
        "excerpt": "New in",
    },
    {
        "id": "p3",
        "channel": "linkedin",
        "scheduled_at": "2026-11-22T09:00:00+00:00",
        "excerpt": "Hiring",
    },
    {
        "id": "p4",
        "channel": "facebook",
        "scheduled_at": "2026-11-23T09:00:00+00:00",
        "excerpt": "Recipe",
    },
]


@pytest.fixture
def scheduler() -> HoldingScheduler:
    return HoldingScheduler(POSTS)


@pytest.fixture
def engine_with(workspace, db_path, clock, scheduler):
    effects = effects_with(scheduler)
    made = []

    def make(person: str = "amara") -> Engine:
        engine = Engine(
            SqliteStore(db_path), workspace, operator=person, clock=clock, effects=effects
        )
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.store.close()


def _channel_level(engine: Engine, playbook: str) -> tuple[str, list[str]]:
    """A level of ``playbook`` whose pause rule lists channels."""
    for level, rule in engine.workspace.playbook(playbook).pause.items():
        if rule.scope == "channels":
            return level, rule.channels
    raise AssertionError("no channel-scoped level")


def test_the_preview_counts_posts_per_channel_before_anything_is_held(engine_with, scheduler):
    engine = engine_with()
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    preview = engine.pause_preview(incident.id)
    assert preview["scope"] == "all"
    assert preview["total"] == 4
    assert preview["per_channel"] == {"facebook": 1, "instagram": 1, "linkedin": 1, "x": 1}
    assert [p["id"] for p in preview["next"]] == ["p1", "p2", "p3", "p4"]
    assert all(p["status"] == "scheduled" for p in scheduler.posts.values())


def test_a_channel_scope_holds_only_those_channels(engine_with, scheduler):
    engine = engine_with()
    incident = engine.declare("offensive-post", "Bad post")
    level, channels = _channel_level(engine, "offensive-post")
    engine.assess(incident.id, answers_for_level(engine, "offensive-post", level))
    incident = engine.pause(incident.id)
    held = {p["id"] for p in POSTS if p["channel"] in channels}
    assert set(incident.paused_posts) == held
    assert {pid for pid, p in scheduler.posts.items() if p["status"] == "held"} == held


def test_the_pause_is_recorded_as_intent_targets_and_result(engine_with):
    engine = engine_with()
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    kinds = [type(e).__name__ for e in engine.timeline(incident.id)]
    start = kinds.index("EffectRequested")
    assert kinds[start : start + 3] == ["EffectRequested", "PauseTargeted", "PostsPaused"]
    result = [e for e in engine.timeline(incident.id) if isinstance(e, ev.PostsPaused)][0]
    assert sorted(p["id"] for p in result.posts) == ["p1", "p2", "p3", "p4"]
    assert result.failures == []


def test_a_post_that_does_not_stay_held_is_reported_as_a_failure(engine_with, scheduler):
    original = scheduler.hold

    def leaky_hold(post_ids, key):
        outcome = original(post_ids, key)
        scheduler.posts["p2"]["status"] = "scheduled"  # the tool ignored the hold
        return outcome

    scheduler.hold = leaky_hold
    engine = engine_with()
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    incident = engine.pause(incident.id)
    assert "p2" not in incident.paused_posts
    assert "did not stay held (status scheduled)" in incident.pause_unconfirmed()


def test_escalation_widens_the_pause_to_the_new_level(engine_with, scheduler):
    engine = engine_with()
    incident = engine.declare("offensive-post", "Bad post")
    level, channels = _channel_level(engine, "offensive-post")
    engine.assess(incident.id, answers_for_level(engine, "offensive-post", level))
    engine.pause(incident.id)
    incident = engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV1"))
    assert incident.paused_scope.scope == "all"
    assert sorted(incident.paused_posts) == ["p1", "p2", "p3", "p4"]
    holds = [c for c in scheduler.calls if c[0] == "hold"]
    held_twice = set(holds[0][2]) & set(holds[1][2])
    assert not held_twice, "posts already held are not held again"


def test_a_post_held_by_two_incidents_stays_held_until_both_release_it(engine_with, scheduler):
    engine = engine_with()
    first = engine.declare("account-compromised", "Hacked X")
    engine.assess(first.id, SEV1_ACCOUNT)
    engine.pause(first.id)
    second = engine.declare("offensive-post", "Old post resurfaced")
    engine.assess(second.id, answers_for_level(engine, "offensive-post", "SEV1"))
    second_state = engine.pause(second.id)
    assert sorted(second_state.paused_posts) == ["p1", "p2", "p3", "p4"]

    later = engine.clock.now() - timedelta(hours=1)  # nothing missed its slot
    assert later
    engine.resolve(first.id, "Account recovered.", resume="all")
    assert all(p["status"] == "held" for p in scheduler.posts.values()), (
        "the second incident still holds them"
    )
    released = engine.incident(first.id).resumed_posts
    assert released["p1"]["still_held_by"] == [second.id]

    engine.resolve(second.id, "Story died down.", resume="all")
    assert all(p["status"] == "scheduled" for p in scheduler.posts.values())


def test_a_post_whose_slot_passed_needs_a_decision_at_resolve(engine_with, scheduler, clock):
    engine = engine_with()
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    clock.advance(timedelta(hours=1))  # p1's 14:30 slot passes while held
    ledger = {row["id"]: row for row in engine.posts(incident.id)}
    assert ledger["p1"]["missed_slot"] is True
    assert ledger["p2"]["missed_slot"] is False
    with pytest.raises(ActionRefused, match="post p1 missed its slot"):
        engine.resolve(incident.id, "Recovered.", resume="all")
    incident = engine.resolve(
        incident.id,
        "Recovered.",
        resume="all",
        new_times={"p1": "2026-11-22T12:00:00+00:00"},
    )
    assert scheduler.posts["p1"]["scheduled_at"] == "2026-11-22T12:00:00+00:00"
    assert scheduler.posts["p1"]["status"] == "scheduled"
    assert incident.resumed_posts["p1"]["new_time"] == "2026-11-22T12:00:00+00:00"


def test_a_new_time_in_the_past_or_years_away_is_refused_and_nothing_is_released(
    engine_with, scheduler
):
    engine = engine_with()
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    for moment, words in (
        ("9999-12-31T23:59:00+00:00", "more than a year away"),
        ("2027-11-23T12:00:00+00:00", "more than a year away"),
        ("2026-11-20T12:00:00+00:00", "in the past"),
    ):
        with pytest.raises(ActionRefused, match=words):
            engine.resolve(incident.id, "Recovered.", resume="all", new_times={"p1": moment})
    assert all(p["status"] == "held" for p in scheduler.posts.values())
    engine.resolve(
        incident.id, "Recovered.", resume="all", new_times={"p1": "2027-11-01T12:00:00+00:00"}
    )
    assert scheduler.posts["p1"]["scheduled_at"] == "2027-11-01T12:00:00+00:00"


def test_resolve_with_resume_none_keeps_every_post_held(engine_with, scheduler):
    engine = engine_with()
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    incident = engine.resolve(incident.id, "Recovered; marketing will re-plan.", resume="none")
    assert sorted(incident.kept_posts) == ["p1", "p2", "p3", "p4"]
    assert incident.resumed_posts == {}
    assert all(p["status"] == "held" for p in scheduler.posts.values())


def test_an_interrupted_pause_is_retried_on_exactly_the_recorded_targets(
    engine_with, scheduler, clock
):
    engine = engine_with()
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    intent = pause_intent_left_unperformed(engine, incident.id, "crash")
    fresh = engine.incident(incident.id)
    targets = engine.outbox(fresh).targets(fresh, fresh.pause_rule())
    engine.record(
        incident.id,
        [
            ev.PauseTargeted(
                incident_id=incident.id,
                at=clock.now(),
                actor="runbook",
                effect_id=intent.effect_id,
                posts=targets,
            )
        ],
        f"targets:{intent.effect_id}",
    )
    scheduler.posts["p5"] = {
        "id": "p5",
        "channel": "x",
        "excerpt": "new",
        "scheduled_at": "2026-11-24T09:00:00+00:00",
        "status": "scheduled",
    }
    clock.advance(timedelta(minutes=5))
    assert engine.recover(incident.id) == 1
    incident = engine.incident(incident.id)
    assert sorted(incident.paused_posts) == ["p1", "p2", "p3", "p4"]
    assert scheduler.posts["p5"]["status"] == "scheduled", "not in the recorded targets"
