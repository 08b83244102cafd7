"""The review workbook: Summary + Alignment sheets, reviewer columns, and the snapshot that checks them.

Layout (why):

* "Summary" (first tab): one row per document pair with counts by bead type
  and by flag code and the mean score, then a legend of the flag codes in their
  highlight colours, then how to review. It is what a lead reads first.
* "Alignment" (the sheet that opens): one row per bead of every pair. Several
  document pairs share this one sheet, told apart by the ``pair`` column,
  because a reviewer works by severity across the corpus with one autofilter;
  a sheet per pair would mean hundreds of tabs with 31-character names.
  Rows are highlighted by their worst flag (conditional formatting on the
  ``severity`` column, so the colour follows the row when it is sorted) and the
  ``severity`` column is itself the filter to the flagged rows.
* Reviewer columns ``decision`` (drop-down accept / reject / fix),
  ``corrected_target``, ``comment``, with a header of their own colour.
* Printing (``_print_setup``): landscape, one page wide, the header row on
  every page, grid lines, "sheet, page n of N" in the footer. Only the
  columns a reviewer reads and decides on are printed (the first ``PRINTED``
  of ``COLUMNS``), at widths that keep the text at 9 pt or more on Letter or
  A4 and long enough rows that no text is cut; ids and figures follow them
  on screen. A workbook of one pair prints the pair's name once, as the page
  header, instead of in every row.
* A hidden sheet "_aligner" keeps the exported beads as JSON. ``review apply``
  uses it to refuse a workbook whose ids or texts were changed, and to rebuild
  the corpus exactly (a spreadsheet is allowed to reformat numbers, not text).

A cell holds at most 32,767 characters (Excel's limit; LibreOffice and
openpyxl cut a longer text there). A longer text is shown cut, ending in a
marker that says how much is missing (``cell_text``); the hidden sheet holds
it whole, split over as many cells as it needs, and ``review apply`` rebuilds
the pairs from there, so nothing is lost.

Each pair's documents are recorded in the hidden sheet by name and SHA-256 of
their text (and by path, when the workbook is not part of a corpus job whose
alignment file beside it is the reference), so ``review apply`` can refuse a
workbook whose documents changed since.

Every text cell is written as a string: text that begins with ``=``, ``+``,
``-`` or ``@`` gets the quote prefix so no spreadsheet evaluates it, and URLs
stay plain text (openpyxl never makes hyperlinks unless asked).

The file is byte-reproducible (see ``_save_reproducibly``): the same beads
give the same bytes on every run, so the committed ``alignments/`` folder can
be compared byte for byte and only changes when the alignments do.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from aligner.errors import MissingDependencyError
from aligner.export.jsonl import pair_record
from aligner.export.model import PairSet, WriteOptions, as_sets, bead_id, worst_severity
from aligner.io import atomic_open, source_date_epoch
from aligner.version import VERSION
from aligner.types import AlignedPair, Alignment

SUMMARY = "Summary"
ALIGNMENT = "Alignment"
SNAPSHOT = "_aligner"
SNAPSHOT_FORMAT = 1
# The Alignment sheet's columns: (header, width in characters, wrapped). The first PRINTED of them are what
# a reviewer reads and decides on, and the only ones printed; the rest (ids and figures the reviewer can sort
# or filter by, and that pair_id and explanation already say in words) follow them on screen.
COLUMNS: tuple[tuple[str, float, bool], ...] = (
    ("pair", 11, True),
    ("pair_id", 8, True),
    ("severity", 8.5, False),
    ("src", 23, True),
    ("tgt", 23, True),
    ("explanation", 17, True),
    ("decision", 9, False),
    ("corrected_target", 16, True),
    ("comment", 9, True),
    ("repair", 24, True),
    ("flags", 18, True),
    ("type", 6, False),
    ("score", 7, False),
    ("confidence", 11, False),
    ("src_ids", 8, False),
    ("tgt_ids", 8, False),
)
PRINTED = 9
# Summary: widths of the name columns, which wrap (every other column is a count under an upright header)
SUMMARY_WIDTHS = {"pair": 15, "source": 13, "target": 13}
SUMMARY_COUNT_WIDTH = 3.3  # up to three digits
SUMMARY_MEAN_WIDTH = 5.5  # "0.78"
SUMMARY_LANGUAGES_WIDTH = 7  # "en → de"
SUMMARY_COLUMNS = tuple((h, w, True) for h, w in SUMMARY_WIDTHS.items())
REVIEWER_COLUMNS = ("decision", "corrected_target", "comment")
HEADERS = tuple(c[0] for c in COLUMNS)
# severity -> (fill, font colour): the usual red / amber / blue of spreadsheet highlighting
SEVERITY_STYLE = {
    "error": ("FFC7CE", "9C0006"),
    "warning": ("FFEB9C", "9C5700"),
    "info": ("DDEBF7", "1F4E78"),
}
_FORMULA_STARTS = ("=", "+", "-", "@")
_CELL_LIMIT = 32767  # characters in one spreadsheet cell
_CHUNK = 32000
# The workbook's date (document properties and every zip entry) unless SOURCE_DATE_EPOCH is set:
# the earliest date a zip entry can carry, so a fixed date is not mistaken for a real one.
FIXED_DATE = datetime(1980, 1, 1)
_ZIP_LAST_DATE = datetime(2107, 12, 31, 23, 59, 58)


def display_text(text: str) -> str:
    """Text as a cell can hold it: control characters (illegal in XLSX) become their visible pictures."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return str(ILLEGAL_CHARACTERS_RE.sub(lambda m: chr(0x2400 + ord(m.group()) % 0x80), text))


