"""Stage 4: embeddings -> beads, by dynamic programming over a monotone path.

The path maximises the sum of bead values over the lattice of
``aligner.align.lattice`` (bead types, the value formula, the bands).

The search is exact over the full N x M grid when it is small enough
(``full_search_cells``); otherwise it runs coarse to fine: the documents are
aligned at the level of blocks of sentences, and the fine search is confined
to a band around that path. Cost and memory are then linear in the document
length. The DP loop keeps, for all bead types at once, the best candidate per
cell; the 0-1 skip inside a row is a running maximum (``np.maximum.accumulate``).
With confidence on, the bead values the search computed go on to the confidence
pass (``aligner.align.confidence``), which sums over the same lattice. Beyond
``STREAM_ROWS`` source sentences, what the passes keep of every row (the search's
states for its traceback, the bead values) goes to temporary files
(``aligner.align.tables``): they would take gigabytes for a book.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from aligner.align.confidence import confidences
from aligner.align.lattice import (CHUNK, NEG, Ring, Scoring, Windows, aligned_types, band_around, full_band, links,
                                   value_rows)
import aligner.align.tables as window_tables
from aligner.config import AlignConfig
from aligner.types import Bead

MIN_EXACT_CELLS = 4  # coarse levels stop halving at this size whatever full_search_cells says


def coarse_band(src: Windows, tgt: Windows, config: AlignConfig) -> tuple[np.ndarray, np.ndarray]:
    """Search windows per DP row from the alignment of pairs of sentences (coarse to fine).

    The coarse level is aligned the same way, recursively, until it is small
    enough for an exact search; halving at each level keeps every level's band
    a few blocks wide, so the total cost stays linear in the document length.
    """
    n, m = src.n, tgt.n
    f = 2

    def blocks(w: Windows) -> Windows:
        lens = np.add.reduceat(w.lengths, np.arange(0, w.n, f)).astype(np.float64)
        return Windows({1: window_tables.pair_means(w.tables[1], w.n, f)}, lens)

    coarse_cfg = config.with_(max_merge=1, max_bead=2, margin=False, length_weight=0.0)
    coarse_src, coarse_tgt = blocks(src), blocks(tgt)
    # (a floor on the exact size, so that full_search_cells=0 still ends at a 1-block level)
    if coarse_src.n * coarse_tgt.n <= max(config.full_search_cells, MIN_EXACT_CELLS):
        coarse_lo, coarse_hi = full_band(coarse_src.n, coarse_tgt.n)
    else:
        coarse_lo, coarse_hi = coarse_band(coarse_src, coarse_tgt, config)
    path = best_path(coarse_src, coarse_tgt, coarse_cfg, coarse_lo, coarse_hi)
    return band_around(path, n, m, max(config.band, f), scale=f)



def best_path(src: Windows, tgt: Windows, config: AlignConfig, lo: np.ndarray, hi: np.ndarray,
              kept: window_tables.Kept | None = None) -> list[tuple[int, int]]:
    """The best path as a list of (a, b) bead shapes, from (0, 0) to (n, m).

    Row i of the DP holds, for every cell (i, j) with j in lo[i] .. hi[i], the best score
    of a path to it in three states: its last bead aligned something (or it is the start),
    was a 1-0, or was a 0-1. The states make gaps affine: the first sentence of a run of
    1-0 (or of 0-1) beads costs ``skip_penalty``, each further one ``skip_extend``. A bead
    (a, b) reaches (i, j) from the best state of (i - a, j - b). All bead types of a row are
    handled at once: the cells they come from are gathered from a ring of recent rows
    (``Ring``), their values come a CHUNK of rows at a time (``value_rows``), and one
    argmax over the types picks each cell's best bead (the first type in ``bead_types``
    order on a tie). With ``kept``, each CHUNK's values are appended to it (for the confidence
    pass, which then need not compute them again). Beyond ``STREAM_ROWS`` rows, the rows'
    states the traceback reads go to a temporary file (``SpilledArrays``), as memory would
    otherwise grow by a few KB a row.
    """
    n, m = src.n, tgt.n
    scoring = Scoring.of(src, tgt, lo, hi, config)
    steps = aligned_types(config, src, tgt)
    back, back_shift = links(lo, steps, -1)
    opening, extend = config.skip_penalty, config.skip_extend
    lows, highs = [int(x) for x in lo], [int(x) for x in hi]
    widest = max(h - lw for lw, h in zip(lows, highs)) + 1
    ramp_all = extend * np.arange(widest + 1)
    ring = Ring(max((a for a, _ in steps), default=0) + 1, widest)  # the best score of recent rows
    values = np.empty((0, 0, 0))
    # per row: each state's score (the traceback works out which transition produced it) and
    # the aligned state's bead
    spill = n > window_tables.STREAM_ROWS
    scores: list[tuple[np.ndarray, ...]] | window_tables.SpilledRows = window_tables.SpilledRows() if spill else []
    beads: list[np.ndarray] | window_tables.SpilledArrays = window_tables.SpilledArrays() if spill else []
    prev = (np.empty(0), np.empty(0), np.empty(0))  # the states of the row above
    row = np.empty(0)  # the best score over the three states, of the row at hand
    for i in range(n + 1):
        first, last = lows[i], highs[i]
        width = last - first + 1
        if steps:
            if i % CHUNK == 0:
                values = value_rows(scoring, config, steps, range(i, min(i + CHUNK, n + 1)), lo, hi)
                if kept is not None:
                    kept.append(values)
            cand = ring.gather(back[i], back_shift[i], width)
            cand += values[:, i % CHUNK, :width]
            pick = cand.argmax(axis=0)
            aligned = np.maximum(cand.max(axis=0), NEG)  # (cheaper than indexing with pick)
            bead = pick.astype(np.int8)  # (an index into steps)
        else:
            aligned, bead = np.full(width, NEG), np.full(width, -1, dtype=np.int8)
        if i == 0 and first == 0:
            aligned[0] = 0.0
        # 1-0: open a gap from an aligned or 0-1 cell of the row above, or extend a 1-0 gap
        gap_src = np.full(width, NEG)
        if i > 0:
            p_aligned, p_src, p_tgt = prev
            prev_first = lows[i - 1]
            j0, j1 = max(first, prev_first), min(last, highs[i - 1]) + 1
            if j1 > j0:
                k = slice(j0 - prev_first, j1 - prev_first)
                np.maximum(np.maximum(p_aligned[k], p_tgt[k]) - opening, p_src[k] - extend,
                           out=gap_src[j0 - first:j1 - first])
        # 0-1 inside the row: gap_tgt[j] = max over k < j of (the better of the other two states
        # at k) - opening - extend * (j - 1 - k), a running maximum
        base = np.maximum(aligned, gap_src)
        gap_tgt = np.empty(width)
        gap_tgt[0] = NEG
        ramp = ramp_all[:width - 1]
        np.maximum.accumulate(base[:-1] + ramp, out=gap_tgt[1:])
        gap_tgt[1:] -= ramp + opening
        row = np.maximum(base, gap_tgt)
        ring.put(i, row)
        prev = (aligned, gap_src, gap_tgt)
        scores.append(prev)
        beads.append(bead)

    # The traceback recomputes which transition produced each state's score (rounding in the
    # running maximum calls for a tolerance; any transition within it is as good as the best).
    tolerance = 1e-9

    def state(i: int, c: int) -> int:
        """The state whose score is the best of cell (i, lows[i] + c); ties go to aligned, then 0-1.

        Ties are judged within the tolerance: a run of 1-0 beads next to a run of 0-1 beads costs
        the same in either order, and without it the order would follow the last bits of the sums,
        which change with the embeddings' rounding (e.g. with the number of BLAS threads). The
        traceback runs backwards, so preferring a 0-1 here puts such a gap's 1-0 beads first.
        """
        aligned, gap_src, gap_tgt = (x[c] for x in scores[i])
        best = max(aligned, gap_src, gap_tgt) - tolerance
        return 0 if aligned >= best else 2 if gap_tgt >= best else 1

    path: list[tuple[int, int]] = []
    i, j = n, m
    if row[m - lows[n]] <= NEG / 2:
        raise RuntimeError("alignment search found no path (band too narrow)")
    s = state(n, m - lows[n])
    while i > 0 or j > 0:
        c = j - lows[i]
        if s == 0:
            a, b = steps[int(beads[i][c])]
            i, j = i - a, j - b
            s = state(i, j - lows[i])
        elif s == 1:
            a, b = 1, 0
            here = scores[i][1][c]
            i -= 1
            aligned, gap_src, gap_tgt = (x[j - lows[i]] for x in scores[i])
            s = 1 if gap_src - extend >= here - tolerance else 0 if aligned >= gap_tgt else 2
        else:
            a, b = 0, 1
            here = scores[i][2][c]
            aligned, gap_src, _ = (x[c - 1] for x in scores[i])
            s = (0 if aligned >= gap_src else 1) if max(aligned, gap_src) - opening >= here - tolerance else 2
            j -= 1
        path.append((a, b))
    path.reverse()
    return path


def align_windows(src: Windows, tgt: Windows, config: AlignConfig = AlignConfig(),
                  progress: Callable[[str], None] | None = None) -> list[Bead]:
    """Align two documents given their window embeddings; returns beads in order."""
    n, m = src.n, tgt.n
    if n == 0 or m == 0:
        return [Bead((i,), (), 0.0, 1.0) for i in range(n)] + [Bead((), (j,), 0.0, 1.0) for j in range(m)]
    if n * m <= config.full_search_cells:
        lo, hi = full_band(n, m)
    else:
        if progress:
            progress("coarse pass")
        lo, hi = coarse_band(src, tgt, config)
    # the bead values go on to the confidence pass (through a temporary file for a long document)
    kept: window_tables.Kept | None = None
    if config.confidence:
        kept = window_tables.SpilledArrays() if n > window_tables.STREAM_ROWS else []
    path = best_path(src, tgt, config, lo, hi, kept)
    sure: Sequence[float | None] = [None] * len(path)
    if kept is not None:
        sure = confidences(src, tgt, config, path, (lo, hi, kept))
    beads: list[Bead] = []
    i = j = 0
    for (a, b), p in zip(path, sure):
        if a and b:
            score = float(src.tables[a][i] @ tgt.tables[b][j])
        else:
            score = 0.0
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), max(0.0, min(1.0, score)), p))
        i, j = i + a, j + b
    return beads
