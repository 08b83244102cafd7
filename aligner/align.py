"""Stage 4: embeddings -> beads, by dynamic programming over a monotone path.

A bead covers ``a`` source and ``b`` target sentences (1-1, 1-2, 2-1, 2-2, ...
up to ``max_merge`` on each side and ``max_bead`` in all, plus 1-0 and 0-1).
The path maximises the sum of bead values:

    value(a, b) = (sim - margin) * length_score ** length_weight
                  - threshold - merge_penalty * (a + b - 2)
    value(1, 0) = value(0, 1) = -skip_penalty

A bead whose cosine is below ``min_similarity`` is never formed: in a condensed
rewrite, a passage that was cut must become 1-0 beads, not be glued to a
neighbour it has nothing to do with.

``sim`` is the cosine of the embeddings of the *joined* sentences on each side
(the caller supplies window tables, see ``Windows``). ``margin`` (when on) is
the mean cosine of each side with the sentences just outside the other side's
run: if the next or previous sentence fits the bead as well as the bead's own
sentences do, the bead is probably cut in the wrong place. ``length_score`` is
log2(1 + shorter / longer) of the two sides' character lengths, after scaling
by the documents' overall length ratio (1 for equal lengths, 0.58 for 1:2).
Because every aligned bead adds a positive value, splitting a merge into
well-matched 1-1 beads scores higher than keeping it merged; a merge wins only
when its parts match badly on their own. This is the scoring of Bertalign
(Liu & Zhu 2022), reproduced here in vectorised form; with this project's
encoder it scores as published on Text+Berg (see bench/textberg.py).

The search is exact over the full N x M grid when it is small enough
(``full_search_cells``); otherwise it runs coarse to fine: the documents are
aligned at the level of blocks of sentences, and the fine search is confined
to a band around that path. Cost and memory are then linear in the document
length. Each DP row is processed with numpy vector operations; the 0-1 skip
inside a row is a running maximum (``np.maximum.accumulate``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from aligner.config import AlignConfig
from aligner.types import Bead

NEG = -1e18


@dataclass(frozen=True)
class Windows:
    """Embeddings of every run of k consecutive sentences, k = 1..max_merge.

    ``tables[k][i]`` is the (normalised) embedding of sentences i..i+k-1 joined.
    ``lengths`` are the sentences' character lengths.
    """

    tables: dict[int, np.ndarray]
    lengths: np.ndarray

    @property
    def n(self) -> int:
        return int(self.lengths.shape[0])


def bead_types(max_merge: int, max_bead: int | None = None) -> list[tuple[int, int]]:
    """1-0, 0-1, then every a-b with 1 <= a, b <= max_merge and a + b <= max_bead."""
    limit = 2 * max_merge if max_bead is None else max_bead
    types = [(1, 0), (0, 1)]
    types += [(a, b) for a in range(1, max_merge + 1) for b in range(1, max_merge + 1) if a + b <= limit]
    return types


def _windows_full(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)


def _coarse_windows(src: Windows, tgt: Windows, config: AlignConfig) -> tuple[np.ndarray, np.ndarray]:
    """Search windows per DP row from the alignment of pairs of sentences (coarse to fine).

    The coarse level is aligned the same way, recursively, until it is small
    enough for an exact search; halving at each level keeps every level's band
    a few blocks wide, so the total cost stays linear in the document length.
    """
    n, m = src.n, tgt.n
    f = 2

    def blocks(w: Windows) -> Windows:
        e = w.tables[1]
        count = math.ceil(w.n / f)
        pad = count * f - w.n
        padded = np.vstack([e, np.zeros((pad, e.shape[1]), dtype=e.dtype)]) if pad else e
        means = padded.reshape(count, f, -1).sum(axis=1)
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
        lens = np.add.reduceat(w.lengths, np.arange(0, w.n, f)).astype(np.float64)
        return Windows({1: means.astype(np.float32)}, lens)

    coarse_cfg = config.with_(max_merge=1, max_bead=2, margin=False, length_weight=0.0)
    coarse_src, coarse_tgt = blocks(src), blocks(tgt)
    if coarse_src.n * coarse_tgt.n <= config.full_search_cells:
        coarse_lo, coarse_hi = _windows_full(coarse_src.n, coarse_tgt.n)
    else:
        coarse_lo, coarse_hi = _coarse_windows(coarse_src, coarse_tgt, config)
    path = _search(coarse_src, coarse_tgt, coarse_cfg, coarse_lo, coarse_hi)
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    ci = cj = 0
    for a, b in path:
        i0, j0, i1, j1 = ci * f, cj * f, min((ci + a) * f, n), min((cj + b) * f, m)
        lo[i0:i1 + 1] = np.minimum(lo[i0:i1 + 1], j0)
        hi[i0:i1 + 1] = np.maximum(hi[i0:i1 + 1], j1)
        ci, cj = ci + a, cj + b
    width = max(config.band, f)
    lo = np.maximum(lo - width, 0)
    hi = np.minimum(hi + width, m)
    lo[0], hi[n] = 0, m
    hi = np.maximum.accumulate(hi)
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    return lo, hi


CHUNK = 64  # source rows whose bead similarities are computed in one matrix product


class _SimBlocks:
    """Cosines of a-b beads, computed a chunk of source rows at a time (one GEMM per chunk and type).

    For bead type (a, b) ending at row i, the source run starts at r = i - a and the
    target runs start at columns lo[i] - b .. hi[i] - b; lo and hi never decrease, so a
    chunk of CHUNK start rows needs one contiguous column span, widened by ``pad`` on
    both sides for the margin's neighbouring sentences.
    """

    def __init__(self, src: Windows, tgt: Windows, lo: np.ndarray, hi: np.ndarray, pad: int) -> None:
        self.src, self.tgt, self.lo, self.hi, self.pad = src, tgt, lo, hi, pad
        self.cache: dict[tuple[int, int, int], tuple[int, np.ndarray]] = {}

    def row(self, a: int, b: int, r: int) -> tuple[int, np.ndarray]:
        """(first column, cosines) of the source run of a starting at r against target runs of b."""
        chunk = r // CHUNK
        hit = self.cache.get((a, b, chunk))
        if hit is None:
            n, pad = self.src.n, self.pad
            r0 = chunk * CHUNK
            r1 = min(r0 + CHUNK, n - a + 1)
            c0 = max(int(self.lo[min(r0 + a, n)]) - b - pad, 0)
            c1 = min(int(self.hi[min(r1 - 1 + a, n)]) - b + 1 + pad, self.tgt.n - b + 1)
            c1 = max(c1, c0)
            hit = (c0, self.src.tables[a][r0:r1] @ self.tgt.tables[b][c0:c1].T)
            self.cache.pop((a, b, chunk - 2), None)
            self.cache[(a, b, chunk)] = hit
        c0, block = hit
        return c0, block[r - chunk * CHUNK]

    def at(self, a: int, b: int, r: int, start: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosines of the source run (a, r) with the target runs (b, start .. start+width-1),
        and where such a run exists (zeros and False elsewhere)."""
        vals, ok = np.zeros(width), np.zeros(width, dtype=bool)
        if r < 0 or r + a > self.src.n:
            return vals, ok
        c0, row = self.row(a, b, r)
        first = max(start, c0, 0)
        last = min(start + width, c0 + row.shape[0], self.tgt.n - b + 1)
        if last > first:
            vals[first - start:last - start] = row[first - c0:last - c0]
            ok[first - start:last - start] = True
        return vals, ok


