"""Command-line interface: ``aligner --help``."""

from __future__ import annotations

from typing import Any, Protocol, cast

import typer

# Each command module registers its commands on ``app`` when imported.
from aligner.cli import core, evaluate, export, qa, report  # noqa: F401
from aligner.cli.app import app


class UsageError(Protocol):
    """What click's ClickException offers (and the copy of it that newer typer versions vendor)."""

    exit_code: int
    ctx: Any

    def format_message(self) -> str: ...


def main() -> None:
    """The ``aligner`` command.

    The process is ours, so NLTK may skip its optional heavy imports. A bad option or
    argument (``--max-merge 99``, a missing file name) gets one ``error:`` line and exit
    code 2 like every other error, instead of click's usage block.
    """
    import sys

    from aligner.sentences import lean_nltk_import

    lean_nltk_import()
    try:
        code = app(standalone_mode=False)
    except _usage_errors() as caught:
        err = cast(UsageError, caught)
        if err.format_message():  # (none when the help was shown for a bare ``aligner``)
            ctx = getattr(err, "ctx", None)
            where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
            print(f"error: {err.format_message()}{where}", file=sys.stderr)
        sys.exit(err.exit_code)
    except _aborts():
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _usage_errors() -> tuple[type[Exception], ...]:
    """click's ClickException, from click itself (when installed) and from the copy newer typer versions vendor."""
    found: list[type[Exception]] = []
    try:
        import click

        found.append(click.ClickException)
    except ImportError:
        pass
    vendored = getattr(getattr(getattr(typer, "_click", None), "exceptions", None), "ClickException", None)
    if vendored is not None:
        found.append(vendored)
    return tuple(found)


def _aborts() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [typer.Abort]
    try:
        import click

        found.append(click.exceptions.Abort)
    except ImportError:
        pass
    return tuple(found)


__all__ = ["app", "main"]
