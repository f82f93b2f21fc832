"""runbook: a crisis response runbook engine for communications teams.

The package is layered (see README "Architecture"): ``model`` is pure domain, ``loading``
turns YAML into models, ``store`` keeps the event log, ``effects`` talks to the outside
world, ``engine`` is where commands happen, and ``tui``/``cli`` are thin front ends.
"""

__version__ = "0.1.0"
