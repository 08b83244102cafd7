"""Review round trip: export the workbook, decide in it (openpyxl, then LibreOffice), apply, check the corpus."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from test_export_formats import PAIR, REPAIRED_0, SRC, TGT, make_alignment
from typer.testing import CliRunner

from aligner.cli import app
from aligner.errors import FormatError, ReviewMismatchError
from aligner.export.registry import export
from aligner.export.tsv import COLUMNS
from aligner.export.xlsx import HEADERS, write_workbook
from aligner.review import apply_review
from tests.conftest import DE, EN

REPO = Path(__file__).resolve().parents[1]


def _decide(path: Path, decisions: dict[str, tuple[str | None, str | None, str | None]],
            out: Path | None = None, as_text: bool = True) -> Path:
    """Fill decision / corrected_target / comment by pair_id, as a reviewer would, and save.

    ``as_text=False`` stores "=..." as a formula, as a spreadsheet does when one types it.
    """
    wb = openpyxl.load_workbook(path)
    ws = wb["Alignment"]
    header = [c.value for c in ws[1]]
    col = {h: header.index(h) + 1 for h in header}
    for row in range(2, ws.max_row + 1):
        pid = ws.cell(row=row, column=col["pair_id"]).value
        if pid in decisions:
            for h, v in zip(("decision", "corrected_target", "comment"), decisions[pid]):
                if v is not None:
                    cell = ws.cell(row=row, column=col[h], value=v)
                    if as_text:
                        cell.data_type = "s"
    wb.save(out or path)
    return out or path


def _read(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if lines and lines[0].startswith("# aligner\t"):  # the table's first line: its languages
        lines = lines[1:]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture()
def reviewed(tmp_path: Path) -> Path:
    book = tmp_path / f"{PAIR}.xlsx"
    write_workbook(make_alignment(), book)
    return _decide(book, {
        "s0/t0": ("fix", None, "took the suggested repair"),
        "s1/t1": ("accept", None, None),
        "s3/t3": (None, "=@CGTN berichtete es heute.", "URL dropped"),
        "s4/t4": ("reject", None, "dates differ"),
        "s5/t-": ("accept", None, None),
    }, as_text=False)


def test_apply_writes_final_corpus_and_audit(reviewed: Path, tmp_path: Path) -> None:
    out = tmp_path / "final.tsv"
    result = CliRunner().invoke(app, ["review", "apply", str(reviewed), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 of 6 beads kept" in result.output and "reject 1" in result.output
    rows = _read(out)
    assert list(rows[0]) == [*COLUMNS, "decision", "comment", "pair"]
    assert [r["src"] for r in rows] == [SRC[0], SRC[1], SRC[2], SRC[3], SRC[5]]  # rejected pair gone
    assert [r["tgt"] for r in rows] == [REPAIRED_0, TGT[1], TGT[2], "=@CGTN berichtete es heute.", ""]
    assert [r["decision"] for r in rows] == ["fix", "accept", "", "fix", "accept"]
    assert rows[0]["flags"] == "encoding-damage"  # the record of what QA found stays

    audit = _read(tmp_path / "final.audit.tsv")
    by_id = {a["pair_id"]: a for a in audit}
    assert set(by_id) == {"s0/t0", "s1/t1", "s3/t3", "s4/t4", "s5/t-"}
    assert (by_id["s0/t0"]["before"], by_id["s0/t0"]["after"]) == (TGT[0], REPAIRED_0)
    assert by_id["s3/t3"]["decision"] == "fix" and by_id["s3/t3"]["comment"] == "URL dropped"
    assert by_id["s4/t4"]["decision"] == "reject" and by_id["s4/t4"]["flags"] == "number-mismatch"

    # the final table is an alignment file: a corpus of what the reviewer vetted
    bi = tmp_path / "vetted.tsv"
    result = CliRunner().invoke(app, ["export", str(out), "-o", str(bi), "--bitext", "--keep", "accepted"])
    assert result.exit_code == 0, result.output
    assert bi.read_text(encoding="utf-8").splitlines() == [
        f"{SRC[0]}\t{REPAIRED_0}", f"{SRC[1]}\t{TGT[1]}", f"{SRC[3]}\t=@CGTN berichtete es heute."]


def test_sorted_rows_apply_the_same(reviewed: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(reviewed)
    ws = wb["Alignment"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for i, row in enumerate(reversed(rows), start=2):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j).value = v
    wb.save(tmp_path / "sorted.xlsx")
    a = apply_review(reviewed)
    b = apply_review(tmp_path / "sorted.xlsx")
    assert [ps.pairs for ps in a.sets] == [ps.pairs for ps in b.sets]


def test_edited_text_or_deleted_rows_are_refused(reviewed: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(reviewed)
    wb["Alignment"].cell(row=3, column=HEADERS.index("tgt") + 1).value = "Jemand hat den Zieltext direkt geändert."
    wb.save(tmp_path / "edited.xlsx")
    result = CliRunner().invoke(app, ["review", "apply", str(tmp_path / "edited.xlsx"), "-o",
                                      str(tmp_path / "f.tsv")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "row 3 (s1/t1 tgt)" in result.output
    assert "corrected_target" in result.output and not (tmp_path / "f.tsv").exists()

    wb = openpyxl.load_workbook(reviewed)
    wb["Alignment"].delete_rows(4)
    wb.save(tmp_path / "deleted.xlsx")
    with pytest.raises(ReviewMismatchError, match="s2/t2"):
        apply_review(tmp_path / "deleted.xlsx")


def test_workbook_for_a_changed_alignment_is_refused(tmp_path: Path) -> None:
    alignment = make_alignment()
    table = tmp_path / f"{PAIR}.tsv"
    export(alignment, table, "tsv")
    book = tmp_path / "review.xlsx"
    export(alignment, book, "xlsx")
    assert apply_review(book, [table]).counts["beads"] == 6
    # the alignment is redone: the last two sentences now form one bead
    from dataclasses import replace

    from aligner.types import Bead

    merged = replace(alignment.pairs[4], bead=Bead((4, 5), (4,), 0.5), src=SRC[4] + " " + SRC[5])
    export(replace(alignment, pairs=alignment.pairs[:4] + (merged,)), table, "tsv")
    with pytest.raises(ReviewMismatchError, match=r"pair ids no longer there: s4/t4, s5/t-.*new pair ids: s4,5/t4"):
        apply_review(book, [table])
    # the corpus job's TSV beside the workbook is found without --alignment
    corpus_book = tmp_path / f"{PAIR}.xlsx"
    write_workbook(alignment, corpus_book)
    result = CliRunner().invoke(app, ["review", "apply", str(corpus_book), "-o", str(tmp_path / "f.tsv")])
    assert result.exit_code == 2 and "export the workbook again" in result.output


def test_bad_decisions_are_refused_with_the_row(tmp_path: Path) -> None:
    book = tmp_path / "r.xlsx"
    write_workbook(make_alignment(), book)
    _decide(book, {"s1/t1": ("maybe", None, None)})
    with pytest.raises(FormatError, match=r"row 3 \(s1/t1\): decision 'maybe'"):
        apply_review(book)
    write_workbook(make_alignment(), book)
    _decide(book, {"s1/t1": ("fix", None, None)})  # no correction, no suggestion
    with pytest.raises(FormatError, match="no corrected_target and no suggested repair"):
        apply_review(book)
    with pytest.raises(FormatError, match="not an .xlsx workbook"):
        apply_review(Path(__file__))


# --- the seed pair, through LibreOffice -------------------------------------------------------


@pytest.fixture(scope="module")
def seed_alignment():  # type: ignore[no-untyped-def]
    from aligner.pipeline import align_files

    return align_files(EN, DE)


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed; .ci/run must install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) not installed")
    return exe


@pytest.mark.slow
def test_seed_pair_round_trip_through_libreoffice(seed_alignment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    soffice = _soffice()
    book = tmp_path / "review.xlsx"
    export(seed_alignment, book, "xlsx")
    pairs = seed_alignment.pairs
    flagged = [p for p in pairs if p.flags]
    with_repair = next(p for p in pairs if p.repair)
    one_sided = next((p for p in pairs if not p.bead.src or not p.bead.tgt), None)
    clean = next(p for p in pairs if not p.flags and p.bead.src and p.bead.tgt)
    from aligner.export.model import bead_id

    corrected = "-" + clean.tgt + " (korrigiert)"  # a leading '-' must survive LibreOffice as text
    decisions = {bead_id(with_repair.bead): ("fix", None, "repair ok"),
                 bead_id(clean.bead): ("fix", corrected, None)}
    if one_sided is not None:
        decisions[bead_id(one_sided.bead)] = ("reject", None, "heading only in English")
    other = next(p for p in flagged if bead_id(p.bead) not in decisions)
    decisions[bead_id(other.bead)] = ("accept", None, "=fine")
    _decide(book, decisions, tmp_path / "decided.xlsx")

    lo_dir = tmp_path / "lo"
    profile = (tmp_path / "profile").as_uri()
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx",
                           "--outdir", str(lo_dir), str(tmp_path / "decided.xlsx")],
                          capture_output=True, text=True, timeout=120)
    saved = lo_dir / "decided.xlsx"
    assert saved.is_file(), proc.stdout + proc.stderr
    wb = openpyxl.load_workbook(saved)
    assert wb["_aligner"].sheet_state == "hidden" and wb["Alignment"].auto_filter.ref

    out = tmp_path / "final.tsv"
    result = CliRunner().invoke(app, ["review", "apply", str(saved), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = _read(out)
    expected = []
    for p in pairs:
        d = decisions.get(bead_id(p.bead), (None, None, None))
        if d[0] == "reject":
            continue
        tgt = p.repair if p is with_repair else corrected if p is clean else p.tgt
        expected.append((p.src, tgt, d[0] or ""))
    assert [(r["src"], r["tgt"], r["decision"]) for r in rows] == expected
    audit = {a["pair_id"]: a for a in _read(tmp_path / "final.audit.tsv")}
    assert set(audit) == set(decisions)
    assert audit[bead_id(other.bead)]["comment"] == "=fine"
    assert audit[bead_id(clean.bead)]["after"] == corrected
