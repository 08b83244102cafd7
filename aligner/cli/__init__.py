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
    app()


__all__ = ["app", "main"]
