"""End to end on the seed pair 001 (English release) -> 003 (damaged German translation).

One alignment per session (module-scoped fixture): the encoder run costs a few
seconds, every test below reads the same checked alignment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aligner.types import Alignment

from tests.conftest import DE, EN


@pytest.fixture(scope="module")
def checked() -> Alignment:
    from aligner.pipeline import align_files
    from aligner.qa import check_alignment

    return check_alignment(align_files(EN, DE, qa=False))


def _flags(alignment: Alignment, code: str) -> list:
    return [(p, f) for p in alignment.pairs for f in p.flags if f.code == code]


def test_every_lost_character_is_flagged_with_its_repair(checked: Alignment) -> None:
    damage = _flags(checked, "encoding-damage")
    messages = [f.message for _, f in damage]
    # 13 lost quote pairs, CO? and the stray caret; nothing else
    assert sum("lost quotes" in m for m in messages) == 13
    assert any(m.startswith("'CO?' → 'CO₂'") for m in messages)
    assert any(m.startswith("'^CGTN' → 'CGTN'") for m in messages)
    assert len(damage) == 15
    assert any("'?Innovationsmosaik\"' → '„Innovationsmosaik“'" in m for m in messages)
    assert all("Latin-1" in m for m in messages if "lost quotes" in m)


def test_repairs_leave_no_question_mark_artifact(checked: Alignment) -> None:
    for pair in checked.pairs:
        if pair.repair is not None:
            assert "?" not in pair.repair and "^" not in pair.repair
            assert re.sub(r"[„“₂ ,^?\"]", "", pair.repair) == re.sub(r"[„“₂ ,^?\"]", "", pair.tgt)


def test_two_repairs_in_one_segment_give_the_cumulative_suggestion(checked: Alignment) -> None:
    pair = next(p for p in checked.pairs if "?Go West" in p.tgt)
    suggestions = {f.suggestion for f in pair.flags if f.code == "encoding-damage"}
    assert len(suggestions) == 1
    assert pair.repair is not None and "„Go West“" in pair.repair and "„East Data, West Computing“" in pair.repair


def test_dateline_is_a_number_mismatch_and_agreeing_numbers_are_not(checked: Alignment) -> None:
    mismatches = _flags(checked, "number-mismatch")
    assert len(mismatches) == 1
    pair, flag = mismatches[0]
    assert "March 01" in flag.message and "March 02" in flag.message
    assert "PEKING" in pair.tgt


def test_space_before_comma_is_punctuation(checked: Alignment) -> None:
    punct = _flags(checked, "punctuation")
    assert [f.message for _, f in punct] == ["space before ',' in 'Energiekosten ,'"]
    assert "Energiekosten, um" in (punct[0][0].repair or "")


def test_title_and_more_information_lines_are_omissions(checked: Alignment) -> None:
    omitted = " ".join(p.src for p, _ in _flags(checked, "omission"))
    assert "Mapping China's new quality productive forces" in omitted
    assert "For more information" in omitted
    assert not _flags(checked, "addition")


def test_italian_chrome_is_reported_as_other_language(checked: Alignment) -> None:
    from aligner.qa import exclusion_findings

    found = exclusion_findings(checked)
    assert any(x.code == "other-language" and "Descrizione" in x.text for x in found)
    assert not _flags(checked, "untranslated")


def test_flags_fill_the_tsv_column(checked: Alignment, tmp_path: Path) -> None:
    from aligner.export.tsv import read_tsv, write_tsv

    out = tmp_path / "pairs.tsv"
    write_tsv(checked, out)
    rows = read_tsv(out)
    dateline = next(r for r in rows if "PEKING" in r.tgt)
    assert dateline.flag_codes == ["encoding-damage", "number-mismatch"]
    assert dateline.repair is not None and "„Seedance 2.0“" in dateline.repair
