"""Golden encoding-damage cases (tests/data/encoding_cases.tsv), one parametrised test per row.

Columns: the damaged text, its language, the aligned source ("" when none),
the expected repair (``flag only``: flagged, nothing changed; ``=``: no flag at
all), the character class and a note. ``\\uXXXX`` in a cell is that character
(the no-break spaces would be invisible otherwise).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from aligner.qa.encoding import detect_damage, document_vocabulary, repair_text

CASES = Path(__file__).parent / "data" / "encoding_cases.tsv"


def _unescape(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _rows() -> list:
    with CASES.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [pytest.param({k: _unescape(v) for k, v in r.items()}, id=f"{r['class']}: {r['note']}") for r in rows]


def test_every_class_has_a_case() -> None:
    classes = {r.values[0]["class"] for r in _rows()}
    assert classes >= {"quote", "apostrophe", "dash", "ellipsis", "bullet", "currency", "symbol",
                       "sub/superscript", "space", "letter", "genuine"}


@pytest.mark.parametrize("case", _rows())
def test_encoding_case(case: dict[str, str]) -> None:
    text = case["damaged"]
    damages = detect_damage(text, case["lang"], source=case["source"] or None, vocabulary=document_vocabulary(text))
    if case["expected"] == "=":
        assert damages == [], f"false alarm: {damages}"
    elif case["expected"] == "flag only":
        assert damages and repair_text(text, damages) == text
        assert all("could be" in d.evidence or not d.repairable for d in damages)
    else:
        assert damages
        assert repair_text(text, damages) == case["expected"], [d.evidence for d in damages]
