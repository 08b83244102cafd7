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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


def precision_counts(gold: Iterable[Sequence[Sequence[int]]], test: Iterable[Sequence[Sequence[int]]]) -> Counts:
    """How many test beads are strict / lax correct with respect to the gold."""
    gold_set, test_set = _as_set(gold), _as_set(test)
    gold_tgts: dict[int, set[int]] = defaultdict(set)  # source id -> target ids it is aligned to in gold
    for g_src, g_tgt in gold_set:
        for s in g_src:
            gold_tgts[s].update(g_tgt)
    tps = fps = tpl = fpl = 0
    for bead in test_set:
        if bead in gold_set:
            tps += 1
            tpl += 1
            continue
        fps += 1
        src, tgt = bead
        linked: set[int] = set()
        for s in src:
            linked |= gold_tgts.get(s, set())
        if linked.intersection(tgt):
            tpl += 1
        else:
            fpl += 1
    return Counts(tps, fps, tpl, fpl)


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
    for gold, test in zip(gold_docs, test_docs):
        gold, test = list(gold), list(test)
        p = p + precision_counts(gold, test)
        gold_pairs = [(s, t) for s, t in gold if len(s) and len(t)]
        test_pairs = [(s, t) for s, t in test if len(s) and len(t)]
        r = r + precision_counts(test_pairs, gold_pairs)
    ps, pl = _ratio(p.tp_strict, p.tp_strict + p.fp_strict), _ratio(p.tp_lax, p.tp_lax + p.fp_lax)
    rs, rl = _ratio(r.tp_strict, r.tp_strict + r.fp_strict), _ratio(r.tp_lax, r.tp_lax + r.fp_lax)
    return Scores(ps, rs, _f1(ps, rs), pl, rl, _f1(pl, rl), p, r)


def score_files(test_paths: Sequence[str | os.PathLike[str]],
                gold_paths: Sequence[str | os.PathLike[str]]) -> Scores:
    if len(test_paths) != len(gold_paths):
        raise FormatError(f"{len(test_paths)} test files but {len(gold_paths)} gold files; "
                          "give one gold per test, in the same order")
    return score([read_beads(g) for g in gold_paths], [read_beads(t) for t in test_paths])


def format_beads(beads: Iterable[tuple[Sequence[int], Sequence[int]]]) -> str:
    """The gold format: ``[0]:[0, 1]`` per line."""
    return "".join(f"{list(s)}:{list(t)}\n" for s, t in beads)
