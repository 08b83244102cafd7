"""Alignments as pandas DataFrames: typed columns, round trips through every table format, writing back."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_export_formats import PAIR, REPAIRED_0, TGT, _doc, make_alignment
from test_review import _read, reviewed  # noqa: F401 - the fixture: the workbook test_review decides
from typer.testing import CliRunner

import aligner
from aligner.cli import app
from aligner.errors import FormatError, ReviewMismatchError
from aligner.export import export
from aligner.export.model import pair_name
from aligner.export.tsv import clean_field
from aligner.qa.catalogue import CATALOGUE, severity_of
from aligner.types import AlignedPair, Alignment, Bead, Flag
from tests.conftest import DE, EN

REPO = Path(__file__).resolve().parents[1]
ALIGNMENTS = REPO / "alignments"
TABLES = ("tsv", "jsonl", "xlsx")


def _write(alignment: Alignment, folder: Path, fmt: str) -> Path:
    """The alignment in ``fmt``, named as ``aligner corpus`` names it (the TSV's pair name is its file name)."""
    out = folder / f"{pair_name(alignment)}.{fmt}"
    if fmt == "tsv":
        aligner.write_tsv(alignment, out)
    else:
        export(alignment, out, fmt)
    return out


def _assert_round_trip(alignment: Alignment, folder: Path) -> None:
    expected = aligner.to_frame(alignment)
    for fmt in TABLES:
        got = aligner.read_alignment(_write(alignment, folder, fmt))
        pd.testing.assert_frame_equal(got, expected, obj=fmt)
        assert (got.attrs["src_lang"], got.attrs["tgt_lang"]) == (alignment.src.lang, alignment.tgt.lang), fmt
        assert got.attrs["pair"] == pair_name(alignment)
        # the workbook carries the signature; the TSV and JSONL carry it once their reader gives it
        assert got.attrs["signature"] == alignment.signature or (fmt != "xlsx" and got.attrs["signature"] is None)


# --- the frame itself -------------------------------------------------------------------------


def test_columns_are_typed(tmp_path: Path) -> None:
    alignment = make_alignment()
    frame = aligner.to_frame(alignment)
    assert list(frame.columns) == ["pair", "pair_id", "src_ids", "tgt_ids", "type", "score", "confidence", "src",
                                   "tgt", "flags", "severity", "repair", "explanation"]
    assert len(frame) == len(alignment.pairs)
    first, last = frame.iloc[0], frame.iloc[-1]
    assert first.src_ids == [0] and first.tgt_ids == [0] and last.tgt_ids == [] and last.pair_id == "s5/t-"
    assert all(isinstance(i, int) for ids in frame.src_ids for i in ids)
    assert frame["type"].dtype == "category" and list(frame["type"].cat.categories) == ["1-0", "1-1"]
    assert frame.score.dtype == float and frame.confidence.dtype == float
    assert first.confidence == 0.9871 and frame.confidence.isna().sum() == 4  # unknown is NaN, not 0
    assert first["flags"] == ["encoding-damage"] and frame["flags"].iloc[1] == []  # (frame.flags is pandas' own)
    assert frame.severity.cat.ordered and list(frame.severity.cat.categories) == ["info", "warning", "error"]
    assert frame.severity.iloc[0] == "error" and pd.isna(frame.severity.iloc[1])
    assert (frame.severity >= "warning").tolist() == [True, False, False, False, True, True]
    assert first.repair == REPAIRED_0 and pd.isna(frame.repair.iloc[1])
    assert frame.attrs["src_lang"] == "en" and frame.attrs["tgt_lang"] == "de"
    assert frame.attrs["signature"] == "test|model:none" and frame.attrs["pair"] == PAIR


def test_pandas_stays_out_of_import_and_the_cli(tmp_path: Path) -> None:
    table = next(ALIGNMENTS.glob("en-de__*.tsv"))
    code = f"""
import sys
import aligner, aligner.cli
from typer.testing import CliRunner
aligner.Alignment, aligner.read_alignment, aligner.write_tsv
r = CliRunner().invoke(aligner.cli.app, ["export", {str(table)!r}, "-o", {str(tmp_path / "out.tmx")!r}])
assert r.exit_code == 0, r.output
assert "pandas" not in sys.modules, "pandas was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    timing = subprocess.run([sys.executable, "-X", "importtime", "-c", "import aligner.cli"], capture_output=True,
                            text=True, check=True).stderr
    assert "aligner.cli" in timing and "pandas" not in timing


def test_missing_pandas_is_one_clear_error(tmp_path: Path) -> None:
    table = next(ALIGNMENTS.glob("en-de__*.tsv"))
    code = f"""
import sys
sys.modules["pandas"] = None  # what Python does for a package that is not installed: import raises ImportError
import aligner
try:
    aligner.read_alignment({str(table)!r})
except aligner.AlignerError as err:
    print(err)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "pandas is not installed: pip install 'aligner[pandas]'\n"


# --- round trips ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_alignment() -> Alignment:
    return aligner.align_files(EN, DE)


@pytest.mark.slow
def test_seed_pair_round_trips_through_every_table(seed_alignment: Alignment, tmp_path: Path) -> None:
    assert len(seed_alignment.pairs) == 38 and any(p.flags for p in seed_alignment.pairs)
    _assert_round_trip(seed_alignment, tmp_path)


def test_frame_writes_the_same_bytes_as_its_alignment(seed_alignment: Alignment, tmp_path: Path) -> None:
    frame = aligner.to_frame(seed_alignment).sample(frac=1.0, random_state=0)  # shuffled: written in alignment order
    for fmt in TABLES:
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        export(seed_alignment, a, fmt)
        export(frame, b, fmt)
        if fmt == "xlsx":  # a frame does not carry the documents, so its workbook records no document digests
            pd.testing.assert_frame_equal(aligner.read_alignment(a), aligner.read_alignment(b), obj=fmt)
        else:
            assert a.read_bytes() == b.read_bytes(), fmt


# Any text but surrogates and control characters (the readers take a file dense with those for a binary one).
_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).map(clean_field).filter(bool)


