"""Window tables of any length in bounded memory: encoded in blocks, kept on disk above a size.

A document's window tables (``Windows``) hold, per run length k = 1..max_merge, a
512-wide float32 row per sentence: 8 KB a sentence at max_merge 4, 2.9 GB a side for a
50 MB book, and the encoder needs as much again while it works. Up to ``STREAM_ROWS``
sentences a side, the tables are encoded in one call and kept in memory. Beyond
that, the sentences are encoded ``STREAM_ROWS`` at a time (each
block with the max_merge - 1 sentences after it, for the runs that cross its end), and
each table's rows go to an unnamed temporary file (``SpilledTable``), which the
search reads back a slice of rows at a time: memory then stays bounded by the block
size whatever the document's length. The files take that 8 KB a sentence of
temporary disk space (``TMPDIR``), and they are gone when the tables are, or when
the process ends, however it ends (they have no name to leave behind).

A vector's last bits depend on the batch the encoder computed it in, so the figures
of a document longer than ``STREAM_ROWS`` sentences can differ in the last digits
from encoding it in one call; below that size nothing changes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence

import numpy as np

STREAM_ROWS = 16_384  # sentences a side encoded (and held) at once; longer documents are streamed


def _read_into(fd: int, out: np.ndarray, offset: int) -> None:
    """Fill ``out`` (contiguous) with the bytes of file ``fd`` from ``offset`` on."""
    if not out.size:
        return
    view, done = out.data.cast("B"), 0
    while done < len(view):
        got = os.preadv(fd, [view[done:]], offset + done)
        if got <= 0:
            raise OSError("a temporary file of the alignment ended early")
        done += got


class SpilledTable:
    """A float32 table whose rows live in an unnamed temporary file; slicing reads them back.

    Supports what the search does with a table: ``shape``, ``len``, one row (``t[i]``) and a
    range of rows (``t[a:b]``), each returned as a fresh array.
    """

    dtype = np.dtype(np.float32)

    def __init__(self, dim: int) -> None:
        self._file = tempfile.TemporaryFile(prefix="aligner-table-", buffering=0)
        self.rows = 0
        self.dim = dim

    def append(self, block: np.ndarray) -> None:
        data = np.ascontiguousarray(block, dtype=np.float32).reshape(-1, self.dim)
        if not data.size:
            return
        view = data.data.cast("B")
        while view:
            view = view[self._file.write(view):]
        self.rows += data.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.dim

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, key: int | slice) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(self.rows)
            if step != 1:
                raise ValueError("a spilled table is read in runs of consecutive rows")
            return self._read(start, max(stop, start)).reshape(-1, self.dim)
        row = key + self.rows if key < 0 else key
        if not 0 <= row < self.rows:
            raise IndexError(key)
        return self._read(row, row + 1).reshape(self.dim)

    def _read(self, start: int, stop: int) -> np.ndarray:
        width = self.dim * self.dtype.itemsize
        out = np.empty((stop - start) * self.dim, dtype=np.float32)
        _read_into(self._file.fileno(), out, start * width)
        return out

    def close(self) -> None:
        self._file.close()


class SpilledArrays:
    """Arrays appended one by one to an unnamed temporary file and read back by index (a list of
    arrays that takes no memory: a long search's rows of scores and bead values, see ``search``).

    Setting an item to None (to let it go) is accepted and does nothing.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="aligner-rows-", buffering=1 << 20)
        self._items: list[tuple[int, tuple[int, ...], str]] = []  # (offset, shape, dtype) of each array
        self._end = 0
        self._dirty = False

    def append(self, array: np.ndarray) -> None:
        data = np.ascontiguousarray(array)
        self._items.append((self._end, data.shape, data.dtype.str))
        self._file.write(data.tobytes())
        self._end += data.nbytes
        self._dirty = True

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> np.ndarray:
        if self._dirty:
            self._file.flush()
            self._dirty = False
        offset, shape, dtype = self._items[index]
        out = np.empty(shape, dtype=dtype)
        _read_into(self._file.fileno(), out, offset)
        return out

    def __setitem__(self, index: int, value: None) -> None:
        pass


class SpilledRows:
    """The per-row states of a pass (a few arrays of the row's width each), in a ``SpilledArrays``."""

    def __init__(self) -> None:
        self._rows = SpilledArrays()

    def append(self, states: tuple[np.ndarray, ...]) -> None:
        self._rows.append(np.stack(states))

    def __getitem__(self, i: int) -> tuple[np.ndarray, ...]:
        return tuple(self._rows[i])


Table = np.ndarray | SpilledTable
Kept = list[np.ndarray | None] | SpilledArrays  # the bead values a search keeps for the confidence pass
EncodeRuns = Callable[[Sequence[str], int], dict[int, np.ndarray]]


def run_tables(encode_runs: EncodeRuns, sentences: Sequence[str], max_merge: int,
               block: int | None = None) -> dict[int, Table]:
    """The window tables of ``sentences`` (runs of 1..max_merge) from ``encode_runs``, streamed above
    ``block`` (default ``STREAM_ROWS``) sentences (see the module docstring)."""
    block = STREAM_ROWS if block is None else block
    n = len(sentences)
    if n <= block:
        return dict(encode_runs(sentences, max_merge))
    tables: dict[int, Table] = {}
    for start in range(0, n, block):
        stop = min(start + block, n)
        part = encode_runs(sentences[start:min(stop + max_merge - 1, n)], max_merge)
        for k, rows in part.items():
            spill = tables.get(k)
            if spill is None:
                spill = tables[k] = SpilledTable(rows.shape[1])
            assert isinstance(spill, SpilledTable)
            spill.append(rows[:max(0, min(stop, n - k + 1) - start)])
    return tables


def pair_means(table: Table, rows: int, f: int) -> Table:
    """Normalised sums of each ``f`` consecutive rows of ``table`` (the last group padded with zeros),
    as float32: the embeddings of the search's coarse level. Spilled in, spilled out when large."""
    count = -(-rows // f)

    def means(e: np.ndarray) -> np.ndarray:
        pad = -e.shape[0] % f
        padded = np.vstack([e, np.zeros((pad, e.shape[1]), dtype=e.dtype)]) if pad else e
        out = padded.reshape(-1, f, e.shape[1]).sum(axis=1)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        result: np.ndarray = out.astype(np.float32)
        return result

    if isinstance(table, np.ndarray):
        return means(table)
    step = STREAM_ROWS * f
    if count <= STREAM_ROWS:
        return np.concatenate([means(table[r:r + step]) for r in range(0, rows, step)])
    spill = SpilledTable(table.dim)
    for r in range(0, rows, step):
        spill.append(means(table[r:r + step]))
    return spill
