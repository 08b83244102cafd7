"""aligner: multilingual translation alignment and QA.

The package imports nothing heavy: the public API below is resolved lazily
(PEP 562), so ``import aligner`` costs milliseconds and the encoder, lingua and
NLTK load only when a stage that needs them runs.

    >>> import aligner
    >>> alignment = aligner.align_files("en.txt", "de.txt")      # doctest: +SKIP
    >>> aligner.write_tsv(alignment, "en-de.tsv")                 # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aligner._lazy import lazy_attributes

if TYPE_CHECKING:  # the real types for type checkers; at run time the names load lazily (below)
    from aligner.config import AlignConfig, DocConfig
    from aligner.document import make_document, read_document
    from aligner.encoders import get_encoder
    from aligner.errors import AlignerError
    from aligner.export.registry import write_tsv
    from aligner.export.tsv import read_tsv
    from aligner.frames import read_alignment, read_corpus, to_frame
    from aligner.langid import detect_language
    from aligner.pipeline import align_documents, align_files
    from aligner.types import AlignedPair, Alignment, Bead, Document, Exclusion, Flag, Segment

from aligner.version import VERSION as __version__

# public name -> module that defines it
_LAZY = {
    "AlignConfig": "aligner.config",
    "DocConfig": "aligner.config",
    "Document": "aligner.types",
    "Segment": "aligner.types",
    "Exclusion": "aligner.types",
    "Bead": "aligner.types",
    "Flag": "aligner.types",
    "AlignedPair": "aligner.types",
    "Alignment": "aligner.types",
    "AlignerError": "aligner.errors",
    "read_document": "aligner.document",
    "make_document": "aligner.document",
    "detect_language": "aligner.langid",
    "get_encoder": "aligner.encoders",
    "align_documents": "aligner.pipeline",
    "align_files": "aligner.pipeline",
    "write_tsv": "aligner.export.registry",
    "read_tsv": "aligner.export.tsv",
    "read_alignment": "aligner.frames",
    "read_corpus": "aligner.frames",
    "to_frame": "aligner.frames",
}

__all__ = [
    "__version__",
    "AlignConfig",
    "DocConfig",
    "Document",
    "Segment",
    "Exclusion",
    "Bead",
    "Flag",
    "AlignedPair",
    "Alignment",
    "AlignerError",
    "read_document",
    "make_document",
    "detect_language",
    "get_encoder",
    "align_documents",
    "align_files",
    "write_tsv",
    "read_tsv",
    "read_alignment",
    "read_corpus",
    "to_frame",
]


if not TYPE_CHECKING:  # (hidden from type checkers, which would take any unknown name for this Any)
    __getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
