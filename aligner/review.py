"""Reading a reviewed workbook back: check it still matches its alignment, apply decisions, audit.

The workbook carries a hidden snapshot of the beads it was made from (see
``aligner.export.xlsx``). Applying a review is only safe when the rows the
reviewer decided on are the rows of the alignment we write out, so we refuse
(``ReviewMismatchError``, one line) when:

* a row's ``pair``/``pair_id`` is not in the snapshot, appears twice, or
  snapshot rows are missing (rows deleted, or pasted from another workbook);
* a row's ``src`` or ``tgt`` differs from the snapshot (the reviewer typed into
  the text instead of ``corrected_target``);
* the alignment file the workbook was exported from (or ``--alignment``) has
  changed since: different bead ids or texts, i.e. it was re-aligned.

Rows may be sorted, filtered, recoloured or have columns added: we find
columns by header and rows by their ids, and write the corpus in alignment
order. Workbooks saved by LibreOffice read the same as openpyxl's. A row with
no ids and no text but a comment is a note on the whole review: it goes to the
audit and the notes, it decides nothing.

A spreadsheet turns what a reviewer types into dates, numbers and formulas.
The reviewer columns are read back as the text the cell showed: a date in the
cell's own date format (``2026-03-04``, not ``2026-03-04 00:00:00``), a number
as written, a formula as its text (never a computed value); every such cell is
named in a note, so the reviewer can check it.

The workbook records its documents' SHA-256 (see ``aligner.export.xlsx``):
when a recorded document file is there and its text changed, the workbook is
refused.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aligner.errors import FormatError, ReviewMismatchError
from aligner.export.model import DECISIONS, PairSet, Review, bead_id
from aligner.export.read import read_alignment
from aligner.export.tsv import parse_confidence
from aligner.types import AlignedPair, Bead, Flag

AUDIT_COLUMNS = ("pair", "pair_id", "decision", "field", "before", "after", "comment", "flags")
_MAX_LISTED = 3


@dataclass(frozen=True)
class ReviewedRow:
    """What the reviewer entered on one row of the Alignment sheet."""

    row: int  # 1-based spreadsheet row, for messages
    pair: str
    pair_id: str
    src: str
    tgt: str
    decision: str
    corrected_target: str
    comment: str
    notes: tuple[str, ...] = ()  # cells that were not plain text (see the module docstring)


@dataclass(frozen=True)
class AuditEntry:
    pair: str
    pair_id: str
    decision: str
    field: str  # "tgt" when the target was replaced, "" otherwise
    before: str
    after: str
    comment: str
    flags: str


@dataclass
class ReviewResult:
    """The corpus after the review, what changed, and how it was checked."""

    sets: list[PairSet]  # rejected pairs removed, fixes applied, decisions attached
    audit: list[AuditEntry]
    counts: dict[str, int] = field(default_factory=dict)  # accept/reject/fix/undecided/beads/kept
    checked_against: list[str] = field(default_factory=list)  # alignment files compared, if any
    notes: list[str] = field(default_factory=list)


# --- reading ----------------------------------------------------------------------------------


def load_review_workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise FormatError(f"{path}: not an .xlsx workbook (save it as Excel 2007-365 .xlsx)")
    try:
        # Not data_only: a correction the reviewer typed as "=..." is a formula to the
        # spreadsheet, but to us it is the text they typed, which is what we want.
        return load_workbook(path, data_only=False)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise FormatError(f"{path}: cannot read the workbook ({err.__class__.__name__}: {err})") from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n")


def read_snapshot(wb: Any, path: Path) -> list[PairSet] | None:
    """The beads the workbook was exported with (hidden ``_aligner`` sheet), or None if it has none."""
    from aligner.export.xlsx import SNAPSHOT, SNAPSHOT_FORMAT

    if SNAPSHOT not in wb.sheetnames:
        return None
    rows = list(wb[SNAPSHOT].iter_rows(values_only=True))
    try:
        if rows[0][0] != "aligner review workbook" or int(rows[0][1]) > SNAPSHOT_FORMAT:
            raise ValueError("unknown snapshot format")
        meta = json.loads("".join(_text(v) for v in rows[0][2:] if v is not None))
        sets = {p["name"]: PairSet(name=p["name"], pairs=(), src_lang=p.get("src_lang"),
                                   tgt_lang=p.get("tgt_lang"), src_name=p.get("src_name"),
                                   tgt_name=p.get("tgt_name"), signature=p.get("signature"),
                                   source=p.get("source")) for p in meta["pairs"]}
        pairs: dict[str, list[AlignedPair]] = {name: [] for name in sets}
        for row in rows[2:]:
            if not row or row[0] is None:
                continue
            rec = json.loads("".join(_text(v) for v in row[2:] if v is not None))
            flags = tuple(Flag(f["code"], f["severity"], f["message"], f["side"], f["suggestion"])
                          for f in rec["flags"])
            bead = Bead(tuple(rec["src_ids"]), tuple(rec["tgt_ids"]), float(rec["score"]),
                        parse_confidence(rec.get("confidence"), f"{path}:{SNAPSHOT}"))
            pairs[_text(row[0])].append(AlignedPair(bead, rec["src"], rec["tgt"], flags))
    except (ValueError, KeyError, TypeError, IndexError) as err:
        raise FormatError(f"{path}: the hidden '{SNAPSHOT}' sheet is damaged ({err}); export the workbook again") \
            from None
    return [replace(ps, pairs=tuple(pairs[name])) for name, ps in sets.items()]


def read_review_rows(wb: Any, path: Path) -> list[ReviewedRow]:
    """The Alignment sheet's rows, columns found by their header (so added or moved columns are fine)."""
    from aligner.export.xlsx import ALIGNMENT

    if ALIGNMENT not in wb.sheetnames:
        raise FormatError(f"{path}: no '{ALIGNMENT}' sheet (is this a review workbook written by aligner?)")
    ws = wb[ALIGNMENT]
    rows = ws.iter_rows()
    header = [_text(c.value).strip().lower() for c in next(rows, ())]
    need = ("pair", "pair_id", "src", "tgt", "decision", "corrected_target", "comment")
    missing = [h for h in need if h not in header]
    if missing:
        raise FormatError(f"{path}: the '{ALIGNMENT}' sheet has no column {', '.join(missing)} in its first row")
    col = {h: header.index(h) for h in need}
    out: list[ReviewedRow] = []
    for n, row in enumerate(rows, start=2):
        if not row or all(c.value is None or _text(c.value).strip() == "" for c in row):
            continue
        notes: list[str] = []

        def get(h: str, row: tuple[Any, ...] = row, n: int = n, notes: list[str] = notes) -> str:
            if col[h] >= len(row):
                return ""
            if h not in REVIEWER_FIELDS:
                return _text(row[col[h]].value)
            text, note = cell_as_text(row[col[h]])
            if note:
                notes.append(f"row {n} {h}: {note}")
            return text

        out.append(ReviewedRow(n, get("pair").strip(), get("pair_id").strip(), get("src"), get("tgt"),
                               get("decision").strip().lower(), get("corrected_target").strip(),
                               get("comment").strip(), tuple(notes)))
    return out


