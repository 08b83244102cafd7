"""Alignments as pandas DataFrames: one row per bead, to read a run in a notebook and write it back.

pandas is optional (``pip install 'aligner[pandas]'``) and imported inside the
functions below, so ``import aligner`` and the CLI never load it.

A bead frame has one row per bead, in alignment order:

    pair              category   the document pair's name, ``{srclang}-{tgtlang}__{src}__{tgt}``
    pair_id           str        the bead's stable id within its pair, ``s3,4/t2``
    src_ids, tgt_ids  list[int]  0-based segment ids (empty for a 0-1 / 1-0 bead)
    type              category   ``1-1``, ``2-1``, ``1-0`` ...
    score             float      similarity, to the 4 decimals every file carries
    confidence        float      probability that the bead is cut right; NaN when unknown
    src, tgt          str        the segments' text
    flags             list[str]  QA codes
    severity          category   the worst flag, ordered info < warning < error; NaN without flags
    repair            str        the suggested target; NaN when none
    explanation       str        ``code: message`` per flag, joined with `` | ``; NaN without flags
    decision, corrected_target, comment
                                 what the reviewer entered, when they entered anything
                                 (decision: a category accept / reject / fix; NaN when empty)

(Write ``frame["flags"]``: ``frame.flags`` is pandas' own ``DataFrame.flags``.)

``read_corpus`` adds the document pair (``src_doc``, ``tgt_doc``, ``src_lang``,
``tgt_lang``) after ``pair``. ``DataFrame.attrs`` holds ``src_lang``,
``tgt_lang``, ``signature`` and ``pair`` (None when unknown, or when the pairs
of the frame differ), and ``_aligner``: the beads the frame was made from,
compressed into one string (cheap to copy: pandas deep-copies ``attrs`` on
every operation, and a string is copied by reference).

Writing a frame back (``aligner.write_tsv(frame, path)``, ``export(frame, path,
fmt)``) checks its rows against those beads the way ``review apply`` checks a
workbook against its hidden snapshot: every row must be a bead of the
alignment (its ``src_ids``/``tgt_ids``, and the texts unchanged; a correction
goes in ``corrected_target``), no bead twice, and for the tables (tsv, jsonl,
xlsx) no bead missing. A corpus (moses, tmx, bitext) may be written from any
subset of the rows. The reviewer columns are applied as ``review apply``
applies them, and the beads are written as they were read (flags with their
sides and suggestions), in alignment order whatever the frame's order.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import sys
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from aligner.errors import AlignerError, FormatError
from aligner.export.jsonl import pair_from_record, pair_record
from aligner.export.model import DECISIONS, PairSet, Review, as_pairset, bead_id, worst_severity
from aligner.export.read import read_alignment as read_sets, summary_entry
from aligner.types import AlignedPair, Alignment, Bead

if TYPE_CHECKING:
    import pandas as pd

    from aligner.review import ReviewedRow

SEVERITIES = ("info", "warning", "error")  # the order of the ordered ``severity`` category
REVIEW_COLUMNS = ("decision", "corrected_target", "comment")
DOCUMENT_COLUMNS = ("src_doc", "tgt_doc", "src_lang", "tgt_lang")
SNAPSHOT_KEY = "_aligner"
_SNAPSHOT_FORMAT = 1
# a frame's rows go to these formats in any subset; every other format carries every bead
_CORPUS_FORMATS = ("bitext", "moses", "tmx")


class CorpusFrames(NamedTuple):
    """``read_corpus``'s frames: every bead, the flag counts per pair, and the pairs themselves."""

    beads: pd.DataFrame  # one row per bead of every pair, with the document pair as columns
    flags: pd.DataFrame  # index pair, one column per flag code: beads carrying it
    pairs: pd.DataFrame  # index pair: documents, languages, similarity, beads, mean score, file


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise AlignerError("pandas is not installed: pip install 'aligner[pandas]'") from None
    return pd


