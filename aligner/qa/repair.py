"""Repairing a damaged file, with the evidence for every change.

The repair works on the raw file text (hard line breaks and all), one target
segment at a time, so that the aligned *source* sentence can decide what a
``?`` was: the source quoting "innovation mosaic" confirms a lost „…“, a
source amount written with € restores the sign, a source dash the dash. Only
artifacts with an inferred repair are changed; the rest are listed in the
report as "not repaired". Text the pipeline excluded (another language, no
letters) is repaired without source evidence.

The input file is never opened for writing: the repaired copy goes to a new
path (atomically), and a path that resolves to the input is refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from aligner.io import atomic_open, atomic_write_text, check_output
from aligner.qa.encoding import (
    CharsetGuess,
    Damage,
    Edit,
    apply_edits,
    detect_damage,
    document_vocabulary,
    infer_charset,
)
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


def _squash(text: str) -> str:
    from aligner.qa.encoding import _squash as squash

    return squash(text)


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
        changes.append(Change(base + d.start, base + d.end, line, col, d.kind, _squash(d.found),
                              _squash(d.fixed(raw)) if d.repairable else None, d.evidence, source))
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


def repair_file(path: str | os.PathLike[str], against: str | os.PathLike[str], out: str | os.PathLike[str], *,
                report: str | os.PathLike[str] | None = None, src_lang: str | None = None,
                tgt_lang: str | None = None, encoder: str | None = None, presplit: bool = False) -> RepairResult:
    """Align ``path`` (the damaged translation) with ``against`` (its source), repair it into ``out``.

    With ``presplit`` both files are one segment per line: the repaired copy has
    the same lines, and a line with no damage comes out byte for byte as it was.
    """
    check_output(out, (path, against))
    if report is not None:
        check_output(report, (path, against, out))
    from aligner.config import AlignConfig, DocConfig
    from aligner.pipeline import align_files

    config = AlignConfig().with_(encoder=encoder)
    alignment = align_files(against, path, config=config, doc_config=DocConfig(presplit=presplit),
                            src_lang=src_lang, tgt_lang=tgt_lang, qa=False)
    result = repair_document(alignment.tgt, alignment)
    atomic_write_text(out, result.text)
    if report is not None:
        write_report(result, report)
    return result
