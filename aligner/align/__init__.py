"""Stage 4: embeddings -> beads (the search) and how sure each bead is (the confidence pass).

``lattice`` holds what both passes share (window tables, bead types and values, the band,
the ring of recent rows); ``search`` finds the best path and ``confidence`` its beads'
posterior probabilities. The names below are the stage's public API.
"""

from __future__ import annotations

from aligner.align.confidence import TEMPERATURE, confidences
from aligner.align.lattice import CHUNK, NEG, Windows, aligned_types, band_around, bead_types
from aligner.align.search import align_windows

__all__ = ["CHUNK", "NEG", "TEMPERATURE", "Windows", "align_windows", "aligned_types", "band_around", "bead_types",
           "confidences"]
