"""What every encoder is: the ``Encoder`` protocol, and the memo and disk cache they share."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

MEMO_LIMIT = 20_000  # texts whose vectors an encoder keeps in memory

V = TypeVar("V")


class Encoder(Protocol):
    name: str  # canonical spec, e.g. "usem3"
    version: str  # model/library version, for signatures and cache keys

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` as float32 rows of length 1 (a zero row stays zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: np.ndarray = vectors / norms
    return unit


def own(value: Any) -> Any:
    """``value`` (an array, or a tuple holding arrays) with every array copied out of its batch."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(own(v) for v in value)
    return value


def remember(memo: dict[str, V], fresh: dict[str, V]) -> None:
    """Keep vectors for reuse, up to MEMO_LIMIT texts: a 50k-sentence book must not double its memory.

    The kept rows are copied: a view would keep the whole batch array it came from alive.
    """
    room = MEMO_LIMIT - len(memo)
    if room > 0:
        memo.update((text, own(value)) for text, value in list(fresh.items())[:room])


class Memo:
    """Per-text memo in memory plus an optional disk cache; subclasses implement ``_encode``."""

    name: str
    version: str

    def __init__(self, cache_dir: str | None = None) -> None:
        self._memo: dict[str, np.ndarray] = {}
        self._cache_dir = Path(cache_dir) if cache_dir else None

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the in-memory vectors. A vector's last bits depend on the batch it was computed in, so a
        corpus run forgets before each pair: a pair's bytes then do not depend on the pairs before it."""
        self._memo.clear()
        self.__dict__.get("_pool_memo", {}).clear()

    def _disk_key(self, text: str) -> str:
        return hashlib.sha1(f"{self.name}\0{self.version}\0{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if todo and self._cache_dir is not None:
            todo = self._load_disk(todo)
        fresh: dict[str, np.ndarray] = {}
        if todo:
            vectors = normalise(self._encode(todo))
            fresh = dict(zip(todo, vectors))
            remember(self._memo, fresh)
            if self._cache_dir is not None:
                self._save_disk(todo, vectors)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([fresh[t] if t in fresh else self._memo[t] for t in texts])

    @property
    def dim(self) -> int:
        return int(self.encode(["a"]).shape[1])

    def _folder(self) -> Path:
        assert self._cache_dir is not None
        return self._cache_dir / self.name.replace("/", "_").replace(":", "_")

    def _load_disk(self, texts: list[str]) -> list[str]:
        folder = self._folder()
        missing = []
        for text in texts:
            try:
                self._memo[text] = np.load(folder / f"{self._disk_key(text)}.npy")
            except (OSError, ValueError):
                missing.append(text)
        return missing

    def _save_disk(self, texts: list[str], vectors: np.ndarray) -> None:
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True)
        for text, vec in zip(texts, vectors):
            tmp = folder / f".{self._disk_key(text)}.{os.getpid()}.npy"
            np.save(tmp, vec)
            os.replace(tmp, folder / f"{self._disk_key(text)}.npy")


def runs_by_joining(encoder: Encoder, texts: Sequence[str], max_k: int, sep: str = " ") -> dict[int, np.ndarray]:
    """Embeddings of runs of 1..max_k texts by encoding the joined strings (any encoder)."""
    n = len(texts)
    runs = {k: [sep.join(texts[i:i + k]) for i in range(n - k + 1)] for k in range(1, max_k + 1)}
    flat = [t for k in runs for t in runs[k]]
    vectors = encoder.encode(flat) if flat else np.zeros((0, 1), dtype=np.float32)
    tables: dict[int, np.ndarray] = {}
    pos = 0
    for k, ts in runs.items():
        tables[k] = vectors[pos:pos + len(ts)] if ts else np.zeros((0, vectors.shape[1]), dtype=np.float32)
        pos += len(ts)
    return tables
