"""Pure domain model: specs (playbook, policy, contacts), events, incident state, lifecycle.

Nothing in this package performs I/O or imports a UI toolkit; it can be used from the engine,
the CLI, the TUI and tests alike.
"""