REVIEWER_FIELDS = ("decision", "corrected_target", "comment")
# Excel date format codes -> how to write the part; m/mm after h or before s are minutes
_DATE_CODE = re.compile(r"yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|\\.|\"[^\"]*\"|\[[^\]]*\]|.",
                        re.IGNORECASE)


def _format_date(value: Any, number_format: str) -> str:
    """``value`` (a datetime, date or time) as the cell's Excel date format shows it."""
    import datetime as dt

    if isinstance(value, dt.time):
        value = dt.datetime.combine(dt.date(1900, 1, 1), value)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    fmt = number_format.split(";")[0]
    tokens = [t for t in _DATE_CODE.findall(fmt)]
    if not any(t.lower().startswith(("y", "d", "h")) for t in tokens):
        fmt = "yyyy-mm-dd" if value.time() == dt.time() else "yyyy-mm-dd hh:mm:ss"
        tokens = _DATE_CODE.findall(fmt)
    twelve = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out: list[str] = []
    for k, t in enumerate(tokens):
        low = t.lower()
        before = next((x.lower() for x in reversed(tokens[:k]) if x.isalpha()), "")
        after = next((x.lower() for x in tokens[k + 1:] if x.isalpha()), "")
        minutes = low in ("m", "mm") and (before.startswith("h") or after.startswith("s"))
        hour = value.hour % 12 or 12 if twelve else value.hour
        part = {
            "yyyy": f"{value.year:04d}", "yy": f"{value.year % 100:02d}",
            "mmmmm": value.strftime("%B")[:1], "mmmm": value.strftime("%B"), "mmm": value.strftime("%b"),
            "mm": f"{value.minute:02d}" if minutes else f"{value.month:02d}",
            "m": str(value.minute) if minutes else str(value.month),
            "dddd": value.strftime("%A"), "ddd": value.strftime("%a"), "dd": f"{value.day:02d}", "d": str(value.day),
            "hh": f"{hour:02d}", "h": str(hour), "ss": f"{value.second:02d}", "s": str(value.second),
            "am/pm": "AM" if value.hour < 12 else "PM", "a/p": "A" if value.hour < 12 else "P",
        }.get(low)
        if part is None:
            part = t[1:] if t.startswith("\\") else t[1:-1] if t.startswith('"') else "" if t.startswith("[") else t
        out.append(part)
    return "".join(out)


