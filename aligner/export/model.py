"""The data model every export format writes: a ``PairSet`` (the pairs of one document pair with their context).

A ``PairSet`` holds the pairs of one document pair plus what a format needs
beside them (languages for TMX and Moses file names, the pair's name, reviewer
decisions when the pairs come back from ``review apply``). ``as_pairset``
builds one from an ``Alignment``, a list of ``AlignedPair`` or another
PairSet, so the Python API and the CLI share one path.

The corpus formats (bitext, Moses, TMX) are what MT training and translation
memories consume, so they only carry pairs with text on both sides, never a
pair the reviewer rejected, and can be narrowed further with ``keep`` and
``min_score`` (``corpus_pairs``). The table formats (TSV, JSONL, XLSX) carry
every bead: they are for people and for re-import, and losing a 1-0 bead there
would hide an omission.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from aligner.errors import FormatError, InputError
from aligner.types import AlignedPair, Alignment, Bead

Keep = Literal["all", "clean", "accepted"]
KEEP_CHOICES: tuple[str, ...] = ("all", "clean", "accepted")
DECISIONS: tuple[str, ...] = ("accept", "reject", "fix")

# The corpus convention for alignment files: {srclang}-{tgtlang}__{src_slug}__{tgt_slug}.tsv
_CONVENTION = re.compile(r"^(?P<src>[a-z]{2,3})-(?P<tgt>[a-z]{2,3})__.+__.+$")


@dataclass(frozen=True)
class Review:
    """What the reviewer decided for one bead (empty strings when nothing was set)."""

    decision: str = ""  # "" | accept | reject | fix
    comment: str = ""


@dataclass(frozen=True)
class PairSet:
    """The aligned pairs of one document pair, with the context the formats need."""

    name: str  # the pair's name; the corpus convention's file stem when known
    pairs: tuple[AlignedPair, ...]
    src_lang: str | None = None
    tgt_lang: str | None = None
    src_name: str | None = None
    tgt_name: str | None = None
    signature: str | None = None
    source: str | None = None  # the alignment file it was read from, if any
    reviews: Mapping[str, Review] = field(default_factory=dict)  # bead_id -> Review

    def review(self, pair: AlignedPair) -> Review:
        return self.reviews.get(bead_id(pair.bead), Review())


# --- naming -----------------------------------------------------------------------------------


def bead_id(bead: Bead) -> str:
    """The stable id of a bead within its document pair, e.g. ``s3,4/t2`` or ``s7/t-``.

    It depends only on the segment ids, which depend only on the documents and
    the segmentation, so the same alignment always gives the same ids; and it
    starts with a letter, so no spreadsheet reads it as a number or a formula.
    """
    src = ",".join(map(str, bead.src)) or "-"
    tgt = ",".join(map(str, bead.tgt)) or "-"
    return f"s{src}/t{tgt}"


def _slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-") or "doc"


def pair_name(alignment: Alignment) -> str:
    """``{srclang}-{tgtlang}__{src}__{tgt}``: the corpus convention's stem (as ``aligner corpus`` names the TSV)."""
    src = _slug(alignment.src.name.split("/")[-1])
    tgt = _slug(alignment.tgt.name.split("/")[-1])
    return f"{alignment.src.lang}-{alignment.tgt.lang}__{src}__{tgt}"