def is_frame(obj: object) -> bool:
    """Whether ``obj`` is a pandas DataFrame (without importing pandas: if it is not loaded, it is not one)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


# --- building frames --------------------------------------------------------------------------


def _type_key(t: str) -> tuple[int, ...]:
    return tuple(int(n) for n in t.split("-"))


def _explanation(pair: AlignedPair) -> str | None:
    """The TSV's explanation field, with the messages grouped by code in the order of the codes.

    Grouped because the TSV keeps one entry per code in ``flags`` and reads the
    messages back that way, so the frame of a pair equals the frame of its TSV.
    """
    from aligner.export.tsv import COLUMNS, pair_row

    if not pair.flags:
        return None
    order = pair.flag_codes
    grouped = tuple(sorted(pair.flags, key=lambda f: order.index(f.code)))
    return pair_row(replace(pair, flags=grouped))[COLUMNS.index("explanation")]


def sets_frame(sets: Sequence[PairSet], pending: Mapping[tuple[str, str], ReviewedRow] | None = None, *,
               documents: bool = False) -> pd.DataFrame:
    """The bead frame of ``sets`` (see the module docstring).

    ``pending``: the rows of a reviewed workbook, by (pair, pair_id): their
    decisions are shown, and applied when the frame is written. Without it the
    reviewer columns show the decisions the beads already carry.
    ``documents``: add the document pair's columns (``read_corpus``).
    """
    pd = _pandas()
    import numpy as np

    str_dtype = "str" if int(pd.__version__.split(".")[0]) >= 3 else object
    cols: dict[str, list[Any]] = {c: [] for c in (
        "pair", *(DOCUMENT_COLUMNS if documents else ()), "pair_id", "src_ids", "tgt_ids", "type", "score",
        "confidence", "src", "tgt", "flags", "severity", "repair", "explanation", *REVIEW_COLUMNS)}
    for ps in sets:
        for pair in ps.pairs:
            pid = bead_id(pair.bead)
            cols["pair"].append(ps.name)
            if documents:
                for c, v in zip(DOCUMENT_COLUMNS, (ps.src_name, ps.tgt_name, ps.src_lang, ps.tgt_lang)):
                    cols[c].append(v)
            cols["pair_id"].append(pid)
            cols["src_ids"].append(list(pair.bead.src))
            cols["tgt_ids"].append(list(pair.bead.tgt))
            cols["type"].append(pair.type)
            cols["score"].append(round(pair.bead.score, 4))
            conf = pair.bead.confidence
            cols["confidence"].append(np.nan if conf is None else round(conf, 4))
            cols["src"].append(pair.src)
            cols["tgt"].append(pair.tgt)
            cols["flags"].append(pair.flag_codes)
            cols["severity"].append(worst_severity(pair) or None)
            cols["repair"].append(pair.repair or None)
            cols["explanation"].append(_explanation(pair))
            if pending is not None:
                r = pending.get((ps.name, pid))
                decision, corrected, comment = (r.decision, r.corrected_target, r.comment) if r else ("", "", "")
            else:
                review = ps.reviews.get(pid, Review())
                decision, corrected, comment = review.decision, "", review.comment
            cols["decision"].append(decision or None)
            cols["corrected_target"].append(corrected or None)
            cols["comment"].append(comment or None)
    if not any(v is not None for c in REVIEW_COLUMNS for v in cols[c]):
        for c in REVIEW_COLUMNS:
            del cols[c]
    names = list(dict.fromkeys(ps.name for ps in sets))
    data: dict[str, Any] = {}
    for c, values in cols.items():
        if c in ("pair", "src_doc", "tgt_doc", "src_lang", "tgt_lang"):
            data[c] = pd.Categorical(values, categories=names if c == "pair" else
                                     list(dict.fromkeys(v for v in values if v is not None)))
        elif c == "type":
            data[c] = pd.Categorical(values, categories=sorted(set(values), key=_type_key))
        elif c == "severity":
            data[c] = pd.Categorical(values, categories=SEVERITIES, ordered=True)
        elif c == "decision":
            data[c] = pd.Categorical(values, categories=DECISIONS)
        elif c in ("score", "confidence"):
            data[c] = np.array(values, dtype=float)
        elif c in ("src_ids", "tgt_ids", "flags"):
            data[c] = pd.Series(values, dtype=object)
        else:
            data[c] = pd.Series(values, dtype=str_dtype)
    frame = pd.DataFrame(data)
    frame.attrs.update(_common_attrs(sets))
    frame.attrs[SNAPSHOT_KEY] = _encode(sets)
    return frame


def _common_attrs(sets: Sequence[PairSet]) -> dict[str, str | None]:
    def common(values: Sequence[str | None]) -> str | None:
        return values[0] if values and all(v == values[0] for v in values) else None

    return {"src_lang": common([ps.src_lang for ps in sets]), "tgt_lang": common([ps.tgt_lang for ps in sets]),
            "signature": common([ps.signature for ps in sets]), "pair": common([ps.name for ps in sets])}


def _encode(sets: Sequence[PairSet]) -> str:
    """The beads of ``sets`` (and the decisions they carry) as one compressed string: the frame's snapshot."""
    pairs = []
    for ps in sets:
        records = []
        for pair in ps.pairs:
            rec = pair_record(ps, pair)
            for key in ("pair", "pair_id", "src_lang", "tgt_lang", "decision", "comment", "repair"):
                rec.pop(key, None)
            records.append(rec)
        pairs.append({"name": ps.name, "src_lang": ps.src_lang, "tgt_lang": ps.tgt_lang, "src_name": ps.src_name,
                      "tgt_name": ps.tgt_name, "signature": ps.signature, "source": ps.source,
                      "reviews": {pid: [r.decision, r.comment] for pid, r in ps.reviews.items()},
                      "records": records})
    data = json.dumps({"format": _SNAPSHOT_FORMAT, "pairs": pairs}, ensure_ascii=False).encode()
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def _decode(text: str) -> list[PairSet]:
    try:
        data = json.loads(zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True)))
        if data["format"] > _SNAPSHOT_FORMAT:
            raise ValueError(f"snapshot format {data['format']} is newer than this aligner")
        return [PairSet(name=p["name"], src_lang=p["src_lang"], tgt_lang=p["tgt_lang"], src_name=p["src_name"],
                        tgt_name=p["tgt_name"], signature=p["signature"], source=p["source"],
                        reviews={pid: Review(d, c) for pid, (d, c) in p["reviews"].items()},
                        pairs=tuple(pair_from_record(rec, f"DataFrame.attrs[{SNAPSHOT_KEY!r}]")
                                    for rec in p["records"]))
                for p in data["pairs"]]
    except (ValueError, KeyError, TypeError, zlib.error) as err:
        raise FormatError(f"DataFrame.attrs[{SNAPSHOT_KEY!r}] is damaged ({err}); read the alignment again") from None


