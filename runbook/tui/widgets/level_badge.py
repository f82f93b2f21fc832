"""Level badges and the colours of tones (good, warn, bad, muted) in dark and light themes.

A level is coloured by its band within its playbook (the most severe level is ``critical``,
then ``high``, ``moderate``, the rest ``low``): badges carry their own background so they read
the same on any theme; tones pick the theme's readable text colours.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from runbook.i18n import _

BAND_STYLES = {
    "critical": Style.parse("bold #ffffff on #b3261e"),
    "high": Style.parse("bold #000000 on #ff8c1a"),
    "moderate": Style.parse("bold #000000 on #f2c744"),
    "low": Style.parse("bold #ffffff on #2e7d4f"),
    "none": Style.parse("bold #ffffff on #6b6b6b"),
}


def badge(level: str | None, band: str = "none", name: str = "") -> Text:
    """`` SEV1 `` coloured by band (``new`` before the level is set); ``name`` is appended."""
    shown = level or _("new")
    text = Text(f" {shown} ", style=BAND_STYLES.get(band, BAND_STYLES["none"]))
    if name:
        text.append(f" {name}")
    return text


def tone_styles(app: Any) -> dict[str, Style]:
    """Rich styles for the tones ``good``, ``warn``, ``bad``, ``muted``, ``accent`` and ``""``
    in the app's current theme (the dark theme's light text variants, the light theme's dark
    ones, so both stay readable)."""
    variables = app.theme_variables
    dark = getattr(app.current_theme, "dark", True)

    def pick(dark_name: str, light_name: str) -> Style:
        value = variables.get(dark_name if dark else light_name)
        return Style(color=value) if value and value.startswith("#") else Style()

    return {
        "good": pick("text-success", "success-darken-3"),
        "warn": pick("text-warning", "warning-darken-3"),
        "bad": pick("text-error", "error-darken-2") + Style(bold=True),
        "accent": pick("text-primary", "primary-darken-2"),
        "muted": Style(dim=True),
        "": Style(),
    }


class LevelBadge(Static):
    """The incident's level as a coloured badge."""

    DEFAULT_CSS = """
    LevelBadge { width: auto; height: 1; }
    """

    def show(self, level: str | None, band: str, name: str = "") -> None:
        """Show ``level`` in ``band``'s colours, followed by its name."""
        self.update(badge(level, band, name))
