"""Exports: the alignment table (tsv), bitext, moses, tmx, jsonl and the xlsx review workbook.

Imported lazily: ``from aligner.export import export`` loads the writers only when called.
"""

from __future__ import annotations

from typing import Any

FORMATS = ("tsv", "bitext", "moses", "tmx", "jsonl", "xlsx")


def export(data: Any, path: Any, fmt: str | None = None, **options: Any) -> Any:
    """Write ``data`` (an Alignment, its pairs, or several Alignments) to ``path`` in ``fmt``."""
    from aligner.export.formats import export as _export

    return _export(data, path, fmt, **options)


__all__ = ["FORMATS", "export"]
