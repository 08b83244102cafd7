"""The alignment table: UTF-8 TSV, one bead per row, header row, no quoting.

The first line says what the table is, so later commands (export, review) need no side file::

    # aligner<TAB>src_lang=en<TAB>tgt_lang=de<TAB>src=001-a<TAB>tgt=003-b<TAB>signature=enc:usem3|...

``key=value`` fields separated by tabs (values never hold a tab or a line break); keys
may be missing or added, readers ignore keys they do not know. Tables without this
line (made by hand or by another tool) still read: their languages then come from the
file name or ``--src-lang``/``--tgt-lang``. pandas reads the table with
``pd.read_csv(path, sep="\t", skiprows=1, dtype=str, keep_default_na=False,
quoting=csv.QUOTE_NONE)`` (``comment="#"`` would also cut any text after a ``#``).

Columns (fixed; exports and the review workbook rely on them):

    src_ids  tgt_ids  type  score  src  tgt  flags  repair  explanation  confidence

* ``src_ids`` / ``tgt_ids``: 0-based segment ids joined with ``,`` (empty for none).
* ``type``: ``1-1``, ``2-1``, ``1-0`` ...; ``score``: similarity with 4 decimals.
* ``src`` / ``tgt``: the segments' text verbatim (white space normalised only).
* ``flags``: QA codes joined with ``;``. ``repair``: suggested target text, if any.
* ``explanation``: ``code: message`` for each flag, joined with `` | ``.
* ``confidence``: probability that the bead is cut right (aligner/confidence.py), 4 decimals;
  last, so that tools that pick columns by position (``cut -f5,6``) keep working.

Tabs and line breaks can never occur inside a field: segment text is already
whitespace-normalised, and ``clean_field`` enforces it for anything else.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from aligner.errors import FormatError
from aligner.export.model import DECISIONS, Group, PairSet, Review, WriteOptions, bead_id
from aligner.io import atomic_open, read_text
from aligner.types import AlignedPair, Alignment, Bead, Flag

META_PREFIX = "# aligner"
META_KEYS = ("src_lang", "tgt_lang", "src", "tgt", "signature")
COLUMNS = ("src_ids", "tgt_ids", "type", "score", "src", "tgt", "flags", "repair", "explanation", "confidence")
_WS = re.compile(r"\s+")
_EXPLANATION_SEP = " | "
# Between two flags' explanations: the separator followed by the next flag's ``code:`` (a message may itself
# begin or end with "|", so the separator alone is not enough to tell where one explanation ends).
_EXPLANATION_SPLIT = re.compile(r" \| (?=[a-z][a-z-]*:(?: |$))")


def clean_field(text: str) -> str:
    """Collapse white space (tabs, newlines) to single spaces, so a field never breaks a row."""
    return _WS.sub(" ", text).strip()


def format_ids(ids: Sequence[int]) -> str:
    return ",".join(str(i) for i in ids)


def format_confidence(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def parse_confidence(field: object, where: str) -> float | None:
    """A confidence field back to a float; empty (no confidence was computed, or no such column) is None."""
    if field is None or field == "":
        return None
    try:
        return float(field)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FormatError(f"{where}: bad confidence {field!r} (expected a number from 0 to 1)") from None


def parse_ids(field: str, where: str) -> tuple[int, ...]:
    field = field.strip().strip("[]")
    if not field:
        return ()
    try:
        return tuple(int(x) for x in field.split(","))
    except ValueError:
        raise FormatError(f"{where}: bad sentence ids {field!r} (expected e.g. 3,4)") from None


def pair_row(pair: AlignedPair) -> list[str]:
    """One TSV row (list of fields) for an aligned pair."""
    explanation = _EXPLANATION_SEP.join(
        clean_field(f"{f.code}: {f.message}").replace(_EXPLANATION_SEP, " / ") for f in pair.flags
    )
    return [
        format_ids(pair.bead.src),
        format_ids(pair.bead.tgt),
        pair.type,
        f"{pair.bead.score:.4f}",
        clean_field(pair.src),
        clean_field(pair.tgt),
        ";".join(pair.flag_codes),
        clean_field(pair.repair or ""),
        explanation,
        format_confidence(pair.bead.confidence),
    ]


def meta_line(meta: Mapping[str, str | None]) -> str:
    """The first line of a table: ``# aligner`` and the known ``key=value`` fields that have a value."""
    fields = [f"{k}={clean_field(str(meta[k]))}" for k in META_KEYS if meta.get(k)]
    return "\t".join([META_PREFIX, *fields]) + "\n"


