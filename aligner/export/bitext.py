"""The plain parallel corpus: ``src<TAB>tgt`` lines, no header (what MT tools read)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from aligner.export.model import Keep, PairSet, WriteOptions, corpus_pairs
from aligner.export.tsv import clean_field
from aligner.io import atomic_open


def write_bitext(sets: Sequence[PairSet], path: str | os.PathLike[str], keep: Keep = "all",
                 min_score: float | None = None) -> int:
    """``src<TAB>tgt`` lines of the corpus pairs (``corpus_pairs``). Returns the line count."""
    n = 0
    with atomic_open(path, "w", newline="") as fh:
        for ps in sets:
            for pair in corpus_pairs(ps, keep, min_score):
                fh.write(f"{clean_field(pair.src)}\t{clean_field(pair.tgt)}\n")
                n += 1
    return n


def write(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The ``bitext`` format of the export registry."""
    write_bitext(sets, path, options.keep, options.min_score)
    return [path]
