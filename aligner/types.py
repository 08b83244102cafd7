"""Plain data passed between the pipeline's stages.

document -> segments -> embeddings -> alignment -> flags -> export

Every stage takes and returns these frozen dataclasses (or numpy arrays for
embeddings), so a stage can be run, tested and replaced on its own. Offsets are
character offsets into ``Document.text`` (the decoded file, never modified),
which is what lets the "nothing is lost" check compare the segments and the
exclusions against the raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
Side = Literal["src", "tgt", "both"]
SegmentKind = Literal["sentence", "heading"]


@dataclass(frozen=True, slots=True)
class LanguageRun:
    """A stretch of a document detected as one language (paragraph granularity)."""

    lang: str  # ISO 639-1 code, e.g. "en"
    start: int
    end: int
    confidence: float  # lingua's confidence for the run's best paragraph, 0..1


@dataclass(frozen=True, slots=True)
class Segment:
    """One alignable unit: a sentence or a heading.

    ``text`` is the span of the document with whitespace normalised (runs of
    white space become one space; a line break after a word-internal hyphen
    is removed, so "Frühlingsfest-\\n\\nGala" reads "Frühlingsfest-Gala").
    Nothing else is changed: damage such as "^CGTN" or '?Innovationsmosaik"'
    stays visible here, because the QA stage has to see it.
    """

    id: int  # 0-based position among the document's segments
    text: str
    start: int  # offset of the first character in Document.text
    end: int  # offset after the last character
    paragraph: int  # 0-based paragraph index
    kind: SegmentKind = "sentence"


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Text kept out of the alignment, and why (reported, never dropped silently)."""

    start: int
    end: int
    text: str  # whitespace-normalised, like Segment.text
    reason: str  # "other-language" | "no-text"
    lang: str | None = None  # detected language of the excluded text, when known


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded document split into segments, with what was left out."""

    name: str  # readable name (file stem or slug)
    text: str  # the decoded text, exactly as read
    lang: str  # language most of the text is in
    segments: tuple[Segment, ...]
    exclusions: tuple[Exclusion, ...] = ()
    runs: tuple[LanguageRun, ...] = ()
    path: str | None = None
    notes: tuple[str, ...] = ()  # what a reader should know: sentences cut at the length limit

    @property
    def sentences(self) -> list[str]:
        return [s.text for s in self.segments]


@dataclass(frozen=True, slots=True)
class Bead:
    """One step of an alignment: source ids aligned to target ids (0-based, contiguous)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float  # similarity of the two sides, 0..1 (0 for 1-0 / 0-1 beads)
    # probability that this bead is right, cut where it is (aligner/confidence.py); None = unknown
    # (read from a file written before it existed)
    confidence: float | None = None

    @property
    def type(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"


@dataclass(frozen=True, slots=True)
class Flag:
    """A QA finding on one bead.

    ``suggestion`` is the whole segment text of ``side`` after the repair, when a
    repair can be inferred (e.g. '?Innovationsmosaik"' -> '„Innovationsmosaik“').
    """

    code: str  # e.g. "encoding-damage", "number-mismatch", "omission"
    severity: Severity
    message: str  # one line a reviewer can act on
    side: Side = "tgt"
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class AlignedPair:
    """A bead with its text and its QA flags: one row of every export."""

    bead: Bead
    src: str  # source segments joined with a space
    tgt: str
    flags: tuple[Flag, ...] = ()

    @property
    def type(self) -> str:
        return self.bead.type

    @property
    def flag_codes(self) -> list[str]:
        seen: list[str] = []
        for f in self.flags:
            if f.code not in seen:
                seen.append(f.code)
        return seen

    @property
    def repair(self) -> str | None:
        """The suggested target text after every inferable repair, if any."""
        for f in reversed(self.flags):
            if f.suggestion is not None and f.side in ("tgt", "both"):
                return f.suggestion
        return None


@dataclass(frozen=True, slots=True)
class Alignment:
    """The result of aligning two documents, with what produced it."""

    src: Document
    tgt: Document
    pairs: tuple[AlignedPair, ...]
    signature: str  # reproducibility signature: encoder, config, versions
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def beads(self) -> list[Bead]:
        return [p.bead for p in self.pairs]
