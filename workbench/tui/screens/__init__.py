"""Screens of the claim-triage TUI."""