def cell_as_text(cell: Any) -> tuple[str, str | None]:
    """(the text a reviewer cell shows, a note when the spreadsheet had made it something else)."""
    import datetime as dt

    value = cell.value
    if value is None or isinstance(value, str):
        text = _text(value)
        if getattr(cell, "data_type", "s") == "f":
            return text, f"a formula, read as its text {text!r} (not computed)"
        return text, None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        text = _format_date(value, str(cell.number_format or ""))
        return text, f"a date cell, read as {text!r}"
    if isinstance(value, dt.timedelta):
        return str(value), f"a duration cell, read as {str(value)!r}"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "a TRUE/FALSE cell"
    if isinstance(value, (int, float)):
        if str(cell.number_format or "").endswith("%"):
            text = f"{value * 100:g}%"
        elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            text = str(int(value))
        else:
            text = repr(value) if isinstance(value, float) else str(value)
        return text, f"a number cell, read as {text!r}"
    return _text(value), f"a {type(value).__name__} cell"


# --- checking ---------------------------------------------------------------------------------


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    return shown + (f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else "")


def _is_note_row(r: ReviewedRow) -> bool:
    """A row with only a comment: no ids, no text, no decision (a note on the whole review)."""
    return bool(r.comment) and not (r.pair or r.pair_id or r.src.strip() or r.tgt.strip() or r.decision
                                    or r.corrected_target)


def check_rows(rows: Sequence[ReviewedRow], truth: Sequence[PairSet], path: Path | str, *,
                what: str = "workbook", lost: str | None = "rows were deleted") -> None:
    """Refuse rows that are not the beads of ``truth``: unknown or repeated ids, edited text, missing beads.

    ``what`` names where the rows come from in the messages; ``lost`` ends the
    message for missing beads, and ``None`` allows them (a DataFrame filtered
    down to the beads of a corpus). A workbook's cell shows a text over the cell
    limit cut (``cell_text``); a DataFrame holds it whole (``display_text``).
    """
    from aligner.export.xlsx import cell_text, display_text

    index = {(ps.name, bead_id(p.bead)): p for ps in truth for p in ps.pairs}
    seen: dict[tuple[str, str], int] = {}
    unknown, edited, dup = [], [], []
    for r in rows:
        key = (r.pair, r.pair_id)
        pair = index.get(key)
        if pair is None:
            unknown.append(f"row {r.row} ({r.pair_id or 'no id'})")
            continue
        if key in seen:
            dup.append(f"row {r.row} ({r.pair_id}, also row {seen[key]})")
            continue
        seen[key] = r.row
        for side, shown, real in (("src", r.src, pair.src), ("tgt", r.tgt, pair.tgt)):
            if shown.strip() not in (cell_text(real).strip(), display_text(real).strip()):
                edited.append(f"row {r.row} ({r.pair_id} {side})")
    if unknown:
        raise ReviewMismatchError(f"{path}: {len(unknown)} row(s) whose pair id is not in the alignment: "
                                  f"{_listed(unknown)}; the {what} belongs to another alignment")
    if dup:
        raise ReviewMismatchError(f"{path}: pair ids repeated: {_listed(dup)}")
    if edited:
        raise ReviewMismatchError(f"{path}: the text no longer matches the alignment in {_listed(edited)}; "
                                  "put corrections in corrected_target, not in src/tgt")
    missing = [f"{name} {pid}" for (name, pid) in index if (name, pid) not in seen]
    if missing and lost is not None:
        raise ReviewMismatchError(f"{path}: {len(missing)} bead(s) of the alignment are missing from the {what}: "
                                  f"{_listed(missing)}; {lost}")


