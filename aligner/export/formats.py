"""Every export format but the review workbook: full table, bitext, Moses, TMX 1.4b, JSONL.

All writers take a ``PairSet``: the pairs of one document pair plus what a
format needs beside them (languages for TMX and Moses file names, the pair's
name, reviewer decisions when the pairs come back from ``review apply``).
``as_pairset`` builds one from an ``Alignment``, a list of ``AlignedPair`` or
an alignment file, so the Python API and the CLI share one path.

The corpus formats (bitext, Moses, TMX) are what MT training and translation
memories consume, so they only carry pairs with text on both sides, never a
pair the reviewer rejected, and can be narrowed further with ``keep`` and
``min_score``. The table formats (TSV, JSONL, XLSX) carry every bead: they are
for people and for re-import, and losing a 1-0 bead there would hide an omission.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from aligner.errors import FormatError, InputError
from aligner.io import atomic_open, atomic_write_bytes, read_text
from aligner.types import AlignedPair, Alignment, Bead, Flag

Keep = Literal["all", "clean", "accepted"]
KEEP_CHOICES: tuple[str, ...] = ("all", "clean", "accepted")
DECISIONS: tuple[str, ...] = ("accept", "reject", "fix")
FORMATS: tuple[str, ...] = ("tsv", "bitext", "moses", "tmx", "jsonl", "xlsx")
# file extension -> format, for ``-o`` without ``--format``
EXTENSIONS: dict[str, str] = {".tsv": "tsv", ".tmx": "tmx", ".jsonl": "jsonl", ".xlsx": "xlsx"}

# The corpus convention for alignment files: {srclang}-{tgtlang}__{src_slug}__{tgt_slug}.tsv
_CONVENTION = re.compile(r"^(?P<src>[a-z]{2,3})-(?P<tgt>[a-z]{2,3})__.+__.+$")
# Characters XML 1.0 cannot carry at all (lxml refuses them).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Review:
    """What the reviewer decided for one bead (empty strings when nothing was set)."""

    decision: str = ""  # "" | accept | reject | fix
    comment: str = ""


@dataclass(frozen=True)
class PairSet:
    """The aligned pairs of one document pair, with the context the formats need."""

    name: str  # the pair's name; the corpus convention's file stem when known
    pairs: tuple[AlignedPair, ...]
    src_lang: str | None = None
    tgt_lang: str | None = None
    src_name: str | None = None
    tgt_name: str | None = None
    signature: str | None = None
    source: str | None = None  # the alignment file it was read from, if any
    reviews: Mapping[str, Review] = field(default_factory=dict)  # bead_id -> Review

    def review(self, pair: AlignedPair) -> Review:
        return self.reviews.get(bead_id(pair.bead), Review())


# --- naming -----------------------------------------------------------------------------------


def bead_id(bead: Bead) -> str:
    """The stable id of a bead within its document pair, e.g. ``s3,4/t2`` or ``s7/t-``.

    It depends only on the segment ids, which depend only on the documents and
    the segmentation, so the same alignment always gives the same ids; and it
    starts with a letter, so no spreadsheet reads it as a number or a formula.
    """
    src = ",".join(map(str, bead.src)) or "-"
    tgt = ",".join(map(str, bead.tgt)) or "-"
    return f"s{src}/t{tgt}"


def parse_bead_id(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    m = re.fullmatch(r"s([\d,]+|-)/t([\d,]+|-)", text.strip())
    if not m:
        raise FormatError(f"bad pair id {text!r} (expected e.g. s3,4/t2)")

    def ids(part: str) -> tuple[int, ...]:
        return () if part == "-" else tuple(int(x) for x in part.split(",") if x)

    return ids(m.group(1)), ids(m.group(2))


def _slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-") or "doc"


def pair_name(alignment: Alignment) -> str:
    """``{srclang}-{tgtlang}__{src}__{tgt}``: the corpus convention's stem (as ``aligner corpus`` names the TSV)."""
    src = _slug(alignment.src.name.split("/")[-1])
    tgt = _slug(alignment.tgt.name.split("/")[-1])
    return f"{alignment.src.lang}-{alignment.tgt.lang}__{src}__{tgt}"


