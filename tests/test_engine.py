"""The engine and lifecycle: guards, skips, reassessment, approvals, resolution, replay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from runbook.effects import Effects, Outcome, Post
from runbook.effects.sinks import DrillSink
from runbook.engine import Engine
from runbook.errors import ActionRefused, NotFound, RunbookError
from runbook.model import events as ev
from runbook.model.lifecycle import mermaid
from runbook.store.sqlite import SqliteStore
from tests.conftest import approvers_for
from tests.crash import pause_intent_left_unperformed

SEV1_ACCOUNT = {
    "control": "attacker",
    "content": "scam",
    "reach": "viral",
    "data": "exposed",
    "scope": "several",
}


def mildest_answers(engine: Engine, playbook_id: str) -> dict[str, str]:
    playbook = engine.workspace.playbook(playbook_id)
    return {q.id: q.options[0].id for q in playbook.severity.questions}


def answers_for_level(engine: Engine, playbook_id: str, level: str) -> dict[str, str]:
    """Answers (by brute force over option combinations) that land exactly on ``level``."""
    import itertools

    from runbook.model.severity import assess

    playbook = engine.workspace.playbook(playbook_id)
    questions = playbook.severity.questions
    for combo in itertools.product(*[q.options for q in questions]):
        answers = {q.id: o.id for q, o in zip(questions, combo, strict=True)}
        if assess(playbook, answers).level == level:
            return answers
    raise AssertionError(f"no answers reach {level}")


class HoldingScheduler:
    """An in-memory scheduler for engine tests (the real adapters have their own tests)."""

    name = "memory"

    def __init__(self, posts: list[dict[str, Any]]) -> None:
        self.posts = {p["id"]: dict(p, status="scheduled") for p in posts}
        self.calls: list[tuple[str, str, tuple[str, ...]]] = []

    def list_posts(self) -> list[Post]:
        return [
            Post(p["id"], p["channel"], p["scheduled_at"], p["excerpt"], p["status"], self.name)
            for p in self.posts.values()
        ]

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        self.calls.append(("hold", key, tuple(post_ids)))
        for post_id in post_ids:
            self.posts[post_id]["status"] = "held"
        return Outcome(done=[{"id": p, "status": "held"} for p in post_ids])

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        self.calls.append(("release", key, tuple(post_ids)))
        for post_id in post_ids:
            self.posts[post_id]["status"] = "scheduled"
            if post_id in new_times:
                self.posts[post_id]["scheduled_at"] = new_times[post_id]
        return Outcome(done=[{"id": p, "status": "scheduled"} for p in post_ids])

    def status(self, post_ids: list[str]) -> dict[str, str]:
        return {p: self.posts[p]["status"] if p in self.posts else "missing" for p in post_ids}


def effects_with(scheduler: Any) -> Effects:
    sink = DrillSink()
    return Effects(scheduler=scheduler, channels={}, publisher=sink, fallback=sink)


def test_a_declared_incident_pins_the_playbook_it_was_declared_with(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Hacked X account")
    first = engine.timeline(incident.id)[0]
    assert isinstance(first, ev.IncidentDeclared)
    assert first.playbook["id"] == "account-compromised"
    assert first.playbook_version == incident.playbook.version
    assert first.policy is not None
    assert incident.state == "declared"
    assert incident.id.startswith("INC-")


def test_an_unknown_operator_is_refused_with_the_people_who_exist(engine_as):
    engine = engine_as("nobody")
    with pytest.raises(RunbookError, match="'nobody' is not a person in contacts"):
        engine.declare("offensive-post", "x")


def test_an_unknown_incident_is_named_in_the_error(engine_as):
    with pytest.raises(NotFound, match="no incident 'INC-NOPE'"):
        engine_as("amara").pause("INC-NOPE")


def test_an_unknown_playbook_suggests_the_closest(engine_as):
    with pytest.raises(NotFound, match="did you mean 'offensive-post'"):
        engine_as("amara").declare("offensive-posts", "x")


def test_actions_before_assessment_are_refused_with_what_is_allowed(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "Tone-deaf post")
    with pytest.raises(ActionRefused, match="allowed now: assess, check, note, resolve"):
        engine.pause(incident.id)
    with pytest.raises(ActionRefused, match="cannot start a draft while incident .* is declared"):
        engine.start_draft(incident.id)


def test_assessment_sets_the_level_and_an_override_lifts_it(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Hacked")
    answers = mildest_answers(engine, "account-compromised")
    answers["control"] = "attacker"
    incident = engine.assess(incident.id, answers)
    assessed = [e for e in engine.timeline(incident.id) if isinstance(e, ev.SeverityAssessed)]
    assert incident.level == "SEV1"
    assert assessed[-1].overrides, "the override reason is recorded"


def test_an_empty_pause_rule_is_skipped_with_a_recorded_event(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "Typo in a post")
    incident = engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV4"))
    skipped = [e for e in engine.timeline(incident.id) if isinstance(e, ev.StageSkipped)]
    assert incident.playbook.pause["SEV4"].is_empty
    assert [s.stage for s in skipped][:1] == ["pause"]
    assert skipped[0].level == "SEV4"
    assert incident.state in ("paused", "notified")
    with pytest.raises(ActionRefused, match="pauses nothing at SEV4"):
        engine.pause(incident.id)


def test_submitting_needs_the_pause_and_notify_stages_done(engine_as):
    engine = engine_as("tom")
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.start_draft(incident.id)
    with pytest.raises(ActionRefused, match="pause scheduled posts first"):
        engine.submit(incident.id)
    engine.pause(incident.id)
    with pytest.raises(ActionRefused, match="notify people first"):
        engine.submit(incident.id)
    engine.notify(incident.id)
    incident = engine.submit(incident.id)
    assert incident.state == "in_review"


def test_a_draft_can_be_started_while_pausing_is_still_to_do(engine_as):
    engine = engine_as("tom")
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    incident = engine.start_draft(incident.id)
    assert incident.state == "drafting"
    incident = engine.pause(incident.id)
    assert incident.state == "drafting", "pausing later keeps the furthest stage"
    assert incident.pause_satisfied()


def _to_review(engine: Engine, playbook: str = "account-compromised") -> str:
    incident = engine.declare(playbook, "Hacked brand account")
    engine.assess(
        incident.id,
        SEV1_ACCOUNT
        if playbook == "account-compromised"
        else answers_for_level(engine, playbook, "SEV1"),
    )
    engine.pause(incident.id)
    engine.notify(incident.id)
    engine.start_draft(incident.id)
    engine.submit(incident.id)
    return incident.id


def test_the_author_may_not_approve_their_own_draft(engine_as):
    engine = engine_as("amara")
    incident_id = _to_review(engine)
    with pytest.raises(ActionRefused, match="the author may not approve it"):
        engine.approve(incident_id)
    refusals = [e for e in engine.timeline(incident_id) if isinstance(e, ev.ActionRefused)]
    assert refusals[-1].action == "approve", "the refusal is on the timeline"


def test_the_last_editor_may_not_approve(engine_as):
    incident_id = _to_review(engine_as("tom"))
    elena = engine_as("elena")
    elena.edit_draft(incident_id, "D1", {"x": "We are aware and are securing the account."})
    engine_as("tom").submit(incident_id)
    with pytest.raises(ActionRefused, match="the last editor may not approve it"):
        elena.approve(incident_id)


def test_a_person_without_an_approving_role_is_refused(engine_as):
    incident_id = _to_review(engine_as("tom"))
    with pytest.raises(ActionRefused, match="holds none of the roles that approve at SEV1"):
        engine_as("lucas").approve(incident_id)


def test_one_vote_per_person(engine_as):
    incident_id = _to_review(engine_as("tom"))
    engine_as("amara").approve(incident_id)
    with pytest.raises(ActionRefused, match="amara already approved"):
        engine_as("amara").approve(incident_id)


def test_full_approval_moves_the_incident_to_approved(engine_as, workspace):
    incident_id = _to_review(engine_as("tom"))
    rule = workspace.playbook("account-compromised").approval["SEV1"]
    people = approvers_for(workspace, rule.roles, exclude={"tom"})
    for person in people[:-1]:
        assert engine_as(person).approve(incident_id).state == "in_review"
    incident = engine_as(people[-1]).approve(incident_id)
    assert incident.state == "approved"
    assert incident.drafts_approved()[0].draft_id == "D1"


def test_an_edit_after_approval_makes_the_approval_stale(engine_as, workspace):
    incident_id = _to_review(engine_as("tom"))
    engine_as("amara").approve(incident_id)
    incident = engine_as("tom").edit_draft(incident_id, "D1", {"x": "Updated holding line."})
    draft = incident.drafts["D1"]
    assert [a.person for a in draft.stale_approvals()] == ["amara"]
    assert draft.current_approvals() == []
    assert incident.state == "drafting"
    with pytest.raises(ActionRefused):
        engine_as("amara").publish(incident_id)


def test_reject_returns_the_draft_to_drafting_with_the_comment(engine_as):
    incident_id = _to_review(engine_as("tom"))
    with pytest.raises(ActionRefused, match="say why"):
        engine_as("marcus").reject(incident_id, "  ")
    incident = engine_as("marcus").reject(incident_id, "Too defensive; drop the second line.")
    assert incident.state == "drafting"
    assert incident.drafts["D1"].rejections[0][2] == "Too defensive; drop the second line."
    with pytest.raises(ActionRefused, match="no draft is waiting for approval"):
        engine_as("marcus").approve(incident_id)


def test_reassessment_up_records_old_and_new_level_and_notifies_only_new_roles(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "Insensitive post")
    engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV3"))
    engine.pause(incident.id) if engine.incident(incident.id).pause_rule().scope != "none" else None
    first = engine.notify(incident.id)
    told_before = set(first.recipients)
    incident = engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV1"))
    assessed = [e for e in engine.timeline(incident.id) if isinstance(e, ev.SeverityAssessed)]
    assert (assessed[-1].previous_level, assessed[-1].level) == ("SEV3", "SEV1")
    sent = [e for e in engine.timeline(incident.id) if isinstance(e, ev.NotificationsSent)]
    newly = {d["person"] for d in sent[-1].deliveries}
    assert newly, "escalation notifies the roles the new level adds"
    assert not newly & told_before, "nobody already told is told again"
    assert incident.pause_satisfied(), "escalation widens the pause scope"
    assert incident.paused_scope.scope == "all"


def test_reassessment_down_never_unpauses(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "Insensitive post")
    engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV1"))
    engine.pause(incident.id)
    incident = engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV4"))
    assert incident.level == "SEV4"
    assert incident.paused_scope.scope == "all"
    assert not [e for e in engine.timeline(incident.id) if isinstance(e, ev.PostsResumed)]


def test_reassessing_to_a_stricter_level_reopens_approval(engine_as, workspace):
    engine = engine_as("tom")
    incident = engine.declare("offensive-post", "Insensitive post")
    engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV4"))
    incident = engine.incident(incident.id)
    if incident.rules_due():
        engine.notify(incident.id)
    engine.start_draft(incident.id)
    engine.submit(incident.id)
    incident = engine_as("amara").approve(incident.id)
    assert incident.state == "approved"
    incident = engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV2"))
    assert incident.state == "in_review"
    assert incident.draft_awaiting()[0].draft_id == "D1"


def test_resolve_is_refused_while_a_pause_is_unconfirmed(engine_as, workspace, db_path, clock):
    class Broken(HoldingScheduler):
        def list_posts(self):
            raise RunbookError("scheduler unreachable")

    engine = Engine(
        SqliteStore(db_path),
        workspace,
        operator="amara",
        clock=clock,
        effects=effects_with(Broken([])),
    )
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    incident = engine.pause(incident.id)
    assert incident.failed_effects()[0].error == "scheduler unreachable"
    with pytest.raises(ActionRefused, match="the pause failed: scheduler unreachable"):
        engine.resolve(incident.id, "Account recovered")
    engine.effects.scheduler = HoldingScheduler([])
    incident = engine.retry(incident.id)
    assert not incident.failed_effects()
    assert engine.resolve(incident.id, "Account recovered").state == "resolved"


def test_resolve_resumes_exactly_the_posts_this_incident_paused_except_kept_ones(
    engine_as, workspace, db_path, clock
):
    scheduler = HoldingScheduler(
        [
            {"id": "p1", "channel": "x", "scheduled_at": "2026-11-21T15:00Z", "excerpt": "Sale!"},
            {
                "id": "p2",
                "channel": "instagram",
                "scheduled_at": "2026-11-21T16:00Z",
                "excerpt": "New",
            },
            {
                "id": "p3",
                "channel": "linkedin",
                "scheduled_at": "2026-11-22T09:00Z",
                "excerpt": "Hiring",
            },
        ]
    )
    scheduler.posts["p3"]["status"] = "draft"  # not scheduled: never touched
    engine = Engine(
        SqliteStore(db_path),
        workspace,
        operator="amara",
        clock=clock,
        effects=effects_with(scheduler),
    )
    sink = engine.effects.fallback
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    incident = engine.pause(incident.id)
    assert sorted(incident.paused_posts) == ["p1", "p2"]
    engine.notify(incident.id)
    with pytest.raises(ActionRefused, match="review the 2 post"):
        engine.resolve(incident.id, "Account recovered; posts reviewed.")
    incident = engine.resolve(incident.id, "Account recovered; posts reviewed.", keep=["p1"])
    assert incident.state == "resolved"
    assert sorted(incident.resumed_posts) == ["p2"]
    assert scheduler.posts["p1"]["status"] == "held"
    assert scheduler.posts["p2"]["status"] == "scheduled"
    assert scheduler.posts["p3"]["status"] == "draft"
    stand_down = [m for m in sink.sent if m.subject.startswith("STAND DOWN")]
    assert {m.person for m in stand_down} == {
        r.person for r in incident.recipients.values() if not r.running
    }


def test_nothing_can_happen_on_a_closed_incident(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "False alarm")
    engine.resolve(incident.id, "False alarm: the post was a parody account.")
    engine.close(incident.id, "No follow-up needed.", leave_open=True)
    for action in (
        lambda: engine.note(incident.id, "late note"),
        lambda: engine.assess(incident.id, mildest_answers(engine, "offensive-post")),
        lambda: engine.resolve(incident.id, "again"),
    ):
        with pytest.raises(ActionRefused, match="is closed; nothing more can be done"):
            action()
    assert engine.incident(incident.id).refusals == 0, "a closed incident gets no new events"


def test_acknowledgement_needs_to_have_been_notified(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    incident = engine.notify(incident.id)
    notified = next(iter(incident.recipients))
    incident = engine_as(notified).ack(incident.id)
    assert incident.recipients[notified].acked_at is not None
    with pytest.raises(ActionRefused, match="already acknowledged"):
        engine_as(notified).ack(incident.id)
    outsider = next(
        p.id for p in engine.workspace.contacts.people if p.id not in incident.recipients
    )
    with pytest.raises(ActionRefused, match="was not notified"):
        engine_as(outsider).ack(incident.id)


def test_a_checklist_item_is_ticked_once(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Hacked")
    incident = engine.check(incident.id, "screenshot-evidence")
    assert "screenshot-evidence" in incident.checked
    with pytest.raises(ActionRefused, match="already ticked by amara"):
        engine.check(incident.id, "screenshot-evidence")
    with pytest.raises(ActionRefused, match="no checklist item 'nope'"):
        engine.check(incident.id, "nope")


def test_a_repeated_command_id_is_recorded_once(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "Post")
    engine.note(incident.id, "Journalist called", command_id="cmd-1")
    engine.note(incident.id, "Journalist called", command_id="cmd-1")
    notes = [e for e in engine.timeline(incident.id) if isinstance(e, ev.NoteAdded)]
    assert len(notes) == 1


def test_replay_rebuilds_the_same_state_without_side_effects(engine_as, workspace, db_path, clock):
    engine = engine_as("tom")
    incident_id = _to_review(engine)
    sink = engine.effects.fallback
    sent_before = len(sink.sent)
    fresh = Engine(
        SqliteStore(db_path),
        workspace,
        operator="tom",
        clock=clock,
        effects=effects_with(DrillSink()),
    )
    replayed = fresh.incident(incident_id)
    original = engine.incident(incident_id)
    assert replayed.status() == original.status()
    assert set(replayed.recipients) == set(original.recipients)
    assert replayed.drafts["D1"].content_hash == original.drafts["D1"].content_hash
    assert len(sink.sent) == sent_before
    assert fresh.effects.fallback.sent == []


def test_an_interrupted_effect_is_performed_on_recovery_once(engine_as, workspace, db_path, clock):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    # Record an intent without performing it, as a crash right after the append would.
    intent = pause_intent_left_unperformed(engine, incident.id, "crash-1")
    assert engine.incident(incident.id).pending_effects("pause")
    performer = engine_as("amara").store.claim(intent.effect_id)  # a live, slow performer
    assert performer is not None
    clock.advance(timedelta(hours=2))
    assert engine.recover(incident.id) == 0, "an effect its live performer holds is left to it"
    performer.release()  # the performer is gone: taken over at once, whatever the clock says
    assert engine.recover(incident.id) == 1
    assert engine.recover(incident.id) == 0
    results = [e for e in engine.timeline(incident.id) if isinstance(e, ev.PostsPaused)]
    assert len(results) == 1


def test_the_lifecycle_exports_as_mermaid():
    text = mermaid()
    assert text.startswith("stateDiagram-v2")
    assert "in_review --> drafting: reject" in text
    assert "resolved --> closed: close" in text


def test_without_a_scheduler_the_pause_says_to_hold_posts_by_hand(workspace, db_path, clock):
    import io

    from runbook.effects.sinks import console_effects

    engine = Engine(
        SqliteStore(db_path),
        workspace,
        operator="amara",
        clock=clock,
        effects=console_effects(io.StringIO()),
    )
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    preview = engine.pause_preview(incident.id)
    assert preview["scheduler_configured"] is False
    assert "hold the brand's scheduled posts by hand" in preview["note"]
    with pytest.raises(ActionRefused, match="no scheduler is configured") as refused:
        engine.pause(incident.id)
    assert refused.value.cli == f"runbook pause {incident.id} --by-hand TOOL"
    assert not engine.incident(incident.id).pause_satisfied(), "a pause nobody made is not done"
    with pytest.raises(ActionRefused, match="name the tool"):
        engine.pause(incident.id, by_hand="  ")
    incident = engine.pause(incident.id, by_hand="Hootsuite")
    assert incident.pause_satisfied()
    assert not [e for e in engine.timeline(incident.id) if isinstance(e, ev.PostsPaused)]
    (held,) = [e for e in engine.timeline(incident.id) if isinstance(e, ev.PostsHeldByHand)]
    assert (held.actor, held.tool, held.scope["scope"]) == ("amara", "Hootsuite", "all")
    assert incident.held_by_hand[0][1:] == ("amara", "Hootsuite", "all")


def test_confirming_by_hand_is_refused_where_runbook_holds_the_posts_itself(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    with pytest.raises(ActionRefused, match="holds the posts in the configured scheduler"):
        engine.pause(incident.id, by_hand="Hootsuite")


def test_retry_reruns_an_interrupted_step_and_refuses_when_nothing_failed(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    pause_intent_left_unperformed(engine, incident.id, "crash-2")
    recovered, incident = engine.retry_all(incident.id)
    assert recovered == 1
    assert incident.pending_effects() == []
    assert incident.pause_satisfied()
    with pytest.raises(ActionRefused, match="nothing has failed"):
        engine.retry_all(incident.id)


def test_closing_with_unticked_checklist_items_needs_a_confirmation_and_records_them(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("offensive-post", "False alarm")
    engine.resolve(incident.id, "False alarm: the post was a parody account.")
    unticked = engine.incident(incident.id).unticked()
    assert unticked
    with pytest.raises(ActionRefused, match="checklist item\\(s\\) are not ticked") as refused:
        engine.close(incident.id, "Done")
    assert refused.value.cli == "--leave-open"
    engine.check(incident.id, unticked[0][1])
    closed = engine.close(incident.id, "Done", leave_open=True)
    assert closed.state == "closed"
    (event,) = [e for e in engine.timeline(incident.id) if isinstance(e, ev.IncidentClosed)]
    assert [item["id"] for item in event.open_items] == [item for _, item, _ in unticked[1:]]
