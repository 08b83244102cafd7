"""The typer app and the one rule every command follows.

Commands are thin: they parse options, call the Python API, and print. Any
``AlignerError`` raised below becomes exactly one line on stderr,
``error: <message>``, and exit code 2 (1 for findings such as QA errors where a
command says so). Commands are registered from the modules of this package:
``core`` (ingest, detect, segment, align, corpus), ``qa``, ``export``, ``evaluate``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from aligner.cli.help import Command, Group
from aligner.errors import AlignerError

CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="aligner",
    help="Align translations sentence by sentence, flag what differs, export corpora and review workbooks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=Group,
    context_settings=CONTEXT,
)


def _version(value: bool) -> None:
    if value:
        from aligner.version import VERSION

        typer.echo(f"aligner {VERSION}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Align translations sentence by sentence, flag what differs, export corpora and review workbooks."""


def subcommands(name: str, help: str) -> typer.Typer:
    """A command group under ``aligner`` (``aligner review apply``), with the same help pages."""
    group = typer.Typer(name=name, help=help, no_args_is_help=True, add_completion=False,
                        pretty_exceptions_enable=False, cls=Group, context_settings=CONTEXT)
    app.add_typer(group, name=name)
    return group

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one error line and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def command(name: str | None = None, *, group: typer.Typer | None = None, **kwargs: Any) -> Callable[[F], F]:
    """``app.command`` that turns AlignerError (and Ctrl-C) into one line and a non-zero exit.

    ``group`` registers on a sub-app (``aligner review apply``) instead of the top level.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                return fn(*args, **kw)
            except AlignerError as err:
                raise fail(str(err), err.exit_code) from None
            except KeyboardInterrupt:
                raise fail("interrupted", 130) from None
            except BrokenPipeError:
                sys.stderr.close()
                raise typer.Exit(0) from None

        (group or app).command(name, cls=Command, **kwargs)(wrapper)
        return fn

    return decorate
