"""Bead confidence: the exact posterior of the search's own path model, and what it tells a reviewer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aligner.align import CHUNK, NEG, TEMPERATURE, Windows, align_windows, band_around, bead_types
from aligner.align.lattice import Scoring, bead_values, full_band
from aligner.align.search import coarse_band
from aligner.config import AlignConfig, DocConfig
from aligner.evaluate import read_beads
from aligner.qa.checks import check_pairs
from aligner.types import AlignedPair, Bead
from tests.conftest import TEXTBERG, needs_textberg



def _random_windows(rng: np.random.Generator, n: int, dim: int = 6) -> Windows:
    tables = {}
    for k in range(1, 3):
        x = rng.normal(size=(n - k + 1, dim))
        tables[k] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return Windows(tables, rng.integers(5, 60, size=n).astype(np.float64))


def _value_tables(src: Windows, tgt: Windows, config: AlignConfig, lo: np.ndarray,
                  hi: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    """The search's value of every a-b bead, by the cell (i, j) it ends at (NEG where none)."""
    n, m = src.n, tgt.n
    scoring = Scoring.of(src, tgt, lo, hi, config)
    value = {}
    for a, b in bead_types(config.max_merge, config.max_bead):
        if a and b:
            value[(a, b)] = np.full((n + 1, m + 1), NEG)
            value[(a, b)][a:, b:] = bead_values(scoring, config, a, b, range(a, n + 1), range(b, m + 1))
    return value


