"""CLI commands (filled in by the owner of this area)."""

import click

commands: list[click.Command] = []