def cell_text(text: str) -> str:
    """What a cell shows of ``text``: ``display_text``, cut with a marker if over the cell limit."""
    shown = display_text(text)
    if len(shown) <= _CELL_LIMIT:
        return shown
    marker = f" [… {len(shown):,} characters; the rest is kept in the workbook's hidden sheet]"
    return shown[:_CELL_LIMIT - len(marker)] + marker


def _put_text(ws: Any, row: int, col: int, text: str) -> Any:
    """Write ``text`` as a string cell, never a formula (quote prefix for = + - @)."""
    cell = ws.cell(row=row, column=col)
    cell.value = cell_text(text)
    cell.data_type = "s"
    if text.startswith(_FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def write_workbook(alignments: Sequence[Alignment | PairSet] | Alignment | PairSet | Sequence[AlignedPair],
                   path: str | os.PathLike[str], *, name: str | None = None, document_paths: bool = True,
                   sources: Any = None) -> Path:
    """Write the review workbook (Summary, Alignment, hidden snapshot) atomically; returns ``path``.

    ``alignments``: one alignment or several (the corpus job passes all its
    pairs, and they share the Alignment sheet with a ``pair`` column).

    The bytes depend only on the beads, not on the time of the run: the
    workbook's created/modified properties and its zip entries carry
    ``FIXED_DATE`` (1980-01-01), or the time in the ``SOURCE_DATE_EPOCH``
    environment variable (seconds since 1970, UTC: the reproducible-builds
    convention) when it is set. That keeps the committed ``alignments/*.xlsx``
    comparable byte for byte with a fresh run, like the TSV and JSON beside them.

    ``document_paths``: record where the documents of an ``Alignment`` are (besides
    their names and digests); the corpus job leaves them out, so its workbooks
    do not depend on where the corpus is. ``sources``: what ``alignments`` was made
    from, when it is already a list of PairSets (the documents are on the Alignments).
    """
    try:
        from openpyxl import Workbook
    except ImportError:
        raise MissingDependencyError("the xlsx workbook needs openpyxl, which is not installed "
                                     "(pip install openpyxl)") from None

    sets = as_sets(alignments, name=name)
    documents = _documents(alignments if sources is None else sources, sets, document_paths)
    names = [ps.name for ps in sets]
    dup = [n for n, c in Counter(names).items() if c > 1]
    if dup:
        from aligner.errors import FormatError

        raise FormatError(f"two document pairs are both named {dup[0]!r}; a workbook needs distinct pair names")
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY
    sheet = wb.create_sheet(ALIGNMENT)
    snap = wb.create_sheet(SNAPSHOT)
    _fill_alignment(sheet, sets)
    _fill_summary(summary, sets)
    _fill_snapshot(snap, sets, documents)
    snap.sheet_state = "hidden"
    wb.active = wb.index(sheet)
    summary.sheet_view.tabSelected = False
    sheet.sheet_view.tabSelected = True
    signatures = {ps.signature for ps in sets if ps.signature}
    if signatures:  # the document properties' description: the header a workbook has (File > Properties)
        wb.properties.description = next(iter(signatures)) if len(signatures) == 1 else "\n".join(
            f"{ps.name}: {ps.signature}" for ps in sets if ps.signature)
    when = _build_date()
    with atomic_open(path, "wb", encoding=None, newline=None) as fh:
        _save_reproducibly(wb, fh, when)
    return Path(path)


def _build_date() -> datetime:
    """``SOURCE_DATE_EPOCH`` as a naive UTC datetime within the range a zip entry can hold, else ``FIXED_DATE``."""
    seconds = source_date_epoch()
    if seconds is None:
        return FIXED_DATE
    epoch = datetime(1970, 1, 1)
    first, last = (int((d - epoch).total_seconds()) for d in (FIXED_DATE, _ZIP_LAST_DATE))
    return epoch + timedelta(seconds=min(max(seconds, first), last))


def _save_reproducibly(wb: Any, fh: IO[bytes], when: datetime) -> None:
    """Save ``wb`` into ``fh`` with ``when`` as its only date.

    ``Workbook.save`` stamps the current time in two places: it sets
    ``properties.modified`` to now (openpyxl.writer.excel.save_workbook), and
    zipfile dates every entry now (``writestr``) or by a temporary file's
    mtime (the sheets). So we run openpyxl's own ExcelWriter (what
    ``save_workbook`` runs, without the "modified = now") into memory, then copy
    the entries in the same order and with the same compression, each with
    ``when`` and fixed attributes (those would otherwise follow the platform
    and the temporary file's mode).
    """
    import shutil
    import tempfile

    wb.properties.created = wb.properties.modified = when
    with tempfile.TemporaryFile(prefix="aligner-xlsx-") as buffer:
        _excel_writer()(wb, ZipFile(buffer, "w", ZIP_DEFLATED)).save()  # save() closes the archive
        with ZipFile(buffer) as made, ZipFile(fh, "w", ZIP_DEFLATED) as out:
            for entry in made.infolist():
                info = ZipInfo(entry.filename, date_time=when.timetuple()[:6])
                info.compress_type = entry.compress_type
                info.create_system = 3  # Unix, as on Linux and macOS, rather than 0 on Windows
                info.external_attr = 0o600 << 16  # what zipfile gives writestr entries (rw-------)
                info.file_size = entry.file_size  # known in advance, as writestr knows it: the same bytes
                with made.open(entry) as src, out.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)


