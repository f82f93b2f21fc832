"""The visual timeline of the HTML export, as geometry for an inline SVG.

Lifecycle states are drawn as bands, events as marks in one lane per category (events that fall
on the same pixel are merged into one mark with a count, so 100,000 events stay a small
drawing), each stage's target as a vertical line (green when met, red when missed) and each
stage's completion as a dot. Pure: the template turns these numbers into SVG elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runbook.describe import CATEGORIES
from runbook.describe.details import semicolon
from runbook.export.model import Report
from runbook.export.times import duration
from runbook.export.words import CATEGORIES as CATEGORY_WORDS
from runbook.export.words import STAGES, STATES, word
from runbook.i18n import _

WIDTH = 1000
LEFT = 120
RIGHT = 20
PLOT = WIDTH - LEFT - RIGHT
BAND_Y = 28
BAND_H = 26
REACHED_Y = BAND_Y + BAND_H + 18
LANE_Y = REACHED_Y + 22
LANE_H = 20

STATE_COLOURS = {
    "declared": "#9aa5b1",
    "assessed": "#f0b429",
    "paused": "#e67e22",
    "notified": "#3d9be9",
    "drafting": "#8e6bd8",
    "in_review": "#c45dd8",
    "approved": "#2fb380",
    "resolved": "#5c7080",
    "closed": "#3e4c59",
}
CATEGORY_COLOURS = {
    "lifecycle": "#3e4c59",
    "effect": "#3d9be9",
    "people": "#2fb380",
    "draft": "#8e6bd8",
    "note": "#7b8794",
    "refusal": "#d64545",
    "other": "#f0b429",
}
_STEPS = [60 * m for m in (1, 2, 5, 10, 15, 30)] + [3600 * h for h in (1, 2, 3, 6, 12, 24, 48)]


@dataclass
class Chart:
    """One drawing: a time window of the incident."""

    title: str
    span: int
    """Seconds from the declaration covered by the drawing."""
    height: int
    bands: list[dict[str, object]] = field(default_factory=list)
    marks: list[dict[str, object]] = field(default_factory=list)
    lanes: list[dict[str, object]] = field(default_factory=list)
    targets: list[dict[str, object]] = field(default_factory=list)
    reached: list[dict[str, object]] = field(default_factory=list)
    ticks: list[dict[str, object]] = field(default_factory=list)
    off_chart: list[str] = field(default_factory=list)
    """Targets beyond the drawn window, in words."""


def charts(report: Report) -> list[Chart]:
    """The whole incident; plus its first hour when the incident ran much longer.

    The window reaches the last event, and the targets that fall not far beyond it (so a
    fast incident still shows how it compared), never less than a minute.
    """
    end = max((e.t_plus_seconds for e in report.timeline), default=0)
    reach = max(end * 3 // 2, 3600)
    targets = [
        m.target_seconds
        for m in report.stages
        if m.target_seconds is not None and m.target_seconds <= reach
    ]
    span = max([end, 60, *targets])
    span += max(span // 40, 1)  # a little room after the last mark
    result = [chart(report, _("Whole incident"), span)]
    if end > 3 * 3600:
        result.append(chart(report, _("First hour"), 3600))
    return result


def _x(seconds: float, span: int) -> float:
    return round(LEFT + PLOT * min(max(seconds, 0), span) / span, 1)


def chart(report: Report, title: str, span: int) -> Chart:
    """The drawing of the first ``span`` seconds of the incident."""
    lanes = [c for c in CATEGORIES if any(e.category == c for e in report.timeline)]
    height = LANE_Y + LANE_H * len(lanes) + 30
    result = Chart(title=title, span=span, height=height)
    # Bands: the state after each event holds until the next change.
    changes: list[tuple[int, str]] = []
    for entry in report.timeline:
        if not changes or changes[-1][1] != entry.state:
            changes.append((entry.t_plus_seconds, entry.state))
    for index, (start, state) in enumerate(changes):
        stop = changes[index + 1][0] if index + 1 < len(changes) else span
        if start >= span:
            break
        x1, x2 = _x(start, span), _x(stop, span)
        result.bands.append(
            {
                "x": x1,
                "w": max(round(x2 - x1, 1), 1.0),
                "colour": STATE_COLOURS.get(state, "#bcccdc"),
                "state": state,
                "label": word(STATES, state) if x2 - x1 > 60 else "",
                "title": _(
                    "%(state)s from T+%(offset)s",
                    state=word(STATES, state),
                    offset=duration(start),
                ),
            }
        )
    # Marks: one per lane and pixel, with a count.
    buckets: dict[tuple[str, int], list[str]] = {}
    for entry in report.timeline:
        if entry.t_plus_seconds > span:
            continue
        key = (entry.category, int(_x(entry.t_plus_seconds, span)))
        names = buckets.setdefault(key, [])
        if len(names) < 3:
            names.append(f"#{entry.seq} {entry.t_plus} {entry.event}")
        else:
            names.append("")
    for index, lane in enumerate(lanes):
        result.lanes.append({"y": LANE_Y + LANE_H * index, "label": word(CATEGORY_WORDS, lane)})
    lane_y = {lane: LANE_Y + LANE_H * index for index, lane in enumerate(lanes)}
    for (category, x), names in buckets.items():
        shown = [n for n in names if n]
        more = len(names) - len(shown)
        result.marks.append(
            {
                "x": x - 1,
                "y": lane_y[category] + 3,
                "h": LANE_H - 6,
                "colour": CATEGORY_COLOURS.get(category, "#f0b429"),
                "title": _("%(shown)s and %(more)s more", shown=semicolon().join(shown), more=more)
                if more
                else semicolon().join(shown),
            }
        )
    # Targets and stage completions.
    for metric in report.stages:
        if metric.target_seconds is not None:
            colour = {"met": "#2fb380", "missed": "#d64545"}.get(metric.status, "#7b8794")
            stage = word(STAGES, metric.stage)
            text = f"{stage} {metric.target}"
            if metric.target_seconds <= span:
                result.targets.append(
                    {
                        "x": _x(metric.target_seconds, span),
                        "colour": colour,
                        "label": text,
                        "title": _(
                            "%(measure)s: target %(target)s (%(verdict)s)",
                            measure=metric.label,
                            target=metric.target,
                            verdict=metric.verdict,
                        ),
                    }
                )
            else:
                result.off_chart.append(
                    _("%(stage)s target %(target)s", stage=stage, target=metric.target)
                )
        if metric.elapsed_seconds is not None and metric.elapsed_seconds <= span:
            result.reached.append(
                {
                    "x": _x(metric.elapsed_seconds, span),
                    "label": word(STAGES, metric.stage),
                    "title": _(
                        "%(measure)s: %(took)s (%(verdict)s)",
                        measure=metric.label,
                        took=metric.elapsed,
                        verdict=metric.verdict,
                    ),
                }
            )
    _place(result.targets, [10, 19])
    _place(result.reached, [REACHED_Y + 4, REACHED_Y + 15], offset=6)
    step = next((s for s in _STEPS if span / s <= 10), _STEPS[-1])
    for tick in range(0, span + 1, step):
        result.ticks.append({"x": _x(tick, span), "label": f"T+{duration(tick)}"})
    return result


def _place(items: list[dict[str, object]], rows: list[int], offset: int = 3) -> None:
    """Give each label the first row where it does not overlap the previous one; a label
    with no room is dropped (its mark keeps a tooltip)."""
    ends = [float("-inf")] * len(rows)
    for item in sorted(items, key=lambda i: float(str(i["x"]))):
        start = float(str(item["x"])) + offset
        width = 5.6 * len(str(item["label"]))
        for index, row in enumerate(rows):
            if start >= ends[index]:
                item["label_y"] = row
                ends[index] = start + width + 4
                break
        else:
            item["label_y"] = rows[0]
            item["label"] = ""
