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
gaps; see aligner/align.py). A bead's confidence is the total probability of
the paths that contain it, computed by forward-backward (sum-product over the
same three-state lattice as ``_search``) in log space. A gap bead (1-0 / 0-1)
gets the probability that its sentence is left unaligned, wherever the rest
of the path goes.

Paths are summed within ``config.band`` sentences of the best path: paths
further away carry a negligible share (exp(-value gap / TEMPERATURE)), and the
cost stays linear in the document length.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aligner.align import CHUNK, NEG, Windows, _bead_values, _Scoring, band_around, bead_types
from aligner.config import AlignConfig

# Scale of bead values for the path probabilities. Chosen on the Text+Berg dev document for
# calibration (Brier score 0.097 against 0.107 at 0.03 and 0.115 at 0.1; lower is better).
TEMPERATURE = 0.05


class _Values:
    """Bead values / TEMPERATURE by type, for one DP row of bead *ends* at a time.

    A CHUNK of rows is scored at once (``_bead_values``); ``row`` then only slices.
    """

    def __init__(self, scoring: _Scoring, config: AlignConfig, lo: np.ndarray, hi: np.ndarray,
                 types: list[tuple[int, int]]) -> None:
        self.scoring, self.config, self.types = scoring, config, types
        self.lows, self.highs = lo.tolist(), hi.tolist()
        self.n = len(lo) - 1
        self.chunk = [-1] * len(types)
        self.first = [0] * len(types)
        self.vals: list[np.ndarray] = [np.empty((0, 0))] * len(types)

    def row(self, t: int, i: int) -> np.ndarray:
        """The values of the beads of type ``types[t]`` that end at (i, lo[i] .. hi[i])."""
        a, b = self.types[t]
        chunk = (i - a) // CHUNK
        if self.chunk[t] != chunk:
            r0, r1 = chunk * CHUNK + a, min(chunk * CHUNK + CHUNK, self.n - a + 1) + a
            cols = range(self.lows[r0], self.highs[r1 - 1] + 1)
            self.vals[t] = _bead_values(self.scoring, self.config, a, b, range(r0, r1), cols) / TEMPERATURE
            self.chunk[t], self.first[t] = chunk, cols.start
        c0 = self.first[t]
        return self.vals[t][i - a - chunk * CHUNK, self.lows[i] - c0:self.highs[i] + 1 - c0]