def alignment_meta(alignment: Alignment) -> dict[str, str | None]:
    return {"src_lang": alignment.src.lang, "tgt_lang": alignment.tgt.lang, "src": alignment.src.name,
            "tgt": alignment.tgt.name, "signature": alignment.signature}


def parse_meta(line: str) -> dict[str, str] | None:
    """The ``key=value`` fields of a ``# aligner`` line; None for any other line."""
    line = line.rstrip("\r\n")
    fields = line.split("\t")
    if fields[0].strip() != META_PREFIX:
        return None
    meta: dict[str, str] = {}
    for field in fields[1:]:
        key, eq, value = field.partition("=")
        if eq and key.strip():
            meta[key.strip()] = value.strip()
    for key in ("src_lang", "tgt_lang"):
        if key in meta:
            meta[key] = meta[key].lower()
    return meta


def split_meta(text: str) -> tuple[dict[str, str], str]:
    """(the first line's metadata, or {} without one; the table from its header row on)."""
    first, _, rest = text.partition("\n")
    meta = parse_meta(first)
    return (meta, rest) if meta is not None else ({}, text)


def read_meta(path: str | os.PathLike[str]) -> dict[str, str]:
    """The metadata of an alignment table (languages, document names, signature); {} without the line."""
    return split_meta(read_text(path))[0]


def write_rows(pairs: Iterable[AlignedPair], fh,  # type: ignore[no-untyped-def]
               meta: Mapping[str, str | None] | None = None) -> None:
    if meta:
        fh.write(meta_line(meta))
    writer = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar=None,
                        quotechar=None, lineterminator="\n")
    writer.writerow(COLUMNS)
    for pair in pairs:
        writer.writerow(pair_row(pair))


def write_tsv(alignment: Alignment | Sequence[AlignedPair], path: str | os.PathLike[str]) -> None:
    """Write the alignment table atomically (an Alignment's first line carries its languages and signature).

    ``aligner.write_tsv`` (aligner/export/registry.py) also takes a DataFrame of ``aligner.frames``.
    """
    pairs: Sequence[AlignedPair] = alignment.pairs if isinstance(alignment, Alignment) else alignment
    meta = alignment_meta(alignment) if isinstance(alignment, Alignment) else None
    with atomic_open(path, "w", newline="") as fh:
        write_rows(pairs, fh, meta)


def write_table(sets: Sequence[PairSet], path: str | os.PathLike[str], *, review_columns: bool | None = None) -> None:
    """The full alignment table; with reviews or several pairs, extra columns pair/decision/comment.

    The extra columns come after the contract's nine, so ``read_tsv`` and any
    tool that reads the plain table still read this one.
    """
    reviewed = (len(sets) > 1 or any(ps.reviews for ps in sets)) if review_columns is None else review_columns
    langs = {(ps.src_lang, ps.tgt_lang) for ps in sets}
    with atomic_open(path, "w", newline="") as fh:
        if len(langs) == 1 and sets[0].src_lang:  # the first line says what the table is
            one = len(sets) == 1
            fh.write(meta_line({"src_lang": sets[0].src_lang, "tgt_lang": sets[0].tgt_lang,
                                "src": sets[0].src_name if one else None, "tgt": sets[0].tgt_name if one else None,
                                "signature": sets[0].signature if one else None}))
        w = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_NONE, quotechar=None, lineterminator="\n")
        w.writerow(COLUMNS + (("decision", "comment", "pair") if reviewed else ()))
        for ps in sets:
            for pair in ps.pairs:
                row = pair_row(pair)
                if reviewed:
                    r = ps.review(pair)
                    row += [r.decision, clean_field(r.comment), ps.name]
                w.writerow(row)


