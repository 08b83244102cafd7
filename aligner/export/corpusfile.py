"""One training corpus over every pair of a corpus run: ``--bitext FILE[.gz]`` and ``--parquet FOLDER``.

Built at the end of a run from the pairs' own alignment tables in OUT (not from memory), so a
resumed run writes the same file as an uninterrupted one. One row per aligned pair that the
selection of ``aligner export`` keeps (``corpus_pairs``: text on both sides, ``keep`` and
``min_score``), in the run's pair order and each pair's bead order, with the document pair and the
bead id in every row:

    src  tgt  src_lang  tgt_lang  src_doc  tgt_doc  bead  score

Deduplicated on ``(src_lang, tgt_lang, src, tgt)``, the texts exactly as written (one line each,
no normalisation): the first occurrence is kept, later ones are counted. A ``.gz`` bitext is gzip
with a zero timestamp and no file name in its header, so the same rows give the same bytes. The
Parquet folder holds ``part-00000.parquet``, ... (``ROWS_PER_PART`` rows each); it is written
beside the target and swapped in whole. pyarrow is optional: ``pip install 'aligner[parquet]'``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

from aligner.errors import InputError
from aligner.export.model import Keep, bead_id, corpus_pairs
from aligner.export.read import read_alignment
from aligner.io import atomic_open

COLUMNS = ("src", "tgt", "src_lang", "tgt_lang", "src_doc", "tgt_doc", "bead", "score")
ROWS_PER_PART = 1_000_000
ROW_GROUP = 100_000
PARQUET_EXTRA = "pip install 'aligner[parquet]'"


class PairFile(NamedTuple):
    """One aligned document pair of the run: its documents' names and its alignment table."""

    src_doc: str
    tgt_doc: str
    tsv: Path


class Row(NamedTuple):
    src: str
    tgt: str
    src_lang: str
    tgt_lang: str
    src_doc: str
    tgt_doc: str
    bead: str
    score: float


@dataclass
class CorpusFileReport:
    rows: int = 0  # rows written
    duplicates: int = 0  # rows left out as repeats of an earlier row


def corpus_rows(pairs: Iterable[PairFile], keep: Keep = "clean", min_score: float | None = None,
                report: CorpusFileReport | None = None) -> Iterator[Row]:
    """The deduplicated rows of ``pairs``, in order (see the module docstring)."""
    from aligner.export.tsv import clean_field

    seen: set[bytes] = set()  # 16-byte digests of the keys: memory per distinct row, not per text
    report = report if report is not None else CorpusFileReport()
    for pf in pairs:
        for ps in read_alignment(pf.tsv):
            sl, tl = ps.src_lang or "", ps.tgt_lang or ""
            for pair in corpus_pairs(ps, keep, min_score):
                src, tgt = clean_field(pair.src), clean_field(pair.tgt)
                key = hashlib.blake2b("\x1f".join((sl, tl, src, tgt)).encode("utf-8"), digest_size=16).digest()
                if key in seen:
                    report.duplicates += 1
                    continue
                seen.add(key)
                report.rows += 1
                yield Row(src, tgt, sl, tl, pf.src_doc, pf.tgt_doc, bead_id(pair.bead), round(pair.bead.score, 4))


def write_bitext_corpus(pairs: Iterable[PairFile], path: str | os.PathLike[str], keep: Keep = "clean",
                        min_score: float | None = None) -> CorpusFileReport:
    """A header line and one tab-separated row per kept pair; gzip when ``path`` ends in ``.gz``."""
    report = CorpusFileReport()
    with atomic_open(path, "wb", encoding=None, newline=None) as raw:
        with _text_stream(raw, str(path).endswith(".gz")) as fh:
            fh.write("\t".join(COLUMNS) + "\n")
            for row in corpus_rows(pairs, keep, min_score, report):
                fh.write("\t".join((*row[:7], f"{row.score:.4f}")) + "\n")
    return report


def _text_stream(raw: IO[bytes], compress: bool) -> io.TextIOWrapper:
    # gzip without a timestamp or a name in its header: the same rows, the same bytes
    binary = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) if compress else raw
    return io.TextIOWrapper(binary, encoding="utf-8", newline="\n", write_through=False)


def require_pyarrow() -> None:
    """Refuse ``--parquet`` before a run starts when pyarrow is missing."""
    try:
        import pyarrow.parquet  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise InputError(f"--parquet needs pyarrow: {PARQUET_EXTRA}") from None


def write_parquet_corpus(pairs: Iterable[PairFile], folder: str | os.PathLike[str], keep: Keep = "clean",
                         min_score: float | None = None) -> CorpusFileReport:
    """``folder/part-NNNNN.parquet`` with the rows of ``corpus_rows``; replaces a folder of parts whole."""
    require_pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: is a file; --parquet takes a folder")
    if target.is_dir() and any(not p.name.endswith(".parquet") for p in target.iterdir()):
        raise InputError(f"{target}: holds files other than Parquet parts; choose another --parquet folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(c, pa.float64() if c == "score" else pa.string()) for c in COLUMNS])
    report = CorpusFileReport()
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        part, batch, writer = 0, [], None
        for row in corpus_rows(pairs, keep, min_score, report):
            batch.append(row)
            if len(batch) == ROW_GROUP:
                writer = _write_group(pq, pa, schema, tmp, writer, part, batch)
                batch = []
                if (report.rows % ROWS_PER_PART) == 0:
                    writer.close()
                    writer, part = None, part + 1
        if batch or report.rows == 0:
            writer = _write_group(pq, pa, schema, tmp, writer, part, batch)
        if writer is not None:
            writer.close()
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report


def _write_group(pq: Any, pa: Any, schema: Any, folder: Path, writer: Any, part: int, rows: list[Row]) -> Any:
    if writer is None:
        writer = pq.ParquetWriter(folder / f"part-{part:05d}.parquet", schema, compression="zstd")
    columns = list(zip(*rows)) if rows else [()] * len(COLUMNS)
    writer.write_table(pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(columns, schema)],
                                            schema=schema))
    return writer


def _swap_in(tmp: Path, target: Path) -> None:
    """Put the folder ``tmp`` in place of ``target`` (the old parts go only once the new ones are there)."""
    os.chmod(tmp, 0o755)  # mkdtemp makes 0700: the corpus is for others to read
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

