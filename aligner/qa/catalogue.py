"""The flag catalogue: codes are part of the interface (TSV ``flags`` column, JSONL, XLSX)."""

from __future__ import annotations

from aligner.types import Severity

# code -> (default severity, what it means)
CATALOGUE: dict[str, tuple[Severity, str]] = {
    "encoding-damage": ("error", "characters lost to a lossy conversion (? for „ or ₂, U+FFFD, stray ^, mojibake)"),
    "number-mismatch": ("error", "numbers, dates, amounts or percentages differ between the two sides"),
    "omission": ("warning", "source content with no counterpart in the target"),
    "addition": ("warning", "target content with no counterpart in the source"),
    "other-language": ("warning", "text not in the document's language"),
    "untranslated": ("error", "target segment still in the source language"),
    "low-similarity": ("warning", "meaning diverges more than the document's other pairs"),
    "uncertain-alignment": ("warning", "the aligner doubts this bead: another cut of the stretch scored about as well"),
    "punctuation": ("info", "space before punctuation, doubled spaces, unbalanced quotes or brackets"),
}


def severity_of(code: str) -> Severity:
    return CATALOGUE.get(code, ("warning", ""))[0]
