"""JSONL: one bead per line, with its ids, text, score, flags (and their repairs) and the pair's languages."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aligner.errors import FormatError
from aligner.export.model import DECISIONS, Group, PairSet, Review, WriteOptions, bead_id
from aligner.export.tsv import parse_confidence
from aligner.io import atomic_open, read_text
from aligner.types import AlignedPair, Bead, Flag


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
    """One bead per line: ids, text, score, flags (with their repair suggestions), the pair's languages
    and, when known, its signature (a JSONL file has no header line to carry it once)."""
    with atomic_open(path, "w", newline="") as fh:
        for ps in sets:
            for pair in ps.pairs:
                rec = pair_record(ps, pair)
                if ps.signature:
                    rec["signature"] = ps.signature
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def pair_from_record(rec: Mapping[str, Any], where: str) -> AlignedPair:
    """The aligned pair of one ``pair_record`` (a JSONL line), or a FormatError naming ``where``."""
    try:
        flags = tuple(Flag(code=f["code"], severity=f.get("severity") or "warning",
                           message=f.get("message", ""), side=f.get("side", "tgt"),
                           suggestion=f.get("suggestion")) for f in rec.get("flags", []))
        bead = Bead(tuple(int(i) for i in rec["src_ids"]), tuple(int(i) for i in rec["tgt_ids"]),
                    float(rec.get("score", 0.0)), parse_confidence(rec.get("confidence"), where))
        return AlignedPair(bead=bead, src=str(rec["src"]), tgt=str(rec["tgt"]), flags=flags)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise FormatError(f"{where}: not an aligned pair ({err.__class__.__name__}: {err})") from None


def read_groups(path: Path) -> dict[str, Group]:
    """The pairs of a JSONL file by their ``pair`` field, with decisions and languages."""
    groups: dict[str, Group] = {}
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


def write(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The ``jsonl`` format of the export registry."""
    write_jsonl(sets, path)
    return [path]
