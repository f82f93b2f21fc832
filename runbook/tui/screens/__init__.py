"""Screens of the terminal UI: the board, the incident, and the forms (modal screens)."""
