"""``st:NAME_OR_PATH``: any sentence-transformers model available offline."""

from __future__ import annotations

import os

import numpy as np

from aligner.encoders.memo import Memo
from aligner.errors import EncoderError


class STEncoder(Memo):
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
        return np.asarray(self._model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False))
