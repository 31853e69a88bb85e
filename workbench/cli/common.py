"""Shared CLI pieces: the --store option, settings, and one-line errors."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from workbench.errors import WorkbenchError
from workbench.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


JUDGE_HELP = (
    "Stance judge: nli (default, or settings), nli-permissive (no non-commercial training "
    "data), llm (with --llm), fake."
)


def settings() -> Settings:
    ctx = click.get_current_context()
    obj = ctx.find_root().ensure_object(dict)
    if "settings" not in obj:
        obj["settings"] = load_settings()
    return obj["settings"]  # type: ignore[no-any-return]


def store_path(store: Path | None) -> Path:
    """--store, else WORKBENCH_STORE / config, else ./store."""
    return store if store is not None else settings().store


store_option = click.option(
    "--store",
    type=click.Path(path_type=Path, file_okay=True, dir_okay=True),
    default=None,
    help="Store directory (default: $WORKBENCH_STORE or ./store).",
)

annotator_option = click.option(
    "--annotator",
    default=None,
    metavar="NAME",
    help="Who is deciding (default: $WORKBENCH_ANNOTATOR, the config's annotator, "
    "else your login name).",
)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Print a WorkbenchError as one line (no traceback) and exit non-zero."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WorkbenchError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("Interrupted; everything finished before the interrupt is saved", 130)

    return wrapper  # type: ignore[return-value]
