"""The beads file: ``[src ids]:[tgt ids]:score`` per line (the gold format of aligner/evaluate.py, with scores)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aligner.export.model import PairSet, WriteOptions
from aligner.io import atomic_write_text


def write(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The ``beads`` format of the export registry: every bead of every pair set, in order."""
    lines = [f"{list(p.bead.src)}:{list(p.bead.tgt)}:{p.bead.score:.4f}" for ps in sets for p in ps.pairs]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return [path]
