"""Widgets of the claim-triage TUI."""