@st.composite
def alignments(draw: st.DrawFn) -> Alignment:
    """An alignment of random text: any bead shapes (1-0, 0-1, up to 3-3), flags, unknown confidences."""
    langs = st.sampled_from(["en", "de", "fr", "zh"])
    shapes = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)).filter(any), min_size=1, max_size=7))
    src = draw(st.lists(_TEXT, min_size=sum(a for a, _ in shapes), max_size=sum(a for a, _ in shapes)))
    tgt = draw(st.lists(_TEXT, min_size=sum(b for _, b in shapes), max_size=sum(b for _, b in shapes)))
    flag = st.builds(lambda code, message, side, suggestion: Flag(code, severity_of(code), message, side, suggestion),
                     st.sampled_from(list(CATALOGUE)), _TEXT, st.sampled_from(["src", "tgt", "both"]),
                     st.none() | _TEXT)
    pairs, i, j = [], 0, 0
    for a, b in shapes:
        bead = Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), draw(st.floats(0.0, 1.0)),
                    draw(st.none() | st.floats(0.0, 1.0)))
        pairs.append(AlignedPair(bead, " ".join(src[i:i + a]), " ".join(tgt[j:j + b]),
                                 tuple(draw(st.lists(flag, max_size=3)))))
        i, j = i + a, j + b
    name = st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)
    return Alignment(src=_doc(draw(name), draw(langs), src), tgt=_doc(draw(name), draw(langs), tgt),
                     pairs=tuple(pairs), signature=draw(_TEXT))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alignments())
def test_generated_alignments_round_trip_through_every_table(alignment: Alignment) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _assert_round_trip(alignment, Path(folder))


# --- the committed corpus run -----------------------------------------------------------------


def test_read_corpus_has_every_bead_of_every_pair_with_summary_counts() -> None:
    beads, flags, pairs = aligner.read_corpus(ALIGNMENTS)
    with (ALIGNMENTS / "summary.tsv").open(encoding="utf-8", newline="") as fh:
        summary = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(summary) == 3 and len(beads) == sum(int(r["beads"]) for r in summary)
    assert list(pairs.index) == [r["file"].removesuffix(".tsv") for r in summary]
    for r in summary:
        name = r["file"].removesuffix(".tsv")
        rows = beads[beads.pair == name]
        assert len(rows) == int(r["beads"]) == pairs.loc[name, "beads"]
        assert set(rows.src_doc) == {r["src"]} and set(rows.tgt_doc) == {r["tgt"]}
        assert (rows.src_lang.iloc[0], rows.tgt_lang.iloc[0]) == (r["src"].split("/")[0], r["tgt"].split("/")[0])
        types = dict(kv.split("=") for kv in r["bead_types"].split(";"))
        assert Counter(rows["type"].astype(str)) == {k: int(v) for k, v in types.items()}
        expected = {k: int(v) for k, v in (kv.split("=") for kv in r["flags"].split(";") if kv)}
        assert {c: int(n) for c, n in flags.loc[name].items() if n} == expected
        assert pairs.loc[name, "similarity"] == float(r["similarity"])
        # every row is the TSV's row, in order (read with csv, independently of aligner's reader)
        with (ALIGNMENTS / r["file"]).open(encoding="utf-8", newline="") as fh:
            assert fh.readline().startswith("# aligner\t")  # the line that carries languages and signature
            table = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
        assert rows.src.tolist() == [t["src"] for t in table] and rows.tgt.tolist() == [t["tgt"] for t in table]
        assert [",".join(map(str, ids)) for ids in rows.tgt_ids] == [t["tgt_ids"] for t in table]
    # what an analyst does with it: flags per pair with groupby, equal to the flags frame
    per_pair = beads.explode("flags").groupby("pair", observed=True)["flags"].count()
    assert per_pair.to_dict() == flags.sum(axis=1).to_dict()
    assert beads.attrs["signature"] and beads.attrs["src_lang"] == "en" and beads.attrs["tgt_lang"] is None


