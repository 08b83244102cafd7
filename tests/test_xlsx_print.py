"""The review workbook as it prints: rendered by LibreOffice to PDF and measured with poppler's pdftotext.

The workbooks are the seed corpus's (rebuilt from the snapshot in the committed
alignments/review.xlsx, so no model runs): all three pairs on one Alignment
sheet, and the first pair alone. A reviewer who prints them must get landscape
pages with text of at least 9 pt, the header row on every Alignment page, and
every cell's text whole: no column cut into its neighbour, no row cut short.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from aligner.export.xlsx import write_workbook
from aligner.review import read_snapshot

pytestmark = pytest.mark.slow  # LibreOffice renders the workbooks

REPO = Path(__file__).resolve().parents[1]
SEED_BOOK = REPO / "alignments" / "review.xlsx"
MIN_PT = 9.0
TEXT_COLUMNS = ("pair", "pair_id", "severity", "src", "tgt", "explanation", "decision")


def _tool(*names: str) -> str:
    for name in names:
        exe = shutil.which(name)
        if exe:
            return exe
    if os.environ.get("CI"):
        pytest.fail(f"{names[0]} is not installed; .ci/run installs libreoffice-calc-nogui and poppler-utils")
    pytest.skip(f"{names[0]} not installed")


@dataclass(frozen=True)
class Word:
    x: float
    y: float
    height: float
    text: str


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: tuple[Word, ...]

    def find(self, text: str) -> list[Word]:
        """The words that read ``text``, topmost first (a header above any cell that has the same word)."""
        return sorted((w for w in self.words if w.text == text), key=lambda w: (w.y, w.x))


def _pages(pdf: Path) -> list[Page]:
    xml = subprocess.run([_tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = []
    for w, h, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        words = tuple(Word(float(x0), float(y0), float(y1) - float(y0), html.unescape(t)) for x0, y0, y1, t in
                      re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>',
                                 body))
        pages.append(Page(float(w), float(h), words))
    return pages


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[Page]]]:
    """name -> (workbook, its PDF pages); "reference" is one line of 11 pt text printed at 100 %."""
    soffice = _tool("soffice", "libreoffice")
    _tool("pdftotext")
    folder = tmp_path_factory.mktemp("print")
    sets = read_snapshot(openpyxl.load_workbook(SEED_BOOK), SEED_BOOK)
    assert sets and len(sets) == 3
    books = {"corpus": folder / "corpus.xlsx", "one": folder / "one.xlsx", "reference": folder / "reference.xlsx"}
    write_workbook(sets, books["corpus"])
    write_workbook(sets[:1], books["one"])
    ref = openpyxl.Workbook()
    ref.active["A1"] = "Reference line"
    ref.active.page_setup.scale = 100
    ref.save(books["reference"])
    profile = (folder / "profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, books.values())], check=True, capture_output=True,
                   timeout=600)
    return {name: (book, _pages(book.with_suffix(".pdf"))) for name, book in books.items()}


def _alignment_pages(pages: list[Page]) -> list[Page]:
    return [p for p in pages if p.find("pair_id") and p.find("explanation")]


def test_pages_are_landscape_with_legible_text(printed) -> None:  # type: ignore[no-untyped-def]
    # the height of an 11 pt word's box at 100 %, in the font this LibreOffice prints Calibri with
    eleven = printed["reference"][1][0].find("Reference")[0].height
    for name in ("corpus", "one"):
        pages = printed[name][1]
        assert len(pages) >= 3 and len(_alignment_pages(pages)) >= 2
        assert all(p.width > p.height for p in pages), f"{name}: not every page is landscape"
        smallest = min(w.height for p in pages for w in p.words) * 11 / eleven
        assert smallest >= MIN_PT, f"{name}: text printed at {smallest:.1f} pt"


def test_the_header_row_is_on_every_alignment_page(printed) -> None:  # type: ignore[no-untyped-def]
    for name in ("corpus", "one"):
        pages = _alignment_pages(printed[name][1])
        assert len(pages) == sum(1 for p in printed[name][1] if p.find("Alignment,"))  # footer: "Alignment, page n"
        for page in pages:
            heads = [page.find(h)[0] for h in (*TEXT_COLUMNS[1:], "corrected_target", "comment")]
            assert len({round(w.y) for w in heads}) == 1  # one row ...
            cells = [w for w in page.words if w.y > heads[0].y + 2]
            assert cells and min(w.y for w in cells) > heads[0].y  # ... above every cell


def _column_text(pages: list[Page], columns: tuple[str, ...]) -> dict[str, str]:
    """Each column's printed text, pages in order, lines top to bottom, white space removed.

    A column runs from its header's left edge to the next header's."""
    text = dict.fromkeys(columns, "")
    for page in _alignment_pages(pages):
        edges = sorted((page.find(h)[0].x, h) for h in columns if page.find(h))
        top = page.find("pair_id")[0].y
        for (left, h), (right, _) in zip(edges, [*edges[1:], (float("inf"), "")]):
            words = sorted((w.y, w.x, w.text) for w in page.words if left - 0.5 <= w.x < right - 0.5 and w.y > top + 2)
            text[h] += "".join(t for _, _, t in words)
    return text


def test_every_cell_prints_whole_in_its_own_column(printed) -> None:  # type: ignore[no-untyped-def]
    """No text is clipped by its neighbour (pair into pair_id) or by its row's height."""
    for name in ("corpus", "one"):
        book, pages = printed[name]
        columns = TEXT_COLUMNS if name == "corpus" else TEXT_COLUMNS[1:]  # one pair: its name is the page header
        text = _column_text(pages, columns)
        ws = openpyxl.load_workbook(book)["Alignment"]
        header = [c.value for c in ws[1]]
        cut = []
        for row in ws.iter_rows(min_row=2, values_only=True):
            for h in columns:
                value = re.sub(r"\s+", "", str(row[header.index(h)] or ""))
                if value and value not in text[h]:
                    cut.append(f"{row[header.index('pair_id')]} {h}")
        assert not cut, f"{name}: printed text cut in {cut[:5]} ({len(cut)} cells)"


def test_summary_prints_pair_and_file_names_whole(printed) -> None:  # type: ignore[no-untyped-def]
    book, pages = printed["corpus"]
    first = pages[0]
    assert first.find("source") and first.find("target")
    pair_x, source_x, target_x = (first.find(h)[0].x for h in ("pair", "source", "target"))
    top = first.find("pair")[0].y

    def column(left: float, right: float) -> str:
        words = sorted((w.y, w.x, w.text) for w in first.words if left - 0.5 <= w.x < right - 0.5 and w.y > top + 2)
        return "".join(t for _, _, t in words)

    ws = openpyxl.load_workbook(book)["Summary"]
    rows = [r for r in ws.iter_rows(min_row=5, max_row=7, max_col=3, values_only=True)]
    width = target_x - source_x  # source and target are as wide as each other
    for pair, source, target in rows:
        assert pair in column(pair_x, source_x)
        assert source in column(source_x, target_x)
        assert target in column(target_x, target_x + width)
