"""The lattice both passes over an alignment walk: bead types, window tables, bead values, bands.

A bead covers ``a`` source and ``b`` target sentences (1-1, 1-2, 2-1, 2-2, ...
up to ``max_merge`` on each side and ``max_bead`` in all, plus 1-0 and 0-1).
A path through the lattice is a sequence of beads from (0, 0) to (n, m); its
score is the sum of its bead values:

    value(a, b) = (sim - margin) * length_score ** length_weight
                  - threshold - merge_penalty * (a + b - 2)
                  - continuation_penalty * (one side's last sentence ends with ":", not the other's)
    value(1, 0) = value(0, 1) = -skip_penalty for the first sentence of a gap,
                                -skip_extend for each further one on the same side

A sentence that ends with a colon announces what follows (a list, a quote,
the rest of a reference that a segmenter cut at "Zürich :"); translators keep
the two together, so a bead that ends right after it pays a small penalty,
unless the other side of the bead ends with a colon too.

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

Bead values do not depend on the path, so ``bead_values`` (the one place the
formula above is written) scores a block of CHUNK rows at a time per bead type
(``value_rows``). Each DP row i holds the cells lo[i] .. hi[i] of a band; a pass
gathers, for all bead types at once, the cells of the earlier (or later) rows
that each cell links to (``Ring``, ``links``): numpy call overhead on rows a few
dozen cells wide would otherwise cost more than the arithmetic, so the work per
row is a handful of numpy calls whatever the number of bead types. The search
(``aligner.align.search``) and the confidence pass (``aligner.align.confidence``)
walk these rows the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from aligner.align.tables import Table
from aligner.config import AlignConfig

NEG = -1e18
OPEN_ENDINGS = (":", "\uff1a")  # a sentence that ends so goes on in the next one (ASCII and full-width colon)


@dataclass(frozen=True)
class Windows:
    """Embeddings of every run of k consecutive sentences, k = 1..max_merge.

    ``tables[k][i]`` is the (normalised) embedding of sentences i..i+k-1 joined (an array, or
    for a long document a ``SpilledTable`` read a slice at a time, see ``aligner.align.tables``).
    ``lengths`` are the sentences' character lengths; ``open_ends`` marks the
    sentences that end with a colon (see ``continuation_penalty``).
    """

    tables: dict[int, Table]
    lengths: np.ndarray
    open_ends: np.ndarray | None = None

    @classmethod
    def of(cls, tables: Mapping[int, Table], sentences: Sequence[str]) -> Windows:
        """Windows for these sentences' run tables: their lengths and open ends from the texts."""
        return cls(dict(tables), np.array([len(s) for s in sentences], dtype=np.float64),
                   np.array([s.rstrip().endswith(OPEN_ENDINGS) for s in sentences], dtype=bool))

    @property
    def n(self) -> int:
        return int(self.lengths.shape[0])


def bead_types(max_merge: int, max_bead: int | None = None) -> list[tuple[int, int]]:
    """1-0, 0-1, then every a-b with 1 <= a, b <= max_merge and a + b <= max_bead."""
    limit = 2 * max_merge if max_bead is None else max_bead
    types = [(1, 0), (0, 1)]
    types += [(a, b) for a in range(1, max_merge + 1) for b in range(1, max_merge + 1) if a + b <= limit]
    return types


def full_band(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)


