"""Stage 4b: how sure the aligner is of each bead of the best path (a posterior probability).

Why: a bead's cosine says how well its two sides match, not whether the bead is
cut in the right place. A 1-1 bead whose target should have been merged with the
next sentence still has a high cosine. On the Text+Berg dev document the cosine
tells right from wrong beads no better than chance (ROC AUC 0.52); the
confidence here does (AUC 0.80 on dev, 0.90 on the test documents), and the
beads it is sure of (>= 0.95) are 96% (dev) / 99% (test) strict-correct. A
reviewer who checks the beads below 0.95 sees most of the aligner's mistakes
(see bench/textberg.py, "confidence").

Model: every monotone path through the search lattice gets a probability
proportional to exp(score / TEMPERATURE), where score is exactly what the
search maximises (the bead values of aligned beads, the affine skip costs of
gaps; see aligner.align.lattice). A bead's confidence is the total probability of
the paths that contain it, computed by forward-backward (sum-product over the
same three-state lattice as the search's ``best_path``) in log space. A gap bead (1-0 / 0-1)
gets the probability that its sentence is left unaligned, wherever the rest
of the path goes.

Paths are summed within ``config.band`` sentences of the best path, and inside
the band the search worked in (a coarse-to-fine search never looked further):
paths further away carry a negligible share (exp(-value gap / TEMPERATURE)),
and the cost stays linear in the document length. The bead values are the ones
the search computed, handed over a CHUNK of rows at a time (through a temporary file for a
long document, so that memory stays bounded).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aligner.align.lattice import (CHUNK, NEG, Ring, Scoring, Windows, aligned_types, band_around, links, rebase,
                                   value_rows)
from aligner.align.tables import Kept, SpilledArrays, SpilledRows
from aligner.config import AlignConfig

# Scale of bead values for the path probabilities. Chosen on the Text+Berg dev document for
# calibration (Brier score 0.097 against 0.107 at 0.03 and 0.115 at 0.1; lower is better).
TEMPERATURE = 0.05


def _logsumexp(x: np.ndarray) -> np.ndarray:
    """log(sum(exp(x), axis=0)), shifted by the column maximum (all-NEG columns stay about NEG)."""
    top = x.max(axis=0)
    total: np.ndarray = top + np.log(np.exp(x - top).sum(axis=0))
    return total


def confidences(src: Windows, tgt: Windows, config: AlignConfig, path: Sequence[tuple[int, int]],
                search: tuple[np.ndarray, np.ndarray, Kept] | None = None) -> list[float]:
    """The posterior probability of each bead of ``path`` (the best path, as (a, b) shapes), 0..1.

    ``search``: the search's band (lo, hi) and the bead values it kept per CHUNK of rows
    (``best_path(..., kept=)``). The paths are then summed where the search looked (within
    ``config.band`` of the best path and inside the search's band), with the very values it
    maximised, which are not computed a second time; each CHUNK of ``kept`` is dropped once
    used. Without it the values are computed here. A long document's search keeps its values
    in a temporary file (``SpilledArrays``), which both passes read a CHUNK at a time.

    Both passes handle all the bead types of a row at once: the cells a row links to are
    gathered from a ring of recent rows (``Ring``) and summed over types in one log-sum-exp.
    The bead values are computed once, a CHUNK of rows at a time, in the forward pass, and
    kept for the backward pass.
    """
    n, m = src.n, tgt.n
    lo, hi = band_around(path, n, m, config.band)
    if search is not None:
        lo, hi = np.maximum(lo, search[0]), np.minimum(hi, search[1])
    types = aligned_types(config, src, tgt)
    kept = None if search is None else search[2]
    scoring = Scoring.of(src, tgt, lo, hi, config) if kept is None else None
    # every chunk's values are held from the forward pass to the backward, unless the search kept them
    # in a file (a long document): they are read from it again
    store = not isinstance(kept, SpilledArrays)

    def chunk_values(c: int) -> np.ndarray:
        """The values of the CHUNK of rows c, re-based to this pass's band and scaled by TEMPERATURE."""
        rows = range(c * CHUNK, min(c * CHUNK + CHUNK, n + 1))
        if kept is None:
            assert scoring is not None
            chunk = value_rows(scoring, config, types, rows, lo, hi)
        else:
            assert search is not None
            block, kept[c] = kept[c], None
            assert block is not None
            chunk = rebase(block, search[0][rows.start:rows.stop], rows, lo, hi)
        chunk /= TEMPERATURE
        return chunk
    opening, extend = config.skip_penalty / TEMPERATURE, config.skip_extend / TEMPERATURE
    lows, highs = lo.tolist(), hi.tolist()
    widest = max(h - lw for lw, h in zip(lows, highs)) + 1
    ramp = extend * np.arange(widest + 1)
    reach = max((a for a, _ in types), default=0) + 1  # rows a ring keeps: a bead spans up to reach - 1
    back, back_shift = links(lo, types, -1)  # the rows beads ending in each row start in
    ahead, ahead_shift = links(lo, types, +1)  # ... and those starting in each row end in

    # forward: per row, the log-sum of the paths from (0, 0) that end in each state
    # per row: (last bead aligned, last bead a 1-0, last bead a 0-1, any); in a file for a long document
    forward: list[tuple[np.ndarray, ...]] | SpilledRows = [] if store else SpilledRows()
    prev: tuple[np.ndarray, ...] = ()  # the row above's
    ring = Ring(reach, widest)
    values: list[np.ndarray] = []  # per CHUNK of rows, value_rows
    for i in range(n + 1):
        first, width = lows[i], highs[i] - lows[i] + 1
        if types and i % CHUNK == 0:
            chunk = chunk_values(i // CHUNK)
            if store:
                values.append(chunk)
            else:
                values = [chunk]
        if types:
            linked = ring.gather(back[i], back_shift[i], width) + values[-1][:, i % CHUNK, :width]
            aligned = _logsumexp(linked)
        else:
            aligned = np.full(width, NEG)
        if i == 0 and first == 0:
            aligned[0] = 0.0
        gap_src = np.full(width, NEG)
        if i > 0:
            j0, j1 = max(first, lows[i - 1]), min(highs[i], highs[i - 1]) + 1
            if j1 > j0:
                above = slice(j0 - lows[i - 1], j1 - lows[i - 1])
                gap_src[j0 - first:j1 - first] = np.logaddexp(
                    np.logaddexp(prev[0][above], prev[2][above]) - opening, prev[1][above] - extend)
        # gap_tgt[j] = log sum over k < j of exp(base[k] - opening - extend * (j - 1 - k))
        base = np.logaddexp(aligned, gap_src)
        gap_tgt = np.full(width, NEG)
        r = ramp[:width - 1]
        gap_tgt[1:] = np.logaddexp.accumulate(base[:-1] + r) - r - opening
        prev = (aligned, gap_src, gap_tgt, np.logaddexp(base, gap_tgt))
        forward.append(prev)
        ring.put(i, prev[3])
    total = float(prev[3][m - lows[n]])

    # backward, row by row from the end: the log-sum of the paths from each cell to (n, m), given
    # the state the cell was reached in (it decides whether a gap that follows opens or extends)
    bead_at: dict[int, list[tuple[int, int, int, int]]] = {}  # row -> (index in path, a, b, column)
    i = j = 0
    for k, (a, b) in enumerate(path):
        bead_at.setdefault(i, []).append((k, a, b, j))
        i, j = i + a, j + b
    out = [0.0] * len(path)
    src_unaligned = np.zeros(n)
    tgt_unaligned = np.zeros(m)
    # per row e below: for each type, the bead ending in (e, lo[e] + c) plus the paths on from there
    ring = Ring(reach, widest, depth=len(types))
    b_src_below = np.empty(0)
    linked = np.empty((0, 0))
    for i in range(n, -1, -1):
        first, width = lows[i], highs[i] - lows[i] + 1
        if types:
            linked = ring.gather(ahead[i], ahead_shift[i], width)
            cont = _logsumexp(linked)  # the next bead aligns something
        else:
            cont = np.full(width, NEG)
        if i == n and highs[n] == m:
            cont[m - first] = 0.0  # the end of the path
        next_src = np.full(width, NEG)  # log-sum from (i + 1, j) in state 1-0
        if i < n:
            j0, j1 = max(first, lows[i + 1]), min(highs[i], highs[i + 1]) + 1
            if j1 > j0:
                next_src[j0 - first:j1 - first] = b_src_below[j0 - lows[i + 1]:j1 - lows[i + 1]]
        # in state 0-1, a further 0-1 extends: b_tgt[j] = log sum over k >= j of exp(x[k] - extend * (k - j))
        x = np.logaddexp(cont, next_src - opening)
        r = ramp[:width]
        b_tgt = np.logaddexp.accumulate((x - r)[::-1])[::-1] + r
        after_tgt = np.full(width, NEG)  # log-sum from (i, j + 1) in state 0-1
        after_tgt[:-1] = b_tgt[1:]
        if types:
            b_aligned = np.logaddexp(x, after_tgt - opening)
            if not store and (i == n or i % CHUNK == CHUNK - 1):  # the last row of a chunk: read it again
                values = [chunk_values(i // CHUNK)]
            ring.put(i, values[-1][:, i % CHUNK, :width] + b_aligned)
            if store and i % CHUNK == 0:
                values.pop()  # (the rows of this chunk are done)
        b_src_below = np.logaddexp(np.logaddexp(cont, next_src - extend), after_tgt - opening)
        # gap edges out of row i: a 1-0 leaves source sentence i unaligned, a 0-1 target sentence j
        f_aligned, f_src, f_tgt, f_any = forward[i]
        into_src = np.logaddexp(np.logaddexp(f_aligned, f_tgt) - opening, f_src - extend)
        into_tgt = np.logaddexp(np.logaddexp(f_aligned, f_src) - opening, f_tgt - extend)
        if i < n:
            src_unaligned[i] = np.exp(into_src + next_src - total).sum()
        tgt_unaligned[first:first + width - 1] += np.exp(into_tgt[:-1] + after_tgt[:-1] - total)
        for k, a, b, j in bead_at.get(i, ()):
            if a and b:  # the paths into (i, j), this bead, and the paths on from its end
                out[k] = float(np.exp(f_any[j - first] + linked[types.index((a, b)), j - first] - total))
    i = j = 0
    for k, (a, b) in enumerate(path):
        if not (a and b):
            out[k] = float(src_unaligned[i]) if a else float(tgt_unaligned[j])
        i, j = i + a, j + b
    return [min(1.0, max(0.0, p)) for p in out]