def _later(ws: Any, rows: Iterator[list[Any]], last_row: int, last_col: int) -> None:
    """Rows of ``ws`` made one at a time while the sheet is written (each row's cells, in any order), so
    that the cells of a long sheet never all exist at once; ``last_row`` and ``last_col``: how far they reach
    (the sheet's extent is written before its rows)."""
    ws._aligner_later = (rows, last_row, last_col)


def _excel_writer() -> Any:
    """openpyxl's ExcelWriter, with sheets that make the rows ``_later`` gave them as they write them
    (the same XML as when those cells are made beforehand)."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.writer.excel import ExcelWriter

    class SheetWriter(WorksheetWriter):  # type: ignore[misc]
        def write_dimensions(self) -> None:
            later = getattr(self.ws, "_aligner_later", None)
            if later is None or not self.ws._cells:
                super().write_dimensions()
                return
            rows, cols = zip(*self.ws._cells)
            ref = (f"{get_column_letter(min(cols))}{min(rows)}:"
                   f"{get_column_letter(max(*cols, later[2]))}{max(*rows, later[1])}")
            self.xf.send(SheetDimension(ref).to_tree())

        def rows(self) -> Iterator[tuple[int, list[Any]]]:
            yield from super().rows()
            later = getattr(self.ws, "_aligner_later", None)
            for cells in later[0] if later else ():
                row = cells[0].row
                yield row, sorted(cells, key=lambda cell: cell.column)
                for cell in cells:
                    del self.ws._cells[cell.row, cell.column]
                self.ws.row_dimensions.pop(row, None)

    class Writer(ExcelWriter):  # type: ignore[misc]
        def write_worksheet(self, ws: Any) -> None:  # ExcelWriter's, with SheetWriter
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = SheetWriter(ws)
            writer.write()
            ws._rels = writer._rels
            self._archive.write(writer.out, ws.path[1:])
            self.manifest.append(ws)
            writer.cleanup()

    return Writer


def _fill_alignment(ws: Any, sets: Sequence[PairSet]) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment as CellAlign
    from openpyxl.styles import Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    col = {h: i + 1 for i, h in enumerate(HEADERS)}
    head_fill = PatternFill("solid", fgColor="305496")
    review_fill = PatternFill("solid", fgColor="548235")
    bottom = Border(bottom=Side(style="thin", color="808080"))
    for h, width, _ in COLUMNS:
        c = ws.cell(row=1, column=col[h], value=h)
        c.font = Font(name="Calibri", bold=True, color="FFFFFF")
        c.fill = review_fill if h in REVIEWER_COLUMNS else head_fill
        c.alignment = CellAlign(vertical="center", wrap_text=True)
        c.border = bottom
        ws.column_dimensions[get_column_letter(col[h])].width = width
    ws.row_dimensions[1].height = 30  # room for a header that wraps in its narrow column
    top = CellAlign(vertical="top", wrap_text=False)
    wrap = CellAlign(vertical="top", wrap_text=True)
    # One pair: its name is the same on every row, so it is printed once, in the page header, and its
    # column neither wraps nor makes rows taller. Several pairs: each row shows its pair, wrapped.
    one_pair = len(sets) == 1
    columns = [c for c in COLUMNS if not (one_pair and c[0] == "pair")]
    wrapped = {h for h, _, w in columns if w}
    def bead_row(row: int, ps: PairSet, pair: AlignedPair) -> list[Any]:
        rec = pair_record(ps, pair)
        review = ps.review(pair)
        values: dict[str, Any] = {
            "pair": ps.name,
            "pair_id": rec["pair_id"],
            "src_ids": ",".join(map(str, pair.bead.src)),
            "tgt_ids": ",".join(map(str, pair.bead.tgt)),
            "type": pair.type,
            "severity": worst_severity(pair),
            "flags": "; ".join(pair.flag_codes),
            "src": pair.src,
            "tgt": pair.tgt,
            "repair": pair.repair or "",
            "explanation": "\n".join(f"{f.code}: {f.message}" for f in pair.flags),
            "decision": review.decision,
            "corrected_target": "",
            "comment": review.comment,
        }
        cells = []
        for h, value in values.items():
            cell = _put_text(ws, row, col[h], value) if value else ws.cell(row=row, column=col[h])
            cell.alignment = wrap if h in wrapped else top
            cells.append(cell)
        ws.row_dimensions[row].height = _row_height(values, columns)
        score = ws.cell(row=row, column=col["score"], value=round(pair.bead.score, 4))
        score.number_format = "0.00"
        score.alignment = top
        cells.append(score)
        if pair.bead.confidence is not None:
            sure = ws.cell(row=row, column=col["confidence"], value=round(pair.bead.confidence, 4))
            sure.number_format = "0.00"
            sure.alignment = top
            cells.append(sure)
        return cells

    beads = ((ps, pair) for ps in sets for pair in ps.pairs)
    first = next(beads, None)
    if first is not None:  # made now, so that the row styles take the same ids whatever follows
        bead_row(2, *first)
    row = 1 + sum(len(ps.pairs) for ps in sets)
    _later(ws, (bead_row(r, ps, pair) for r, (ps, pair) in enumerate(beads, start=3)), row, len(HEADERS))
    last = get_column_letter(len(HEADERS))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{max(row, 2)}"
    if row >= 2:
        sev = get_column_letter(col["severity"])
        for severity, (fill, font) in SEVERITY_STYLE.items():
            ws.conditional_formatting.add(
                f"A2:{last}{row}",
                FormulaRule(formula=[f'${sev}2="{severity}"'], stopIfTrue=True,
                            fill=PatternFill("solid", fgColor=fill, bgColor=fill), font=Font(color=font)),
            )
        dv = DataValidation(type="list", formula1='"accept,reject,fix"', allow_blank=True,
                            showErrorMessage=True, errorTitle="decision",
                            error="Choose accept, reject or fix (or leave it empty).",
                            showInputMessage=True, promptTitle="decision",
                            prompt="accept: keep as is; reject: drop the pair; "
                                   "fix: use corrected_target (or the suggested repair)")
        letter = get_column_letter(col["decision"])
        dv.add(f"{letter}2:{letter}{row}")
        ws.add_data_validation(dv)
    first = get_column_letter(col["pair_id"] if one_pair else col["pair"])
    _print_setup(ws, f"{first}1:{get_column_letter(PRINTED)}{max(row, 1)}", title_rows="1:1")
    if one_pair:
        ws.oddHeader.center.text = sets[0].name.replace("&", "&&")


def _row_height(values: dict[str, Any], columns: Sequence[tuple[str, float, bool]] = COLUMNS) -> float:
    """Points for a row whose wrapped cells hold ``values``.

    Neither openpyxl nor LibreOffice's XLSX import sizes rows to wrapped text,
    so without this every long sentence is cut to one line. We estimate the
    lines of each wrapped cell (``_wrapped_lines``) and cap at 36 lines (a row must fit on one printed page).
    """
    lines = 1
    for h, width, wrapped in columns:
        text = values.get(h) or ""
        if wrapped and text:
            lines = max(lines, _wrapped_lines(str(text), width))
    return 15.0 * min(lines, 36)


def _wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapped cell ``width`` characters wide.

    A spreadsheet breaks lines after spaces and hyphens, so we fill lines
    greedily with the pieces between those breaks; a line holds about 1.15
    characters of a proportional font per width unit (measured with DejaVu
    Sans, the widest of the fonts LibreOffice falls back on for Calibri).
    """
    import math
    import re

    per_line = max(int(width * 1.15), 1)
    lines = 0
    for part in text.split("\n"):
        used = 0
        lines += 1
        for piece in re.findall(r"[^\s-]*[\s-]|[^\s-]+", part):
            size = len(piece.rstrip())
            if used and used + size > per_line:
                lines, used = lines + 1, 0
            if size > per_line:  # a word longer than the line is broken inside
                lines += math.ceil(size / per_line) - 1
                used = size % per_line
            else:
                used += len(piece)
    return lines


