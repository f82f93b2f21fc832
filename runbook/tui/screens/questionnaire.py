"""The severity questionnaire: size the crisis with the arrow keys, see the level as you answer.

Each question lists its options mildest first; the highlighted option is the answer (the
current answer when reassessing). Up/down change it, enter (or a digit) moves to the next
question, ``s`` sets the level now, enter on the last question too. The level, score and any
override are worked out live by :func:`runbook.model.severity.assess` as answers change; the
engine records them when the form is sent.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from runbook.model.playbook import Playbook
from runbook.model.severity import assess
from runbook.tui.data import band
from runbook.tui.screens.modal import Modal
from runbook.tui.widgets.level_badge import badge


class Questionnaire(Modal[dict[str, str]]):
    """Returns the answers (question id -> option id), or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("s", "send", "set the level"),
        *[Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)],
    ]

    def __init__(self, playbook: Playbook, answers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.playbook = playbook
        self.reassess = bool(answers)
        self.answers = {
            q.id: (answers or {}).get(q.id, q.options[0].id) for q in playbook.severity.questions
        }

    def compose(self) -> ComposeResult:
        """The live level over the questions."""
        verb = "Change the level" if self.reassess else "Size the crisis"
        with Vertical(classes="dialog wide", id="questionnaire"):
            yield Static(f"{verb} · {self.playbook.title}", classes="dialog-title")
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
                    yield OptionList(*options, id=f"q-{question.id}", classes="answers")
            yield Static(
                "↑↓ answer · enter or 1-9 next question · s set the level · esc cancel",
                classes="hint",
            )

    def on_mount(self) -> None:
        """Highlight the current answers; focus the first question."""
        for question in self.playbook.severity.questions:
            listing = self.query_one(f"#q-{question.id}", OptionList)
            ids = [o.id for o in question.options]
            listing.highlighted = ids.index(self.answers[question.id])
        self.query(".answers").first(OptionList).focus()
        self.show_level()

    def show_level(self) -> None:
        """Work out the level from the answers as they stand."""
        result = assess(self.playbook, self.answers)
        level = self.playbook.level(result.level)
        text = Text("Level: ")
        text.append_text(badge(result.level, band(self.playbook, result.level), level.name))
        text.append(f"  score {result.score}\n", style="dim")
        text.append(level.description or "", style="italic")
        for reason in result.overrides:
            text.append(f"\nraised by a rule: {reason}", style="bold")
        self.query_one("#level", Static).update(text)

    def _lists(self) -> list[OptionList]:
        return list(self.query(".answers").results(OptionList))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """An answer changed: show the level it gives."""
        event.stop()
        question = (event.option_list.id or "")[2:]
        if question in self.answers and event.option.id:
            self.answers[question] = event.option.id
            self.show_level()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: next question (or send, on the last one)."""
        event.stop()
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
        if not isinstance(focused, OptionList) or number > focused.option_count:
            return
        focused.highlighted = number - 1
        option = focused.get_option_at_index(number - 1)
        question = (focused.id or "")[2:]
        if question in self.answers and option.id:
            self.answers[question] = option.id
            self.show_level()
        self._advance(focused)

    def action_send(self) -> None:
        """Set the level with the answers as they stand."""
        self.dismiss(dict(self.answers))
