"""Reading alignment files back: the TSV table (plain or reviewed) and our JSONL, into PairSets."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aligner.errors import FormatError
from aligner.export import jsonl, tsv
from aligner.export.model import PairSet, langs_from_name


def read_alignment(path: str | os.PathLike[str], *, src_lang: str | None = None,
                   tgt_lang: str | None = None) -> list[PairSet]:
    """Read an alignment file (the TSV table, or our JSONL) into one PairSet per document pair.

    A plain alignment table is one pair. A reviewed table (written by ``review
    apply``) or a JSONL file may hold several, told apart by their ``pair`` field.
    Languages come from the options, else the table's ``# aligner`` first line
    (aligner/export/tsv.py), else the corpus naming convention (file name, then
    ``pair`` field), else the entry of a ``summary.json`` beside the file that lists it.
    """
    p = Path(path)
    if p.suffix.lower() == ".jsonl":
        groups = jsonl.read_groups(p)
    elif p.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        raise FormatError(f"{p}: a workbook is not an alignment file; use 'aligner review apply {p.name} -o OUT'")
    else:
        groups = tsv.read_groups(p)
    meta = tsv.read_meta(p) if p.suffix.lower() != ".jsonl" else {}
    out: list[PairSet] = []
    file_langs = langs_from_name(p.name) or summary_langs(p)
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


def summary_entry(path: Path) -> tuple[dict[str, Any], str | None]:
    """The entry of the ``summary.json`` beside ``path`` that lists it ({} if none), and the run's signature.

    The corpus job writes ``{"signature": ..., "pairs": [{"file": NAME, "src_lang": ..., "tgt_lang": ...,
    "src": ..., "tgt": ...}, ...]}`` (aligner/engine.py); an entry names its table by ``file``.
    """
    summary = path.parent / "summary.json"
    if not summary.is_file():
        return {}, None
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
        entry = next((e for e in data.get("pairs", []) if e.get("file") == path.name), None)
    except (OSError, ValueError, AttributeError):
        return {}, None
    if not isinstance(entry, dict):
        return {}, None
    signature = data.get("signature")
    return entry, signature if isinstance(signature, str) else None


def summary_langs(path: Path) -> tuple[str, str] | None:
    """``(src_lang, tgt_lang)`` of ``path`` from the ``summary.json`` beside it, when it lists the file."""
    entry, _ = summary_entry(path)
    sl, tl = entry.get("src_lang"), entry.get("tgt_lang")
    return (sl, tl) if isinstance(sl, str) and isinstance(tl, str) else None