def _summary_rows(sets: Sequence[PairSet]) -> tuple[list[str], list[list[Any]]]:
    from aligner.qa.catalogue import CATALOGUE

    types = sorted({p.type for ps in sets for p in ps.pairs},
                   key=lambda t: (t != "1-1", "0" in t.split("-"), t))
    codes = list(CATALOGUE) + sorted({c for ps in sets for p in ps.pairs for c in p.flag_codes} - set(CATALOGUE))
    header = ["pair", "source", "target", "languages", "beads", *types, "flagged", "errors", "warnings",
              *codes, "mean score"]
    rows: list[list[Any]] = []
    for ps in sets:
        by_type = Counter(p.type for p in ps.pairs)
        by_code = Counter(c for p in ps.pairs for c in p.flag_codes)
        by_sev = Counter(worst_severity(p) for p in ps.pairs)
        both = [p.bead.score for p in ps.pairs if p.bead.src and p.bead.tgt]
        rows.append([
            ps.name, ps.src_name or "", ps.tgt_name or "",
            f"{ps.src_lang or '?'} → {ps.tgt_lang or '?'}", len(ps.pairs),
            *[by_type.get(t, 0) for t in types],
            sum(1 for p in ps.pairs if p.flags), by_sev.get("error", 0), by_sev.get("warning", 0),
            *[by_code.get(c, 0) for c in codes],
            round(sum(both) / len(both), 4) if both else None,
        ])
    return header, rows


