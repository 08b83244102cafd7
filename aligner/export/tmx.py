"""TMX 1.4b (lxml): one ``tu`` per corpus pair; score, type and flags as ``prop``s; validated against the DTD."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aligner.errors import FormatError
from aligner.export.model import Keep, PairSet, WriteOptions, bead_id, corpus_pairs, require_langs, worst_severity
from aligner.io import atomic_write_bytes, source_date_epoch
from aligner.version import VERSION

# Characters XML 1.0 cannot carry at all (lxml refuses them).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: characters it forbids become U+FFFD (the QA flags such damage anyway)."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def tmx_dtd_path() -> Path:
    """The TMX 1.4 DTD shipped with the package (public, from the Okapi Framework)."""
    return Path(__file__).resolve().parent.parent / "data" / "tmx14.dtd"


def build_tmx(sets: Sequence[PairSet], keep: Keep = "all", min_score: float | None = None,
              creationdate: str | None = None) -> Any:
    """The TMX 1.4b tree (lxml): one ``tu`` per pair with both sides; score, type and flags as ``prop``s."""
    from lxml import etree

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
        "creationtool": "aligner", "creationtoolversion": VERSION, "segtype": "sentence",
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
                etree.SubElement(tu, "prop", type="x-severity").text = worst_severity(pair)
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

    epoch = source_date_epoch()
    when = datetime.now(timezone.utc) if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)
    tree = build_tmx(sets, keep, min_score, creationdate=when.strftime("%Y%m%dT%H%M%SZ"))
    with open(tmx_dtd_path(), "rb") as fh:
        dtd = etree.DTD(fh)
    if not dtd.validate(tree):  # a bug, not a user error: say what the DTD rejects
        raise AssertionError(f"TMX output does not validate: {dtd.error_log.filter_from_errors()[:3]}")
    data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True,
                          doctype='<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
    atomic_write_bytes(path, data)
    return len(tree.getroot().find("body"))


def write(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The ``tmx`` format of the export registry."""
    write_tmx(sets, path, options.keep, options.min_score)
    return [path]