def write(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The ``tsv`` format of the export registry."""
    write_table(sets, path)
    return [path]


def _parse_flags(codes: str, explanation: str) -> tuple[Flag, ...]:
    from aligner.qa.catalogue import severity_of

    messages: dict[str, list[str]] = {}
    for part in _EXPLANATION_SPLIT.split(explanation) if explanation else []:
        code, _, message = part.partition(": ")
        messages.setdefault(code.strip(), []).append(message.strip())
    flags: list[Flag] = []
    for code in filter(None, (c.strip() for c in codes.split(";"))):
        for message in messages.get(code) or [""]:
            flags.append(Flag(code=code, severity=severity_of(code), message=message))
    return tuple(flags)


def read_tsv(path: str | os.PathLike[str]) -> list[AlignedPair]:
    """Read an alignment table back (as written by ``write_tsv``).

    The repair suggestion is attached to the first flag that carries one, so
    ``AlignedPair.repair`` round-trips.
    """
    name = str(path)
    meta, text = split_meta(read_text(path))
    first = 2 if meta else 1  # the file's line number of the header row
    lines = text.split("\n")
    header = lines[0].rstrip("\r").split("\t")
    missing = [c for c in ("src_ids", "tgt_ids", "score", "src", "tgt") if c not in header]
    if missing:
        raise FormatError(f"{name}: not an alignment table (missing column {', '.join(missing)})")
    col = {c: i for i, c in enumerate(header)}
    pairs: list[AlignedPair] = []
    for lineno, line in enumerate(lines[1:], start=first + 1):
        line = line.rstrip("\r")
        if not line:
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise FormatError(f"{name}:{lineno}: {len(fields)} fields, header has {len(header)}")

        def get(c: str, fields: list[str] = fields) -> str:
            return fields[col[c]] if c in col else ""

        try:
            score = float(get("score") or 0.0)
        except ValueError:
            raise FormatError(f"{name}:{lineno}: bad score {get('score')!r}") from None
        bead = Bead(parse_ids(get("src_ids"), f"{name}:{lineno}"), parse_ids(get("tgt_ids"), f"{name}:{lineno}"),
                    score, parse_confidence(get("confidence"), f"{name}:{lineno}"))
        flags = list(_parse_flags(get("flags"), get("explanation")))
        repair = get("repair")
        if repair:
            if flags:
                f0 = flags[0]
                flags[0] = Flag(f0.code, f0.severity, f0.message, "tgt", repair)
            else:
                flags.append(Flag("repair", "info", "suggested repair", "tgt", repair))
        pairs.append(AlignedPair(bead=bead, src=get("src"), tgt=get("tgt"), flags=tuple(flags)))
    return pairs


def read_groups(path: Path) -> dict[str, Group]:
    """The pairs of a table by the ``pair`` column (one group named "" without it), with decisions and languages."""
    pairs = read_tsv(path)
    meta, table = split_meta(read_text(path))
    # read_tsv keeps the contract's columns; the reviewed table adds pair / decision / comment.
    rows = list(csv.reader(io.StringIO(table), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0] if rows else []
    body = [r for r in rows[1:] if r and any(r)]
    col = {c: i for i, c in enumerate(header)}
    groups: dict[str, Group] = {}
    for pair, row in zip(pairs, body):
        gname = row[col["pair"]] if "pair" in col else ""
        g = groups.setdefault(gname, ([], {}, (meta.get("src_lang"), meta.get("tgt_lang"))))
        g[0].append(pair)
        decision = row[col["decision"]].strip().lower() if "decision" in col else ""
        comment = row[col["comment"]] if "comment" in col else ""
        if decision and decision not in DECISIONS:
            raise FormatError(f"{path}: bad decision {decision!r} for {bead_id(pair.bead)} "
                              f"(expected {', '.join(DECISIONS)})")
        if decision or comment:
            g[1][bead_id(pair.bead)] = Review(decision, comment)
    return groups