def _fill_summary(ws: Any, sets: Sequence[PairSet]) -> None:
    from openpyxl.styles import Alignment as CellAlign
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from aligner.qa.catalogue import CATALOGUE

    header, rows = _summary_rows(sets)
    n_beads = sum(len(ps.pairs) for ps in sets)
    n_flagged = sum(1 for ps in sets for p in ps.pairs if p.flags)
    ws.cell(row=1, column=1, value="Alignment review").font = Font(name="Calibri", bold=True, size=14)
    span = max(len(header), 8)  # the table's width: the lines of text and the legend span it

    def line(row: int, text: str) -> None:
        """One line of prose across the table's width, wrapped if it is longer."""
        ws.cell(row=row, column=1, value=text).alignment = CellAlign(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        ws.row_dimensions[row].height = _row_height({"line": text}, (("line", _summary_width(header), True),))

    line(2, f"{len(sets)} document pair(s), {n_beads} beads, {n_flagged} flagged. "
            f"Review them on the '{ALIGNMENT}' sheet: filter 'severity' to the flagged rows.")
    head_fill = PatternFill("solid", fgColor="305496")
    r = 4
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=r, column=j, value=h)
        c.font = Font(name="Calibri", bold=True, color="FFFFFF")
        c.fill = head_fill
        c.alignment = CellAlign(wrap_text=True, vertical="top")
    for row in rows:
        r += 1
        for j, v in enumerate(row, start=1):
            if isinstance(v, str):
                _put_text(ws, r, j, v)
            else:
                ws.cell(row=r, column=j, value=v)
        ws.cell(row=r, column=len(header)).number_format = "0.00"
    # Names wrap in their columns; the counts get narrow columns under headers turned upright, so that
    # the whole table fits a landscape page at a legible size (see _print_setup).
    for j, h in enumerate(header, start=1):
        width = _summary_width([h])
        ws.column_dimensions[get_column_letter(j)].width = width
        if h not in SUMMARY_WIDTHS:
            ws.cell(row=4, column=j).alignment = CellAlign(text_rotation=90, vertical="bottom", horizontal="center")
    ws.row_dimensions[4].height = 7.0 * max(len(h) for h in header) + 6
    for k, row in enumerate(rows, start=5):
        ws.row_dimensions[k].height = _row_height(dict(zip(header, row)), SUMMARY_COLUMNS)
        for j, h in enumerate(header, start=1):
            ws.cell(row=k, column=j).alignment = CellAlign(wrap_text=h in SUMMARY_WIDTHS, vertical="top")
    r += 2
    ws.cell(row=r, column=1, value="Flag codes").font = Font(name="Calibri", bold=True, size=12)
    r += 1
    # code across the first two columns (the longest code is wider than one), meaning across the rest
    spans = ((1, 2), (3, 3), (4, span))
    for (start, end), h in zip(spans, ("code", "severity", "meaning")):
        c = ws.cell(row=r, column=start, value=h)
        c.font = Font(name="Calibri", bold=True, color="FFFFFF")
        c.fill = head_fill
        if end > start:
            ws.merge_cells(start_row=r, start_column=start, end_row=r, end_column=end)
    for code, (severity, meaning) in CATALOGUE.items():
        r += 1
        fill, font = SEVERITY_STYLE[severity]
        for (start, end), v in zip(spans, (code, severity, meaning)):
            c = _put_text(ws, r, start, v)
            c.fill = PatternFill("solid", fgColor=fill)
            c.font = Font(name="Calibri", color=font)
            if end > start:
                ws.merge_cells(start_row=r, start_column=start, end_row=r, end_column=end)
    r += 2
    ws.cell(row=r, column=1, value="How to review").font = Font(name="Calibri", bold=True, size=12)
    for text in (
        "decision: accept keeps the pair as it is; reject drops it from the corpus; "
        "fix replaces the target with corrected_target (or, if that is empty, with the suggested repair).",
        "corrected_target: the target as it should read. comment: anything for the record.",
        "Do not edit pair, pair_id, src or tgt: 'aligner review apply' refuses a workbook whose texts changed.",
        "Then: aligner review apply THIS.xlsx -o final.tsv",
    ):
        r += 1
        line(r, text)
    ws.freeze_panes = "B5"
    _print_setup(ws, f"A1:{get_column_letter(span)}{r}", title_rows=None)


