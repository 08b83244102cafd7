"""The review workbook, read back with openpyxl as a reviewer's spreadsheet would show it."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zipfile import ZipFile

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from test_export_formats import PAIR, SRC, TGT, make_alignment

from aligner.errors import AlignerError, FormatError
from aligner.export.xlsx import HEADERS, write_workbook


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "review.xlsx"
    write_workbook(make_alignment(), path)
    return path


def _rows(ws) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def test_workbook_opens_on_the_alignment_sheet_with_review_tools(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:2] == ["Summary", "Alignment"]
    assert wb["_aligner"].sheet_state == "hidden"
    ws = wb.active
    assert ws.title == "Alignment"
    assert tuple(c.value for c in ws[1]) == HEADERS
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:P{1 + 6}"
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == 1 and dvs[0].type == "list" and dvs[0].formula1 == '"accept,reject,fix"'
    letter = {h: get_column_letter(i + 1) for i, h in enumerate(HEADERS)}
    assert str(dvs[0].sqref) == f"{letter['decision']}2:{letter['decision']}7"
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    sev = letter["severity"]
    assert sorted(r.formula[0] for r in rules) == [f'${sev}2="error"', f'${sev}2="info"', f'${sev}2="warning"']
    assert ws[f"{letter['src']}2"].alignment.wrap_text and ws[f"{letter['tgt']}2"].alignment.wrap_text


def test_rows_carry_ids_flags_repairs_and_severity(book: Path) -> None:
    rows = _rows(openpyxl.load_workbook(book)["Alignment"])
    assert len(rows) == 6
    assert rows[0]["pair"] == PAIR and rows[0]["pair_id"] == "s0/t0" and rows[0]["type"] == "1-1"
    assert rows[0]["severity"] == "error" and rows[0]["flags"] == "encoding-damage"
    assert rows[0]["repair"] == "CGTN hat eine ausführliche Analyse veröffentlicht."
    assert "stray caret" in str(rows[0]["explanation"])
    assert rows[0]["score"] == pytest.approx(0.7598)
    assert rows[1]["severity"] is None  # unflagged: the filter's "(empty)"
    assert rows[5]["type"] == "1-0" and rows[5]["severity"] == "warning" and rows[5]["tgt"] is None
    assert [r["severity"] for r in rows].count(None) == 3


def test_formula_like_text_is_text_and_urls_are_not_links(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Alignment"]
    col = {h: i + 1 for i, h in enumerate(HEADERS)}
    for row, (src, tgt) in enumerate(zip(SRC[1:4], TGT[1:4]), start=3):
        for c, text in ((col["src"], src), (col["tgt"], tgt)):
            cell = ws.cell(row=row, column=c)
            assert cell.value == text and cell.data_type == "s"
            assert cell.quotePrefix  # shown and edited as text, never evaluated
            assert cell.hyperlink is None
    assert not ws._hyperlinks


def test_summary_counts_per_pair_and_legend(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    a = make_alignment()
    from dataclasses import replace

    b = replace(a, src=replace(a.src, name="004_f9acbd0ee5b30d0e"), pairs=a.pairs[:3])
    write_workbook([a, b], path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    values = list(ws.iter_rows(values_only=True))
    header = values[3]
    first = dict(zip(header, values[4]))
    second = dict(zip(header, values[5]))
    assert first["pair"] == PAIR and first["beads"] == 6 and first["1-1"] == 5 and first["1-0"] == 1
    assert first["flagged"] == 3 and first["errors"] == 2 and first["encoding-damage"] == 1
    assert first["omission"] == 1 and first["number-mismatch"] == 1
    assert first["mean score"] == pytest.approx(round((0.7598 + 0.8120 + 0.9012 + 0.8833 + 0.4521) / 5, 4))
    assert second["beads"] == 3 and second["1-0"] == 0
    legend = [r[0] for r in values if r and r[0] in ("encoding-damage", "punctuation", "untranslated")]
    assert legend == ["encoding-damage", "untranslated", "punctuation"]
    rows = _rows(wb["Alignment"])
    assert len(rows) == 9 and {r["pair"] for r in rows} == {PAIR, "en-de__004_f9acbd0ee5b30d0e__003_65043e0217ea5007"}

    with pytest.raises(FormatError, match="distinct pair names"):
        write_workbook([a, a], tmp_path / "dup.xlsx")


def test_the_same_beads_give_the_same_bytes_at_another_time(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The committed alignments/*.xlsx only change when the alignments do."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    write_workbook(make_alignment(), first)
    time.sleep(2.1)  # zip entries keep the time to 2 seconds: a shorter gap could pass by luck
    write_workbook(make_alignment(), second)
    assert first.read_bytes() == second.read_bytes()
    wb = openpyxl.load_workbook(second)
    assert wb.properties.created == wb.properties.modified == datetime(1980, 1, 1)
    assert _rows(wb["Alignment"])[0]["pair_id"] == "s0/t0"
    with ZipFile(second) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_source_date_epoch_dates_the_workbook(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = tmp_path / "dated.xlsx"
    write_workbook(make_alignment(), path)
    wb = openpyxl.load_workbook(path)
    assert wb.properties.created == wb.properties.modified == datetime(2023, 11, 14, 22, 13, 20)
    with ZipFile(path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "tomorrow")
    with pytest.raises(AlignerError, match="SOURCE_DATE_EPOCH"):
        write_workbook(make_alignment(), tmp_path / "bad.xlsx")
    assert not (tmp_path / "bad.xlsx").exists()


def test_a_long_workbook_is_written_without_holding_its_cells(tmp_path: Path) -> None:
    """The sheets' rows are made as they are written, so a book of 4x the beads takes about the same memory
    (holding every cell took 10 KB a bead: 4 GB for the ~400,000 beads of a 50 MB document); every row is
    still there, read back."""
    import tracemalloc

    from aligner.types import AlignedPair, Bead

    def pairs(n: int) -> list[AlignedPair]:
        return [AlignedPair(bead=Bead((i,), (i,), 0.8, 0.9), src=f"Die Sektion hat eine neue Hütte gebaut ({i}).",
                            tgt=f"La section a construit une nouvelle cabane ({i}).") for i in range(n)]

    write_workbook(pairs(5), tmp_path / "warm.xlsx", name="x")  # openpyxl's own first-use allocations
    peaks = []
    for n in (300, 1200):
        beads = pairs(n)
        tracemalloc.start()
        write_workbook(beads, tmp_path / f"{n}.xlsx", name="x")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 2.5 * peaks[0], peaks  # holding the cells: 3.8x
    rows = _rows(openpyxl.load_workbook(tmp_path / "1200.xlsx", read_only=True)["Alignment"])
    assert len(rows) == 1200 and rows[-1]["pair_id"] == "s1199/t1199" and rows[-1]["tgt"].endswith("(1199).")
