"""The severity questionnaire: size the crisis with the arrow keys, see the level as you answer.

Each question lists its options mildest first, then "Not known yet". Nothing is chosen for the
operator: a question is answered when its highlight is moved (arrows), a digit is pressed (``1``
to ``9``, ``u`` for not known) or enter is pressed on it; when reassessing, the current answers
are shown chosen. ``s`` sets the level; with questions still unanswered it first asks whether to
record them as "not known yet" (scored as the playbook says), so the timeline holds exactly the
answers given. The level is worked out live by :func:`runbook.model.severity.assess`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from runbook.i18n import N_, _, ngettext
from runbook.model.playbook import UNKNOWN, Playbook
from runbook.model.severity import assess
from runbook.tui.data import band
from runbook.tui.screens.modal import Modal
from runbook.tui.widgets.level_badge import badge


class AnswerList(OptionList):
    """One question's options: moving the highlight with the keys is answering (a highlight
    placed by the screen itself, or by Textual on start, never is)."""

    class Moved(Message):
        """The operator moved to another option."""

        def __init__(self, listing: AnswerList) -> None:
            super().__init__()
            self.listing = listing

    def action_cursor_up(self) -> None:
        super().action_cursor_up()
        self.post_message(self.Moved(self))

    def action_cursor_down(self) -> None:
        super().action_cursor_down()
        self.post_message(self.Moved(self))

    def action_first(self) -> None:
        super().action_first()
        self.post_message(self.Moved(self))

    def action_last(self) -> None:
        super().action_last()
        self.post_message(self.Moved(self))


class Questionnaire(Modal[dict[str, str]]):
    """Returns the answers (question id -> option id or ``unknown``), or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("cancel")),
        Binding("s", "send", N_("set the level")),
        Binding("u", "unknown", N_("not known"), show=False),
        *[Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)],
    ]

    def __init__(self, playbook: Playbook, answers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.playbook = playbook
        self.reassess = bool(answers)
        self.answers: dict[str, str] = dict(answers or {})
        """Answers given (or already recorded when reassessing); nothing else."""

    def _option_ids(self, question_id: str) -> list[str]:
        question = next(q for q in self.playbook.severity.questions if q.id == question_id)
        ids = [o.id for o in question.options]
        return ids if UNKNOWN in ids else [*ids, UNKNOWN]

    def compose(self) -> ComposeResult:
        """The live level over the questions."""
        verb = _("Change the level") if self.reassess else _("Size the crisis")
        with Vertical(classes="dialog wide", id="questionnaire"):
            yield Static(f"{verb} · {self.playbook.title}", classes="dialog-title", markup=False)
            yield Static(id="level")
            with VerticalScroll(id="questions"):
                questions = self.playbook.severity.questions
                for number, question in enumerate(questions, 1):
                    yield Static(
                        f"{number}/{len(questions)}  {question.text}",
                        classes="question",
                        markup=False,
                    )
                    if question.help:
                        yield Static(question.help, classes="question-help", markup=False)
                    options = [
                        Option(Text(f"{index}  {option.label}"), id=option.id)
                        for index, option in enumerate(question.options, 1)
                    ]
                    if all(o.id != UNKNOWN for o in question.options):
                        options.append(
                            Option(Text("u  " + _("Not known yet"), style="italic"), id=UNKNOWN)
                        )
                    yield AnswerList(*options, id=f"q-{question.id}", classes="answers")
            yield Static(
                _("↑↓ or 1-9 answer · u not known · enter next · s set the level · esc cancel"),
                classes="hint",
            )

    def on_mount(self) -> None:
        """Show the answers already recorded (reassessing); focus the first question."""
        for question in self.playbook.severity.questions:
            listing = self.query_one(f"#q-{question.id}", OptionList)
            chosen = self.answers.get(question.id)
            ids = self._option_ids(question.id)
            listing.highlighted = ids.index(chosen) if chosen in ids else None
        self.query(".answers").first(OptionList).focus()
        self.show_level()

    def unanswered(self) -> list[str]:
        """Question ids with no answer given yet."""
        return [q.id for q in self.playbook.severity.questions if q.id not in self.answers]

    def show_level(self) -> None:
        """Work out the level from the answers given (unanswered ones as not known yet)."""
        missing = self.unanswered()
        result = assess(self.playbook, {**dict.fromkeys(missing, UNKNOWN), **self.answers})
        level = self.playbook.level(result.level)
        text = Text(_("Level: "))
        text.append_text(badge(result.level, band(self.playbook, result.level), level.name))
        text.append(_("  score %(score)s", score=result.score) + "\n", style="dim")
        if missing:
            text.append(
                ngettext(
                    "%(n)s question(s) unanswered, counted as not known yet",
                    "%(n)s question(s) unanswered, counted as not known yet",
                    len(missing),
                )
                + "\n",
                style="bold",
            )
        text.append(level.description or "", style="italic")
        for reason in result.overrides:
            text.append("\n" + _("raised by a rule: %(reason)s", reason=reason), style="bold")
        self.query_one("#level", Static).update(text)

    def _lists(self) -> list[OptionList]:
        return list(self.query(".answers").results(OptionList))

    def _answer(self, listing: OptionList, option_id: str | None) -> None:
        question = (listing.id or "")[2:]
        if option_id and question in {q.id for q in self.playbook.severity.questions}:
            self.answers[question] = option_id
            self.show_level()

    def on_answer_list_moved(self, event: AnswerList.Moved) -> None:
        """The operator moved to an answer with the keys: that is their answer."""
        event.stop()
        listing = event.listing
        if listing.highlighted is not None:
            self._answer(listing, listing.get_option_at_index(listing.highlighted).id)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """A highlight alone (placed on start) is not an answer."""
        event.stop()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: this answer, then the next question (or send, on the last one)."""
        event.stop()
        self._answer(event.option_list, event.option.id)
        self._advance(event.option_list)

    def _advance(self, listing: OptionList) -> None:
        lists = self._lists()
        index = lists.index(listing)
        if index + 1 < len(lists):
            lists[index + 1].focus()
            lists[index + 1].scroll_visible()
        else:
            self.action_send()

    def action_pick(self, number: int) -> None:
        """A digit: choose that option of the question in focus and move on."""
        focused = self.focused
        if not isinstance(focused, OptionList):
            return
        ids = self._option_ids((focused.id or "")[2:])
        real = [i for i in ids if i != UNKNOWN] if UNKNOWN not in ids[:-1] else ids
        if number > len(real):
            return
        self._choose(focused, real[number - 1])

    def action_unknown(self) -> None:
        """``u``: the question in focus is not known yet."""
        focused = self.focused
        if isinstance(focused, OptionList):
            self._choose(focused, UNKNOWN)

    def _choose(self, listing: OptionList, option_id: str) -> None:
        ids = self._option_ids((listing.id or "")[2:])
        listing.highlighted = ids.index(option_id)
        self._answer(listing, option_id)
        self._advance(listing)

    def action_send(self) -> None:
        """Set the level; unanswered questions are recorded as not known only once the
        operator says so."""
        from runbook.tui.screens.confirm import ConfirmScreen

        missing = self.unanswered()
        if not missing:
            self.dismiss(dict(self.answers))
            return
        questions = {q.id: q.text for q in self.playbook.severity.questions}
        listed = "\n".join(f"· {questions[qid]}" for qid in missing)

        def decided(yes: bool | None) -> None:
            if yes:
                self.dismiss({**self.answers, **dict.fromkeys(missing, UNKNOWN)})

        self.app.push_screen(
            ConfirmScreen(
                ngettext(
                    "%(n)s question(s) not answered", "%(n)s question(s) not answered", len(missing)
                ),
                listed + "\n\n" + _("Record them as not known yet (scored as the playbook says)?"),
                yes=_("record as not known"),
                no=_("go back"),
            ),
            decided,
        )
