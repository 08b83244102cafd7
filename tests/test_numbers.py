"""Number, month and scale-word readings per language (tests/data/numbers_cases.tsv), from CLDR via Babel.

Columns: the language pair, the source, the target, ``ok`` (no number mismatch) or the
values the mismatch message must name (joined with ``|``), and a note.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aligner.config import DEFAULT_LANGUAGES
from aligner.qa.numbers import compare_numbers, decimal_comma, months, scales

CASES = Path(__file__).parent / "data" / "numbers_cases.tsv"


def _cases() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("case", [pytest.param(c, id=c["note"]) for c in _cases()])
def test_numbers_per_language(case: dict[str, str]) -> None:
    src_lang, tgt_lang = case["lang"].split("-")
    mismatch = compare_numbers(case["source"], case["target"], src_lang, tgt_lang)
    if case["expected"] == "ok":
        assert mismatch is None, mismatch.message() if mismatch else ""
    else:
        assert mismatch is not None, "no mismatch found"
        for value in case["expected"].split("|"):
            assert value in mismatch.message(), mismatch.message()


def test_every_default_language_has_golden_cases_both_ways() -> None:
    """Each language aligner detects by default has a case that agrees and one that must be flagged."""
    for lang in DEFAULT_LANGUAGES:
        mine = [c for c in _cases() if lang in c["lang"].split("-")]
        assert any(c["expected"] == "ok" for c in mine), lang
        assert any(c["expected"] != "ok" for c in mine), lang


def test_every_default_language_has_cldr_months_and_scale_words() -> None:
    for lang in DEFAULT_LANGUAGES:
        wide, _ = months(lang)
        assert sorted(set(wide.values())) == list(range(1, 13)), lang
        assert scales(lang), lang
    assert [lang for lang in DEFAULT_LANGUAGES if decimal_comma(lang)] == ["de", "fr", "it", "es", "pt", "nl", "ru"]


def test_a_language_cldr_does_not_know_reads_plain_numbers() -> None:
    assert not decimal_comma("xx") and scales("xx") == {} and months("xx") == ({}, {})
    assert compare_numbers("It costs 15 euros.", "Xx 15 xx.", "en", "xx") is None
    assert compare_numbers("It costs 15 euros.", "Xx 16 xx.", "en", "xx") is not None
