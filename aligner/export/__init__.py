"""Exports: one module per format (tsv, beads, bitext, moses, tmx, jsonl, xlsx, html) over ``model``'s PairSet.

``registry`` maps each format's name to its writer; the library and the CLI both dispatch there.
``from aligner.export import export, FORMATS`` loads the writers only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aligner.export.registry import FORMATS, export

__all__ = ["FORMATS", "export"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from aligner.export import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