def test_read_corpus_without_summary_json_reads_summary_tsv(tmp_path: Path) -> None:
    beads, flags, pairs = aligner.read_corpus(ALIGNMENTS)
    shutil.copytree(ALIGNMENTS, tmp_path / "run")
    (tmp_path / "run" / "summary.json").unlink()
    again = aligner.read_corpus(tmp_path / "run")
    pd.testing.assert_frame_equal(again.beads, beads)
    pd.testing.assert_frame_equal(again.flags, flags)
    pd.testing.assert_frame_equal(again.pairs, pairs)
    assert again.beads.attrs["signature"] is None  # the run's signature is only in summary.json
    (tmp_path / "run" / "summary.tsv").unlink()
    with pytest.raises(FormatError, match="no summary.json or summary.tsv"):
        aligner.read_corpus(tmp_path / "run")


def test_committed_pairs_round_trip_from_their_frames(tmp_path: Path) -> None:
    for table in sorted(ALIGNMENTS.glob("*__*.tsv")):
        frame = aligner.read_alignment(table)
        for fmt in TABLES:
            out = tmp_path / f"{table.stem}.{fmt}"
            export(frame, out, fmt)
            got = aligner.read_alignment(out)
            pd.testing.assert_frame_equal(got, frame, obj=f"{table.name} as {fmt}")
            assert (got.attrs["src_lang"], got.attrs["tgt_lang"]) == (frame.attrs["src_lang"], frame.attrs["tgt_lang"])
        assert (tmp_path / table.name).read_bytes() == table.read_bytes()


def test_committed_tables_and_workbook_read_the_same() -> None:
    beads, _, _ = aligner.read_corpus(ALIGNMENTS)
    book = aligner.read_alignment(ALIGNMENTS / "review.xlsx")
    pd.testing.assert_frame_equal(book, beads[list(book.columns)])


# --- writing back -----------------------------------------------------------------------------


@pytest.fixture()
def frame() -> pd.DataFrame:
    return aligner.to_frame(make_alignment())


def test_filtered_frame_exports_a_corpus_but_not_a_table(frame: pd.DataFrame, tmp_path: Path) -> None:
    good = frame[(frame.severity != "error")]
    written = export(good, tmp_path / "clean", "moses")
    assert [p.name for p in written] == ["clean.en", "clean.de"]
    assert (tmp_path / "clean.de").read_text(encoding="utf-8").splitlines() == TGT[1:4]  # the 1-0 bead has no tgt
    assert export(good, tmp_path / "clean.tmx") == [tmp_path / "clean.tmx"]
    assert (tmp_path / "clean.tmx").read_text(encoding="utf-8").count("<tu ") == 3
    with pytest.raises(ReviewMismatchError, match=r"2 bead\(s\) of the alignment are missing from the DataFrame: "
                                                  r".*s0/t0, .*s4/t4; a tsv table carries every bead"):
        aligner.write_tsv(good, tmp_path / "x.tsv")
    for fmt in ("jsonl", "xlsx"):
        with pytest.raises(ReviewMismatchError, match="carries every bead"):
            export(good, tmp_path / f"x.{fmt}")
    assert not list(tmp_path.glob("x.*"))