def to_frame(alignment: Alignment) -> pd.DataFrame:
    """``aligner.to_frame(alignment)``: the bead frame of one alignment, the same frame ``read_alignment`` gives
    for any file written from it. A function here rather than a method on ``Alignment``, because the data types
    sit below every stage and must not import the frame builder (which imports export)."""
    return sets_frame([as_pairset(alignment)])


# --- reading files ----------------------------------------------------------------------------


def read_alignment(path: str | os.PathLike[str], *, src_lang: str | None = None,
                   tgt_lang: str | None = None) -> pd.DataFrame:
    """An alignment file as a bead frame: the TSV table, our JSONL, or a review workbook (reviewed or not).

    Languages and signature come from what the file's reader gives, else the
    file name (``{srclang}-{tgtlang}__...``) for the languages, else a
    ``summary.json`` beside it that lists the file (the signature there is the
    corpus run's); ``src_lang``/``tgt_lang`` override them. A workbook is checked as ``review
    apply`` checks it (rows deleted, pair ids or texts edited are refused); its
    decisions are applied when the frame is written.
    """
    _pandas()
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        sets, pending = _workbook(p)
        sets = [replace(ps, src_lang=src_lang or ps.src_lang, tgt_lang=tgt_lang or ps.tgt_lang) for ps in sets]
        return sets_frame(sets, pending)
    entry, run_signature = summary_entry(p)
    sets = [replace(ps, signature=ps.signature or run_signature, src_name=ps.src_name or entry.get("src"),
                    tgt_name=ps.tgt_name or entry.get("tgt"))
            for ps in read_sets(p, src_lang=src_lang, tgt_lang=tgt_lang)]
    return sets_frame(sets)


