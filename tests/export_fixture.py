"""A deterministic incident for the export tests and golden files (plain helpers, no fixtures).

The incident is written as stored rows (hashed with ``runbook.store.chain``) from a script of
events stamped by a :class:`SimulatedClock`, with a fixed id, a pinned playbook and a contacts
directory defined here. It does not go through the Engine on purpose: the golden files must
change only when the export changes, not whenever the engine's effects, the shipped playbooks
or the delivery order of a concurrent fan-out change. (``test_export_engine`` drives the real
Engine.) Every event but the deliberately unknown ``SentimentSampled`` must validate against
the current event model; a test checks that.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from runbook.clock import SimulatedClock
from runbook.model.contacts import Contacts
from runbook.model.playbook import Playbook
from runbook.store.chain import canonical, row_hash

INCIDENT_ID = "INC-7KQ4PX"
START = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
GENERATED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TIMEZONE = "Europe/Paris"
SECRET = "s3cr3t-smtp-pa55word"
"""A secret value the tests put in the environment and in a note."""

CONTACTS = Contacts.model_validate(
    {
        "people": [
            {
                "id": "amara",
                "name": "Amara Okafor",
                "roles": ["comms_lead", "spokesperson"],
                "email": "amara.okafor@example.com",
                "chat": "@amara",
                "phone": "+44 7700 900123",
                "timezone": "Europe/London",
            },
            {
                "id": "elena",
                "name": "Elena Rossi",
                "roles": ["comms_lead"],
                "email": "elena.rossi@example.com",
                "phone": "+33 6 39 98 12 04",
            },
            {
                "id": "tom",
                "name": "Tom Fletcher",
                "roles": ["social_media_manager"],
                "email": "tom.fletcher@example.com",
                "chat": "@tom",
                "phone": "+44 7700 900245",
            },
            {
                "id": "chloe",
                "name": "Chloé Martin",
                "roles": ["social_media_manager"],
                "email": "chloe.martin@example.com",
                "phone": "+33 6 39 98 27 51",
            },
            {
                "id": "marcus",
                "name": "Marcus Bell",
                "roles": ["pr_director", "spokesperson"],
                "email": "marcus.bell@example.com",
                "phone": "+44 7700 900318",
            },
            {
                "id": "sophie",
                "name": "Sophie Laurent",
                "roles": ["legal"],
                "email": "sophie.laurent@example.com",
                "phone": "+33 1 99 00 45 12",
            },
            {
                "id": "priya",
                "name": "Priya Nair",
                "roles": ["security_lead"],
                "email": "priya.nair@example.com",
                "phone": "+44 7700 900476",
            },
        ],
        "rotations": [
            {
                "id": "comms-weekly",
                "role": "comms_on_call",
                "members": ["amara", "elena"],
                "start": "2026-01-05",
                "handoff": "09:00",
                "every": "7d",
                "timezone": "Europe/London",
            }
        ],
        "channels": {
            "email": {
                "kind": "smtp",
                "host": "smtp.example.com",
                "sender": "crisis@example.com",
                "password_env": "RUNBOOK_TEST_SMTP_PASSWORD",
            },
            "chat": {"kind": "webhook", "url_env": "RUNBOOK_TEST_CHAT_WEBHOOK_URL"},
        },
    }
)

PLAYBOOK = Playbook.model_validate(
    {
        "id": "brand-account-hacked",
        "title": "Brand social account compromised",
        "summary": "Someone outside the team posts from a brand account.",
        "version": 3,
        "severity": {
            "questions": [
                {
                    "id": "control",
                    "text": "Who controls the account?",
                    "options": [
                        {"id": "recovered", "label": "We do", "score": 0},
                        {"id": "partial", "label": "Both of us", "score": 4},
                        {"id": "attacker", "label": "The attacker", "score": 8},
                    ],
                },
                {
                    "id": "reach",
                    "text": "How far has it spread?",
                    "options": [
                        {"id": "low", "label": "Few saw it", "score": 0},
                        {"id": "viral", "label": "Trending", "score": 4},
                    ],
                },
            ],
            "levels": [
                {"id": "SEV3", "name": "Moderate", "min_score": 0},
                {"id": "SEV2", "name": "High", "min_score": 4},
                {"id": "SEV1", "name": "Critical", "min_score": 8},
            ],
            "overrides": [
                {
                    "when": {"control": "attacker"},
                    "level": "SEV1",
                    "reason": "The attacker still controls the account.",
                }
            ],
        },
        "pause": {"SEV1": "all", "SEV2": {"channels": ["x", "instagram"]}, "SEV3": "none"},
        "notify": [
            {
                "id": "security-and-social",
                "levels": ["SEV1", "SEV2", "SEV3"],
                "roles": ["security_lead", "social_media_manager"],
                "via": ["chat", "email"],
                "ack_within": "10m",
                "escalate_to": ["comms_on_call"],
            },
            {
                "id": "leadership",
                "levels": ["SEV1"],
                "roles": ["pr_director", "legal"],
                "via": ["chat", "email"],
            },
        ],
        "drafts": [
            {
                "id": "holding",
                "title": "Public holding statement",
                "audience": "public",
                "platforms": ["x", "linkedin"],
                "text": "Some posts from our account were not sent by us. We're securing it.",
            }
        ],
        "approval": {
            "SEV3": {"roles": ["comms_lead"]},
            "SEV2": {"roles": ["comms_lead", "security_lead"], "min_approvals": 2},
            "SEV1": {
                "roles": ["comms_lead", "security_lead", "pr_director", "legal"],
                "min_approvals": 4,
            },
        },
        "targets": {
            "acknowledge": "5m",
            "assess": "10m",
            "pause": "10m",
            "notify": "15m",
            "first_statement": "45m",
            "resolve": "12h",
        },
    }
)

V1 = {
    "x": "Some posts from our account were not sent by us. We're securing it.",
    "linkedin": "Some posts from our account were not sent by us. We're securing it.",
}
V2 = {
    "x": "Some posts from our X account were not sent by us. We're securing it now.",
    "linkedin": "Some posts from our X account were not sent by us. We're securing it now.",
}
V3 = {
    "x": "Posts from our X account since 13:40 were not sent by us. Please don't click links.",
    "linkedin": "Posts from our X account since 13:40 were not from us. Please don't click links.",
}
POSTS = {
    "p-101": {
        "id": "p-101",
        "channel": "x",
        "scheduled_at": "2026-11-21T14:30:00+00:00",
        "excerpt": "Black Friday starts now! 🎉",
    },
    "p-102": {
        "id": "p-102",
        "channel": "instagram",
        "scheduled_at": "2026-11-22T09:00:00+00:00",
        "excerpt": "New winter range, in stores Monday",
    },
    "p-103": {
        "id": "p-103",
        "channel": "x",
        "scheduled_at": "2026-11-21T18:00:00+00:00",
        "excerpt": '=HYPERLINK("http://evil.example") weekend sale',
    },
    "p-104": {
        "id": "p-104",
        "channel": "linkedin",
        "scheduled_at": "2026-11-21T16:00:00+00:00",
        "excerpt": "Meet our new head of design",
    },
}
NOTE = (
    "Spoke to Marcus Bell on +44 7700 900318; journalist jane.doe@news.example asked for "
    "comment, call back on 020 7946 0958. <b>Do not</b> | reply on X yet."
)


def _delivery(person: str, role: str, channel: str, ok: bool = True, error: str = "") -> dict:
    item: dict[str, Any] = {
        "person": person,
        "roles": [role],
        "rules": [],
        "channel": channel,
        "ok": ok,
        "via": "drill",
    }
    if error:
        item["error"] = error
    return item


def script() -> list[tuple[timedelta, str, str, str, str | None, dict[str, Any]]]:
    """(time after declaration, type, actor, state after, command id, data) of every event."""
    m = timedelta(minutes=1)
    pause = f"{INCIDENT_ID}-pause-4f1c2a9e7b"
    widen = f"{INCIDENT_ID}-pause-0c9d8e7f6a"
    notify = f"{INCIDENT_ID}-notify-9a8b7c6d5e"
    leaders = f"{INCIDENT_ID}-notify-1a2b3c4d5e"
    publish = f"{INCIDENT_ID}-publish-5e6f7a8b9c"
    resume = f"{INCIDENT_ID}-resume-6a7b8c9d0e"
    stand = f"{INCIDENT_ID}-stand_down-7b8c9d0e1f"
    sev2 = {"control": "partial", "reach": "low"}
    sev1 = {"control": "attacker", "reach": "viral"}
    h1, h2, h3 = "6a1f0c3b9d2e4f57", "b2c4e6f8a0b1c3d5", "9e8d7c6b5a4f3e2d"
    social = [("priya", "security_lead"), ("tom", "social_media_manager")]
    social.append(("chloe", "social_media_manager"))
    everyone = [*social, ("marcus", "pr_director"), ("sophie", "legal")]
    # fmt: off
    return [
        (0 * m, "IncidentDeclared", "amara", "declared", "cmd-declare", {
            "title": "X account posting crypto scams",
            "playbook_id": PLAYBOOK.id,
            "playbook_version": PLAYBOOK.version,
            "playbook": PLAYBOOK.model_dump(mode="json"),
            "policy": None,
            "drill": False,
        }),
        (3 * m, "SeverityAssessed", "amara", "assessed", "cmd-assess", {
            "answers": sev2, "score": 4, "level": "SEV2", "previous_level": None,
            "overrides": [],
        }),
        (4 * m, "EffectRequested", "amara", "paused", "cmd-pause", {
            "effect_id": pause, "kind": "pause", "attempt": 1,
            "payload": {"scope": {"scope": "channels", "channels": ["x", "instagram"]}},
        }),
        (4 * m, "PostsPaused", "runbook", "paused", f"result:{pause}:1", {
            "effect_id": pause, "scope": "x, instagram", "note": "",
            "posts": [POSTS["p-101"], POSTS["p-102"]],
            "failures": [{"id": "p-103", "error": "scheduler rate limit"}],
        }),
        (6 * m, "EffectRequested", "amara", "paused", "cmd-retry", {
            "effect_id": pause, "kind": "pause", "attempt": 2,
            "payload": {"scope": {"scope": "channels", "channels": ["x", "instagram"]}},
        }),
        (6 * m, "PostsPaused", "runbook", "paused", f"result:{pause}:2", {
            "effect_id": pause, "scope": "x, instagram", "note": "",
            "posts": [POSTS["p-103"]], "failures": [],
        }),
        (7 * m, "EffectRequested", "amara", "notified", "cmd-notify", {
            "effect_id": notify, "kind": "notify", "attempt": 1,
            "payload": {
                "rules": ["security-and-social"],
                "recipients": [
                    {"person": p, "roles": [r], "rules": ["security-and-social"],
                     "channels": ["chat", "email"]}
                    for p, r in social
                ],
            },
        }),
        (7 * m, "NotificationsSent", "runbook", "notified", f"result:{notify}:1", {
            "effect_id": notify, "rule_id": "security-and-social",
            "deliveries": [
                _delivery(p, r, c, ok=(p, c) != ("chloe", "email"),
                          error="mailbox full" if (p, c) == ("chloe", "email") else "")
                for p, r in social
                for c in ("chat", "email")
            ],
        }),
        (9 * m, "Acknowledged", "tom", "notified", "cmd-ack", {
            "person": "tom", "rules": ["security-and-social"],
        }),
        (10 * m, "NoteAdded", "amara", "notified", "cmd-note", {"text": NOTE}),
        (12 * m, "SeverityAssessed", "amara", "notified", "cmd-reassess", {
            "answers": sev1, "score": 12, "level": "SEV1", "previous_level": "SEV2",
            "overrides": ["The attacker still controls the account."],
        }),
        (12 * m, "EffectRequested", "amara", "notified", "cmd-reassess", {
            "effect_id": widen, "kind": "pause", "attempt": 1,
            "payload": {"scope": {"scope": "all", "channels": []}},
        }),
        (12 * m, "EffectRequested", "amara", "notified", "cmd-reassess", {
            "effect_id": leaders, "kind": "notify", "attempt": 1,
            "payload": {
                "rules": ["leadership"],
                "recipients": [
                    {"person": "marcus", "roles": ["pr_director"], "rules": ["leadership"],
                     "channels": ["chat", "email"]},
                    {"person": "sophie", "roles": ["legal"], "rules": ["leadership"],
                     "channels": ["chat", "email"]},
                ],
            },
        }),
        (12 * m, "PostsPaused", "runbook", "notified", f"result:{widen}:1", {
            "effect_id": widen, "scope": "all", "note": "",
            "posts": [POSTS["p-104"]], "failures": [],
        }),
        (12 * m, "NotificationsSent", "runbook", "notified", f"result:{leaders}:1", {
            "effect_id": leaders, "rule_id": "leadership",
            "deliveries": [
                _delivery(p, r, c) for p, r in everyone[3:] for c in ("chat", "email")
            ],
        }),
        (15 * m, "DraftStarted", "tom", "drafting", "cmd-draft", {
            "draft_id": "D1", "template_id": "holding", "title": "Public holding statement",
            "audience": "public", "variants": V1, "content_hash": h1, "version": 1,
        }),
        (18 * m, "DraftEdited", "tom", "drafting", "cmd-edit-2", {
            "draft_id": "D1", "variants": V2, "content_hash": h2, "version": 2,
        }),
        (19 * m, "ChecklistItemChecked", "tom", "drafting", "cmd-check", {
            "item_id": "screenshot-evidence", "stage": "assess",
            "text": "Screenshot every unwanted post, DM and settings change.",
        }),
        (20 * m, "DraftSubmitted", "tom", "in_review", "cmd-submit-2", {
            "draft_id": "D1", "version": 2, "content_hash": h2,
        }),
        (22 * m, "DraftRejected", "marcus", "drafting", "cmd-reject", {
            "draft_id": "D1", "version": 2,
            "comment": 'Too defensive: say since when | and use "we", not "the company".',
        }),
        (25 * m, "DraftEdited", "tom", "drafting", "cmd-edit-3", {
            "draft_id": "D1", "variants": V3, "content_hash": h3, "version": 3,
        }),
        (26 * m, "LintOverridden", "sophie", "drafting", "cmd-override", {
            "draft_id": "D1", "version": 3, "content_hash": h3, "rule_id": "speculation",
            "variant": "x",
            "reason": "The time is confirmed by security; it is not speculation.",
        }),
        (27 * m, "DraftSubmitted", "tom", "in_review", "cmd-submit-3", {
            "draft_id": "D1", "version": 3, "content_hash": h3,
        }),
        (28 * m, "ActionRefused", "tom", "in_review", None, {
            "action": "approve",
            "reason": "tom wrote draft D1; the author may not approve it (four-eyes rule)",
        }),
        (30 * m, "DraftApproved", "amara", "in_review", "cmd-approve-1", {
            "draft_id": "D1", "version": 3, "content_hash": h3, "roles": ["comms_lead"],
        }),
        (33 * m, "DraftApproved", "priya", "in_review", "cmd-approve-2", {
            "draft_id": "D1", "version": 3, "content_hash": h3, "roles": ["security_lead"],
        }),
        (36 * m, "DraftApproved", "marcus", "in_review", "cmd-approve-3", {
            "draft_id": "D1", "version": 3, "content_hash": h3, "roles": ["pr_director"],
        }),
        (41 * m, "DraftApproved", "sophie", "approved", "cmd-approve-4", {
            "draft_id": "D1", "version": 3, "content_hash": h3, "roles": ["legal"],
        }),
        (43 * m, "EffectRequested", "amara", "approved", "cmd-publish", {
            "effect_id": publish, "kind": "publish", "attempt": 1,
            "payload": {"draft_id": "D1", "version": 3, "content_hash": h3,
                        "audience": "public", "variants": V3},
        }),
        (43 * m, "StatementPublished", "runbook", "approved", f"result:{publish}:1", {
            "effect_id": publish, "draft_id": "D1", "version": 3, "content_hash": h3,
            "platforms": ["x", "linkedin"], "failures": [],
        }),
        (50 * m, "SentimentSampled", "runbook", "approved", None, {
            "negative_share": 0.62, "source": "listening-tool", "note": "Mentions falling",
        }),
        (130 * m, "EffectRequested", "amara", "resolved", "cmd-resolve", {
            "effect_id": resume, "kind": "resume", "attempt": 1,
            "payload": {"posts": [POSTS[p] for p in ("p-102", "p-103", "p-104")],
                        "kept": ["p-101"]},
        }),
        (130 * m, "EffectRequested", "amara", "resolved", "cmd-resolve", {
            "effect_id": stand, "kind": "stand_down", "attempt": 1,
            "payload": {"summary": "Account recovered.", "recipients": [
                {"person": p, "roles": [r], "rules": [], "channels": ["chat"]}
                for p, r in everyone
            ]},
        }),
        (130 * m, "IncidentResolved", "amara", "resolved", "cmd-resolve", {
            "summary": "Account recovered at 15:55; scam posts removed; holding statement "
            "published. Questions to amara.okafor@example.com.",
        }),
        (130 * m, "PostsResumed", "runbook", "resolved", f"result:{resume}:1", {
            "effect_id": resume, "posts": [POSTS[p] for p in ("p-102", "p-103", "p-104")],
            "failures": [], "kept": ["p-101"],
        }),
        (130 * m, "NotificationsSent", "runbook", "resolved", f"result:{stand}:1", {
            "effect_id": stand, "rule_id": "stand-down",
            "deliveries": [_delivery(p, r, "chat") for p, r in everyone],
        }),
        (24 * 60 * m, "IncidentClosed", "amara", "closed", "cmd-close", {
            "review": "Review held with security; MFA enforced on every brand account.",
        }),
    ]
    # fmt: on


def _proof(type_: str, actor: str) -> dict[str, str]:
    """How each scripted event's actor is proven: approvals through approval links, runbook's
    own steps as system, everything else by the actor's login."""
    if actor == "runbook":
        return {"method": "system", "account": "comms-desk", "behind": "amara"}
    if type_ == "DraftApproved":
        return {
            "method": "link",
            "account": "runbook-serve",
            "link": f"lnk-{actor}",
            "receipt": "0" * 40,
        }
    return {"method": "login", "account": actor}


def rows(
    *, drill: bool = False, incident_id: str = INCIDENT_ID, language: str = "en"
) -> list[dict[str, Any]]:
    """The incident's stored rows, hashed and chained as the store writes them; ``language``
    is the pinned playbook's (``fr``: a French team's incident)."""
    clock = SimulatedClock(START)
    result = []
    prev = ""
    for seq, (offset, type_, actor, state, command_id, data) in enumerate(script(), start=1):
        clock.set(START + offset)
        if type_ == "IncidentDeclared":
            data = {**data, "drill": drill}
            if language != "en":
                data["playbook"] = {**data["playbook"], "language": language}
        data = {**data, "proof": data.get("proof") or _proof(type_, actor)}
        text = canonical(data).replace(INCIDENT_ID, incident_id)
        row = {
            "incident_id": incident_id,
            "seq": seq,
            "type": type_,
            "at": clock.now().isoformat(),
            "actor": actor,
            "state": state,
            "command_id": command_id.replace(INCIDENT_ID, incident_id) if command_id else None,
            "data": text,
            "prev_hash": prev,
        }
        row["hash"] = row_hash(row, prev)
        prev = row["hash"]
        result.append(row)
    return result
