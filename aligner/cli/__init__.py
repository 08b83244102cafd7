"""Command-line interface: ``aligner --help``."""

from __future__ import annotations

import importlib

from aligner.cli.app import app

# Each module registers its commands on ``app`` when imported.
for _module in ("core", "qa", "export", "evaluate"):
    try:
        importlib.import_module(f"aligner.cli.{_module}")
    except ModuleNotFoundError as _err:  # a command group not written yet
        if _err.name != f"aligner.cli.{_module}":
            raise


def main() -> None:
    """The ``aligner`` command: the process is ours, so NLTK may skip its optional heavy imports."""
    from aligner.sentences import lean_nltk_import

    lean_nltk_import()
    app()


__all__ = ["app", "main"]