def _workbook(path: Path) -> tuple[list[PairSet], dict[tuple[str, str], ReviewedRow]]:
    """A review workbook's beads (its hidden snapshot) and the reviewer's rows, checked against each other."""
    from aligner.review import check_rows, load_review_workbook, read_review_rows, read_snapshot

    wb = load_review_workbook(path)
    rows = read_review_rows(wb, path)
    snapshot = read_snapshot(wb, path)
    if snapshot is None:
        raise FormatError(f"{path}: no hidden '_aligner' sheet (not exported by aligner, or copied); "
                          "read the alignment file it was made from instead")
    check_rows(rows, snapshot, path)
    bad = [f"row {r.row} ({r.decision!r})" for r in rows if r.decision and r.decision not in DECISIONS]
    if bad:
        raise FormatError(f"{path}: decisions other than {', '.join(DECISIONS)} in {', '.join(bad[:3])}")
    return snapshot, {(r.pair, r.pair_id): r for r in rows}


def read_corpus(folder: str | os.PathLike[str]) -> CorpusFrames:
    """Every pair of an ``aligner corpus`` output folder, as frames (see ``CorpusFrames``).

    The pairs are those its ``summary.json`` (else ``summary.tsv``) lists, each
    read from its TSV by ``read_alignment``; ``beads`` carries the document
    pair as columns, so ``beads.groupby("pair")`` compares documents.
    """
    pd = _pandas()
    root = Path(folder)
    entries, run_signature = _corpus_entries(root)
    read: list[tuple[PairSet, dict[str, Any]]] = []
    for e in entries:
        for ps in read_sets(root / e["file"]):
            read.append((replace(ps, src_name=ps.src_name or e["src"], tgt_name=ps.tgt_name or e["tgt"],
                                 signature=ps.signature or run_signature), e))
    sets = [ps for ps, _ in read]
    beads = sets_frame(sets, documents=True)
    # each pair's TSV carries its own signature (language pairs adjust settings); attrs keep the run's
    beads.attrs["signature"] = beads.attrs.get("signature") or run_signature
    names = [ps.name for ps in sets]
    flags = flag_counts(beads)
    pairs = pd.DataFrame({
        "src_doc": [ps.src_name for ps in sets],
        "tgt_doc": [ps.tgt_name for ps in sets],
        "src_lang": [ps.src_lang for ps in sets],
        "tgt_lang": [ps.tgt_lang for ps in sets],
        "similarity": [float(e["similarity"]) for _, e in read],
        "beads": [len(ps.pairs) for ps in sets],
        "flagged": [sum(1 for p in ps.pairs if p.flags) for ps in sets],
        "mean_score": [float(e["mean_score"]) for _, e in read],
        "file": [e["file"] for _, e in read],
        "signature": [ps.signature for ps in sets],
    }, index=pd.Index(names, name="pair"))
    return CorpusFrames(beads, flags, pairs)


