"""Command-line interface: ``aligner --help``."""

from __future__ import annotations

import importlib

import typer

from aligner.cli.app import app

# Each module registers its commands on ``app`` when imported.
for _module in ("core", "qa", "export", "evaluate", "report"):
    try:
        importlib.import_module(f"aligner.cli.{_module}")
    except ModuleNotFoundError as _err:  # a command group not written yet
        if _err.name != f"aligner.cli.{_module}":
            raise


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
    except _usage_errors() as err:
        if err.format_message():  # (none when the help was shown for a bare ``aligner``)
            where = f" (see: {err.ctx.command_path} --help)" if getattr(err, "ctx", None) is not None else ""
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