def _print_setup(ws: Any, area: str, title_rows: str | None) -> None:
    """Print ``area`` landscape, one page wide, with narrow margins, the header rows on every page and a footer.

    The columns in ``area`` are sized so that fitting them to the width of a
    landscape Letter or A4 page keeps 11 pt text at 9 pt or more.
    """
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.3, right=0.3, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_area = area
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_options.gridLines = True  # cell borders on paper, so neighbouring texts never run together
    ws.oddFooter.center.text = "&A, page &P of &N"


def _summary_width(header: Sequence[str]) -> float:
    """The Summary table's width in characters."""
    return sum(SUMMARY_WIDTHS.get(h, SUMMARY_MEAN_WIDTH if h == "mean score" else SUMMARY_LANGUAGES_WIDTH
                                   if h == "languages" else SUMMARY_COUNT_WIDTH)
               for h in header)


def _documents(alignments: Any, sets: Sequence[PairSet], with_paths: bool) -> list[list[dict[str, str]]]:
    """Per pair set: its documents' names, SHA-256 of their text and (``with_paths``) paths, when known."""
    import hashlib

    items = [alignments] if isinstance(alignments, (Alignment, PairSet)) else list(alignments)
    out: list[list[dict[str, str]]] = []
    for k in range(len(sets)):
        item = items[k] if len(items) == len(sets) else None
        docs: list[dict[str, str]] = []
        if isinstance(item, Alignment):
            for side, doc in (("src", item.src), ("tgt", item.tgt)):
                rec = {"side": side, "name": doc.name, "sha256": hashlib.sha256(doc.text.encode()).hexdigest()}
                if with_paths and doc.path:
                    rec["path"] = str(Path(doc.path).resolve())
                docs.append(rec)
        out.append(docs)
    return out