def _brute_force(src: Windows, tgt: Windows, config: AlignConfig) -> tuple[dict[tuple, float], list[tuple]]:
    """Posterior of every bead (as (src ids, tgt ids)) by listing every path, with the search's scores;
    and the beads of the best path."""
    n, m = src.n, tgt.n
    value = _value_tables(src, tgt, config, *full_band(n, m))
    types = list(value)
    paths: list[tuple[float, list[tuple]]] = []

    def walk(i: int, j: int, last: str, score: float, beads: list[tuple]) -> None:
        if (i, j) == (n, m):
            paths.append((score, beads))
            return
        for a, b in types:
            if i + a <= n and j + b <= m and value[(a, b)][i + a, j + b] > NEG / 2:
                walk(i + a, j + b, "aligned", score + value[(a, b)][i + a, j + b],
                     beads + [(tuple(range(i, i + a)), tuple(range(j, j + b)))])
        if i < n:
            cost = config.skip_extend if last == "src" else config.skip_penalty
            walk(i + 1, j, "src", score - cost, beads + [((i,), ())])
        if j < m:
            cost = config.skip_extend if last == "tgt" else config.skip_penalty
            walk(i, j + 1, "tgt", score - cost, beads + [((), (j,))])

    walk(0, 0, "aligned", 0.0, [])
    top = max(s for s, _ in paths)
    weights = [math.exp((s - top) / TEMPERATURE) for s, _ in paths]
    total = sum(weights)
    posterior: dict[tuple, float] = {}
    for w, (_, beads) in zip(weights, paths):
        for bead in beads:
            posterior[bead] = posterior.get(bead, 0.0) + w / total
    return posterior, max(paths, key=lambda p: p[0])[1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_confidence_is_the_exact_share_of_paths_through_each_bead(seed: int) -> None:
    rng = np.random.default_rng(seed)
    src, tgt = _random_windows(rng, 4), _random_windows(rng, 5)
    # a skip penalty in the range of the random beads' values, so that many paths matter
    config = AlignConfig(max_merge=2, max_bead=3, skip_penalty=0.05, skip_extend=0.01, band=20)
    beads = align_windows(src, tgt, config)
    exact, _ = _brute_force(src, tgt, config)
    got = [b.confidence for b in beads]
    want = [exact[(b.src, b.tgt)] for b in beads]
    assert got == pytest.approx(want, abs=1e-9)
    assert min(want) < 0.9  # the case is uncertain somewhere, so the check has something to check


@pytest.mark.parametrize("seed", range(6))
def test_the_search_finds_the_best_of_all_paths(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    src, tgt = _random_windows(rng, 4), _random_windows(rng, 5)
    config = AlignConfig(max_merge=2, max_bead=3, skip_penalty=0.05, skip_extend=0.01, confidence=False)
    _, best = _brute_force(src, tgt, config)
    assert [(b.src, b.tgt) for b in align_windows(src, tgt, config)] == best


def _per_cell(src: Windows, tgt: Windows, config: AlignConfig, path: list[tuple[int, int]],
              search: tuple[np.ndarray, np.ndarray]) -> list[float]:
    """The same posteriors cell by cell, in plain Python: forward and backward over the three states
    (aligned, after a 1-0, after a 0-1) of every cell within the band around the path and inside the
    search's band (``search``: its lo, hi), with the bead values the search used."""
    n, m = src.n, tgt.n
    lo, hi = band_around(path, n, m, config.band)
    lo, hi = np.maximum(lo, search[0]), np.minimum(hi, search[1])
    value = {t: v / TEMPERATURE for t, v in _value_tables(src, tgt, config, *search).items()}
    types = list(value)
    opening, extend = config.skip_penalty / TEMPERATURE, config.skip_extend / TEMPERATURE
    cells = [(i, j) for i in range(n + 1) for j in range(int(lo[i]), int(hi[i]) + 1)]
    inside = set(cells)

    def lse(*xs: float) -> float:
        top = max(xs)
        return top if top <= NEG / 2 else top + math.log(sum(math.exp(x - top) for x in xs))

    fwd: dict[tuple[int, int], tuple[float, float, float]] = {}  # (aligned, 1-0, 0-1)
    for i, j in cells:
        aligned = 0.0 if (i, j) == (0, 0) else lse(NEG, *(
            lse(*fwd[(i - a, j - b)]) + value[(a, b)][i, j] for a, b in types if (i - a, j - b) in inside))
        s = fwd.get((i - 1, j))
        t = fwd.get((i, j - 1))
        fwd[(i, j)] = (aligned,
                       lse(s[0] - opening, s[2] - opening, s[1] - extend) if s else NEG,
                       lse(t[0] - opening, t[1] - opening, t[2] - extend) if t else NEG)
    total = lse(*fwd[(n, m)])
    bwd: dict[tuple[int, int], tuple[float, float, float]] = {}  # paths on, given the state arrived in
    for i, j in reversed(cells):
        beads = [value[(a, b)][i + a, j + b] + bwd[(i + a, j + b)][0] for a, b in types if (i + a, j + b) in inside]
        on = lse(NEG, 0.0 if (i, j) == (n, m) else NEG, *beads)
        s = bwd[(i + 1, j)][1] if (i + 1, j) in inside else NEG
        t = bwd[(i, j + 1)][2] if (i, j + 1) in inside else NEG
        bwd[(i, j)] = (lse(on, s - opening, t - opening), lse(on, s - extend, t - opening),
                       lse(on, s - opening, t - extend))
    out, i, j = [], 0, 0
    for a, b in path:
        if a and b:
            p = math.exp(lse(*fwd[(i, j)]) + value[(a, b)][i + a, j + b] + bwd[(i + a, j + b)][0] - total)
        elif a:
            p = sum(math.exp(fwd[(i + 1, k)][1] + bwd[(i + 1, k)][1] - total) for k in range(m + 1)
                    if (i + 1, k) in inside)
        else:
            p = sum(math.exp(fwd[(k, j + 1)][2] + bwd[(k, j + 1)][2] - total) for k in range(n + 1)
                    if (k, j + 1) in inside)
        out.append(p)
        i, j = i + a, j + b
    return out


def test_confidence_over_several_chunks_of_rows_and_a_narrow_band_matches_a_cell_by_cell_sum() -> None:
    """A document longer than the blocks of rows the passes work in, a banded search, 3-sentence merges:
    the row-at-a-time passes must agree with a plain cell-by-cell forward-backward."""
    rng = np.random.default_rng(11)
    n, dim = 2 * CHUNK + 30, 24
    base = rng.normal(size=(n, dim))
    keep = [k for k in range(n) if rng.random() > 0.05]  # the target drops some sentences...
    rows = []
    for k in keep:  # ...and joins some with the next
        if rows and rng.random() < 0.1:
            rows[-1] = rows[-1] + base[k]
        else:
            rows.append(base[k] + rng.normal(scale=0.6, size=dim))

    def windows(x: np.ndarray) -> Windows:
        tables = {}
        for k in range(1, 4):
            runs = np.array([x[r:r + k].sum(axis=0) for r in range(len(x) - k + 1)])
            tables[k] = runs / np.linalg.norm(runs, axis=1, keepdims=True)
        return Windows(tables, rng.integers(20, 120, size=len(x)).astype(np.float64))

    src, tgt = windows(base), windows(np.array(rows))
    config = AlignConfig(max_merge=3, max_bead=4, band=3, full_search_cells=0)
    beads = align_windows(src, tgt, config)
    path = [(len(b.src), len(b.tgt)) for b in beads]
    assert {(1, 0), (2, 1)} <= set(path) and src.n > 2 * CHUNK  # gaps, merges, and three blocks of rows
    got = [b.confidence for b in beads]
    search = coarse_band(src, tgt, config)  # the band the search worked in
    assert any(search[0] > band_around(path, src.n, tgt.n, config.band)[0])  # and it cuts the path's band
    want = _per_cell(src, tgt, config, path, search)
    assert got == pytest.approx(want, abs=1e-9)
    assert min(want) < 0.9


def _auc(right: list[bool], scores: list[float]) -> float:
    """Probability that a right bead scores higher than a wrong one (ties count half)."""
    pos = [s for r, s in zip(right, scores) if r]
    neg = [s for r, s in zip(right, scores) if not r]
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


@needs_textberg
def test_on_real_translations_confidence_finds_the_wrong_beads_and_the_cosine_does_not() -> None:
    from aligner.pipeline import align_files

    alignment = align_files(TEXTBERG / "dev.de", TEXTBERG / "dev.fr", doc_config=DocConfig(presplit=True),
                            src_lang="de", tgt_lang="fr", qa=False)
    gold = set(read_beads(TEXTBERG / "dev.defr"))
    beads = [p.bead for p in alignment.pairs]
    right = [(b.src, b.tgt) in gold for b in beads]
    sure = [b.confidence for b in beads]
    assert all(s is not None and 0.0 <= s <= 1.0 for s in sure)
    aligned = [k for k, b in enumerate(beads) if b.src and b.tgt]
    auc_confidence = _auc([right[k] for k in aligned], [sure[k] for k in aligned])  # type: ignore[misc]
    auc_cosine = _auc([right[k] for k in aligned], [beads[k].score for k in aligned])
    assert auc_confidence > 0.75 and auc_cosine < 0.6
    confident = [r for r, s in zip(right, sure) if s >= 0.95]  # type: ignore[operator]
    doubted = [r for r, s in zip(right, sure) if s < 0.5]  # type: ignore[operator]
    assert len(confident) > 0.6 * len(beads) and sum(confident) / len(confident) > 0.93
    assert doubted and sum(doubted) / len(doubted) < 0.7


def test_no_confidence_leaves_it_unknown_and_the_beads_unchanged() -> None:
    rng = np.random.default_rng(5)
    src, tgt = _random_windows(rng, 30), _random_windows(rng, 28)
    on = align_windows(src, tgt, AlignConfig())
    off = align_windows(src, tgt, AlignConfig(confidence=False))
    assert [(b.src, b.tgt) for b in on] == [(b.src, b.tgt) for b in off]
    assert all(b.confidence is None for b in off) and all(b.confidence is not None for b in on)


def test_a_doubted_bead_is_flagged_for_review_and_a_sure_or_unknown_one_is_not() -> None:
    pairs = [AlignedPair(Bead((0,), (0,), 0.9, 0.31), "Erstersteigung 1933 durch B.M.", "première ascension en 1933"),
             AlignedPair(Bead((1,), (1,), 0.9, 0.62), "Abalakow, seitdem besucht.", "par E. M. Abalakow."),
             AlignedPair(Bead((2,), (), 0.0, 0.2), "Literatur:", ""),
             AlignedPair(Bead((3,), (2,), 0.9), "Benno Schwabe 1935.", "Benno Schwabe, Basel 1935.")]
    flagged = [[f for f in p.flags if f.code == "uncertain-alignment"] for p in check_pairs(pairs, "de", "fr")]
    assert [len(f) for f in flagged] == [1, 0, 1, 0]
    assert flagged[0][0].message == ("alignment confidence 0.31: this 1-1 bead is more likely cut wrong than "
                                     "right; check it against the rows around it")
    assert flagged[2][0].message.startswith("alignment confidence 0.20: this sentence may have a counterpart")
