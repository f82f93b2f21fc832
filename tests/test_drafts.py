"""Statements: platform counting, policy lint with exact spans, overrides, approvals."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from runbook.errors import ActionRefused
from runbook.model import events as ev
from runbook.model.counting import count, graphemes
from runbook.model.lint import lint_text
from tests.conftest import ROOT, approvers_for
from tests.test_engine import SEV1_ACCOUNT, answers_for_level

# -- counting as each platform counts ---------------------------------------------------


def test_x_counts_every_url_as_23_characters():
    text = "Update: https://example.com/a/very/long/path/to/the/full/statement/page?ref=social"
    assert count(text, "weighted", 280, 23).length == len("Update: ") + 23


def test_x_counts_emoji_sequences_and_cjk_as_two():
    assert count("👍🏽", "weighted", 280, 23).length == 2  # emoji + skin tone
    assert count("👨‍👩‍👧", "weighted", 280, 23).length == 2  # ZWJ family
    assert count("日本", "weighted", 280, 23).length == 4
    assert count("é", "weighted", 280, 23).length == 1


def test_bluesky_counts_what_a_reader_sees_as_one_character():
    assert len(graphemes("e\u0301")) == 1  # e + combining acute
    assert count("🇫🇷🇬🇧", "graphemes", 300).length == 2
    assert count("👩🏽‍💻 ok", "graphemes", 300).length == 4


def test_the_count_says_where_the_limit_is_exceeded():
    measured = count("a" * 285, "weighted", 280, 23)
    assert not measured.fits
    assert measured.over_at == 280


# -- lint: every rule of the shipped policy, with exact spans ------------------------------

SAMPLES = [
    ("no-comment", "Our answer: no comment at this time.", "no comment"),
    (
        "inconvenience-apology",
        "We apologise for any inconvenience caused.",
        "We apologise for any inconvenience",
    ),
    ("isolated-incident", "This was an isolated incident.", "isolated incident"),
    ("blames-individual", "A rogue employee posted this.", "rogue employee"),
    ("dismissive-labels", "These claims are fake news.", "fake news"),
    ("non-apology", "We are sorry if you felt offended by it.", "sorry if you felt offended"),
    ("liability-admission", "We accept full liability for this.", "We accept full liability"),
    ("unfilled-field", "The [PRODUCT] recall is under way.", "[PRODUCT]"),
    ("unfilled-field", "An update: <what changed>. More by 15:00.", "<what changed>"),
    ("email-address", "Write to jane.doe@gmail.com for details.", "jane.doe@gmail.com"),
    ("phone-number", "Call +44 20 7946 0958 today.", "+44 20 7946 0958"),
    ("account-number", "Card 4111 1111 1111 1111 was used.", "4111 1111 1111 1111"),
    ("national-insurance-number", "Her NI number is AB 12 34 56 C.", "AB 12 34 56 C"),
    ("confidential-label", "STRICTLY CONFIDENTIAL draft text.", "STRICTLY CONFIDENTIAL"),
    ("internal-distribution-marker", "For internal use only: the plan.", "For internal use only"),
    (
        "legal-privilege-marker",
        "Privileged and confidential advice.",
        "Privileged and confidential",
    ),
    ("credentials", "The password: hunter2 was reset.", "password: hunter2"),
    ("cause-speculation", "It might have been a phishing email.", "might have been"),
    ("financial-impact-guess", "We expect a loss of 2 million.", "expect a loss of"),
    ("premature-reassurance", "No customers were affected.", "No customers were affected"),
    ("attribution-guess", "Russian hackers did this.", "Russian hackers"),
    ("litigation", "A lawsuit has been filed.", "lawsuit"),
    ("regulators", "We have informed the ICO today.", "ICO"),
    ("financial_performance", "Our share price is stable.", "share price"),
    ("health_claims", "The lining is clinically proven to help.", "clinically proven"),
    ("personal_data_breach", "Some personal data was exposed.", "personal data"),
]


@pytest.mark.parametrize(("rule_id", "text", "matched"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_policy_rule_finds_its_text_with_the_exact_span(workspace, rule_id, text, matched):
    findings = [
        f for f in lint_text(workspace.policy, text, "public", "linkedin") if f.rule_id == rule_id
    ]
    assert findings, f"{rule_id} did not fire on {text!r}"
    finding = findings[0]
    assert (finding.start, finding.end) == (text.index(matched), text.index(matched) + len(matched))
    assert finding.matched == matched
    assert finding.explanation
    assert finding.severity in ("block", "warn")


def test_every_shipped_rule_has_a_sample(workspace):
    policy = workspace.policy
    rule_ids = {
        r.id
        for section in (
            "forbidden_phrases",
            "personal_data",
            "confidential_markers",
            "speculation",
            "legal_review_topics",
        )
        for r in getattr(policy, section)
    }
    assert rule_ids == {s[0] for s in SAMPLES}


def test_the_organisations_own_press_address_is_not_personal_data(workspace):
    text = "Journalists: press@example.com."
    assert not [
        f for f in lint_text(workspace.policy, text, "public", "x") if f.rule_id == "email-address"
    ]


def test_a_missing_disclaimer_is_found_where_it_is_triggered(workspace):
    text = "Full-year revenue will be reported in March."
    found = [
        f
        for f in lint_text(workspace.policy, text, "public", "linkedin")
        if f.rule_id == "forward-looking-statements"
    ]
    assert found[0].severity == "block"
    assert found[0].matched == "revenue"
    with_caveat = text + (
        " This statement contains forward-looking statements, which involve "
        "risks and uncertainties; actual results may differ materially."
    )
    assert not [
        f
        for f in lint_text(workspace.policy, with_caveat, "public", "linkedin")
        if f.rule_id == "forward-looking-statements"
    ]


def test_a_platform_disclaimer_applies_only_to_its_platforms(workspace):
    text = "Two customers reported minor burns."
    on_facebook = lint_text(workspace.policy, text, "public", "facebook")
    on_x = lint_text(workspace.policy, text, "public", "x")
    assert "medical-advice-pointer" in {f.rule_id for f in on_facebook}
    assert "medical-advice-pointer" not in {f.rule_id for f in on_x}


def test_a_post_over_the_platform_limit_is_blocked_from_where_it_overflows(workspace):
    text = "We are aware. " * 25  # 350 characters
    found = [f for f in lint_text(workspace.policy, text, "public", "x") if f.rule_id == "length-x"]
    assert found[0].severity == "block"
    assert found[0].start == 280
    assert "X allows 280; this is 350" in found[0].explanation


def test_each_language_variant_is_linted_and_counted_on_its_own(workspace):
    findings = lint_text(workspace.policy, "Aucun commentaire.", "public", "x:fr")
    assert [(f.rule_id, f.variant) for f in findings] == [("no-comment", "x:fr")]
    assert lint_text(workspace.policy, "We are looking into it.", "public", "x:en") == []


def test_internal_only_markers_are_fine_in_internal_advisories(workspace):
    text = "For internal use only: please do not comment publicly."
    assert not [
        f
        for f in lint_text(workspace.policy, text, "internal", "email")
        if f.rule_id == "internal-distribution-marker"
    ]


# -- drafts in incidents -----------------------------------------------------------------


def _ready_to_submit(engine_as, playbook="account-compromised"):
    engine = engine_as("tom")
    incident = engine.declare(playbook, "Hacked brand account")
    answers = (
        SEV1_ACCOUNT
        if playbook == "account-compromised"
        else answers_for_level(engine, playbook, "SEV1")
    )
    engine.assess(incident.id, answers)
    engine.pause(incident.id)
    engine.notify(incident.id)
    engine.start_draft(incident.id)
    return engine, incident.id


def test_shipped_templates_render_without_blocking_findings(engine_as, workspace):
    for playbook_id in sorted(workspace.playbooks):
        engine = engine_as("tom")
        incident = engine.declare(playbook_id, "Kettle K2")
        engine.assess(incident.id, answers_for_level(engine, playbook_id, "SEV2"))
        for template in workspace.playbook(playbook_id).drafts:
            incident = engine.start_draft(incident.id, template.id)
        for draft in incident.drafts.values():
            assert incident.blocking(draft) == [], (
                playbook_id,
                draft.template_id,
                incident.blocking(draft),
            )


def test_languages_become_separate_variants_covered_by_one_approval(engine_as):
    engine = engine_as("tom")
    incident = engine.declare("product-recall", "Kettle K2")
    engine.assess(incident.id, answers_for_level(engine, "product-recall", "SEV3"))
    incident = engine.start_draft(incident.id, "holding")
    variants = incident.drafts["D1"].variants
    assert "x:en" in variants
    assert "x:fr" in variants
    assert variants["x:en"] != variants["x:fr"]


def test_a_blocking_finding_prevents_submission_until_overridden_with_a_reason(engine_as):
    engine, incident_id = _ready_to_submit(engine_as)
    engine.edit_draft(incident_id, "D1", {"x": "No comment while we investigate."})
    with pytest.raises(ActionRefused, match="blocking finding.*no-comment"):
        engine.submit(incident_id)
    with pytest.raises(ActionRefused, match="only someone holding pr_director may override"):
        engine_as("amara").override(incident_id, "no-comment", "Agreed wording")
    with pytest.raises(ActionRefused, match="give a reason"):
        engine_as("marcus").override(incident_id, "no-comment", " ")
    incident = engine_as("marcus").override(incident_id, "no-comment", "Agreed with the CEO")
    assert incident.drafts["D1"].overrides[0][3:] == ("marcus", "Agreed with the CEO")
    assert engine.submit(incident_id).state == "in_review"


def test_an_override_binds_to_the_content_it_was_given_for(engine_as):
    engine, incident_id = _ready_to_submit(engine_as)
    engine.edit_draft(incident_id, "D1", {"x": "No comment while we investigate."})
    engine_as("marcus").override(incident_id, "no-comment", "Agreed")
    incident = engine.edit_draft(incident_id, "D1", {"x": "No comment at this stage."})
    assert [f.rule_id for f in incident.blocking(incident.drafts["D1"])] == ["no-comment"]


def test_personal_data_can_only_be_overridden_by_legal(engine_as):
    engine, incident_id = _ready_to_submit(engine_as)
    engine.edit_draft(incident_id, "D1", {"x": "Questions? Call +44 20 7946 0958."})
    with pytest.raises(ActionRefused, match="only someone holding legal"):
        engine_as("marcus").override(incident_id, "phone-number", "It is our switchboard")
    incident = engine_as("daniel").override(incident_id, "phone-number", "Public switchboard")
    assert incident.blocking(incident.drafts["D1"]) == []


def test_a_legal_topic_adds_legal_to_the_approvers(engine_as, workspace):
    engine = engine_as("tom")
    incident = engine.declare("offensive-post", "Joke post")
    engine.assess(incident.id, answers_for_level(engine, "offensive-post", "SEV4"))
    incident = engine.incident(incident.id)
    if incident.rules_due():
        engine.notify(incident.id)
    engine.start_draft(incident.id)
    engine.edit_draft(incident.id, "D1", {"x": "We are aware of the lawsuit and will update."})
    engine.submit(incident.id)
    incident = engine_as("amara").approve(incident.id)
    assert workspace.playbook("offensive-post").approval["SEV4"].roles == ["comms_lead"]
    assert incident.state == "in_review", "legal must still approve"
    incident = engine_as("daniel").approve(incident.id)
    assert incident.state == "approved"


def test_refusals_are_recorded_on_the_timeline(engine_as):
    engine, incident_id = _ready_to_submit(engine_as)
    engine.submit(incident_id)
    with pytest.raises(ActionRefused):
        engine_as("lucas").approve(incident_id)
    refused = [e for e in engine.timeline(incident_id) if isinstance(e, ev.ActionRefused)]
    assert refused[-1].actor == "lucas"
    assert "holds none of the roles" in refused[-1].reason


def _approved_draft(engine_as, workspace):
    engine, incident_id = _ready_to_submit(engine_as)
    engine.submit(incident_id)
    rule = workspace.playbook("account-compromised").approval["SEV1"]
    for person in approvers_for(workspace, rule.roles, exclude={"tom"}):
        engine_as(person).approve(incident_id)
    return engine, incident_id


def test_publishing_by_hand_records_the_url_per_platform_and_sends_nothing(engine_as, workspace):
    engine, incident_id = _approved_draft(engine_as, workspace)
    sink = engine.effects.for_incident(False).publisher
    before = len(sink.published)
    variants = list(engine.incident(incident_id).drafts["D1"].variants)
    incident = engine.publish(incident_id, by_hand={"x": "https://x.com/northwind/status/1"})
    draft = incident.drafts["D1"]
    assert draft.published["x"][:2] == ("by hand", "https://x.com/northwind/status/1")
    assert len(sink.published) == before, "posted by hand is never also sent"
    assert "publish" in incident.stage_reached
    assert draft.unpublished() == [v for v in variants if v != "x"]
    posted = [e for e in engine.timeline(incident_id) if isinstance(e, ev.StatementPostedByHand)]
    assert [(e.variant, e.url) for e in posted] == [("x", "https://x.com/northwind/status/1")]
    with pytest.raises(ActionRefused, match="already published on x"):
        engine.publish(incident_id, on=["x"])


def test_the_operator_chooses_the_platforms_and_a_left_out_one_stays_unpublished(
    engine_as, workspace
):
    engine, incident_id = _approved_draft(engine_as, workspace)
    variants = list(engine.incident(incident_id).drafts["D1"].variants)
    assert len(variants) > 1
    with pytest.raises(ActionRefused, match="choose where draft D1 goes"):
        engine.publish(incident_id)
    with pytest.raises(ActionRefused, match="no variant 'myspace'"):
        engine.publish(incident_id, on=["myspace"])
    with pytest.raises(ActionRefused, match="both published and posted by hand"):
        engine.publish(incident_id, on=[variants[0]], by_hand={variants[0]: "https://a.b/c"})
    with pytest.raises(ActionRefused, match="give the address of the post"):
        engine.publish(incident_id, by_hand={variants[0]: "on the website"})
    incident = engine.publish(incident_id, on=variants[1:])  # the compromised account left out
    draft = incident.drafts["D1"]
    published = [e for e in engine.timeline(incident_id) if isinstance(e, ev.StatementPublished)]
    assert published[-1].platforms == variants[1:]
    assert draft.unpublished() == [variants[0]]
    assert set(draft.published) == set(variants[1:])
    assert all(how == "publisher" for how, _, _ in draft.published.values())


def _approve_in_process(db: str, incident_id: str, person: str, keys: dict, barrier) -> str:
    from runbook.effects.ssh import Signer
    from runbook.engine import Engine
    from runbook.loading import load_workspace
    from runbook.store.sqlite import SqliteStore
    from tests.signing import with_keys

    # The same contacts as the incident was declared with (every person's key listed).
    workspace = with_keys(
        load_workspace([ROOT / "playbooks", ROOT / "contacts"]),
        {name: Path(key) for name, key in keys.items()},
    )
    engine = Engine(SqliteStore(db), workspace, operator=person)
    engine.signer = Signer(Path(keys[person]), interactive=False)
    engine.incident(incident_id)
    barrier.wait()
    engine.approve(incident_id)
    return person


def test_two_processes_approving_the_same_version_at_once_are_both_recorded(
    engine_as, db_path: Path, keyring
):
    engine, incident_id = _ready_to_submit(engine_as)
    engine.submit(incident_id)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(2)
    with ctx.Pool(2) as pool:
        results = [
            pool.apply_async(
                _approve_in_process,
                (
                    str(db_path),
                    incident_id,
                    person,
                    {k: str(v) for k, v in keyring.items()},
                    barrier,
                ),
            )
            for person in ("amara", "marcus")
        ]
        assert sorted(r.get(timeout=120) for r in results) == ["amara", "marcus"]
    approvals = [e for e in engine.timeline(incident_id) if isinstance(e, ev.DraftApproved)]
    assert sorted(a.actor for a in approvals) == ["amara", "marcus"]
    assert len({a.content_hash for a in approvals}) == 1


def test_lint_on_the_command_line_exits_1_when_blocking(run_cli):
    incident_id = run_cli(
        "declare", "account-compromised", "--title", "Hacked", operator="tom", check=True
    ).stdout.strip()
    answers = [f"--answer={q}={o}" for q, o in SEV1_ACCOUNT.items()]
    run_cli("assess", incident_id, *answers, operator="tom", check=True)
    run_cli("draft", incident_id, operator="tom", check=True)
    assert run_cli("lint", incident_id, operator="tom").returncode == 0
    edited = run_cli(
        "draft", incident_id, "--edit", "-", operator="tom", stdin="--- x\nNo comment.\n"
    )
    assert edited.returncode == 0, edited.stderr
    result = run_cli("lint", incident_id, operator="tom")
    assert result.returncode == 1
    assert "BLOCK no-comment x:0-10 'No comment'" in result.stdout


def test_dates_in_a_statement_follow_its_language(workspace):
    from datetime import UTC, datetime

    from runbook.model.incident import Incident
    from runbook.model.messages import template_values

    incident = Incident("INC-7KQ4PX")
    incident.playbook = workspace.playbook("product-recall")
    incident.opened_at = datetime(2026, 3, 1, 14, 5, tzinfo=UTC)
    assert template_values(incident, "fr")["declared_date"] == "1er mars 2026"
    assert template_values(incident, "fr")["declared_at"] == "1er mars 2026 à 14:05 UTC"
    assert template_values(incident, "en")["declared_date"] == "1 March 2026"
    assert template_values(incident)["declared_date"] == "1 March 2026"
    incident.playbook = incident.playbook.model_copy(update={"language": "fr"})
    assert template_values(incident)["declared_date"] == "1er mars 2026"
