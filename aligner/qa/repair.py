"""Repairing a damaged file, with the evidence for every change.

The repair works on the raw file text (hard line breaks and all), one target
segment at a time, so that the aligned *source* sentence can decide what a
``?`` was: the source quoting "innovation mosaic" confirms a lost „…“, a
source amount written with € restores the sign, a source dash the dash. Only
artifacts with an inferred repair are changed; the rest are listed in the
report as "not repaired". Text the pipeline excluded (another language, no
letters) is repaired without source evidence.

Aligning a damaged file with its source and writing the repaired copy is
``aligner.repairing.repair_file``, a layer above the pipeline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from aligner.io import atomic_open
from aligner.qa.charset import CharsetGuess, infer_charset
from aligner.qa.encoding import Damage, Edit, apply_edits, detect_damage, document_vocabulary, squash
from aligner.types import Alignment, Document


@dataclass(frozen=True)
class Change:
    """One artifact of the file, where it is, what it becomes and why."""

    start: int  # offset in the original text
    end: int
    line: int  # 1-based line of ``start``
    column: int  # 1-based column of ``start``
    kind: str
    before: str
    after: str | None  # None: detected but no repair inferred (text left as it was)
    evidence: str
    source: str  # the aligned source sentence used as evidence ("" when none)

    @property
    def applied(self) -> bool:
        return self.after is not None


@dataclass(frozen=True)
class RepairResult:
    """The repaired text, every change with its evidence, and the charset that did the damage."""

    text: str
    changes: tuple[Change, ...]
    charset: CharsetGuess

    @property
    def applied(self) -> list[Change]:
        return [c for c in self.changes if c.applied]


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def repair_document(doc: Document, alignment: Alignment | None = None) -> RepairResult:
    """Repair the encoding damage in ``doc.text``; ``alignment`` (with ``doc`` as its target) supplies
    the aligned source sentence of every segment as evidence."""
    source_of: dict[int, str] = {}
    if alignment is not None:
        for pair in alignment.pairs:
            for j in pair.bead.tgt:
                source_of[j] = pair.src
    vocab = document_vocabulary(doc.text)
    spans: list[tuple[int, int, str]] = [(s.start, s.end, source_of.get(s.id, "")) for s in doc.segments]
    spans += [(x.start, x.end, "") for x in doc.exclusions]
    found: list[tuple[int, Damage, str, str]] = []  # (offset of the span, damage, span text, source)
    for start, end, source in sorted(spans):
        raw = doc.text[start:end]
        for d in detect_damage(raw, doc.lang, source=source or None, vocabulary=vocab):
            found.append((start, d, raw, source))
    edits: list[Edit] = []
    changes: list[Change] = []
    for base, d, raw, source in found:
        moved = [Edit(base + e.start, base + e.end, e.replacement) for e in d.edits]
        edits.extend(moved)
        line, col = _line_col(doc.text, base + d.start)
        changes.append(Change(base + d.start, base + d.end, line, col, d.kind, squash(d.found),
                              squash(d.fixed(raw)) if d.repairable else None, d.evidence, source))
    charset = infer_charset(doc.text, [d.lost for _, d, _, _ in found if d.repairable])
    return RepairResult(apply_edits(doc.text, edits), tuple(changes), charset)


REPORT_COLUMNS = ("line", "column", "kind", "before", "after", "evidence", "source")


def write_report(result: RepairResult, path: str | os.PathLike[str]) -> None:
    """The changes as a TSV (one row per artifact; ``after`` empty when not repaired)."""

    def clean(text: str) -> str:
        return " ".join(text.replace("\t", " ").split())

    with atomic_open(path, "w", newline="") as fh:
        fh.write("\t".join(REPORT_COLUMNS) + "\n")
        for c in result.changes:
            fh.write("\t".join([str(c.line), str(c.column), c.kind, clean(c.before), clean(c.after or ""),
                                clean(c.evidence), clean(c.source)]) + "\n")