def _corpus_entries(root: Path) -> tuple[list[dict[str, Any]], str | None]:
    """The pairs of a corpus run: ``summary.json``'s, else ``summary.tsv``'s rows; and the run's signature."""
    summary = root / "summary.json"
    if summary.is_file():
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
            entries = [dict(e) for e in data["pairs"]]
            if not all({"src", "tgt", "file", "similarity", "mean_score"} <= e.keys() for e in entries):
                raise KeyError("src, tgt, file, similarity, mean_score")
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise FormatError(f"{summary}: not a corpus summary ({err.__class__.__name__}: {err})") from None
        return entries, data.get("signature")
    table = root / "summary.tsv"
    if table.is_file():
        from aligner.io import read_text

        rows = list(csv.DictReader(read_text(table).splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
        if rows and not {"src", "tgt", "file", "similarity", "mean_score"} <= rows[0].keys():
            raise FormatError(f"{table}: not a corpus summary (columns src, tgt, file, similarity, mean_score)")
        return rows, None
    raise FormatError(f"{root}: no summary.json or summary.tsv (not the output of 'aligner corpus')")


def flag_counts(beads: pd.DataFrame) -> pd.DataFrame:
    """Beads carrying each flag code, per pair: index pair, one column per code (the catalogue's first)."""
    pd = _pandas()
    from aligner.qa.catalogue import CATALOGUE

    exploded = beads[["pair", "flags"]].explode("flags").dropna(subset=["flags"])
    codes = list(CATALOGUE) + sorted(set(exploded["flags"]) - set(CATALOGUE))
    pairs = list(beads["pair"].cat.categories) if hasattr(beads["pair"], "cat") else sorted(set(beads["pair"]))
    counts = pd.crosstab(exploded["pair"].astype(object), exploded["flags"].astype(object))
    counts = counts.reindex(index=pairs, columns=codes, fill_value=0).astype(int)
    counts.index.name, counts.columns.name = "pair", "flag"
    return counts


# --- writing frames ---------------------------------------------------------------------------


def frame_sets(frame: pd.DataFrame, fmt: str) -> list[PairSet]:
    """The pairs to write for ``frame`` in ``fmt``, checked against the beads it was read from.

    Refused (one line, like an edited workbook): a frame without its snapshot;
    a row whose ids or texts are not a bead of the alignment, or that repeats
    one; for the tables, a bead without a row. The reviewer columns are applied
    as ``review apply`` applies them (reject drops the bead, fix replaces the
    target); for a corpus, pairs without a row are left out.
    """
    from aligner.export.xlsx import display_text
    from aligner.review import ReviewedRow, check_rows, apply_decisions

    snapshot = frame.attrs.get(SNAPSHOT_KEY)
    if not isinstance(snapshot, str):
        raise FormatError(f"this DataFrame has no DataFrame.attrs[{SNAPSHOT_KEY!r}] to check it against (pandas "
                          "drops attrs when it combines frames that differ, e.g. pd.concat of two alignments' "
                          "frames); filter a frame of aligner.read_corpus or aligner.read_alignment instead")
    truth = _decode(snapshot)
    missing = [c for c in ("src_ids", "tgt_ids", "src", "tgt") if c not in frame.columns]
    if "pair" not in frame.columns and len(truth) != 1:
        missing.insert(0, "pair")
    if missing:
        raise FormatError(f"DataFrame: no column {', '.join(missing)} (needed to find its beads)")
    columns = {c: frame[c].tolist() if c in frame.columns else [None] * len(frame)
               for c in ("pair", "pair_id", "src_ids", "tgt_ids", "src", "tgt", *REVIEW_COLUMNS)}
    rows: list[ReviewedRow] = []
    for n, label in enumerate(frame.index):
        row = label if isinstance(label, int) else n

        def get(c: str, n: int = n) -> Any:
            return columns[c][n]

        pid = bead_id(Bead(_ids(get("src_ids"), row, "src_ids"), _ids(get("tgt_ids"), row, "tgt_ids"), 0.0))
        if _text(get("pair_id")) not in ("", pid):
            raise FormatError(f"DataFrame: row {row}: pair_id {get('pair_id')!r} is not the bead of its "
                              f"src_ids/tgt_ids ({pid})")
        # the texts as the workbook would show them, since check_rows compares them that way
        rows.append(ReviewedRow(row, _text(get("pair")) or truth[0].name, pid, display_text(_text(get("src"))),
                                display_text(_text(get("tgt"))), _text(get("decision")).strip().lower(),
                                _text(get("corrected_target")).strip(), _text(get("comment")).strip()))
    complete = fmt not in _CORPUS_FORMATS
    lost = (f"a {fmt} table carries every bead: leave beads out of a corpus (moses, tmx, bitext), "
            "or reject them in a decision column") if complete else None
    check_rows(rows, truth, "DataFrame", what="DataFrame", lost=lost)
    sets = apply_decisions(rows, truth, "DataFrame").sets
    if not complete:
        present = {r.pair for r in rows}
        sets = [ps for ps in sets if ps.name in present]
    return sets


def _text(value: Any) -> str:
    """A cell as text: missing (None, NaN) is empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _ids(value: Any, row: int, column: str) -> tuple[int, ...]:
    """A list of segment ids (a list, tuple or array of whole numbers; empty for none)."""
    if value is None or (isinstance(value, float) and value != value):
        return ()
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError
        ids = tuple(int(i) for i in value)
        if any(i != v for i, v in zip(ids, value)):
            raise ValueError
        return ids
    except (TypeError, ValueError):
        raise FormatError(f"DataFrame: row {row}: {column} {value!r} is not a list of segment ids") from None
