"""Widgets of the terminal UI: each shows one part of an incident, handed down by a screen."""