def _fill_snapshot(ws: Any, sets: Sequence[PairSet], documents: Sequence[list[dict[str, str]]]) -> None:
    meta = {
        "format": SNAPSHOT_FORMAT,
        "tool": f"aligner {VERSION}",
        "pairs": [{"name": ps.name, "src_name": ps.src_name, "tgt_name": ps.tgt_name, "src_lang": ps.src_lang,
                   "tgt_lang": ps.tgt_lang, "signature": ps.signature,
                   "source": str(Path(ps.source).resolve()) if ps.source else None,
                   **({"documents": docs} if docs else {})} for ps, docs in zip(sets, documents)],
    }
    ws.append(["aligner review workbook", SNAPSHOT_FORMAT, *_chunks(json.dumps(meta, ensure_ascii=True))])
    ws.append(["pair", "pair_id", "record"])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"

    def record(ps: PairSet, pair: AlignedPair) -> list[str]:
        rec = pair_record(ps, pair)
        for key in ("decision", "comment", "src_lang", "tgt_lang", "pair"):
            rec.pop(key, None)
        return [ps.name, bead_id(pair.bead), *_chunks(json.dumps(rec, ensure_ascii=True))]

    def record_row(row: int, values: list[str]) -> list[Any]:
        cells = [ws.cell(row=row, column=c, value=v) for c, v in enumerate(values, start=1)]
        for cell in cells:
            cell.data_type = "s"
        return cells

    beads = [(ps, pair) for ps in sets for pair in ps.pairs]
    width = max((len(record(ps, pair)) for ps, pair in beads), default=0)  # the sheet's extent comes first
    _later(ws, (record_row(r, record(ps, pair)) for r, (ps, pair) in enumerate(beads, start=3)), 2 + len(beads), width)


def _chunks(text: str) -> list[str]:
    """Split JSON over cells: one cell holds at most 32,767 characters."""
    return [text[i:i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]


def write(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The ``xlsx`` format of the export registry (``options.sources``: the Alignments, for their documents)."""
    return [write_workbook(sets, path, sources=options.sources)]