def langs_from_name(name: str) -> tuple[str, str] | None:
    """Languages from a name following the corpus convention (``en-de__a__b[.tsv]``), else None."""
    stem = Path(name).name
    for ext in (".tsv", ".jsonl", ".xlsx", ".tmx"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    m = _CONVENTION.match(stem)
    return (m.group("src"), m.group("tgt")) if m else None


# --- building PairSets ------------------------------------------------------------------------


def as_pairset(obj: Alignment | PairSet | Sequence[AlignedPair], *, name: str | None = None,
               src_lang: str | None = None, tgt_lang: str | None = None) -> PairSet:
    """Wrap an Alignment (or a bare list of pairs) with the context the writers need."""
    if isinstance(obj, PairSet):
        ps = obj
    elif isinstance(obj, Alignment):
        ps = PairSet(name=pair_name(obj), pairs=tuple(obj.pairs), src_lang=obj.src.lang,
                     tgt_lang=obj.tgt.lang, src_name=obj.src.name, tgt_name=obj.tgt.name,
                     signature=obj.signature,
                     source=str(obj.meta["tsv"]) if obj.meta.get("tsv") else None)
    else:
        ps = PairSet(name=name or "alignment", pairs=tuple(obj))
    if name:
        ps = replace(ps, name=name)
    if ps.src_lang is None or ps.tgt_lang is None:
        guessed = langs_from_name(ps.name)
        if guessed:
            ps = replace(ps, src_lang=ps.src_lang or guessed[0], tgt_lang=ps.tgt_lang or guessed[1])
    if src_lang:
        ps = replace(ps, src_lang=src_lang)
    if tgt_lang:
        ps = replace(ps, tgt_lang=tgt_lang)
    return ps


def read_alignment(path: str | os.PathLike[str], *, src_lang: str | None = None,
                   tgt_lang: str | None = None) -> list[PairSet]:
    """Read an alignment file (the TSV table, or our JSONL) into one PairSet per document pair.

    A plain alignment table is one pair. A reviewed table (written by ``review
    apply``) or a JSONL file may hold several, told apart by their ``pair`` field.
    Languages come from the options, else the table's ``# aligner`` first line
    (aligner/export/tsv.py), else the corpus naming convention (file name, then
    ``pair`` field), else a ``summary.json`` beside the file.
    """
    p = Path(path)
    if p.suffix.lower() == ".jsonl":
        groups = _read_jsonl_groups(p)
    elif p.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        raise FormatError(f"{p}: a workbook is not an alignment file; use 'aligner review apply {p.name} -o OUT'")
    else:
        groups = _read_tsv_groups(p)
    meta = _tsv_meta(p)
    out: list[PairSet] = []
    file_langs = langs_from_name(p.name) or _langs_from_summary(p)
    for gname, (pairs, reviews, langs) in groups.items():
        sl, tl = langs if langs != (None, None) else (None, None)
        guessed = langs_from_name(gname) if gname else None
        sl = src_lang or sl or (guessed or file_langs or (None, None))[0]
        tl = tgt_lang or tl or (guessed or file_langs or (None, None))[1]
        out.append(PairSet(name=gname or p.stem, pairs=tuple(pairs), src_lang=sl, tgt_lang=tl,
                           src_name=meta.get("src"), tgt_name=meta.get("tgt"),
                           signature=meta.get("signature") if len(groups) == 1 else None,
                           source=str(p), reviews=reviews))
    if not out:
        raise FormatError(f"{p}: no aligned pairs in it")
    return out


_Group = tuple[list[AlignedPair], dict[str, Review], tuple[str | None, str | None]]


def _read_tsv_groups(path: Path) -> dict[str, _Group]:
    from aligner.export.tsv import read_tsv, split_meta

    pairs = read_tsv(path)
    meta, table = split_meta(read_text(path))
    # read_tsv keeps the contract's columns; the reviewed table adds pair / decision / comment.
    rows = list(csv.reader(io.StringIO(table), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0] if rows else []
    body = [r for r in rows[1:] if r and any(r)]
    col = {c: i for i, c in enumerate(header)}
    groups: dict[str, _Group] = {}
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


def _tsv_meta(path: Path) -> dict[str, str]:
    from aligner.export.tsv import read_meta

    return read_meta(path) if path.suffix.lower() != ".jsonl" else {}


def _langs_from_summary(path: Path) -> tuple[str, str] | None:
    """Languages for ``path`` from a ``summary.json`` beside it that lists the file.

    The corpus job's summary is searched for any JSON object that names the file
    (a string value equal to its name or ending in ``/name``) and carries
    ``src_lang``/``tgt_lang`` (or ``srclang``/``tgtlang``, or ``langs: [src, tgt]``).
    """
    summary = path.parent / "summary.json"
    if not summary.is_file():
        return None
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = path.name

    def names_file(obj: Mapping[str, Any]) -> bool:
        return any(isinstance(v, str) and (v == name or v.endswith("/" + name) or v == path.stem)
                   for v in obj.values())

    def langs(obj: Mapping[str, Any]) -> tuple[str, str] | None:
        for a, b in (("src_lang", "tgt_lang"), ("srclang", "tgtlang"), ("source_lang", "target_lang")):
            if isinstance(obj.get(a), str) and isinstance(obj.get(b), str):
                return obj[a], obj[b]
        pair = obj.get("langs") or obj.get("languages")
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair):
            return pair[0], pair[1]
        return None

    def walk(obj: Any) -> tuple[str, str] | None:
        if isinstance(obj, dict):
            if names_file(obj) and langs(obj):
                return langs(obj)
            for key, value in obj.items():
                if key in (name, path.stem) and isinstance(value, dict) and langs(value):
                    return langs(value)
                found = walk(value)
                if found:
                    return found
        elif isinstance(obj, list):
            for value in obj:
                found = walk(value)
                if found:
                    return found
        return None

    return walk(data)


def require_langs(ps: PairSet, fmt: str) -> tuple[str, str]:
    if ps.src_lang and ps.tgt_lang:
        return ps.src_lang, ps.tgt_lang
    where = ps.source or ps.name
    raise FormatError(
        f"{where}: cannot tell the languages for {fmt} (the name does not follow "
        "{srclang}-{tgtlang}__{src}__{tgt}.tsv and no summary.json beside it lists it); "
        "pass --src-lang and --tgt-lang"
    )


# --- selection --------------------------------------------------------------------------------


def corpus_pairs(ps: PairSet, keep: Keep = "all", min_score: float | None = None) -> list[AlignedPair]:
    """The pairs that belong in a training corpus or a translation memory.

    Always: text on both sides and not rejected by the reviewer. ``keep="clean"``:
    also no QA flag, unless the reviewer accepted or fixed the pair (their word
    beats the checker's). ``keep="accepted"``: only pairs the reviewer accepted
    or fixed. ``min_score``: similarity at least this (reviewer-fixed and
    -accepted pairs pass regardless: a person looked at them).
    """
    if keep not in KEEP_CHOICES:
        raise FormatError(f"bad --keep {keep!r} (expected {', '.join(KEEP_CHOICES)})")
    out: list[AlignedPair] = []
    for pair in ps.pairs:
        decision = ps.review(pair).decision
        if not pair.src.strip() or not pair.tgt.strip() or decision == "reject":
            continue
        vetted = decision in ("accept", "fix")
        if keep == "accepted" and not vetted:
            continue
        if keep == "clean" and pair.flags and not vetted:
            continue
        if min_score is not None and pair.bead.score < min_score and not vetted:
            continue
        out.append(pair)
    return out


# --- writers ----------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    from aligner.export.tsv import clean_field

    return clean_field(text)


def write_table(sets: Sequence[PairSet], path: str | os.PathLike[str], *, review_columns: bool | None = None) -> None:
    """The full alignment table; with reviews or several pairs, extra columns pair/decision/comment.

    The extra columns come after the contract's nine, so ``read_tsv`` and any
    tool that reads the plain table still read this one.
    """
    from aligner.export.tsv import COLUMNS, meta_line, pair_row

    reviewed = (len(sets) > 1 or any(ps.reviews for ps in sets)) if review_columns is None else review_columns
    langs = {(ps.src_lang, ps.tgt_lang) for ps in sets}
    with atomic_open(path, "w", newline="") as fh:
        if len(langs) == 1 and sets[0].src_lang:  # the first line says what the table is (aligner/export/tsv.py)
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
                    row += [r.decision, _one_line(r.comment), ps.name]
                w.writerow(row)


def write_bitext(sets: Sequence[PairSet], path: str | os.PathLike[str], keep: Keep = "all",
                 min_score: float | None = None) -> int:
    """``src<TAB>tgt`` lines, no header: the plain parallel corpus MT tools read. Returns the line count."""
    n = 0
    with atomic_open(path, "w", newline="") as fh:
        for ps in sets:
            for pair in corpus_pairs(ps, keep, min_score):
                fh.write(f"{_one_line(pair.src)}\t{_one_line(pair.tgt)}\n")
                n += 1
    return n


def moses_paths(path: str | os.PathLike[str], src_lang: str | None, tgt_lang: str | None) -> tuple[Path, Path]:
    """``OUT.{srclang}`` and ``OUT.{tgtlang}`` (Moses' ``corpus.L1 corpus.L2``); ``.src``/``.tgt`` without languages."""
    base = Path(path)
    a, b = (src_lang, tgt_lang) if src_lang and tgt_lang and src_lang != tgt_lang else ("src", "tgt")
    return base.with_name(f"{base.name}.{a}"), base.with_name(f"{base.name}.{b}")


def write_moses(sets: Sequence[PairSet], path: str | os.PathLike[str], keep: Keep = "all",
                min_score: float | None = None) -> tuple[Path, Path]:
    """Two line-parallel files; line i of one translates line i of the other."""
    langs = {(ps.src_lang, ps.tgt_lang) for ps in sets}
    sl, tl = next(iter(langs)) if len(langs) == 1 else (None, None)
    src_path, tgt_path = moses_paths(path, sl, tl)
    pairs = [p for ps in sets for p in corpus_pairs(ps, keep, min_score)]
    with atomic_open(src_path, "w", newline="") as fs:
        fs.writelines(_one_line(p.src) + "\n" for p in pairs)
    with atomic_open(tgt_path, "w", newline="") as ft:
        ft.writelines(_one_line(p.tgt) + "\n" for p in pairs)
    return src_path, tgt_path


def pair_record(ps: PairSet, pair: AlignedPair) -> dict[str, Any]:
    """One bead as a JSON object (the JSONL line and what ``read_alignment`` reads back)."""
    rec: dict[str, Any] = {
        "pair": ps.name,
        "pair_id": bead_id(pair.bead),
        "src_ids": list(pair.bead.src),
        "tgt_ids": list(pair.bead.tgt),
        "type": pair.type,
        "score": round(pair.bead.score, 4),
        "confidence": None if pair.bead.confidence is None else round(pair.bead.confidence, 4),
        "src": pair.src,
        "tgt": pair.tgt,
        "flags": [{"code": f.code, "severity": f.severity, "message": f.message, "side": f.side,
                   "suggestion": f.suggestion} for f in pair.flags],
        "repair": pair.repair,
        "src_lang": ps.src_lang,
        "tgt_lang": ps.tgt_lang,
    }
    review = ps.review(pair)
    if review.decision or review.comment:
        rec["decision"] = review.decision
        rec["comment"] = review.comment
    return rec


def write_jsonl(sets: Sequence[PairSet], path: str | os.PathLike[str]) -> None:
    """One bead per line: ids, text, score, flags (with their repair suggestions), the pair's languages."""
    with atomic_open(path, "w", newline="") as fh:
        for ps in sets:
            for pair in ps.pairs:
                fh.write(json.dumps(pair_record(ps, pair), ensure_ascii=False) + "\n")


def pair_from_record(rec: Mapping[str, Any], where: str) -> AlignedPair:
    """The aligned pair of one ``pair_record`` (a JSONL line), or a FormatError naming ``where``."""
    from aligner.export.tsv import parse_confidence

    try:
        flags = tuple(Flag(code=f["code"], severity=f.get("severity") or "warning",
                           message=f.get("message", ""), side=f.get("side", "tgt"),
                           suggestion=f.get("suggestion")) for f in rec.get("flags", []))
        bead = Bead(tuple(int(i) for i in rec["src_ids"]), tuple(int(i) for i in rec["tgt_ids"]),
                    float(rec.get("score", 0.0)), parse_confidence(rec.get("confidence"), where))
        return AlignedPair(bead=bead, src=str(rec["src"]), tgt=str(rec["tgt"]), flags=flags)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise FormatError(f"{where}: not an aligned pair ({err.__class__.__name__}: {err})") from None


def _read_jsonl_groups(path: Path) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as err:
            raise FormatError(f"{path}:{lineno}: not an aligned pair ({err.__class__.__name__}: {err})") from None
        pair = pair_from_record(rec, f"{path}:{lineno}")
        gname = str(rec.get("pair") or "")
        g = groups.setdefault(gname, ([], {}, (rec.get("src_lang"), rec.get("tgt_lang"))))
        g[0].append(pair)
        decision = str(rec.get("decision") or "").lower()
        if decision and decision not in DECISIONS:
            raise FormatError(f"{path}:{lineno}: bad decision {decision!r} (expected {', '.join(DECISIONS)})")
        if decision or rec.get("comment"):
            g[1][bead_id(pair.bead)] = Review(decision, str(rec.get("comment") or ""))
    return groups


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: characters it forbids become U+FFFD (the QA flags such damage anyway)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def tmx_dtd_path() -> Path:
    """The TMX 1.4 DTD shipped with the package (public, from the Okapi Framework)."""
    return Path(__file__).resolve().parent.parent / "data" / "tmx14.dtd"


def build_tmx(sets: Sequence[PairSet], keep: Keep = "all", min_score: float | None = None,
              creationdate: str | None = None):  # type: ignore[no-untyped-def]
    """The TMX 1.4b tree (lxml): one ``tu`` per pair with both sides; score, type and flags as ``prop``s."""
    from lxml import etree

    from aligner import __version__

    if not sets:
        raise FormatError("nothing to export")
    langs = {require_langs(ps, "TMX") for ps in sets}
    if len({sl for sl, _ in langs}) != 1:
        raise FormatError("a TMX file has one source language; these pairs have "
                          + ", ".join(sorted({sl for sl, _ in langs})))
    srclang = next(iter(langs))[0]
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    root = etree.Element("tmx", version="1.4")
    header = etree.SubElement(root, "header", {
        "creationtool": "aligner", "creationtoolversion": __version__, "segtype": "sentence",
        "o-tmf": "aligner-tsv", "adminlang": "en", "srclang": srclang, "datatype": "plaintext",
        "o-encoding": "UTF-8",
    })
    if creationdate:
        header.set("creationdate", creationdate)
    for ps in sets:
        if ps.signature:
            etree.SubElement(header, "prop", type="x-signature").text = _xml_text(f"{ps.name}: {ps.signature}")
    body = etree.SubElement(root, "body")
    for ps in sets:
        sl, tl = require_langs(ps, "TMX")
        for pair in corpus_pairs(ps, keep, min_score):
            tu = etree.SubElement(body, "tu", tuid=f"{ps.name}#{bead_id(pair.bead)}")
            for f in pair.flags:
                etree.SubElement(tu, "note").text = _xml_text(f"{f.code} ({f.severity}): {f.message}")
            etree.SubElement(tu, "prop", type="x-pair").text = _xml_text(ps.name)
            etree.SubElement(tu, "prop", type="x-bead").text = pair.type
            etree.SubElement(tu, "prop", type="x-score").text = f"{pair.bead.score:.4f}"
            if pair.bead.confidence is not None:
                etree.SubElement(tu, "prop", type="x-confidence").text = f"{pair.bead.confidence:.4f}"
            if pair.flags:
                etree.SubElement(tu, "prop", type="x-flags").text = ";".join(pair.flag_codes)
                worst = _worst(pair.flags)
                etree.SubElement(tu, "prop", type="x-severity").text = worst
            if pair.repair:
                etree.SubElement(tu, "prop", type="x-repair").text = _xml_text(pair.repair)
            review = ps.review(pair)
            if review.decision:
                etree.SubElement(tu, "prop", type="x-decision").text = review.decision
            for lang, text in ((sl, pair.src), (tl, pair.tgt)):
                tuv = etree.SubElement(tu, "tuv", {xml_lang: lang})
                etree.SubElement(tuv, "seg").text = _xml_text(text)
    return etree.ElementTree(root)


def write_tmx(sets: Sequence[PairSet], path: str | os.PathLike[str], keep: Keep = "all",
              min_score: float | None = None) -> int:
    """Write TMX 1.4b (validated against the DTD before it is written). Returns the number of ``tu``."""
    from datetime import datetime, timezone

    from lxml import etree

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit() else datetime.now(timezone.utc)
    tree = build_tmx(sets, keep, min_score, creationdate=when.strftime("%Y%m%dT%H%M%SZ"))
    with open(tmx_dtd_path(), "rb") as fh:
        dtd = etree.DTD(fh)
    if not dtd.validate(tree):  # a bug, not a user error: say what the DTD rejects
        raise AssertionError(f"TMX output does not validate: {dtd.error_log.filter_from_errors()[:3]}")
    data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True,
                          doctype='<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
    atomic_write_bytes(path, data)
    return len(tree.getroot().find("body"))


_SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


def _worst(flags: Iterable[Flag]) -> str:
    worst = ""
    for f in flags:
        if _SEVERITY_RANK.get(f.severity, 2) > _SEVERITY_RANK.get(worst, 0):
            worst = f.severity
    return worst


def worst_severity(pair: AlignedPair) -> str:
    """``error`` / ``warning`` / ``info`` for the pair's worst flag, ``""`` when it has none."""
    return _worst(pair.flags)


# --- dispatch ---------------------------------------------------------------------------------


def guess_format(path: str | os.PathLike[str]) -> str | None:
    return EXTENSIONS.get(Path(path).suffix.lower())


def export(data: Alignment | PairSet | Sequence[AlignedPair] | Sequence[Alignment] | Sequence[PairSet],
           path: str | os.PathLike[str], fmt: str | None = None, *, keep: Keep = "all",
           min_score: float | None = None, src_lang: str | None = None, tgt_lang: str | None = None,
           name: str | None = None) -> list[Path]:
    """Write ``data`` to ``path`` in ``fmt`` (guessed from the extension when None); returns the files written.

    ``data`` is one alignment (an ``Alignment``, a ``PairSet`` or a list of
    ``AlignedPair``) or several (a list of ``Alignment``/``PairSet``), or a
    bead DataFrame of ``aligner.frames`` (filtered, for the corpus formats).
    ``fmt``: tsv, bitext, moses, tmx, jsonl, xlsx. ``keep``/``min_score`` narrow
    the corpus formats (bitext, moses, tmx) and are refused for the others,
    which always carry every bead.
    """
    fmt = fmt or guess_format(path)
    if fmt is None:
        raise FormatError(f"{path}: cannot tell the format from the extension; pass --format "
                          f"({', '.join(FORMATS)})")
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r} (expected {', '.join(FORMATS)})")
    from aligner.frames import frame_sets, is_frame

    if is_frame(data):  # a bead DataFrame (aligner.frames): checked against the beads it was read from
        data = frame_sets(data, fmt)  # type: ignore[arg-type]
    sets = _as_sets(data, name=name, src_lang=src_lang, tgt_lang=tgt_lang)
    if fmt in ("tsv", "jsonl", "xlsx") and (keep != "all" or min_score is not None):
        raise FormatError(f"--keep and --min-score select a corpus (bitext, moses, tmx); {fmt} keeps every bead")
    if fmt == "tsv":
        write_table(sets, path)
    elif fmt == "bitext":
        write_bitext(sets, path, keep, min_score)
    elif fmt == "moses":
        return list(write_moses(sets, path, keep, min_score))
    elif fmt == "tmx":
        write_tmx(sets, path, keep, min_score)
    elif fmt == "jsonl":
        write_jsonl(sets, path)
    elif fmt == "xlsx":
        from aligner.export.xlsx import write_workbook

        write_workbook(sets, path, sources=data)  # data: the Alignments, whose documents the workbook records
    return [Path(path)]


def _as_sets(data: Any, **kw: Any) -> list[PairSet]:
    if isinstance(data, (Alignment, PairSet)):
        return [as_pairset(data, **kw)]
    items = list(data)
    if items and all(isinstance(x, AlignedPair) for x in items):
        return [as_pairset(items, **kw)]
    if all(isinstance(x, (Alignment, PairSet)) for x in items):
        if kw.get("name") and len(items) > 1:
            raise FormatError("name= applies to one alignment")
        return [as_pairset(x, **kw) for x in items]
    raise InputError("export: expected an Alignment, a list of AlignedPair or a list of Alignment")


def content_digest(src: str, tgt: str) -> str:
    """A short digest of a bead's two texts (used to notice edits in a reviewed workbook)."""
    return hashlib.sha1(f"{src}\x1f{tgt}".encode()).hexdigest()[:12]