def test_frames_that_are_not_the_alignment_are_refused(frame: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "x.tsv"
    edited = frame.copy()
    edited.loc[2, "tgt"] = "Etwas anderes."
    with pytest.raises(ReviewMismatchError, match=r"row 2 \(s2/t2 tgt\); put corrections in corrected_target"):
        aligner.write_tsv(edited, out)
    moved = frame.copy()
    moved.at[1, "src_ids"] = [7]
    with pytest.raises(FormatError, match=r"row 1: pair_id 's1/t1' is not the bead of its src_ids/tgt_ids"):
        aligner.write_tsv(moved, out)
    moved = moved.drop(columns="pair_id")
    with pytest.raises(ReviewMismatchError, match=r"row 1 \(s7/t1\); the DataFrame belongs to another alignment"):
        export(moved, tmp_path / "c", "moses")
    with pytest.raises(ReviewMismatchError, match=r"pair ids repeated: row 3 \(s3/t3, also row 3\)"):
        export(pd.concat([frame, frame.iloc[[3]]]), tmp_path / "c", "moses")
    # pandas drops attrs that differ when it combines frames
    with pytest.raises(FormatError, match="has no DataFrame.attrs"):
        export(pd.concat([frame, aligner.read_corpus(ALIGNMENTS).beads]), tmp_path / "c", "moses")
    with pytest.raises(FormatError, match="src_ids .* is not a list of segment ids"):
        export(frame.assign(src_ids="0"), tmp_path / "c", "moses")
    assert not out.exists() and not list(tmp_path.glob("c.*"))


def test_decisions_in_a_frame_apply_like_review_apply(tmp_path: Path) -> None:
    frame = aligner.to_frame(make_alignment())
    frame["decision"] = None
    frame.loc[frame.pair_id == "s4/t4", "decision"] = "reject"
    frame.loc[frame.pair_id == "s0/t0", "decision"] = "fix"  # takes the suggested repair
    frame["corrected_target"] = None
    frame.loc[frame.pair_id == "s3/t3", "corrected_target"] = "@CGTN berichtete es heute."
    export(frame, tmp_path / "c", "moses")
    de = (tmp_path / "c.de").read_text(encoding="utf-8").splitlines()
    assert de == [REPAIRED_0, TGT[1], TGT[2], "@CGTN berichtete es heute."]
    frame.loc[frame.pair_id == "s1/t1", ["decision", "corrected_target"]] = ["accept", "Anders."]
    with pytest.raises(FormatError, match=r"decision accept with a corrected_target"):
        export(frame, tmp_path / "c", "moses")


# --- reviewed workbooks and tables ------------------------------------------------------------


def test_reviewed_workbook_reads_with_the_reviewers_columns(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    book = request.getfixturevalue("reviewed")
    frame = aligner.read_alignment(book)
    assert list(frame.columns[-3:]) == ["decision", "corrected_target", "comment"]
    assert frame.decision.dtype == "category" and list(frame.decision.cat.categories) == ["accept", "reject", "fix"]
    by_id = frame.set_index("pair_id")
    assert by_id.loc["s4/t4", "decision"] == "reject" and by_id.loc["s4/t4", "comment"] == "dates differ"
    assert by_id.loc["s3/t3", "corrected_target"] == "=@CGTN berichtete es heute."  # typed as a formula
    assert pd.isna(by_id.loc["s3/t3", "decision"]) and pd.isna(by_id.loc["s2/t2", "comment"])
    assert by_id.loc["s3/t3", "tgt"] == TGT[3]  # the aligned target; the correction is its own column
    # reviewer's decisions counted with pandas, per flag
    decided = frame.explode("flags").dropna(subset=["decision"])
    assert decided.groupby("flags").decision.first().to_dict() == {
        "encoding-damage": "fix", "number-mismatch": "reject", "omission": "accept"}

    # written back, the frame is what 'aligner review apply' makes of the workbook
    ours, theirs = tmp_path / "ours.tsv", tmp_path / "theirs.tsv"
    aligner.write_tsv(frame, ours)
    result = CliRunner().invoke(app, ["review", "apply", str(book), "-o", str(theirs)])
    assert result.exit_code == 0, result.output
    assert _read(ours) == _read(theirs)
    assert len(_read(ours)) == 5  # the rejected bead is gone, the fixes applied

    # that table read back carries its decisions; written again, they are not applied twice
    again = aligner.read_alignment(ours)
    assert again.decision.tolist()[:2] == ["fix", "accept"] and again.tgt.iloc[0] == REPAIRED_0
    aligner.write_tsv(again, tmp_path / "again.tsv")
    assert (tmp_path / "again.tsv").read_bytes() == ours.read_bytes()


def test_edited_workbook_is_refused_on_reading(request: pytest.FixtureRequest) -> None:
    import openpyxl

    book = request.getfixturevalue("reviewed")
    wb = openpyxl.load_workbook(book)
    ws = wb["Alignment"]
    ws.delete_rows(3)
    wb.save(book)
    with pytest.raises(ReviewMismatchError, match=r"missing from the workbook: .* s1/t1; rows were deleted"):
        aligner.read_alignment(book)
