"""The foundation's acceptance check: 001 (English) -> 003 (German) aligns exactly."""

from __future__ import annotations


import pytest

from aligner.pipeline import align_files
from tests.conftest import DE, EN



@pytest.fixture(scope="module")
def alignment():
    return align_files(EN, DE, qa=False)


def test_every_german_sentence_aligns_one_to_one_in_order(alignment):
    de = alignment.tgt
    assert len(de.segments) == 34
    ones = [p for p in alignment.pairs if p.type == "1-1"]
    assert [p.bead.tgt[0] for p in ones] == list(range(34))
    # English segment k+1 is the counterpart of German segment k (the English title is extra)
    assert all(p.bead.src[0] == p.bead.tgt[0] + 1 for p in ones)
    assert ones[0].src.startswith("CGTN has released") and ones[0].tgt.startswith("^CGTN hat")
    assert ones[7].src == "Three engines of integration" and ones[7].tgt == "Drei Motoren der Integration"


def test_extra_english_lines_align_to_nothing(alignment):
    unaligned = [p.src for p in alignment.pairs if p.type == "1-0"]
    assert len(unaligned) == 4
    assert unaligned[0].startswith("CGTN: The \"innovation mosaic\"")
    assert unaligned[1] == "For more information, please click:"
    assert unaligned[2].startswith("<https://news.cgtn.com/")
    assert unaligned[3] == "CGTN cgtn@cgtn.com"
    assert not [p for p in alignment.pairs if p.type not in ("1-1", "1-0")]


def test_no_italian_text_is_aligned(alignment):
    aligned_text = " ".join(p.src for p in alignment.pairs)
    for italian in ("Descrizione", "COMUNICATO STAMPA", "Categoria", "Data di creazione", "redazione"):
        assert italian not in aligned_text
    assert {e.lang for e in alignment.src.exclusions if e.reason == "other-language"} == {"it"}
