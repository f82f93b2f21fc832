"""Scripted participant actions for a headless drill (``runbook drill --responses FILE``).

A responses file plays the team: each entry says when (``at: T+4m``), who (``as: tom``, a
person id in contacts) and what (``do:`` one of the engine's commands) with its ``args``::

    scenario: account-compromised-scam
    responses:
      - {at: T+2m, as: tom, do: assess, args: {answers: {control: partial, content: spam}}}
      - {at: T+3m, as: tom, do: pause}
      - {at: T+4m, as: amara, do: notify}

A bare list of entries is accepted too. Entries run in time order (file order on ties); an
action the engine refuses is recorded in the report, and the drill goes on.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from runbook.drill.scenario import Offset
from runbook.model.base import Id, Spec

ACTIONS = (
    "assess",
    "pause",
    "notify",
    "ack",
    "draft",
    "edit",
    "submit",
    "approve",
    "reject",
    "publish",
    "check",
    "note",
    "resolve",
    "close",
)
"""What a scripted participant can do."""


class NoArgs(Spec):
    """The action takes no arguments."""


class AssessArgs(Spec):
    """Answers to the playbook's severity questions (merged over earlier ones on reassess)."""

    answers: dict[Id, Id] = Field(min_length=1)
    """Question id -> option id."""


class DraftArgs(Spec):
    """Which template to start a draft from."""

    template: Id | None = None
    """A template id of the playbook (default: the first without a draft)."""


class DraftRef(Spec):
    """Which draft the action is about."""

    draft: Id | None = None
    """``D1``, ``D2``... (needed only when several drafts apply)."""


class EditArgs(DraftRef):
    """New text for some variants of a draft."""

    set: dict[str, str] = Field(min_length=1)
    """Variant (``x``, ``x:fr``) -> its new text."""


class RejectArgs(DraftRef):
    """Why the draft is rejected."""

    comment: str = Field(min_length=1)
    """The reviewer's comment."""


class PublishArgs(DraftRef):
    """Where the statement is published."""

    on: list[str] = []
    """Variants to publish through the drill's publisher (empty: every variant not posted by
    hand)."""
    by_hand: dict[str, str] = {}
    """Variants posted by hand, with the post's URL."""


class CheckArgs(Spec):
    """The checklist item to tick."""

    item: Id
    """A checklist item id of the playbook."""


class NoteArgs(Spec):
    """A note for the timeline."""

    text: str = Field(min_length=1)
    """The note."""


class ResolveArgs(Spec):
    """How the incident is stood down."""

    summary: str = Field(min_length=1)
    """What happened and how it ended."""
    resume: Literal["all", "none"] | None = None
    """Release all held posts, or none (needed when the incident holds posts)."""
    keep: list[Id] = []
    """Posts to keep held."""


class CloseArgs(Spec):
    """The outcome of the review."""

    review: str = ""
    """What the post-incident review concluded."""
    leave_open: bool = True
    """Close even with checklist items unticked (they are recorded, and the drill report
    counts them as missed)."""


class _Response(Spec):
    """When and who: every response has these."""

    at: Offset
    """When the participant acts, from the start of the drill (``T+4m``)."""
    actor: Id = Field(alias="as")
    """Who acts: a person id in contacts (``tom``)."""


class Assess(_Response):
    """Set or change the level."""

    do: Literal["assess"]
    """``assess``."""
    args: AssessArgs
    """The answers."""


class Pause(_Response):
    """Pause scheduled posts."""

    do: Literal["pause"]
    """``pause``."""
    args: NoArgs = NoArgs()
    """None."""


class Notify(_Response):
    """Notify the people the playbook names."""

    do: Literal["notify"]
    """``notify``."""
    args: NoArgs = NoArgs()
    """None."""


class Ack(_Response):
    """Acknowledge a notification."""

    do: Literal["ack"]
    """``ack``."""
    args: NoArgs = NoArgs()
    """None."""


class StartDraft(_Response):
    """Start a draft."""

    do: Literal["draft"]
    """``draft``."""
    args: DraftArgs = DraftArgs()
    """Which template."""


class Edit(_Response):
    """Edit a draft."""

    do: Literal["edit"]
    """``edit``."""
    args: EditArgs
    """Which draft and the new texts."""


class Submit(_Response):
    """Submit a draft for approval."""

    do: Literal["submit"]
    """``submit``."""
    args: DraftRef = DraftRef()
    """Which draft."""


class Approve(_Response):
    """Approve the draft under review."""

    do: Literal["approve"]
    """``approve``."""
    args: DraftRef = DraftRef()
    """Which draft."""


class Reject(_Response):
    """Reject the draft under review."""

    do: Literal["reject"]
    """``reject``."""
    args: RejectArgs
    """Which draft and why."""


class Publish(_Response):
    """Publish an approved statement (into the drill sink)."""

    do: Literal["publish"]
    """``publish``."""
    args: PublishArgs = PublishArgs()
    """Which draft."""


class Check(_Response):
    """Tick a checklist item."""

    do: Literal["check"]
    """``check``."""
    args: CheckArgs
    """Which item."""


class Note(_Response):
    """Add a note to the timeline."""

    do: Literal["note"]
    """``note``."""
    args: NoteArgs
    """The note."""


class Resolve(_Response):
    """Stand down."""

    do: Literal["resolve"]
    """``resolve``."""
    args: ResolveArgs
    """Summary and what to do with held posts."""


class Close(_Response):
    """Close after the review."""

    do: Literal["close"]
    """``close``."""
    args: CloseArgs = CloseArgs()
    """The review's outcome."""


Response = Annotated[
    Assess
    | Pause
    | Notify
    | Ack
    | StartDraft
    | Edit
    | Submit
    | Approve
    | Reject
    | Publish
    | Check
    | Note
    | Resolve
    | Close,
    Field(discriminator="do"),
]
"""One scripted action, by ``do``."""


class Responses(Spec):
    """A scripted team for a headless drill."""

    SIZES: ClassVar[dict[str, int]] = {"responses": 1_000}

    scenario: Id | None = None
    """The scenario these responses are written for (checked when given)."""
    title: str = ""
    """What this script shows (``expert: meets every target``)."""
    responses: list[Response] = Field(min_length=1)
    """The actions, each at a time from the start of the drill."""

    def ordered(self) -> list[Response]:
        """The responses in time order (file order on ties)."""
        return [r for _, r in sorted(enumerate(self.responses), key=lambda p: (p[1].at, p[0]))]
