"""The export formats by name: ``WRITERS`` maps each to its writer; ``export`` and the CLI both dispatch here.

A format is one module of this package with a ``write(sets, path, options) -> [paths written]``
function (aligner/export/model.py's ``Writer``). A format that needs a third-party library names it
(``requires``), so a missing library is reported as that, before anything is written.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aligner.errors import FormatError, MissingDependencyError
from aligner.export import beads, bitext, jsonl, moses, tmx, tsv, xlsx
from aligner.export.model import Keep, PairSet, WriteOptions, as_sets
from aligner.types import AlignedPair, Alignment

Write = Callable[[Sequence[PairSet], Path, WriteOptions], list[Path]]


def _html(sets: Sequence[PairSet], path: Path, options: WriteOptions) -> list[Path]:
    """The review page's writer, imported when used (it loads numpy and the QA's number tables)."""
    from aligner.export import html

    return html.write(sets, path, options)


@dataclass(frozen=True)
class Writer:
    """One export format: its writer, whether ``keep``/``min_score`` select its pairs, what it needs installed."""

    write: Write
    corpus: bool = False  # bitext, moses, tmx: only pairs with text on both sides (model.corpus_pairs)
    requires: str | None = None  # the import name of the third-party library the writer needs
    package: str | None = None  # what to ``pip install`` for it


WRITERS: dict[str, Writer] = {
    "tsv": Writer(tsv.write),
    "beads": Writer(beads.write),
    "bitext": Writer(bitext.write, corpus=True),
    "moses": Writer(moses.write, corpus=True),
    "tmx": Writer(tmx.write, corpus=True, requires="lxml", package="lxml"),
    "jsonl": Writer(jsonl.write),
    "xlsx": Writer(xlsx.write, requires="openpyxl", package="openpyxl"),
    "html": Writer(_html),
}
FORMATS: tuple[str, ...] = tuple(WRITERS)
# file extension -> format, for ``-o`` without ``--format``
EXTENSIONS: dict[str, str] = {".tsv": "tsv", ".tmx": "tmx", ".jsonl": "jsonl", ".xlsx": "xlsx", ".html": "html"}


def guess_format(path: str | os.PathLike[str]) -> str | None:
    return EXTENSIONS.get(Path(path).suffix.lower())


def writer(fmt: str) -> Writer:
    """The writer of ``fmt``; a FormatError for an unknown name, a MissingDependencyError for a missing library."""
    w = WRITERS.get(fmt)
    if w is None:
        raise FormatError(f"unknown format {fmt!r} (expected {', '.join(FORMATS)})")
    if w.requires and importlib.util.find_spec(w.requires) is None:
        raise MissingDependencyError(f"the {fmt} format needs {w.requires}, which is not installed "
                                     f"(pip install {w.package or w.requires})")
    return w


def export(data: Alignment | PairSet | Sequence[AlignedPair] | Sequence[Alignment] | Sequence[PairSet],
           path: str | os.PathLike[str], fmt: str | None = None, *, keep: Keep = "all",
           min_score: float | None = None, src_lang: str | None = None, tgt_lang: str | None = None,
           name: str | None = None) -> list[Path]:
    """Write ``data`` to ``path`` in ``fmt`` (guessed from the extension when None); returns the files written.

    ``data`` is one alignment (an ``Alignment``, a ``PairSet`` or a list of
    ``AlignedPair``) or several (a list of ``Alignment``/``PairSet``), or a
    bead DataFrame of ``aligner.frames`` (filtered, for the corpus formats).
    ``fmt``: one of ``FORMATS``. ``keep``/``min_score`` narrow the corpus
    formats (bitext, moses, tmx) and are refused for the others, which always
    carry every bead.
    """
    fmt = fmt or guess_format(path)
    if fmt is None:
        raise FormatError(f"{path}: cannot tell the format from the extension; pass --format "
                          f"({', '.join(FORMATS)})")
    w = writer(fmt)
    from aligner.frames import frame_sets, is_frame

    if is_frame(data):  # a bead DataFrame (aligner.frames): checked against the beads it was read from
        data = frame_sets(data, fmt)
    sets = as_sets(data, name=name, src_lang=src_lang, tgt_lang=tgt_lang)
    if not w.corpus and (keep != "all" or min_score is not None):
        raise FormatError(f"--keep and --min-score select a corpus (bitext, moses, tmx); {fmt} keeps every bead")
    return w.write(sets, Path(path), WriteOptions(keep=keep, min_score=min_score, sources=data))


def write_tsv(alignment: Any, path: str | os.PathLike[str]) -> None:
    """``aligner.write_tsv``: the alignment table of an Alignment, a list of pairs, or a bead DataFrame.

    A DataFrame of ``aligner.frames`` is checked against the alignment it came from, then written.
    """
    from aligner.frames import is_frame

    if is_frame(alignment):
        export(alignment, path, "tsv")
    else:
        tsv.write_tsv(alignment, path)