def _check_alignment_file(snapshot: PairSet, current: PairSet, path: Path) -> None:
    """Refuse when the alignment file changed since the workbook was exported (it was re-aligned)."""
    old = {bead_id(p.bead): (p.src, p.tgt) for p in snapshot.pairs}
    new = {bead_id(p.bead): (p.src, p.tgt) for p in current.pairs}
    if old == new:
        return
    gone = [k for k in old if k not in new]
    added = [k for k in new if k not in old]
    changed = [k for k in old if k in new and old[k] != new[k]]
    what = "; ".join(part for part in (
        f"pair ids no longer there: {_listed(gone)}" if gone else "",
        f"new pair ids: {_listed(added)}" if added else "",
        f"text changed in {_listed(changed)}" if changed else "",
    ) if part)
    raise ReviewMismatchError(f"{path}: does not match the alignment {current.source} of pair {snapshot.name} "
                              f"({what}); export the workbook again from the current alignment")


def _check_documents(wb: Any, path: Path, notes: list[str]) -> None:
    """Refuse when a document the workbook records is there but its text changed (see the module docstring)."""
    import hashlib

    from aligner.errors import AlignerError
    from aligner.export.xlsx import SNAPSHOT
    from aligner.io import read_text

    if SNAPSHOT not in wb.sheetnames:
        return
    first = next(wb[SNAPSHOT].iter_rows(max_row=1, values_only=True), ())
    try:
        meta = json.loads("".join(_text(v) for v in first[2:] if v is not None))
        documents = [(p["name"], d) for p in meta["pairs"] for d in p.get("documents", ())]
    except (ValueError, KeyError, TypeError):
        return  # read_snapshot says what is wrong with the sheet
    for pair, doc in documents:
        where = doc.get("path")
        if not where:
            continue
        if not Path(where).is_file():
            notes.append(f"{where} (the {doc.get('side')} document of {pair}) not found; not checked")
            continue
        try:
            digest = hashlib.sha256(read_text(where).encode()).hexdigest()
        except AlignerError as err:
            notes.append(f"{err}; not checked")
            continue
        if digest != doc.get("sha256"):
            raise ReviewMismatchError(f"{path}: the {doc.get('side')} document {where} of pair {pair} has changed "
                                      "since the workbook was made; align it again and review a new workbook")


# --- applying ---------------------------------------------------------------------------------


def _decide(r: ReviewedRow, pair: AlignedPair) -> tuple[str, str | None, str | None]:
    """(decision, new target or None, problem or None) for one row."""
    decision = r.decision
    if decision and decision not in DECISIONS:
        return decision, None, f"row {r.row} ({r.pair_id}): decision {r.decision!r} is not accept, reject or fix"
    if r.corrected_target and decision in ("accept", "reject"):
        return decision, None, (f"row {r.row} ({r.pair_id}): decision {decision} with a corrected_target; "
                                "choose fix to use it, or clear it")
    if r.corrected_target:
        return "fix", r.corrected_target, None
    if decision == "fix":
        if pair.repair:
            return "fix", pair.repair, None
        return decision, None, (f"row {r.row} ({r.pair_id}): decision fix but no corrected_target "
                                "and no suggested repair")
    return decision, None, None