def langs_from_name(name: str) -> tuple[str, str] | None:
    """Languages from a name following the corpus convention (``en-de__a__b[.tsv]``), else None."""
    stem = Path(name).name
    for ext in (".tsv", ".jsonl", ".xlsx", ".tmx"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    m = _CONVENTION.match(stem)
    return (m.group("src"), m.group("tgt")) if m else None


def as_pairset(obj: Alignment | PairSet | Sequence[AlignedPair], *, name: str | None = None,
               src_lang: str | None = None, tgt_lang: str | None = None) -> PairSet:
    """Wrap an Alignment (or a bare list of pairs) with the context the writers need."""
    if isinstance(obj, PairSet):
        ps = obj
    elif isinstance(obj, Alignment):
        ps = PairSet(name=pair_name(obj), pairs=tuple(obj.pairs), src_lang=obj.src.lang,
                     tgt_lang=obj.tgt.lang, src_name=obj.src.name, tgt_name=obj.tgt.name,
                     signature=obj.signature,
                     source=str(obj.meta["tsv"]) if obj.meta.get("tsv") else None)
    else:
        ps = PairSet(name=name or "alignment", pairs=tuple(obj))
    if name:
        ps = replace(ps, name=name)
    if ps.src_lang is None or ps.tgt_lang is None:
        guessed = langs_from_name(ps.name)
        if guessed:
            ps = replace(ps, src_lang=ps.src_lang or guessed[0], tgt_lang=ps.tgt_lang or guessed[1])
    if src_lang:
        ps = replace(ps, src_lang=src_lang)
    if tgt_lang:
        ps = replace(ps, tgt_lang=tgt_lang)
    return ps


Group = tuple[list[AlignedPair], dict[str, Review], tuple[str | None, str | None]]
"""What a reader gives per pair name: its pairs, the reviewer's decisions, its languages."""


def require_langs(ps: PairSet, fmt: str) -> tuple[str, str]:
    if ps.src_lang and ps.tgt_lang:
        return ps.src_lang, ps.tgt_lang
    where = ps.source or ps.name
    raise FormatError(
        f"{where}: cannot tell the languages for {fmt} (the name does not follow "
        "{srclang}-{tgtlang}__{src}__{tgt}.tsv and no summary.json beside it lists it); "
        "pass --src-lang and --tgt-lang"
    )


# --- selection --------------------------------------------------------------------------------


def corpus_pairs(ps: PairSet, keep: Keep = "all", min_score: float | None = None) -> list[AlignedPair]:
    """The pairs that belong in a training corpus or a translation memory.

    Always: text on both sides and not rejected by the reviewer. ``keep="clean"``:
    also no QA flag, unless the reviewer accepted or fixed the pair (their word
    beats the checker's). ``keep="accepted"``: only pairs the reviewer accepted
    or fixed. ``min_score``: similarity at least this (reviewer-fixed and
    -accepted pairs pass regardless: a person looked at them).
    """
    if keep not in KEEP_CHOICES:
        raise FormatError(f"bad --keep {keep!r} (expected {', '.join(KEEP_CHOICES)})")
    out: list[AlignedPair] = []
    for pair in ps.pairs:
        decision = ps.review(pair).decision
        if not pair.src.strip() or not pair.tgt.strip() or decision == "reject":
            continue
        vetted = decision in ("accept", "fix")
        if keep == "accepted" and not vetted:
            continue
        if keep == "clean" and pair.flags and not vetted:
            continue
        if min_score is not None and pair.bead.score < min_score and not vetted:
            continue
        out.append(pair)
    return out


_SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


def worst_severity(pair: AlignedPair) -> str:
    """``error`` / ``warning`` / ``info`` for the pair's worst flag, ``""`` when it has none."""
    worst = ""
    for f in pair.flags:
        if _SEVERITY_RANK.get(f.severity, 2) > _SEVERITY_RANK.get(worst, 0):
            worst = f.severity
    return worst


def as_sets(data: Any, **kw: Any) -> list[PairSet]:
    """One PairSet per alignment in ``data`` (an Alignment, a PairSet, a list of pairs, or a list of either)."""
    if isinstance(data, (Alignment, PairSet)):
        return [as_pairset(data, **kw)]
    items = list(data)
    if items and all(isinstance(x, AlignedPair) for x in items):
        return [as_pairset(items, **kw)]
    if all(isinstance(x, (Alignment, PairSet)) for x in items):
        if kw.get("name") and len(items) > 1:
            raise FormatError("name= applies to one alignment")
        return [as_pairset(x, **kw) for x in items]
    raise InputError("export: expected an Alignment, a list of AlignedPair or a list of Alignment")


@dataclass(frozen=True)
class WriteOptions:
    """What a writer is told beside the pairs: the corpus selection, and what the pairs were made from."""

    keep: Keep = "all"
    min_score: float | None = None
    sources: Any = None  # the Alignments, when known: the workbook and the review page record their documents