def confidences(src: Windows, tgt: Windows, config: AlignConfig, path: Sequence[tuple[int, int]]) -> list[float]:
    """The posterior probability of each bead of ``path`` (the best path, as (a, b) shapes), 0..1."""
    n, m = src.n, tgt.n
    lo, hi = band_around(path, n, m, config.band)
    types = [(a, b) for a, b in bead_types(config.max_merge, config.max_bead)
             if a and b and a in src.tables and b in tgt.tables]
    values = _Values(_Scoring.of(src, tgt, lo, hi, config), config, lo, hi, types)
    opening, extend = config.skip_penalty / TEMPERATURE, config.skip_extend / TEMPERATURE
    lows, highs = lo.tolist(), hi.tolist()
    ramp = extend * np.arange(max(h - lw for lw, h in zip(lows, highs)) + 1)

    # per bead type, per row i: the columns j0 .. j1 - 1 of row i that a bead of the type reaches
    # from row i - a (as ends: column j - b in row i - a) and, for the backward pass, from row
    # i + a (as starts: column j + b in row i + a); empty where those rows do not exist
    ends: list[tuple[list[int], list[int]]] = []
    starts: list[tuple[list[int], list[int]]] = []
    for a, b in types:
        j0 = np.maximum(lo[a:], lo[:n + 1 - a] + b)
        j1 = np.minimum(hi[a:], hi[:n + 1 - a] + b) + 1
        ends.append(([0] * a + j0.tolist(), [0] * a + j1.tolist()))
        starts.append(((j0 - b).tolist() + [0] * a, (j1 - b).tolist() + [0] * a))

    # forward: per row, the log-sum of the paths from (0, 0) that end in each state
    f_aligned: list[np.ndarray] = []
    f_src: list[np.ndarray] = []  # last bead a 1-0
    f_tgt: list[np.ndarray] = []  # last bead a 0-1
    f_any: list[np.ndarray] = []
    for i in range(n + 1):
        first, width = lows[i], highs[i] - lows[i] + 1
        aligned = np.full(width, NEG)
        if i == 0 and first == 0:
            aligned[0] = 0.0
        for t, (a, b) in enumerate(types):
            j0, j1 = ends[t][0][i], ends[t][1][i]
            if j1 > j0:
                prev = f_any[i - a][j0 - b - lows[i - a]:j1 - b - lows[i - a]]
                seg = slice(j0 - first, j1 - first)
                aligned[seg] = np.logaddexp(aligned[seg], prev + values.row(t, i)[seg])
        gap_src = np.full(width, NEG)
        if i > 0:
            j0, j1 = max(first, lows[i - 1]), min(highs[i], highs[i - 1]) + 1
            if j1 > j0:
                above = slice(j0 - lows[i - 1], j1 - lows[i - 1])
                gap_src[j0 - first:j1 - first] = np.logaddexp(
                    np.logaddexp(f_aligned[i - 1][above], f_tgt[i - 1][above]) - opening, f_src[i - 1][above] - extend)
        # gap_tgt[j] = log sum over k < j of exp(base[k] - opening - extend * (j - 1 - k))
        base = np.logaddexp(aligned, gap_src)
        gap_tgt = np.full(width, NEG)
        r = ramp[:width - 1]
        gap_tgt[1:] = np.logaddexp.accumulate(base[:-1] + r) - r - opening
        f_aligned.append(aligned)
        f_src.append(gap_src)
        f_tgt.append(gap_tgt)
        f_any.append(np.logaddexp(base, gap_tgt))
    total = float(f_any[n][m - lows[n]])

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
    b_aligned: list[np.ndarray | None] = [None] * (n + 1)
    b_src: list[np.ndarray | None] = [None] * (n + 1)
    for i in range(n, -1, -1):
        first, width = lows[i], highs[i] - lows[i] + 1
        cont = np.full(width, NEG)  # the next bead aligns something
        if i == n and highs[n] == m:
            cont[m - first] = 0.0  # the end of the path
        for t, (a, b) in enumerate(types):
            j0, j1 = starts[t][0][i], starts[t][1][i]
            if j1 > j0:
                at_end = slice(j0 + b - lows[i + a], j1 + b - lows[i + a])
                v = values.row(t, i + a)[at_end] + b_aligned[i + a][at_end]  # type: ignore[index]
                seg = slice(j0 - first, j1 - first)
                cont[seg] = np.logaddexp(cont[seg], v)
        next_src = np.full(width, NEG)  # log-sum from (i + 1, j) in state 1-0
        if i < n:
            j0, j1 = max(first, lows[i + 1]), min(highs[i], highs[i + 1]) + 1
            if j1 > j0:
                next_src[j0 - first:j1 - first] = b_src[i + 1][j0 - lows[i + 1]:j1 - lows[i + 1]]  # type: ignore[index]
        # in state 0-1, a further 0-1 extends: b_tgt[j] = log sum over k >= j of exp(x[k] - extend * (k - j))
        x = np.logaddexp(cont, next_src - opening)
        r = ramp[:width]
        b_tgt = np.logaddexp.accumulate((x - r)[::-1])[::-1] + r
        after_tgt = np.full(width, NEG)  # log-sum from (i, j + 1) in state 0-1
        after_tgt[:-1] = b_tgt[1:]
        b_aligned[i] = np.logaddexp(np.logaddexp(cont, next_src - opening), after_tgt - opening)
        b_src[i] = np.logaddexp(np.logaddexp(cont, next_src - extend), after_tgt - opening)
        # gap edges out of row i: a 1-0 leaves source sentence i unaligned, a 0-1 target sentence j
        into_src = np.logaddexp(np.logaddexp(f_aligned[i], f_tgt[i]) - opening, f_src[i] - extend)
        into_tgt = np.logaddexp(np.logaddexp(f_aligned[i], f_src[i]) - opening, f_tgt[i] - extend)
        if i < n:
            src_unaligned[i] = np.exp(into_src + next_src - total).sum()
        cols = slice(first, first + width - 1)
        tgt_unaligned[cols] += np.exp(into_tgt[:-1] + after_tgt[:-1] - total)
        for k, a, b, j in bead_at.get(i, ()):
            if a and b:
                v = values.row(types.index((a, b)), i + a)[j + b - lows[i + a]]
                log_p = f_any[i][j - first] + v + b_aligned[i + a][j + b - lows[i + a]] - total  # type: ignore[index]
                out[k] = float(np.exp(log_p))
        # beads reach at most max_merge rows ahead, so rows this far on are no longer needed
        if i + 2 * config.max_merge <= n:
            b_aligned[i + 2 * config.max_merge] = b_src[i + 2 * config.max_merge] = None
    i = j = 0
    for k, (a, b) in enumerate(path):
        if not (a and b):
            out[k] = float(src_unaligned[i]) if a else float(tgt_unaligned[j])
        i, j = i + a, j + b
    return [min(1.0, max(0.0, p)) for p in out]