def apply_review(workbook: str | os.PathLike[str],
                 alignments: Sequence[str | os.PathLike[str]] | None = None) -> ReviewResult:
    """Read a reviewed workbook, check it against its alignment, and apply the decisions.

    ``alignments``: alignment files (TSV/JSONL) to check against. When None,
    the files recorded in the workbook are used if they still exist; the
    workbook's own snapshot is always checked. A workbook without a snapshot
    (rows copied to a new file) needs ``alignments``.
    """
    path = Path(workbook)
    wb = load_review_workbook(path)
    rows = read_review_rows(wb, path)
    snapshot = read_snapshot(wb, path)
    result = ReviewResult(sets=[], audit=[])
    for r in rows:
        result.notes.extend(r.notes)
        if _is_note_row(r):
            result.notes.append(f"row {r.row}: a comment on no pair: {r.comment}")
            result.audit.append(AuditEntry("", "", "comment", "", "", "", r.comment, ""))
    rows = [r for r in rows if not _is_note_row(r)]
    _check_documents(wb, path, result.notes)
    current: dict[str, PairSet] = {}
    if alignments:
        for a in alignments:
            for ps in read_alignment(a):
                current[ps.name] = ps
        if snapshot is None:
            names = {r.pair for r in rows}
            if len(current) == 1 and len(names) == 1 and names != set(current):
                only = next(iter(current.values()))
                current = {next(iter(names)): replace(only, name=next(iter(names)))}
    elif snapshot is not None:
        for ps in snapshot:
            # the file it was exported from, else the corpus job's TSV beside the workbook
            source = ps.source if ps.source and Path(ps.source).is_file() else None
            beside = path.parent / f"{ps.name}.tsv"
            if source is None and beside.is_file():
                source = str(beside)
            if source is not None:
                try:
                    found = read_alignment(source)
                except FormatError:
                    continue
                match = [c for c in found if c.name == ps.name] or (found if len(found) == 1 else [])
                if match:
                    current[ps.name] = replace(match[0], name=ps.name)
    if snapshot is None and not current:
        raise FormatError(f"{path}: no hidden '_aligner' sheet (not exported by aligner, or copied); "
                          "pass the alignment it was made from with --alignment")
    truth = snapshot if snapshot is not None else list(current.values())
    if snapshot is not None:
        for ps in snapshot:
            if ps.name in current:
                _check_alignment_file(ps, current[ps.name], path)
                result.checked_against.append(str(current[ps.name].source))
            elif alignments:
                raise ReviewMismatchError(f"{path}: pair {ps.name} is not in the alignment file(s) given")
            elif ps.source:
                result.notes.append(f"{ps.source} not found; checked against the workbook's own copy")
    else:
        result.checked_against.extend(str(ps.source) for ps in current.values())
    check_rows(rows, truth, path)
    applied = apply_decisions(rows, truth, path)
    # the note rows' audit entries (a comment on no pair) come first, then every decision
    result.sets, result.audit, result.counts = applied.sets, result.audit + applied.audit, applied.counts
    result.notes.extend(applied.notes)
    return result


def apply_decisions(rows: Sequence[ReviewedRow], truth: Sequence[PairSet], path: Path | str) -> ReviewResult:
    """The beads of ``truth`` after the decisions of ``rows`` (checked by ``check_rows`` first).

    Rejected pairs are removed, fixes replace the target, decisions and comments
    are attached. A bead without a row is left out. A decision the bead already
    carries in ``truth`` (a table written after its review) is kept as it is, not
    applied a second time.
    """
    from aligner.export.tsv import clean_field

    by_key = {(r.pair, r.pair_id): r for r in rows}
    result = ReviewResult(sets=[], audit=[])
    problems: list[str] = []
    counts = {"beads": 0, "accept": 0, "reject": 0, "fix": 0, "undecided": 0, "kept": 0}
    for ps in truth:
        kept: list[AlignedPair] = []
        reviews: dict[str, Review] = {}
        for pair in ps.pairs:
            pid = bead_id(pair.bead)
            r = by_key.get((ps.name, pid))
            if r is None:
                continue
            counts["beads"] += 1
            if r.decision and r.decision == ps.review(pair).decision and not r.corrected_target:
                decision, new_tgt, problem = r.decision, None, None
            else:
                decision, new_tgt, problem = _decide(r, pair)
            if problem:
                problems.append(problem)
                continue
            counts[decision or "undecided"] += 1
            if decision or r.comment:
                reviews[pid] = Review(decision, r.comment)
                after = clean_field(new_tgt) if new_tgt is not None else ""
                result.audit.append(AuditEntry(ps.name, pid, decision or "comment", "tgt" if new_tgt else "",
                                               pair.tgt if new_tgt else "", after, r.comment,
                                               ";".join(pair.flag_codes)))
            if decision == "reject":
                continue
            if new_tgt is not None:
                pair = replace(pair, tgt=clean_field(new_tgt))
            kept.append(pair)
        counts["kept"] += len(kept)
        result.sets.append(replace(ps, pairs=tuple(kept), reviews=reviews))
    if problems:
        raise FormatError(f"{path}: {len(problems)} row(s) cannot be applied: {_listed(problems)}")
    result.counts = counts
    return result


def write_audit(entries: Sequence[AuditEntry], path: str | os.PathLike[str]) -> None:
    """The audit as TSV: one row per bead the reviewer decided on or commented, before and after."""
    import csv

    from aligner.export.tsv import clean_field
    from aligner.io import atomic_open

    with atomic_open(path, "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n")
        w.writerow(AUDIT_COLUMNS)
        for e in entries:
            w.writerow([clean_field(str(v)) for v in (e.pair, e.pair_id, e.decision, e.field, e.before, e.after,
                                                      e.comment, e.flags)])


def audit_path(out: str | os.PathLike[str]) -> Path:
    """``final.tsv`` -> ``final.audit.tsv``."""
    p = Path(out)
    return p.with_name(f"{p.stem}.audit.tsv")
