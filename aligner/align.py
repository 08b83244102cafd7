"""Stage 4: embeddings -> beads, by dynamic programming over a monotone path.

A bead covers ``a`` source and ``b`` target sentences (1-1, 1-2, 2-1, 2-2, ...
up to ``max_merge`` on each side, plus 1-0 and 0-1). The path maximises the sum
of bead values:

    value(a, b) = (sim - threshold) - merge_penalty * (a + b - 2)
                  - length_weight * |log(len_src / len_tgt) - log(expected ratio)|
    value(1, 0) = value(0, 1) = -skip_penalty

``sim`` is the cosine of the embeddings of the *joined* sentences on each side
(the caller supplies window tables, see ``Windows``). With ``margin`` on, each
cosine is reduced by the mean similarity of the sentences' nearest neighbours
(the ratio-margin idea of Artetxe & Schwenk, in difference form), so a sentence
that resembles everything does not attract the path.

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
KNN = 4  # neighbours averaged for the margin


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


def bead_types(max_merge: int) -> list[tuple[int, int]]:
    types = [(1, 0), (0, 1)]
    types += [(a, b) for a in range(1, max_merge + 1) for b in range(1, max_merge + 1)]
    return types


def _topk_mean(sims: np.ndarray, k: int) -> float:
    if sims.size == 0:
        return 0.0
    k = min(k, sims.size)
    return float(np.partition(sims, sims.size - k)[sims.size - k:].mean())


def _windows_full(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)


def _coarse_windows(src: Windows, tgt: Windows, config: AlignConfig) -> tuple[np.ndarray, np.ndarray]:
    """Search windows per DP row from a block-level alignment (coarse to fine)."""
    n, m = src.n, tgt.n
    f = max(2, math.ceil(math.sqrt(n * m / config.full_search_cells)))

    def blocks(w: Windows) -> Windows:
        e = w.tables[1]
        count = math.ceil(w.n / f)
        pad = count * f - w.n
        padded = np.vstack([e, np.zeros((pad, e.shape[1]), dtype=e.dtype)]) if pad else e
        means = padded.reshape(count, f, -1).sum(axis=1)
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
        lens = np.add.reduceat(w.lengths, np.arange(0, w.n, f)).astype(np.float64)
        return Windows({1: means.astype(np.float32)}, lens)

    coarse_cfg = config.with_(max_merge=1, margin=False, length_weight=0.0)
    path = _search(blocks(src), blocks(tgt), coarse_cfg, *_windows_full(math.ceil(n / f), math.ceil(m / f)))
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


def _neighbour_means(src: Windows, tgt: Windows, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean cosine of each sentence's KNN nearest neighbours on the other side, within the search area."""
    e_s, e_t = src.tables[1], tgt.tables[1]
    n, m = src.n, tgt.n
    if n * m <= 4_000_000 and lo[0] == 0 and np.all(hi == m) and np.all(lo == 0):
        sims = e_s @ e_t.T
        k = min(KNN, m)
        r_s = np.sort(np.partition(sims, m - k, axis=1)[:, m - k:], axis=1).mean(axis=1)
        k = min(KNN, n)
        r_t = np.partition(sims.T, n - k, axis=1)[:, n - k:].mean(axis=1)
        return r_s.astype(np.float64), r_t.astype(np.float64)
    r_s = np.array([_topk_mean(e_t[max(lo[i] - 1, 0):hi[i + 1]] @ e_s[i], KNN) for i in range(n)])
    # rows whose window contains column j: first row with hi >= j .. last row with lo <= j
    first = np.searchsorted(hi, np.arange(1, m + 1), side="left")
    last = np.searchsorted(lo, np.arange(0, m), side="right")
    r_t = np.array([_topk_mean(e_s[max(first[j] - 1, 0):max(last[j], first[j] + 1)] @ e_t[j], KNN)
                    for j in range(m)])
    return r_s, r_t


def _search(src: Windows, tgt: Windows, config: AlignConfig, lo: np.ndarray, hi: np.ndarray,
            margins: tuple[np.ndarray, np.ndarray] | None = None,
            sims_out: dict[tuple[int, int, int], float] | None = None) -> list[tuple[int, int]]:
    """The best path as a list of (a, b) bead shapes, from (0, 0) to (n, m)."""
    n, m = src.n, tgt.n
    types = bead_types(config.max_merge)
    skip = config.skip_penalty
    cs = np.concatenate([[0.0], np.cumsum(src.lengths, dtype=np.float64)])
    ct = np.concatenate([[0.0], np.cumsum(tgt.lengths, dtype=np.float64)])
    log_ratio = math.log((cs[-1] + 1.0) / (ct[-1] + 1.0))
    if margins is not None:
        # a merged bead's neighbour similarity is the length-weighted mean of its sentences'
        # (a short generic sentence must not lower it and so make the merge look better)
        rs_cum = np.concatenate([[0.0], np.cumsum(margins[0] * src.lengths)])
        rt_cum = np.concatenate([[0.0], np.cumsum(margins[1] * tgt.lengths)])

    rows: list[np.ndarray] = []
    backs: list[np.ndarray] = []
    for i in range(n + 1):
        l, h = int(lo[i]), int(hi[i])
        width = h - l + 1
        cols = np.arange(l, h + 1)
        best = np.full(width, NEG)
        back = np.full(width, -1, dtype=np.int8)
        if i == 0:
            best[0 - l] = 0.0 if l == 0 else NEG
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
                starts = np.clip(src_cols, 0, max(m - b, 0))
                valid = ok & (src_cols >= 0) & (src_cols + b <= m)
                if not valid.any():
                    continue
                sims = np.zeros(width)
                sims[valid] = tgt.tables[b][starts[valid]] @ src.tables[a][i - a]
                if sims_out is not None:
                    for c in np.nonzero(valid)[0]:
                        sims_out[(i, int(cols[c]), t)] = float(sims[c])
                adj = sims
                if margins is not None:
                    lt_b = ct[np.clip(cols, 0, m)] - ct[np.clip(cols - b, 0, m)]
                    r = ((rs_cum[i] - rs_cum[i - a]) / max(cs[i] - cs[i - a], 1.0)
                         + (rt_cum[np.clip(cols, 0, m)] - rt_cum[np.clip(cols - b, 0, m)])
                         / np.maximum(lt_b, 1.0)) / 2.0
                    adj = sims - r
                value = (adj - config.threshold) - config.merge_penalty * (a + b - 2)
                if config.length_weight:
                    ls = cs[i] - cs[i - a]
                    lt = ct[np.clip(cols, 0, m)] - ct[np.clip(cols - b, 0, m)]
                    value = value - config.length_weight * np.abs(
                        np.log((ls + 10.0) / (lt + 10.0)) - log_ratio)
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
    margins = _neighbour_means(src, tgt, lo, hi) if config.margin else None
    path = _search(src, tgt, config, lo, hi, margins)
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