def _mean2(x: tuple[np.ndarray, np.ndarray], y: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Mean of the present values of two (values, present) pairs; 0 where neither is present."""
    count = x[1].astype(np.float64) + y[1]
    return (x[0] + y[0]) / np.maximum(count, 1.0)


def _search(src: Windows, tgt: Windows, config: AlignConfig, lo: np.ndarray,
            hi: np.ndarray) -> list[tuple[int, int]]:
    """The best path as a list of (a, b) bead shapes, from (0, 0) to (n, m)."""
    n, m = src.n, tgt.n
    blocks = _SimBlocks(src, tgt, lo, hi, pad=config.max_merge + 1)
    # bead types the window tables support (a caller may supply fewer than max_merge)
    types = [(a, b) for a, b in bead_types(config.max_merge, config.max_bead)
             if (a == 0 or a in src.tables) and (b == 0 or b in tgt.tables)]
    skip = config.skip_penalty
    cs = np.concatenate([[0.0], np.cumsum(src.lengths, dtype=np.float64)])
    ct = np.concatenate([[0.0], np.cumsum(tgt.lengths, dtype=np.float64)])
    ratio = (cs[-1] + 1.0) / (ct[-1] + 1.0)  # expected source chars per target char
    # empty sentences (blank lines of a presplit file) are never aligned: only 1-0 / 0-1 beads take them
    es = np.concatenate([[0], np.cumsum(src.lengths == 0)])
    et = np.concatenate([[0], np.cumsum(tgt.lengths == 0)])
    rows: list[np.ndarray] = []
    backs: list[np.ndarray] = []
    for i in range(n + 1):
        first, last = int(lo[i]), int(hi[i])
        width = last - first + 1
        cols = np.arange(first, last + 1)
        best = np.full(width, NEG)
        back = np.full(width, -1, dtype=np.int8)
        if i == 0:
            best[0 - first] = 0.0 if first == 0 else NEG
        for t, (a, b) in enumerate(types):
            if a == 0 or i - a < 0:
                continue
            pl, ph = int(lo[i - a]), int(hi[i - a])
            src_cols = cols - b  # column of the previous row this bead starts from
            ok = (src_cols >= pl) & (src_cols <= ph)
            if not ok.any():
                continue
            prev = np.full(width, NEG)
            prev[ok] = rows[i - a][src_cols[ok] - pl]
            if b == 0:
                value = np.full(width, -skip)
            else:
                if es[i] - es[i - a]:
                    continue
                starts = np.minimum(np.maximum(src_cols, 0), max(m - b, 0))
                valid = ok & (src_cols >= 0) & (src_cols + b <= m)
                valid &= et[cols] == et[np.maximum(cols - b, 0)]
                if not valid.any():
                    continue
                sims = np.zeros(width)
                c0, row = blocks.row(a, b, i - a)
                sims[valid] = row[starts[valid] - c0]
                adj = sims
                if config.margin:
                    # the source run against the target sentences just before and after the target run,
                    # the target run against the source sentences just before and after the source run
                    beside_tgt = _mean2(blocks.at(a, 1, i - a, first - b - 1, width),
                                        blocks.at(a, 1, i - a, first, width))
                    beside_src = _mean2(blocks.at(1, b, i - a - 1, first - b, width),
                                        blocks.at(1, b, i, first - b, width))
                    adj = sims - (beside_tgt + beside_src) / 2.0
                if config.length_weight:
                    ls = cs[i] - cs[i - a]
                    lt = (ct[cols] - ct[np.maximum(cols - b, 0)]) * ratio
                    shorter, longer = np.minimum(ls, lt), np.maximum(np.maximum(ls, lt), 1e-9)
                    score = np.log2(1.0 + shorter / longer)
                    adj = adj * (score if config.length_weight == 1.0 else score ** config.length_weight)
                value = adj - config.threshold - config.merge_penalty * (a + b - 2)
                valid &= sims >= (config.min_similarity or 0.0)
                value = np.where(valid, value, NEG)
            cand = prev + value
            better = cand > best
            best = np.where(better, cand, best)
            back = np.where(better, t, back).astype(np.int8)
        # 0-1 beads inside the row: best[j] = max_k<=j best[k] - skip * (j - k)
        ramp = skip * np.arange(width)
        run = np.maximum.accumulate(best + ramp) - ramp
        moved = run > best + 1e-12
        back = np.where(moved, 1, back).astype(np.int8)  # type index 1 is (0, 1)
        rows.append(np.where(moved, run, best))
        backs.append(back)

    path: list[tuple[int, int]] = []
    i, j = n, m
    while i > 0 or j > 0:
        t = int(backs[i][j - int(lo[i])])
        if t < 0:
            raise RuntimeError("alignment search found no path (band too narrow)")
        a, b = types[t]
        path.append((a, b))
        i, j = i - a, j - b
    path.reverse()
    return path


def align_windows(src: Windows, tgt: Windows, config: AlignConfig = AlignConfig(),
                  progress: Callable[[str], None] | None = None) -> list[Bead]:
    """Align two documents given their window embeddings; returns beads in order."""
    n, m = src.n, tgt.n
    if n == 0 or m == 0:
        return [Bead((i,), (), 0.0) for i in range(n)] + [Bead((), (j,), 0.0) for j in range(m)]
    if n * m <= config.full_search_cells:
        lo, hi = _windows_full(n, m)
    else:
        if progress:
            progress("coarse pass")
        lo, hi = _coarse_windows(src, tgt, config)
    path = _search(src, tgt, config, lo, hi)
    beads: list[Bead] = []
    i = j = 0
    for a, b in path:
        if a and b:
            score = float(src.tables[a][i] @ tgt.tables[b][j])
        else:
            score = 0.0
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), max(0.0, min(1.0, score))))
        i, j = i + a, j + b
    return beads
