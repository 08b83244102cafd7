"""The rules every command that writes a file follows before it starts.

1. The output is never one of the command's inputs (after symlinks, ``..`` and hard links).
2. The output is never a folder.
3. An existing file is replaced only when it already holds what the command writes (recognised by
   its content: our TSV table, beads, JSONL, TMX, a workbook, a bitext, a Moses pair); any other file
   is left alone unless ``--force`` is given. An empty file counts as ours.

Moses writes two files, ``OUT.{src}`` and ``OUT.{tgt}``; both are checked.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import typer

from aligner.errors import InputError
from aligner.io import check_output

ForceOpt = typer.Option(False, "--force", help="Overwrite an existing output file that is not in the format written.")

DESCRIPTIONS = {
    "tsv": "an alignment table", "beads": "a beads file", "jsonl": "an alignment JSONL file", "tmx": "a TMX file",
    "xlsx": "a workbook", "bitext": "a bitext (src<TAB>tgt lines)", "moses": "half of a Moses corpus",
    "audit": "a review audit table", "html": "a review page written by aligner",
}
_BEAD = re.compile(r"^\[[\d, ]*\]:\[[\d, ]*\](:[-\d.eE]+)?$")


def _head(path: Path, lines: int = 20) -> list[str]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        head = [fh.readline() for _ in range(lines)]
    return [line.rstrip("\r\n") for line in head if line.strip()]


def looks_like(path: Path, fmt: str) -> bool:
    """Whether an existing file already holds ``fmt`` (what a command writing ``fmt`` may replace)."""
    if path.stat().st_size == 0:
        return True
    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(path) as z:
                return "xl/workbook.xml" in z.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
    head = _head(path)
    if not head:
        return False
    first = head[0].lstrip("\ufeff")
    if fmt == "tsv":
        return first.startswith("# aligner") or first.startswith("src_ids\t")
    if fmt == "audit":
        return first.startswith("pair\tpair_id\tdecision")
    if fmt == "beads":
        return all(_BEAD.match(line.strip()) for line in head)
    if fmt == "jsonl":
        try:
            return isinstance(json.loads(first), dict) and "src_ids" in json.loads(first)
        except ValueError:
            return False
    if fmt == "tmx":
        return "<tmx" in " ".join(head[:5])
    if fmt == "html":  # our pages name their generator in the head
        return '<meta name="generator" content="aligner">' in " ".join(head[:3])
    if fmt == "bitext":
        return all(line.count("\t") == 1 for line in head)
    return False


def _lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def guard_output(out: Path, inputs: Iterable[str | os.PathLike[str]], fmt: str, force: bool = False) -> None:
    """Refuse ``out`` by the rules of this module (one ``error:`` line)."""
    check_output(out, inputs)
    if not force and out.is_file() and not looks_like(out, fmt):
        raise InputError(f"{out}: exists and is not {DESCRIPTIONS.get(fmt, fmt)}; "
                         "refusing to overwrite it (give another output path, or --force)")


def guard_moses(paths: Sequence[Path], inputs: Iterable[str | os.PathLike[str]], force: bool = False) -> None:
    """Both files of a Moses pair: replaced together when both exist with one line count (a previous export)."""
    inputs = list(inputs)
    for p in paths:
        check_output(p, inputs)
    existing = [p for p in paths if p.is_file() and p.stat().st_size]
    if force or not existing:
        return
    if len(existing) == len(paths) and len({_lines(p) for p in existing}) == 1:
        return
    raise InputError(f"{existing[0]}: exists and is not {DESCRIPTIONS['moses']}; "
                     "refusing to overwrite it (give another output path, or --force)")
