"""Sizing a crisis: answers to the playbook's questions -> score -> level.

The level is the most severe level whose ``min_score`` the score reaches, lifted by any
override whose answers match (e.g. "anyone's safety at risk" => SEV1). Overrides only lift.
An answer of ``unknown`` scores as the question says (by default as its most severe option).
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook.errors import ActionRefused
from runbook.i18n import _
from runbook.model.playbook import UNKNOWN, Playbook


@dataclass(frozen=True)
class Assessment:
    """The outcome of a severity questionnaire."""

    answers: dict[str, str]
    score: int
    level: str
    overrides: list[str]


def check_answers(playbook: Playbook, answers: dict[str, str], *, partial: bool = False) -> None:
    """Refuse unknown questions or options, and (unless ``partial``) unanswered questions.

    Every question needs an answer the operator gave: an option, or ``unknown`` when they do
    not know yet (never a default nobody chose)."""
    questions = {q.id: q for q in playbook.severity.questions}
    for qid, oid in answers.items():
        question = questions.get(qid)
        if question is None:
            raise ActionRefused(
                _(
                    "no question %(qid)s; questions: %(items)s",
                    qid=repr(qid),
                    items=", ".join(questions),
                )
            )
        options = [o.id for o in question.options]
        if oid not in options and oid != UNKNOWN:
            raise ActionRefused(
                _(
                    "%(qid)s: no option %(oid)s; options: %(items)s (or %(unknown)s)",
                    qid=qid,
                    oid=repr(oid),
                    items=", ".join(options),
                    unknown=UNKNOWN,
                )
            )
    if not partial:
        missing = [qid for qid in questions if qid not in answers]
        if missing:
            raise ActionRefused(
                _(
                    "unanswered question(s): %(items)s; answer each, or say "
                    "%(first)s=%(unknown)s when it is not known yet",
                    items=", ".join(missing),
                    first=missing[0],
                    unknown=UNKNOWN,
                )
            )


def assess(playbook: Playbook, answers: dict[str, str]) -> Assessment:
    """Score complete answers and find the level (see module docstring)."""
    check_answers(playbook, answers)
    scores = {q.id: {o.id: o.score for o in q.options} for q in playbook.severity.questions}
    for question in playbook.severity.questions:
        scores[question.id].setdefault(UNKNOWN, question.unknown_score())
    score = sum(scores[qid][oid] for qid, oid in answers.items())
    levels = playbook.severity.levels
    rank = max(i for i, level in enumerate(levels) if score >= level.min_score)
    reasons = []
    for override in playbook.severity.overrides:
        if all(
            answers.get(qid) in ([wanted] if isinstance(wanted, str) else wanted)
            for qid, wanted in override.when.items()
        ):
            reasons.append(override.reason)
            rank = max(rank, playbook.level_rank(override.level))
    ordered = {q.id: answers[q.id] for q in playbook.severity.questions}
    return Assessment(answers=ordered, score=score, level=levels[rank].id, overrides=reasons)
