"""Tabletop drills on the real engine: scenarios, injects, a simulated clock and scoring.

A drill runs the same playbooks and the same :class:`~runbook.engine.Engine` as a real
incident, on an incident declared with ``drill=True`` (marked ``[DRILL]`` on the board, in
exports and in every notification) whose effects go to an in-memory drill sink.

* :mod:`.scenario`: the scenario spec (``playbooks/drills/*.yaml``): playbook, cast, injects,
  simulated calendar, expectations with target times; JSON Schema published as
  ``schemas/scenario.schema.json``.
* :mod:`.files`: :func:`~runbook.drill.files.load_scenario` and
  :func:`~runbook.drill.files.load_responses`, read through :mod:`runbook.loading` and
  cross-checked against the workspace (problems as ``file:line:col: field: message``).
* :mod:`.cast`: the drill's contacts directory, where cast people hold the cast roles.
* :mod:`.session`: :class:`~runbook.drill.session.DrillSession`, the facilitator's API
  (clock controls, inject feed, live expectation status) for the TUI and for scripts.
* :mod:`.scoring`: pure scoring of expectations and decisions from the incident's events.
* :mod:`.responses` and :mod:`.runner`: scripted participants for headless drills.
* :mod:`.report` and :mod:`.render`: the score report in Markdown, HTML and JSON.

Nothing here imports Textual.
"""
