"""A Moses corpus: two line-parallel files ``OUT.{srclang}`` and ``OUT.{tgtlang}``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from aligner.export.model import Keep, PairSet, WriteOptions, corpus_pairs
from aligner.export.tsv import clean_field
from aligner.io import atomic_open


def moses_paths(path: str | os.PathLike[str], src_lang: str | None, tgt_lang: str | None) -> tuple[Path, Path]:
    """``OUT.{srclang}`` and ``OUT.{tgtlang}`` (Moses' ``corpus.L1 corpus.L2``); ``.src``/``.tgt`` without languages."""
    base = Path(path)
    a, b = (src_lang, tgt_lang) if src_lang and tgt_lang and src_lang != tgt_lang else ("src", "tgt")
    return base.with_name(f"{base.name}.{a}"), base.with_name(f"{base.name}.{b}")


def write_moses(sets: Sequence[PairSet], path: str | os.PathLike[str], keep: Keep = "all",
                min_score: float | None = None) -> tuple[Path, Path]:
    """Two line-parallel files of the corpus pairs; line i of one translates line i of the other."""
    langs = {(ps.src_lang, ps.tgt_lang) for ps in sets}
    sl, tl = next(iter(langs)) if len(langs) == 1 else (None, None)
    src_path, tgt_path = moses_paths(path, sl, tl)
    pairs = [p for ps in sets for p in corpus_pairs(ps, keep, min_score)]
    with atomic_open(src_path, "w", newline="") as fs:
        fs.writelines(clean_field(p.src) + "\n" for p in pairs)
    with atomic_open(tgt_path, "w", newline="") as ft:
        ft.writelines(clean_field(p.tgt) + "\n" for p in pairs)
    return src_path, tgt_path


def write(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The ``moses`` format of the export registry: both files."""
    return list(write_moses(sets, path, options.keep, options.min_score))
