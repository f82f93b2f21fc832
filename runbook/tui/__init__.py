"""The terminal UI: run an incident from the keyboard, under stress.

Screens live in :mod:`runbook.tui.screens`, widgets in :mod:`runbook.tui.widgets`, styles in
``app.tcss``. Nothing here decides what is allowed: every action calls the engine, and what the
screens offer comes from the lifecycle (:mod:`runbook.model.lifecycle`). Only
:mod:`runbook.cli.app` imports this package, lazily, so the core never loads Textual.
"""
