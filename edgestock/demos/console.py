"""What the demos print: progress lines on standard output, problems on standard error."""

from __future__ import annotations

import typer


def say(message: str) -> None:
    """A progress line, ``demo: ...``."""
    typer.secho(f"demo: {message}", fg=typer.colors.CYAN)


def warn(message: str) -> None:
    """A problem the person running the demo must see (standard error)."""
    typer.secho(f"demo: {message}", fg=typer.colors.RED, err=True)