def band_around(path: Sequence[tuple[int, int]], n: int, m: int, width: int,
                scale: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Columns lo[i] .. hi[i] of each DP row within ``width`` of the cells a path passes through.

    ``path`` is a list of (a, b) bead shapes; with ``scale`` > 1 it is a path over blocks of
    ``scale`` sentences (the coarse level), mapped back to sentences. lo and hi never decrease.
    """
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    ci = cj = 0
    for a, b in path:
        i0, j0, i1, j1 = ci * scale, cj * scale, min((ci + a) * scale, n), min((cj + b) * scale, m)
        lo[i0:i1 + 1] = np.minimum(lo[i0:i1 + 1], j0)
        hi[i0:i1 + 1] = np.maximum(hi[i0:i1 + 1], j1)
        ci, cj = ci + a, cj + b
    lo = np.maximum(lo - width, 0)
    hi = np.minimum(hi + width, m)
    lo[0], hi[n] = 0, m
    hi = np.maximum.accumulate(hi)
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    return lo, hi


CHUNK = 64  # source rows whose bead similarities (and bead values) are computed in one go


class SimBlocks:
    """Cosines of a-b beads, computed a chunk of source rows at a time (one GEMM per chunk and type).

    For bead type (a, b) ending at row i, the source run starts at r = i - a and the
    target runs start at columns lo[i] - b .. hi[i] - b; lo and hi never decrease, so a
    chunk of CHUNK start rows needs one contiguous column span, widened by ``pad`` on
    both sides for the margin's neighbouring sentences.
    """

    def __init__(self, src: Windows, tgt: Windows, lo: np.ndarray, hi: np.ndarray, pad: int) -> None:
        self.src, self.tgt, self.lo, self.hi, self.pad = src, tgt, lo, hi, pad
        self.cache: dict[tuple[int, int, int], tuple[int, np.ndarray]] = {}

    def chunk(self, a: int, b: int, chunk: int) -> tuple[int, np.ndarray]:
        """(first column, cosines) of the source runs of a starting in ``chunk`` against target runs of b."""
        hit = self.cache.get((a, b, chunk))
        if hit is None:
            n, pad = self.src.n, self.pad
            r0 = chunk * CHUNK
            r1 = min(r0 + CHUNK, n - a + 1)
            c0 = max(int(self.lo[min(r0 + a, n)]) - b - pad, 0)
            c1 = min(int(self.hi[min(r1 - 1 + a, n)]) - b + 1 + pad, self.tgt.n - b + 1)
            c1 = max(c1, c0)
            hit = (c0, self.src.tables[a][r0:r1] @ self.tgt.tables[b][c0:c1].T)
            # callers move forward through the chunks (the search, and the confidence pass when it
            # computes values itself), reaching at most one chunk back (the margin's neighbours, and
            # bead types whose DP rows lag by a few rows)
            self.cache.pop((a, b, chunk - 3), None)
            self.cache[(a, b, chunk)] = hit
        return hit

    def grid(self, a: int, b: int, rows: range, cols: range) -> tuple[np.ndarray, np.ndarray]:
        """Cosines of the source runs (a, r) with the target runs (b, c), r in ``rows``, c in ``cols``,
        and where such a pair is available (zeros and False elsewhere): both runs must exist, and the
        target run must lie in the column span computed for the source run's chunk.

        The span only matters for the margin's neighbours in a banded search: a neighbour
        outside the band (plus ``pad``) counts as absent.
        """
        vals = np.zeros((len(rows), len(cols)))
        present = np.zeros((len(rows), len(cols)), dtype=bool)
        r, stop = max(rows.start, 0), min(rows.stop, self.src.n - a + 1)
        while r < stop:
            chunk = r // CHUNK
            c0, block = self.chunk(a, b, chunk)
            r0 = chunk * CHUNK
            r1 = min(stop, r0 + block.shape[0])
            first = max(cols.start, c0, 0)
            last = min(cols.stop, c0 + block.shape[1], self.tgt.n - b + 1)
            if last > first:
                out = (slice(r - rows.start, r1 - rows.start), slice(first - cols.start, last - cols.start))
                vals[out] = block[r - r0:r1 - r0, first - c0:last - c0]
                present[out] = True
            r = r1
        return vals, present


def _mean2(x: tuple[np.ndarray, np.ndarray], y: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Mean of the present values of two (values, present) pairs; 0 where neither is present."""
    count = x[1].astype(np.float64) + y[1]
    mean: np.ndarray = (x[0] + y[0]) / np.maximum(count, 1.0)
    return mean


@dataclass(frozen=True)
class Scoring:
    """What the bead values of one search need besides the config: cosines and per-sentence sums."""

    blocks: SimBlocks
    src_chars: np.ndarray  # src_chars[i] = characters in source sentences 0 .. i-1 (so n + 1 entries)
    tgt_chars: np.ndarray
    ratio: float  # expected source characters per target character
    src_blanks: np.ndarray  # src_blanks[i] = empty sentences among source sentences 0 .. i-1
    tgt_blanks: np.ndarray
    src_open: np.ndarray | None  # src_open[i] = 1.0 if source sentence i ends with a colon (None: unknown)
    tgt_open: np.ndarray | None

    @classmethod
    def of(cls, src: Windows, tgt: Windows, lo: np.ndarray, hi: np.ndarray, config: AlignConfig) -> Scoring:
        cs = np.concatenate([[0.0], np.cumsum(src.lengths, dtype=np.float64)])
        ct = np.concatenate([[0.0], np.cumsum(tgt.lengths, dtype=np.float64)])
        return cls(blocks=SimBlocks(src, tgt, lo, hi, pad=config.max_merge + 1),
                   src_chars=cs, tgt_chars=ct, ratio=float((cs[-1] + 1.0) / (ct[-1] + 1.0)),
                   src_blanks=np.concatenate([[0], np.cumsum(src.lengths == 0)]),
                   tgt_blanks=np.concatenate([[0], np.cumsum(tgt.lengths == 0)]),
                   src_open=None if src.open_ends is None else src.open_ends.astype(np.float64),
                   tgt_open=None if tgt.open_ends is None else tgt.open_ends.astype(np.float64))


def bead_values(scoring: Scoring, config: AlignConfig, a: int, b: int, rows: range, cols: range) -> np.ndarray:
    """Values of the a-b beads (a, b >= 1) that end at DP cell (i, j), for i in ``rows`` and j in ``cols``.

    The bead covers source sentences i-a .. i-1 and target sentences j-b .. j-1. Returns a
    (len(rows), len(cols)) array, NEG where the bead cannot be formed. A whole block of cells
    is scored at once so that the DP loop only shifts and compares rows (per-row numpy calls
    on short rows cost more than the arithmetic).
    """
    blocks = scoring.blocks
    i = np.arange(rows.start, rows.stop)[:, None]
    j = np.arange(cols.start, cols.stop)[None, :]
    starts = range(rows.start - a, rows.stop - a)  # first source sentence of each bead
    tgt_starts = range(cols.start - b, cols.stop - b)
    sims, formable = blocks.grid(a, b, starts, tgt_starts)
    margin: np.ndarray | float = 0.0
    if config.margin:
        # the source run against the target sentences just before and after the target run,
        # the target run against the source sentences just before and after the source run
        beside_tgt = _mean2(blocks.grid(a, 1, starts, range(tgt_starts.start - 1, tgt_starts.stop - 1)),
                            blocks.grid(a, 1, starts, cols))
        beside_src = _mean2(blocks.grid(1, b, range(starts.start - 1, starts.stop - 1), tgt_starts),
                            blocks.grid(1, b, rows, tgt_starts))
        margin = (beside_tgt + beside_src) / 2.0
    length_score: np.ndarray | float = 1.0  # a weight of 0 ignores lengths: no need to compute them
    if config.length_weight:
        # log2(1 + shorter / longer) of the two sides' lengths, the target's scaled to source characters
        src_len = scoring.src_chars[i] - scoring.src_chars[i - a]
        tgt_len = (scoring.tgt_chars[j] - scoring.tgt_chars[np.maximum(j - b, 0)]) * scoring.ratio
        shorter = np.minimum(src_len, tgt_len)
        longer = np.maximum(np.maximum(src_len, tgt_len), 1e-9)
        length_score = np.log2(1.0 + shorter / longer)
    value = ((sims - margin) * length_score ** config.length_weight
             - config.threshold - config.merge_penalty * (a + b - 2))
    if config.continuation_penalty and scoring.src_open is not None and scoring.tgt_open is not None:
        # a bead that ends after a sentence ending with a colon on one side only cuts it from what
        # it announces (when both sides end so, the two colons are each other's counterparts)
        value = value - config.continuation_penalty * np.abs(
            scoring.src_open[i - 1] - scoring.tgt_open[np.maximum(j - 1, 0)])
    # empty sentences (blank lines of a presplit file) are never aligned: only 1-0 / 0-1 beads take them
    formable &= scoring.src_blanks[i] == scoring.src_blanks[i - a]
    formable &= scoring.tgt_blanks[j] == scoring.tgt_blanks[np.maximum(j - b, 0)]
    formable &= sims >= (config.min_similarity or 0.0)
    return np.where(formable, value, NEG)


class Ring:
    """The last few DP rows of a pass, each row's cells from its own lo[i] on, padded with NEG.

    A bead of type (a, b) links cell (i, j) with cell (i -+ a, j -+ b); gathering the cells
    that row i links to, for every bead type at once, is one fancy index into this buffer
    (instead of a slice, an add and a compare per type and row). Column 0 and the columns
    past a row's width hold NEG, and indices are clamped into the buffer, so a cell outside
    a row's band reads as "no path". A row may hold one array per bead type (``depth``).
    """

    def __init__(self, rows: int, width: int, depth: int = 0) -> None:
        self.rows = rows
        self.buf = np.full((rows, depth, width + 2) if depth else (rows, width + 2), NEG)
        self.offsets = np.arange(1, width + 2)  # buffer column of cell offset 0, 1, ...
        self.last = width + 1
        self.depth = np.arange(depth)[:, None]

    def put(self, i: int, row: np.ndarray) -> None:
        slot = self.buf[i % self.rows]
        slot.fill(NEG)
        slot[..., 1:1 + row.shape[-1]] = row

    def gather(self, rows: np.ndarray, shifts: np.ndarray, width: int) -> np.ndarray:
        """(types, width): cell offset c + shifts[t] of row rows[t] (of its own array t, with depth)."""
        cols = self.offsets[:width][None, :] + shifts[:, None]
        np.minimum(np.maximum(cols, 0, out=cols), self.last, out=cols)  # (np.clip costs more than both)
        slots = (rows % self.rows)[:, None]
        cells: np.ndarray = self.buf[slots, self.depth, cols] if self.buf.ndim == 3 else self.buf[slots, cols]
        return cells


def aligned_types(config: AlignConfig, src: Windows, tgt: Windows) -> list[tuple[int, int]]:
    """The a-b bead types (a, b >= 1) of ``bead_types`` that the window tables support, in that
    order (a caller may supply tables for fewer than max_merge sentences)."""
    return [(a, b) for a, b in bead_types(config.max_merge, config.max_bead)
            if a and b and a in src.tables and b in tgt.tables]


def links(lo: np.ndarray, types: Sequence[tuple[int, int]], step: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row i and bead type t = (a, b): the row i + step * a that a bead links cell (i, j) with,
    and the shift from row i's cell offsets to that row's (``step`` -1: the bead ends at (i, j);
    +1: it starts there). For step -1, j - b - lo[i - a] = (j - lo[i]) + lo[i] - b - lo[i - a]."""
    n = len(lo) - 1
    a_of = np.array([a for a, _ in types], dtype=np.int64)
    b_of = np.array([b for _, b in types], dtype=np.int64)
    rows = np.arange(n + 1)[:, None] + step * a_of
    return rows, lo[:, None] + step * b_of - lo[np.clip(rows, 0, n)]


def value_rows(scoring: Scoring, config: AlignConfig, types: Sequence[tuple[int, int]], rows: range,
                lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(types, rows, widest): the values of the beads of each type ending at (i, lo[i] + c), at
    [t, i - rows.start, c]; NEG where no such bead can be formed and past row i's band.

    The values are computed for the rectangle of columns the rows' bands span (one block per
    type, ``bead_values``) and then moved so that each row starts at its own lo[i].
    """
    span = range(int(lo[rows.start]), int(hi[rows.stop - 1]) + 1)
    block = np.full((len(types), len(rows), len(span)), NEG)
    for t, (a, b) in enumerate(types):
        first = max(rows.start, a)  # a bead of a sentences cannot end before row a
        if first < rows.stop:
            block[t, first - rows.start:] = bead_values(scoring, config, a, b, range(first, rows.stop), span)
    return rebase(block, np.full(len(rows), span.start), rows, lo, hi)


def rebase(block: np.ndarray, starts: np.ndarray, rows: range, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(types, rows, widest): ``block``'s cells (its row r starts at column starts[r]) moved so that
    row i starts at lo[i]; NEG past row i's band. Row i's columns lo[i] .. hi[i] must lie in the block."""
    widths = hi[rows.start:rows.stop] - lo[rows.start:rows.stop] + 1
    cells = np.arange(int(widths.max()))
    cols = np.minimum((lo[rows.start:rows.stop] - starts)[:, None] + cells[None, :], block.shape[2] - 1)
    out = block[:, np.arange(len(rows))[:, None], cols]
    out[:, cells[None, :] >= widths[:, None]] = NEG
    return out
