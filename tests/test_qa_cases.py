"""Golden cases for the QA checks (tests/data/qa_cases.tsv), one parametrised test per row.

Columns: kind (damage | numbers | punct), lang (or "src-tgt" for numbers), the
text, the other side (the aligned source for damage), the expected result and a
note. For ``damage``: the repaired text, ``=`` (no flag at all) or ``FLAG``
(flagged, nothing to repair). For ``numbers``: ``ok`` or the values the
mismatch message must name, joined with ``|``. For ``punct``: ``ok``, ``FLAG``
or the repaired text.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aligner.qa.encoding import detect_damage, document_vocabulary, repair_text
from aligner.qa.numbers import compare_numbers
from aligner.qa.punctuation import apply_punctuation_repairs, check_punctuation

CASES = Path(__file__).parent / "data" / "qa_cases.tsv"


def _rows(kind: str) -> list:
    with CASES.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if r["kind"] == kind]
    return [pytest.param(r, id=r["note"]) for r in rows]


@pytest.mark.parametrize("case", _rows("damage"))
def test_encoding_damage(case: dict[str, str]) -> None:
    text = case["text"]
    damages = detect_damage(text, case["lang"], source=case["other"] or None,
                            vocabulary=document_vocabulary(text))
    if case["expected"] == "=":
        assert damages == [], f"false alarm on clean text: {damages}"
    elif case["expected"] == "FLAG":
        assert damages and not any(d.repairable for d in damages)
    else:
        assert damages
        assert repair_text(text, damages) == case["expected"]


@pytest.mark.parametrize("case", _rows("numbers"))
def test_numbers(case: dict[str, str]) -> None:
    src_lang, tgt_lang = case["lang"].split("-")
    mismatch = compare_numbers(case["text"], case["other"], src_lang, tgt_lang)
    if case["expected"] == "ok":
        assert mismatch is None, mismatch.message() if mismatch else ""
    else:
        assert mismatch is not None
        for value in case["expected"].split("|"):
            assert value in mismatch.message()


@pytest.mark.parametrize("case", _rows("punct"))
def test_punctuation(case: dict[str, str]) -> None:
    issues = check_punctuation(case["text"], case["lang"])
    if case["expected"] == "ok":
        assert issues == []
    elif case["expected"] == "FLAG":
        assert issues
    else:
        assert apply_punctuation_repairs(case["text"], issues) == case["expected"]
