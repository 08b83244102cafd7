"""Strict and lax precision / recall / F1 of sentence alignments against a gold standard.

The definition is the one behind the published Vecalign and Bertalign numbers
(``vecalign/score.py``; described in ``shared/benchmarks/textberg/README.md``):

* Beads are compared as (source indices, target indices) pairs; each document's
  beads form a *set* (duplicates count once) and beads empty on both sides are
  dropped.
* Precision: a test bead is strict-correct if it equals a gold bead; it is
  lax-correct if some target sentence of it is aligned in the gold to one of
  its source sentences. A 1-0 or 0-1 test bead is therefore correct only if it
  equals a gold null bead.
* Recall: the same count with gold and test swapped, after removing every bead
  that is empty on one side (1-0/0-1) from both.
* Counts are pooled over all documents (micro average); F1 is the harmonic mean
  of P and R, separately for strict and lax. A 0/0 ratio is 0.

Bead files hold one bead per line, ``[src ids]:[tgt ids]`` as Python list
literals, optionally followed by ``:score`` (Vecalign's output format).
"""

from __future__ import annotations

import ast
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from aligner.errors import FormatError, InputError

BeadPair = tuple[tuple[int, ...], tuple[int, ...]]


def parse_beads(text: str, name: str = "<beads>") -> list[BeadPair]:
    """Parse a beads file: ``[0]:[0, 1]`` per line; a third ``:score`` field is ignored."""
    beads: list[BeadPair] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = [f for f in line.strip().split(":") if f.strip()]
        if len(fields) < 2:
            raise FormatError(f"{name}:{lineno}: expected '[src ids]:[tgt ids]', got {line.strip()!r}")
        sides = []
        for field in fields[:2]:
            try:
                value = ast.literal_eval(field.strip())
            except (ValueError, SyntaxError):
                raise FormatError(f"{name}:{lineno}: not a list of sentence ids: {field.strip()!r}") from None
            if not isinstance(value, (list, tuple)) or not all(
                    isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
                raise FormatError(f"{name}:{lineno}: not a list of sentence ids: {field.strip()!r}")
            sides.append(tuple(value))
        beads.append((sides[0], sides[1]))
    return beads


def read_beads(path: str | os.PathLike[str]) -> list[BeadPair]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as err:
        raise InputError(f"cannot read {os.fspath(path)}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise FormatError(f"{os.fspath(path)}: not UTF-8 text") from None
    return parse_beads(text, os.fspath(path))


@dataclass(frozen=True)
class Counts:
    """True/false positive counts, strict and lax."""

    tp_strict: int = 0
    fp_strict: int = 0
    tp_lax: int = 0
    fp_lax: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp_strict + other.tp_strict, self.fp_strict + other.fp_strict,
                      self.tp_lax + other.tp_lax, self.fp_lax + other.fp_lax)


def _as_set(beads: Iterable[Sequence[Sequence[int]]]) -> set[BeadPair]:
    return {(tuple(s), tuple(t)) for s, t in beads if len(s) or len(t)}


def _distinct(beads: Iterable[Sequence[Sequence[int]]]) -> list[tuple[int, BeadPair]]:
    """The distinct non-empty beads in file order, each with its anchor: the source position it sits
    at (its first source id, or for a 0-1 bead the source id that comes next)."""
    seen: set[BeadPair] = set()
    out: list[tuple[int, BeadPair]] = []
    position = 0
    for s, t in beads:
        bead = (tuple(s), tuple(t))
        if bead[0]:
            position = bead[0][0]
        if (bead[0] or bead[1]) and bead not in seen:
            seen.add(bead)
            out.append((position, bead))
        if bead[0]:
            position = bead[0][-1] + 1
    return out


def verdicts(gold: Iterable[Sequence[Sequence[int]]],
             test: Iterable[Sequence[Sequence[int]]]) -> list[tuple[int, bool, bool]]:
    """(anchor, strict-correct, lax-correct) of each distinct test bead, in order."""
    gold_set = _as_set(gold)
    gold_tgts: dict[int, set[int]] = defaultdict(set)  # source id -> target ids it is aligned to in gold
    for g_src, g_tgt in gold_set:
        for s in g_src:
            gold_tgts[s].update(g_tgt)
    out: list[tuple[int, bool, bool]] = []
    for anchor, bead in _distinct(test):
        if bead in gold_set:
            out.append((anchor, True, True))
            continue
        linked: set[int] = set()
        for s in bead[0]:
            linked |= gold_tgts.get(s, set())
        out.append((anchor, False, bool(linked.intersection(bead[1]))))
    return out


def precision_counts(gold: Iterable[Sequence[Sequence[int]]], test: Iterable[Sequence[Sequence[int]]]) -> Counts:
    """How many test beads are strict / lax correct with respect to the gold."""
    return _counts(verdicts(gold, test))


def _counts(judged: Sequence[tuple[int, bool, bool]]) -> Counts:
    tps = sum(strict for _, strict, _ in judged)
    tpl = sum(lax for _, _, lax in judged)
    return Counts(tps, len(judged) - tps, tpl, len(judged) - tpl)


def _judged(gold_docs: Sequence[Iterable[Sequence[Sequence[int]]]],
            test_docs: Sequence[Iterable[Sequence[Sequence[int]]]]
            ) -> Iterator[tuple[int, list[tuple[int, bool, bool]], list[tuple[int, bool, bool]]]]:
    """Per document: its index, the verdicts on its test beads (precision) and on its gold pairs
    (recall: gold and test swapped, beads empty on one side dropped from both)."""
    for doc, (gold, test) in enumerate(zip(gold_docs, test_docs)):
        gold, test = list(gold), list(test)
        gold_pairs = [(s, t) for s, t in gold if len(s) and len(t)]
        test_pairs = [(s, t) for s, t in test if len(s) and len(t)]
        yield doc, verdicts(gold, test), verdicts(test_pairs, gold_pairs)


@dataclass(frozen=True)
class Scores:
    precision_strict: float
    recall_strict: float
    f1_strict: float
    precision_lax: float
    recall_lax: float
    f1_lax: float
    precision_counts: Counts
    recall_counts: Counts

    def line(self) -> str:
        return (f"strict P={self.precision_strict:.3f} R={self.recall_strict:.3f} F1={self.f1_strict:.3f} | "
                f"lax P={self.precision_lax:.3f} R={self.recall_lax:.3f} F1={self.f1_lax:.3f}")


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(gold_docs: Sequence[Iterable[Sequence[Sequence[int]]]],
          test_docs: Sequence[Iterable[Sequence[Sequence[int]]]]) -> Scores:
    """Pooled strict/lax P/R/F1 over documents (``gold_docs[k]`` pairs with ``test_docs[k]``)."""
    if len(gold_docs) != len(test_docs):
        raise FormatError(f"{len(test_docs)} test files but {len(gold_docs)} gold files; give one gold per test")
    p = Counts()
    r = Counts()
    for _, precision, recall in _judged(gold_docs, test_docs):
        p, r = p + _counts(precision), r + _counts(recall)
    ps, pl = _ratio(p.tp_strict, p.tp_strict + p.fp_strict), _ratio(p.tp_lax, p.tp_lax + p.fp_lax)
    rs, rl = _ratio(r.tp_strict, r.tp_strict + r.fp_strict), _ratio(r.tp_lax, r.tp_lax + r.fp_lax)
    return Scores(ps, rs, _f1(ps, rs), pl, rl, _f1(pl, rl), p, r)


def _block_counts(gold_docs: Sequence[Iterable[Sequence[Sequence[int]]]],
                  test_docs: Sequence[Iterable[Sequence[Sequence[int]]]], block: int
                  ) -> dict[tuple[int, int], list[int]]:
    """Per (document, block of source sentences): strict and lax correct test beads, test beads,
    strict and lax recovered gold pairs, gold pairs."""
    rows: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * 6)
    for doc, precision, recall in _judged(gold_docs, test_docs):
        for offset, judged in ((0, precision), (3, recall)):
            for anchor, strict, lax in judged:
                row = rows[doc, anchor // block]
                row[offset] += strict
                row[offset + 1] += lax
                row[offset + 2] += 1
    return rows


def _f1_draws(sums: Any) -> dict[str, Any]:
    """Strict and lax F1 of each bootstrap draw, from summed block counts (draws, 6)."""
    import numpy as np

    out = {}
    for name, p_tp, r_tp in (("f1_strict", 0, 3), ("f1_lax", 1, 4)):
        p = np.divide(sums[:, p_tp], sums[:, 2], out=np.zeros(len(sums)), where=sums[:, 2] > 0)
        r = np.divide(sums[:, r_tp], sums[:, 5], out=np.zeros(len(sums)), where=sums[:, 5] > 0)
        out[name] = np.divide(2 * p * r, p + r, out=np.zeros(len(sums)), where=p + r > 0)
    return out


def intervals(gold_docs: Sequence[Iterable[Sequence[Sequence[int]]]],
              test_docs: Sequence[Iterable[Sequence[Sequence[int]]]], *, samples: int = 1000,
              block: int = 20, level: float = 0.95, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Bootstrap intervals of strict and lax F1: how far the score would move on other text like this.

    Why: on one or seven documents a change of 0.005 can be noise (the Text+Berg dev document and
    the test set disagreed on most scoring changes we measured). Each document is cut into blocks
    of ``block`` source sentences; a test bead and a gold pair belong to the block their source
    position falls in, so a wrong bead and the gold bead it missed are resampled together. Blocks
    are drawn with replacement from all documents pooled; the interval is the central ``level``
    share of the F1 over ``samples`` draws (seeded: the same input gives the same interval).
    """
    import numpy as np

    rows = _block_counts(gold_docs, test_docs, block)
    if not rows:
        return {"f1_strict": (0.0, 0.0), "f1_lax": (0.0, 0.0)}
    table = np.array(list(rows.values()), dtype=np.float64)
    picks = np.random.default_rng(seed).integers(0, len(table), size=(samples, len(table)))
    tail = (1 - level) / 2 * 100
    return {name: tuple(float(x) for x in np.percentile(f1, [tail, 100 - tail]))  # type: ignore[misc]
            for name, f1 in _f1_draws(table[picks].sum(axis=1)).items()}


def compare(gold_docs: Sequence[Iterable[Sequence[Sequence[int]]]],
            a_docs: Sequence[Iterable[Sequence[Sequence[int]]]],
            b_docs: Sequence[Iterable[Sequence[Sequence[int]]]], *, samples: int = 1000,
            block: int = 20, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Paired bootstrap of two alignments of the same documents: for strict and lax F1, the
    difference A - B and the share of draws (the same blocks for both) in which A scores higher.

    The question a scoring change has to answer; a share near 0.5 means the test cannot tell.
    """
    import numpy as np

    a_rows, b_rows = _block_counts(gold_docs, a_docs, block), _block_counts(gold_docs, b_docs, block)
    keys = sorted(set(a_rows) | set(b_rows))
    if not keys:
        return {"f1_strict": (0.0, 0.5), "f1_lax": (0.0, 0.5)}
    a_table = np.array([a_rows.get(k, [0] * 6) for k in keys], dtype=np.float64)
    b_table = np.array([b_rows.get(k, [0] * 6) for k in keys], dtype=np.float64)
    picks = np.random.default_rng(seed).integers(0, len(keys), size=(samples, len(keys)))
    a_f1, b_f1 = _f1_draws(a_table[picks].sum(axis=1)), _f1_draws(b_table[picks].sum(axis=1))
    a_all, b_all = _f1_draws(a_table.sum(axis=0)[None]), _f1_draws(b_table.sum(axis=0)[None])
    return {name: (float(a_all[name][0] - b_all[name][0]),
                   float(np.mean(a_f1[name] > b_f1[name]) + 0.5 * np.mean(a_f1[name] == b_f1[name])))
            for name in a_f1}


def read_docs(test_paths: Sequence[str | os.PathLike[str]], gold_paths: Sequence[str | os.PathLike[str]]
              ) -> tuple[list[list[BeadPair]], list[list[BeadPair]]]:
    """(gold beads, test beads) per document, the k-th test file paired with the k-th gold file."""
    if len(test_paths) != len(gold_paths):
        raise FormatError(f"{len(test_paths)} test files but {len(gold_paths)} gold files; "
                          "give one gold per test, in the same order")
    return [read_beads(g) for g in gold_paths], [read_beads(t) for t in test_paths]


def score_files(test_paths: Sequence[str | os.PathLike[str]],
                gold_paths: Sequence[str | os.PathLike[str]]) -> Scores:
    return score(*read_docs(test_paths, gold_paths))


def format_beads(beads: Iterable[tuple[Sequence[int], Sequence[int]]]) -> str:
    """The gold format: ``[0]:[0, 1]`` per line."""
    return "".join(f"{list(s)}:{list(t)}\n" for s, t in beads)
